/** DB cluster snapshots: describe, create, copy (re-encrypt), delete, share (restore attribute). */
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import type { Snapshot } from '../world';
import {
  authorize,
  callerAccount,
  checkIdentifier,
  checkSnapshotQuota,
  checkSourceKey,
  findCluster,
  findSnapshot,
  keyForRds,
  recordRdsGrant,
  visibleTo,
  type Output
} from './common';
import { captureImage } from './data';
import { snapshotShape } from './shapes';

export const sharedSnapshotAccountLimit = 20;

function snapshotWildcard(ctx: HandlerContext): string {
  return ctx.world.snapshotArn(ctx.caller!.account, '*');
}

export function describeDBClusterSnapshots(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = ctx.caller!.account;
  const id = p.str('DBClusterSnapshotIdentifier');
  const clusterId = p.str('DBClusterIdentifier');
  const type = p.str('SnapshotType');
  const includeShared = p.bool('IncludeShared') ?? false;
  authorize(ctx, 'rds:DescribeDBClusterSnapshots', id ? (id.startsWith('arn:') ? id : world.snapshotArn(me, id)) : snapshotWildcard(ctx));
  if (id) {
    const snapshot = findSnapshot(ctx, id);
    return { DBClusterSnapshots: [snapshotShape(world, snapshot)] };
  }
  const all: Snapshot[] = [];
  for (const account of world.accounts.values()) {
    for (const s of account.snapshots.values()) if (visibleTo(s, me)) all.push(s);
  }
  const filters = p.filters();
  const selected = all.filter((s) => {
    const own = s.account === me;
    if (type === 'shared' && own) return false;
    if (type === 'public' && !s.sharedWith.includes('all')) return false;
    if ((type === 'manual' || type === 'automated') && (!own || s.type !== type)) return false;
    if (!type && !own && !includeShared) return false;
    if (clusterId && s.clusterId !== clusterId) return false;
    for (const f of filters) {
      if (f.Name === 'db-cluster-id' && !f.Values.some((v) => v === s.clusterId || v === world.clusterArn(s.account, s.clusterId))) return false;
      if (f.Name === 'snapshot-type' && !f.Values.includes(s.type)) return false;
      if (f.Name === 'db-cluster-snapshot-id' && !f.Values.includes(s.id)) return false;
    }
    return true;
  });
  // An unknown cluster id gives an empty list, as in AWS.
  return { DBClusterSnapshots: selected.sort((a, b) => a.created.getTime() - b.created.getTime()).map((s) => snapshotShape(world, s)) };
}

function checkNewSnapshotId(ctx: HandlerContext, param: string, id: string): void {
  checkIdentifier(param, id, 255);
  const account = callerAccount(ctx);
  if (account.snapshots.has(id.toLowerCase())) {
    throw rdsFault('DBClusterSnapshotAlreadyExistsFault', `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`);
  }
  checkSnapshotQuota(account);
}

export function createDBClusterSnapshot(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBClusterSnapshotIdentifier');
  const cluster = findCluster(ctx, p.required('DBClusterIdentifier'));
  authorize(ctx, 'rds:CreateDBClusterSnapshot', world.snapshotArn(cluster.account, id));
  checkNewSnapshotId(ctx, 'DBClusterSnapshotIdentifier', id);
  if (cluster.status !== 'available') {
    throw rdsFault('InvalidDBClusterStateFault', `Cannot create a snapshot because the DB cluster ${cluster.id} is not in available state (it is ${cluster.status}).`);
  }
  const seconds = cluster.allocatedStorageGb * world.timings.snapshotSecondsPerGb;
  const now = world.clock.now();
  const snapshot: Snapshot = {
    id: id.toLowerCase(),
    account: cluster.account,
    clusterId: cluster.id,
    type: 'manual',
    status: 'creating',
    engine: cluster.engine,
    engineVersion: cluster.engineVersion,
    allocatedStorageGb: cluster.allocatedStorageGb,
    kmsKeyArn: cluster.kmsKeyArn,
    masterUsername: cluster.masterUsername,
    masterPassword: cluster.masterPassword,
    databaseName: cluster.databaseName,
    port: cluster.port,
    created: new Date(now),
    tags: p.tags() ?? [],
    sharedWith: [],
    progress: { from: now, to: now + seconds * 1000 }
  };
  captureImage(cluster, snapshot);
  callerAccount(ctx).snapshots.set(snapshot.id, snapshot);
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: cluster.account, json: false });
  cluster.status = 'backing-up';
  world.after(
    seconds,
    () => {
      if (cluster.status === 'backing-up') cluster.status = 'available';
      if (snapshot.status === 'creating') snapshot.status = fails ? 'failed' : 'available';
    },
    () => !snapshot.imagePending
  );
  return { DBClusterSnapshot: snapshotShape(world, snapshot) };
}

export function copyDBClusterSnapshot(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = callerAccount(ctx);
  const sourceRef = p.required('SourceDBClusterSnapshotIdentifier');
  const targetId = p.required('TargetDBClusterSnapshotIdentifier');
  authorize(ctx, 'rds:CopyDBClusterSnapshot', world.snapshotArn(me.id, targetId));
  const source = findSnapshot(ctx, sourceRef);
  authorize(ctx, 'rds:CopyDBClusterSnapshot', world.snapshotArn(source.account, source.id));
  checkNewSnapshotId(ctx, 'TargetDBClusterSnapshotIdentifier', targetId);
  if (source.status !== 'available') {
    throw rdsFault('InvalidDBClusterSnapshotStateFault', `Snapshot ${source.id} is not in available state (it is ${source.status}).`);
  }
  const kmsKeyId = p.str('KmsKeyId');
  const shared = source.account !== me.id;
  if (!source.kmsKeyArn && kmsKeyId) {
    throw common.invalidParameterCombination('Cannot copy an unencrypted DB cluster snapshot to an encrypted one: an Aurora snapshot copy cannot add encryption. Restore it with KmsKeyId instead.');
  }
  if (source.kmsKeyArn && shared && !kmsKeyId) {
    throw common.invalidParameterValue('KmsKeyId must be specified when copying an encrypted DB cluster snapshot shared from another account.');
  }
  let targetKeyArn = source.kmsKeyArn;
  if (source.kmsKeyArn) {
    const sourceKey = checkSourceKey(ctx, source.kmsKeyArn, true);
    recordRdsGrant(world, ctx.caller!.principal, sourceKey, world.snapshotArn(me.id, targetId));
  }
  if (kmsKeyId) {
    const targetKey = keyForRds(ctx, kmsKeyId, 'target');
    if (targetKey.account !== me.id && !kmsKeyId.startsWith('arn:')) throw rdsFault('KMSKeyNotAccessibleFault', `The specified KMS key [${kmsKeyId}] does not exist, is not enabled or you do not have permissions to access it.`);
    recordRdsGrant(world, ctx.caller!.principal, targetKey, world.snapshotArn(me.id, targetId));
    targetKeyArn = targetKey.arn;
  }
  const seconds = source.allocatedStorageGb * world.timings.copySecondsPerGb;
  const now = world.clock.now();
  const copy: Snapshot = {
    ...source,
    id: targetId.toLowerCase(),
    account: me.id,
    type: 'manual',
    status: 'copying',
    kmsKeyArn: targetKeyArn,
    created: new Date(now),
    tags: [...(p.bool('CopyTags') ? source.tags : []), ...(p.tags() ?? [])],
    sharedWith: [],
    sourceArn: world.snapshotArn(source.account, source.id),
    progress: { from: now, to: now + seconds * 1000 },
    imagePending: false
  };
  me.snapshots.set(copy.id, copy);
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
  return { DBClusterSnapshot: snapshotShape(world, copy) };
}

export function deleteDBClusterSnapshot(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBClusterSnapshotIdentifier');
  authorize(ctx, 'rds:DeleteDBClusterSnapshot', world.snapshotArn(ctx.caller!.account, id));
  const account = callerAccount(ctx);
  const snapshot = account.snapshots.get(id.toLowerCase()) ?? account.snapshots.get(id);
  if (!snapshot) throw rdsFault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`);
  if (snapshot.type === 'automated') {
    throw rdsFault('InvalidDBClusterSnapshotStateFault', 'Only manual snapshots may be deleted.');
  }
  if (snapshot.status === 'creating') {
    throw rdsFault('InvalidDBClusterSnapshotStateFault', `Cannot delete the snapshot ${snapshot.id} because it is being created.`);
  }
  account.snapshots.delete(snapshot.id);
  return { DBClusterSnapshot: { ...snapshotShape(world, snapshot), Status: 'deleted' } };
}

function attributesResult(snapshot: Snapshot): Output {
  return {
    DBClusterSnapshotAttributesResult: {
      DBClusterSnapshotIdentifier: snapshot.id,
      DBClusterSnapshotAttributes: [{ AttributeName: 'restore', AttributeValues: [...snapshot.sharedWith] }]
    }
  };
}

function ownSnapshot(ctx: HandlerContext, id: string): Snapshot {
  const snapshot = findSnapshot(ctx, id);
  if (snapshot.account !== ctx.caller!.account) throw rdsFault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`);
  return snapshot;
}

export function describeDBClusterSnapshotAttributes(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBClusterSnapshotIdentifier');
  authorize(ctx, 'rds:DescribeDBClusterSnapshotAttributes', id.startsWith('arn:') ? id : ctx.world.snapshotArn(ctx.caller!.account, id));
  return attributesResult(ownSnapshot(ctx, id));
}

export function modifyDBClusterSnapshotAttribute(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBClusterSnapshotIdentifier');
  authorize(ctx, 'rds:ModifyDBClusterSnapshotAttribute', id.startsWith('arn:') ? id : world.snapshotArn(ctx.caller!.account, id));
  const attribute = p.required('AttributeName');
  const snapshot = ownSnapshot(ctx, id);
  if (attribute !== 'restore') throw common.invalidParameterValue(`Invalid snapshot attribute name: ${attribute}. Valid values are: restore`);
  const toAdd = p.list('ValuesToAdd') ?? [];
  const toRemove = p.list('ValuesToRemove') ?? [];
  if (toAdd.length > 0) {
    if (snapshot.type === 'automated') {
      throw rdsFault('InvalidDBClusterSnapshotStateFault', `Automated snapshots cannot be shared: ${snapshot.id}. Copy it to a manual snapshot first.`);
    }
    if (snapshot.status !== 'available') {
      throw rdsFault('InvalidDBClusterSnapshotStateFault', `Snapshot ${snapshot.id} is not in available state (it is ${snapshot.status}).`);
    }
    if (snapshot.kmsKeyArn) {
      const owner = world.account(snapshot.account)!;
      const keyId = snapshot.kmsKeyArn.split('/').pop()!;
      if (owner.keys.get(keyId)?.manager === 'AWS') {
        throw common.invalidParameterValue('Cannot share a snapshot encrypted with the AWS managed KMS key (aws/rds). Copy it with a customer managed key first.');
      }
      if (toAdd.includes('all')) throw common.invalidParameterValue('Encrypted snapshots cannot be made public (restore attribute value "all").');
    }
    for (const value of toAdd) {
      if (value !== 'all' && !/^\d{12}$/.test(value)) throw common.invalidParameterValue(`Invalid AWS account ID: ${value}`);
    }
  }
  const next = [...snapshot.sharedWith.filter((a) => !toRemove.includes(a))];
  for (const a of toAdd) if (!next.includes(a)) next.push(a);
  if (next.filter((a) => a !== 'all').length > sharedSnapshotAccountLimit) {
    throw rdsFault('SharedSnapshotQuotaExceededFault', `You have exceeded the maximum number of accounts (${sharedSnapshotAccountLimit}) that you can share a manual DB cluster snapshot with.`);
  }
  snapshot.sharedWith = next;
  return attributesResult(snapshot);
}
