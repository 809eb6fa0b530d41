/** Tags on clusters, snapshots and instances, addressed by ARN. */
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import type { Tag } from '../world';
import { authorize, type Output } from './common';

function taggable(ctx: HandlerContext, arn: string): { tags: Tag[] } {
  const m = /^arn:aws:rds:[^:]+:(\d{12}):(cluster|cluster-snapshot|db|snapshot):(.+)$/.exec(arn);
  if (!m) throw common.invalidParameterValue(`The specified resource name does not match an RDS resource in this region: ${arn}`);
  const account = ctx.world.account(m[1]!);
  const id = m[3]!.toLowerCase();
  const own = account?.id === ctx.caller!.account;
  if (m[2] === 'cluster') {
    const c = own ? account!.clusters.get(id) : undefined;
    if (!c) throw rdsFault('DBClusterNotFoundFault', `DBCluster ${m[3]} not found.`);
    return c;
  }
  if (m[2] === 'cluster-snapshot') {
    const s = own ? (account!.snapshots.get(id) ?? account!.snapshots.get(m[3]!)) : undefined;
    if (!s) throw rdsFault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${m[3]} not found.`);
    return s;
  }
  if (m[2] === 'snapshot') {
    const s = own ? account!.dbSnapshots.get(id) : undefined;
    if (!s) throw rdsFault('DBSnapshotNotFoundFault', `DBSnapshot not found: ${m[3]}`);
    return s;
  }
  const i = own ? (account!.dbInstances.get(id) ?? account!.instances.get(id)) : undefined;
  if (!i) throw rdsFault('DBInstanceNotFoundFault', `DBInstance ${m[3]} not found.`);
  return i;
}

export function addTagsToResource(ctx: HandlerContext, p: Params): Output {
  const arn = p.required('ResourceName');
  authorize(ctx, 'rds:AddTagsToResource', arn);
  const resource = taggable(ctx, arn);
  for (const tag of p.tags() ?? []) {
    const existing = resource.tags.find(t => t.Key === tag.Key);
    if (existing) existing.Value = tag.Value;
    else resource.tags.push(tag);
  }
  return {};
}

export function removeTagsFromResource(ctx: HandlerContext, p: Params): Output {
  const arn = p.required('ResourceName');
  authorize(ctx, 'rds:RemoveTagsFromResource', arn);
  const resource = taggable(ctx, arn);
  const keys = p.list('TagKeys') ?? [];
  resource.tags = resource.tags.filter(t => !keys.includes(t.Key));
  return {};
}

export function listTagsForResource(ctx: HandlerContext, p: Params): Output {
  const arn = p.required('ResourceName');
  authorize(ctx, 'rds:ListTagsForResource', arn);
  return { TagList: taggable(ctx, arn).tags };
}
