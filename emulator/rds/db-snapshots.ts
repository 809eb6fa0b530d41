/** DB snapshots of standalone instances: describe, create, copy (re-encrypt, from shared), delete, share; option groups. */
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import type { DbSnapshot, OptionGroupDef } from '../world';
import { authorize, callerAccount, checkIdentifier, checkSourceKey, keyForRds, keyNotAccessible, recordRdsGrant, type Output } from './common';
import {
  checkDbSnapshotQuota,
  dbVisibleTo,
  findDbInstance,
  findDbSnapshot,
  optionGroupOf,
  ownDbSnapshot,
  requireOptionGroup,
  unshareableOptions
} from './db-common';
import { snapshotInstance } from './db-instances';
import { dbSnapshotShape, optionGroupShape } from './db-shapes';
import { sharedSnapshotAccountLimit } from './snapshots';

function arnOrOwn(ctx: HandlerContext, id: string): string {
  return id.startsWith('arn:') ? id : ctx.world.dbSnapshotArn(ctx.caller!.account, id);
}

export function describeDBSnapshots(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = ctx.caller!.account;
  const id = p.str('DBSnapshotIdentifier');
  const instanceRef = p.str('DBInstanceIdentifier');
  const type = p.str('SnapshotType');
  const includeShared = p.bool('IncludeShared') ?? false;
  const includePublic = p.bool('IncludePublic') ?? false;
  authorize(ctx, 'rds:DescribeDBSnapshots', id ? arnOrOwn(ctx, id) : world.dbSnapshotArn(me, '*'));
  if (id) return { DBSnapshots: [dbSnapshotShape(world, findDbSnapshot(ctx, id))] };
  const instanceId = instanceRef ? (/:db:(.+)$/.exec(instanceRef)?.[1] ?? instanceRef).toLowerCase() : undefined;
  const all: DbSnapshot[] = [];
  for (const account of world.accounts.values()) for (const s of account.dbSnapshots.values()) if (dbVisibleTo(s, me)) all.push(s);
  const filters = p.filters();
  const selected = all.filter((s) => {
    const own = s.account === me;
    const isPublic = s.sharedWith.includes('all');
    if (type === 'shared' && (own || !s.sharedWith.includes(me))) return false;
    if (type === 'public' && !isPublic) return false;
    if ((type === 'manual' || type === 'automated') && (!own || s.type !== type)) return false;
    if (!type && !own && !(includeShared && s.sharedWith.includes(me)) && !(includePublic && isPublic)) return false;
    if (instanceId && s.instanceId !== instanceId) return false;
    for (const f of filters) {
      if (f.Name === 'db-instance-id' && !f.Values.some((v) => v.toLowerCase() === s.instanceId || v === world.instanceArn(s.account, s.instanceId))) return false;
      if (f.Name === 'db-snapshot-id' && !f.Values.some((v) => v.toLowerCase() === s.id)) return false;
      if (f.Name === 'snapshot-type' && !f.Values.includes(s.type)) return false;
      if (f.Name === 'engine' && !f.Values.includes(s.engine)) return false;
      if (f.Name === 'dbi-resource-id' && !f.Values.includes(s.dbiResourceId)) return false;
    }
    return true;
  });
  return { DBSnapshots: selected.sort((a, b) => a.created.getTime() - b.created.getTime()).map((s) => dbSnapshotShape(world, s)) };
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
  const world = ctx.world;
  const me = callerAccount(ctx);
  const sourceRef = p.required('SourceDBSnapshotIdentifier');
  const targetId = p.required('TargetDBSnapshotIdentifier');
  authorize(ctx, 'rds:CopyDBSnapshot', world.dbSnapshotArn(me.id, targetId));
  const source = findDbSnapshot(ctx, sourceRef);
  authorize(ctx, 'rds:CopyDBSnapshot', world.dbSnapshotArn(source.account, source.id));
  checkIdentifier('TargetDBSnapshotIdentifier', targetId, 255);
  if (me.dbSnapshots.has(targetId.toLowerCase())) {
    throw rdsFault('DBSnapshotAlreadyExistsFault', `Cannot create the snapshot because a snapshot with the identifier ${targetId} already exists.`);
  }
  checkDbSnapshotQuota(me);
  if (source.status !== 'available') {
    throw rdsFault('InvalidDBSnapshotStateFault', `Snapshot ${source.id} is not in available state (it is ${source.status}).`);
  }
  const shared = source.account !== me.id;
  const kmsKeyId = p.str('KmsKeyId');
  if (source.kmsKeyArn && shared && !kmsKeyId) {
    throw common.invalidParameterValue('KmsKeyId must be specified when copying an encrypted DB snapshot shared from another account.');
  }
  const targetArn = world.dbSnapshotArn(me.id, targetId.toLowerCase());
  if (source.kmsKeyArn) recordRdsGrant(world, ctx.caller!.principal, checkSourceKey(ctx, source.kmsKeyArn, true), targetArn);
  let targetKeyArn = source.kmsKeyArn;
  if (kmsKeyId) {
    // For DB snapshots (unlike Aurora), KmsKeyId on an unencrypted snapshot encrypts the copy.
    const key = keyForRds(ctx, kmsKeyId, 'target');
    if (shared && key.account !== me.id) throw keyNotAccessible(key.arn);
    recordRdsGrant(world, ctx.caller!.principal, key, targetArn);
    targetKeyArn = key.arn;
  }
  const optionGroupName = p.str('OptionGroupName');
  const optionGroup = optionGroupName ? requireOptionGroup(me, optionGroupName).name : source.optionGroup;
  const seconds = source.allocatedStorageGb * world.timings.copySecondsPerGb;
  const now = world.clock.now();
  const copy: DbSnapshot = {
    ...source,
    id: targetId.toLowerCase(),
    account: me.id,
    type: 'manual',
    status: 'copying',
    kmsKeyArn: targetKeyArn,
    optionGroup,
    created: new Date(now),
    tags: [...(p.bool('CopyTags') ? source.tags : []), ...(p.tags() ?? [])],
    sharedWith: [],
    sourceArn: world.dbSnapshotArn(source.account, source.id),
    progress: { from: now, to: now + seconds * 1000 },
    image: undefined,
    imagePending: false
  };
  me.dbSnapshots.set(copy.id, copy);
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: me.id, json: false });
  world.after(
    fails ? seconds / 2 : seconds,
    () => {
      if (copy.status !== 'copying') return;
      copy.status = fails ? 'failed' : 'available';
      copy.image = source.image;
    },
    () => !source.imagePending
  );
  return { DBSnapshot: dbSnapshotShape(world, copy) };
}

export function deleteDBSnapshot(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBSnapshotIdentifier');
  authorize(ctx, 'rds:DeleteDBSnapshot', arnOrOwn(ctx, id));
  const snapshot = ownDbSnapshot(ctx, id);
  if (snapshot.type === 'automated') {
    throw rdsFault('InvalidDBSnapshotStateFault', 'Only manual snapshots may be deleted.');
  }
  if (snapshot.status === 'creating') {
    throw rdsFault('InvalidDBSnapshotStateFault', `Cannot delete the snapshot ${snapshot.id} because it is being created.`);
  }
  callerAccount(ctx).dbSnapshots.delete(snapshot.id);
  return { DBSnapshot: { ...dbSnapshotShape(world, snapshot), Status: 'deleted' } };
}

function attributesResult(snapshot: DbSnapshot): Output {
  return {
    DBSnapshotAttributesResult: {
      DBSnapshotIdentifier: snapshot.id,
      DBSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [...snapshot.sharedWith] }]
    }
  };
}

export function describeDBSnapshotAttributes(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBSnapshotIdentifier');
  authorize(ctx, 'rds:DescribeDBSnapshotAttributes', arnOrOwn(ctx, id));
  return attributesResult(ownDbSnapshot(ctx, id));
}

export function modifyDBSnapshotAttribute(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBSnapshotIdentifier');
  authorize(ctx, 'rds:ModifyDBSnapshotAttribute', arnOrOwn(ctx, id));
  const attribute = p.required('AttributeName');
  // AWS validates the identifier here: an automated snapshot's `rds:` id is refused as invalid (aws-cli#8296).
  if (!id.startsWith('arn:')) checkIdentifier('DBSnapshotIdentifier', id, 255);
  const snapshot = ownDbSnapshot(ctx, id);
  if (attribute !== 'restore') throw common.invalidParameterValue(`Invalid snapshot attribute name: ${attribute}. Valid values are: restore`);
  const toAdd = p.list('ValuesToAdd') ?? [];
  const toRemove = p.list('ValuesToRemove') ?? [];
  if (toAdd.length > 0) {
    if (snapshot.type === 'automated') {
      throw rdsFault('InvalidDBSnapshotStateFault', `Automated snapshots cannot be shared: ${snapshot.id}. Copy it to a manual snapshot first.`);
    }
    if (snapshot.status !== 'available') {
      throw rdsFault('InvalidDBSnapshotStateFault', `Snapshot ${snapshot.id} is not in available state (it is ${snapshot.status}).`);
    }
    const owner = world.account(snapshot.account)!;
    if (snapshot.kmsKeyArn) {
      const keyId = snapshot.kmsKeyArn.split('/').pop()!;
      if (owner.keys.get(keyId)?.manager === 'AWS') {
        throw common.invalidParameterValue('Cannot share a snapshot encrypted with the AWS managed KMS key (aws/rds). Copy it with a customer managed key first.');
      }
      if (toAdd.includes('all')) throw common.invalidParameterValue('Encrypted snapshots cannot be made public (restore attribute value "all").');
    }
    const blocking = unshareableOptions(optionGroupOf(owner, snapshot.optionGroup), snapshot.engine);
    if (blocking.length > 0) {
      throw common.invalidParameterValue(
        `Cannot share snapshot ${snapshot.id}: its option group ${snapshot.optionGroup} has permanent or persistent options (${blocking.join(', ')}). Snapshots that use such an option group cannot be shared.`
      );
    }
    for (const value of toAdd) {
      if (value !== 'all' && !/^\d{12}$/.test(value)) throw common.invalidParameterValue(`Invalid AWS account ID: ${value}`);
    }
  }
  const next = snapshot.sharedWith.filter((a) => !toRemove.includes(a));
  for (const a of toAdd) if (!next.includes(a)) next.push(a);
  if (next.filter((a) => a !== 'all').length > sharedSnapshotAccountLimit) {
    throw rdsFault('SharedSnapshotQuotaExceededFault', `You have exceeded the maximum number of accounts (${sharedSnapshotAccountLimit}) that you can share a manual DB snapshot with.`);
  }
  snapshot.sharedWith = next;
  return attributesResult(snapshot);
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
  const list = [...groups.values()].filter((g) => (!engine || g.engine === engine) && (!major || g.majorEngineVersion === major));
  return { OptionGroupsList: list.map((g) => optionGroupShape(world, g)) };
}
