/** DB snapshots of standalone instances: describe, create, copy (re-encrypt, from shared), delete, share; option groups. */
import type { HandlerContext } from '../context';
import { common, type AwsError } from '../errors';
import type { Params } from '../protocol/query';
import type { Account, DbSnapshot, OptionGroupDef } from '../world';
import { authorize, callerAccount, checkIdentifier, keyForRds, keyNotAccessible, recordRdsGrant, visibleTo, type Output } from './common';
import { findDbInstance, findDbSnapshot, optionGroupOf, ownDbSnapshot, requireOptionGroup, unshareableOptions } from './db-common';
import { snapshotInstance } from './db-instances';
import { dbSnapshotShape, optionGroupShape } from './db-shapes';
import { copySnapshot, dbSnapshotKind, deleteManualSnapshot, grantSourceKey, shareSnapshot, snapshotAttributes, snapshotResource } from './snapshot-rules';

export function describeDBSnapshots(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = ctx.caller!.account;
  const id = p.str('DBSnapshotIdentifier');
  const instanceRef = p.str('DBInstanceIdentifier');
  const type = p.str('SnapshotType');
  const includeShared = p.bool('IncludeShared') ?? false;
  const includePublic = p.bool('IncludePublic') ?? false;
  authorize(ctx, 'rds:DescribeDBSnapshots', snapshotResource(ctx, dbSnapshotKind, id || '*'));
  if (id) return { DBSnapshots: [dbSnapshotShape(world, findDbSnapshot(ctx, id))] };
  const instanceId = instanceRef ? (/:db:(.+)$/.exec(instanceRef)?.[1] ?? instanceRef).toLowerCase() : undefined;
  const all: DbSnapshot[] = [];
  for (const account of world.accounts.values()) for (const s of account.dbSnapshots.values()) if (visibleTo(s, me)) all.push(s);
  const filters = p.filters();
  const selected = all.filter(s => {
    const own = s.account === me;
    const isPublic = s.sharedWith.includes('all');
    if (type === 'shared' && (own || !s.sharedWith.includes(me))) return false;
    if (type === 'public' && !isPublic) return false;
    if ((type === 'manual' || type === 'automated') && (!own || s.type !== type)) return false;
    if (!type && !own && !(includeShared && s.sharedWith.includes(me)) && !(includePublic && isPublic)) return false;
    if (instanceId && s.instanceId !== instanceId) return false;
    for (const f of filters) {
      if (f.Name === 'db-instance-id' && !f.Values.some(v => v.toLowerCase() === s.instanceId || v === world.instanceArn(s.account, s.instanceId))) return false;
      if (f.Name === 'db-snapshot-id' && !f.Values.some(v => v.toLowerCase() === s.id)) return false;
      if (f.Name === 'snapshot-type' && !f.Values.includes(s.type)) return false;
      if (f.Name === 'engine' && !f.Values.includes(s.engine)) return false;
      if (f.Name === 'dbi-resource-id' && !f.Values.includes(s.dbiResourceId)) return false;
    }
    return true;
  });
  return { DBSnapshots: selected.sort((a, b) => a.created.getTime() - b.created.getTime()).map(s => dbSnapshotShape(world, s)) };
}

export function createDBSnapshot(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBSnapshotIdentifier');
  const instanceRef = p.required('DBInstanceIdentifier');
  authorize(ctx, 'rds:CreateDBSnapshot', world.dbSnapshotArn(ctx.caller!.account, id));
  const member = callerAccount(ctx).instances.get(instanceRef.toLowerCase());
  if (member) {
    throw common.invalidParameterValue('The specified instance is a member of a cluster and a snapshot cannot be created directly. Please use the CreateDBClusterSnapshot API instead.');
  }
  const instance = findDbInstance(ctx, instanceRef);
  authorize(ctx, 'rds:CreateDBSnapshot', world.instanceArn(instance.account, instance.id));
  return { DBSnapshot: dbSnapshotShape(world, snapshotInstance(ctx, instance, id, p.tags() ?? [])) };
}

export function copyDBSnapshot(ctx: HandlerContext, p: Params): Output {
  return copySnapshot(ctx, p, dbSnapshotKind, findDbSnapshot, ({ me, source, targetId, kmsKeyId, shared }) => {
    const world = ctx.world;
    const targetArn = world.dbSnapshotArn(me.id, targetId.toLowerCase());
    if (source.kmsKeyArn) grantSourceKey(ctx, source.kmsKeyArn, true, targetArn);
    let kmsKeyArn = source.kmsKeyArn;
    if (kmsKeyId) {
      // For DB snapshots (unlike Aurora), KmsKeyId on an unencrypted snapshot encrypts the copy.
      const key = keyForRds(ctx, kmsKeyId, 'target');
      if (shared && key.account !== me.id) throw keyNotAccessible(key.arn);
      recordRdsGrant(world, ctx.caller!.principal, key, targetArn);
      kmsKeyArn = key.arn;
    }
    // A DB snapshot copy may move to another option group (Aurora cluster snapshots have none).
    const optionGroupName = p.str('OptionGroupName');
    const optionGroup = optionGroupName ? requireOptionGroup(me, optionGroupName).name : source.optionGroup;
    return { kmsKeyArn, optionGroup };
  });
}

export function deleteDBSnapshot(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBSnapshotIdentifier');
  authorize(ctx, 'rds:DeleteDBSnapshot', snapshotResource(ctx, dbSnapshotKind, id));
  return deleteManualSnapshot(ctx, dbSnapshotKind, ownDbSnapshot(ctx, id));
}

export function describeDBSnapshotAttributes(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBSnapshotIdentifier');
  authorize(ctx, 'rds:DescribeDBSnapshotAttributes', snapshotResource(ctx, dbSnapshotKind, id));
  return snapshotAttributes(dbSnapshotKind, ownDbSnapshot(ctx, id));
}

/** Options that AWS will not let a shared DB snapshot carry (permanent or persistent ones). */
function optionGroupRefusal(owner: Account, snapshot: DbSnapshot): AwsError | undefined {
  const blocking = unshareableOptions(optionGroupOf(owner, snapshot.optionGroup), snapshot.engine);
  if (blocking.length === 0) return undefined;
  return common.invalidParameterValue(
    `Cannot share snapshot ${snapshot.id}: its option group ${snapshot.optionGroup} has permanent or persistent options (${blocking.join(', ')}). Snapshots that use such an option group cannot be shared.`
  );
}

export function modifyDBSnapshotAttribute(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBSnapshotIdentifier');
  authorize(ctx, 'rds:ModifyDBSnapshotAttribute', snapshotResource(ctx, dbSnapshotKind, id));
  const attribute = p.required('AttributeName');
  // AWS validates the identifier here: an automated snapshot's `rds:` id is refused as invalid (aws-cli#8296).
  // Not so for ModifyDBClusterSnapshotAttribute.
  if (!id.startsWith('arn:')) checkIdentifier('DBSnapshotIdentifier', id, 255);
  return shareSnapshot(ctx, p, dbSnapshotKind, attribute, ownDbSnapshot(ctx, id), optionGroupRefusal);
}

export function describeOptionGroups(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = callerAccount(ctx);
  const name = p.str('OptionGroupName');
  authorize(ctx, 'rds:DescribeOptionGroups', world.optionGroupArn(me.id, name ?? '*'));
  if (name) return { OptionGroupsList: [optionGroupShape(world, requireOptionGroup(me, name))] };
  const groups = new Map<string, OptionGroupDef>();
  for (const g of me.optionGroups.values()) groups.set(g.name, g);
  for (const i of me.dbInstances.values()) {
    const g = optionGroupOf(me, i.optionGroup);
    if (g && !groups.has(g.name)) groups.set(g.name, g);
  }
  const engine = p.str('EngineName');
  const major = p.str('MajorEngineVersion');
  const list = [...groups.values()].filter(g => (!engine || g.engine === engine) && (!major || g.majorEngineVersion === major));
  return { OptionGroupsList: list.map(g => optionGroupShape(world, g)) };
}
