/** DB cluster snapshots: describe, create, copy (re-encrypt), delete, share (restore attribute). */
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import type { Cluster, Snapshot, Tag } from '../world';
import { authorize, callerAccount, findCluster, findSnapshot, keyForRds, recordRdsGrant, visibleTo, type Output } from './common';
import { snapshotShape } from './shapes';
import {
  checkNewSnapshotId,
  clusterSnapshotKind,
  copySnapshot,
  deleteManualSnapshot,
  grantSourceKey,
  settleSnapshot,
  shareSnapshot,
  snapshotAttributes,
  snapshotResource,
  storeNewSnapshot
} from './snapshot-rules';

export function describeDBClusterSnapshots(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = ctx.caller!.account;
  const id = p.str('DBClusterSnapshotIdentifier');
  const clusterId = p.str('DBClusterIdentifier');
  const type = p.str('SnapshotType');
  const includeShared = p.bool('IncludeShared') ?? false;
  authorize(ctx, 'rds:DescribeDBClusterSnapshots', snapshotResource(ctx, clusterSnapshotKind, id || '*'));
  if (id) {
    const snapshot = findSnapshot(ctx, id);
    return { DBClusterSnapshots: [snapshotShape(world, snapshot)] };
  }
  const all: Snapshot[] = [];
  for (const account of world.accounts.values()) {
    for (const s of account.snapshots.values()) if (visibleTo(s, me)) all.push(s);
  }
  const filters = p.filters();
  const selected = all.filter(s => {
    const own = s.account === me;
    if (type === 'shared' && own) return false;
    if (type === 'public' && !s.sharedWith.includes('all')) return false;
    if ((type === 'manual' || type === 'automated') && (!own || s.type !== type)) return false;
    if (!type && !own && !includeShared) return false;
    if (clusterId && s.clusterId !== clusterId) return false;
    for (const f of filters) {
      if (f.Name === 'db-cluster-id' && !f.Values.some(v => v === s.clusterId || v === world.clusterArn(s.account, s.clusterId))) return false;
      if (f.Name === 'snapshot-type' && !f.Values.includes(s.type)) return false;
      if (f.Name === 'db-cluster-snapshot-id' && !f.Values.includes(s.id)) return false;
    }
    return true;
  });
  // An unknown cluster id gives an empty list, as in AWS.
  return { DBClusterSnapshots: selected.sort((a, b) => a.created.getTime() - b.created.getTime()).map(s => snapshotShape(world, s)) };
}

/** A new manual snapshot of the cluster, in the caller's account (CreateDBClusterSnapshot, DeleteDBCluster's final snapshot). */
export function takeClusterSnapshot(ctx: HandlerContext, cluster: Cluster, id: string, tags: Tag[]): { snapshot: Snapshot; seconds: number } {
  return storeNewSnapshot(ctx, clusterSnapshotKind, cluster, base => ({
    ...base,
    id: id.toLowerCase(),
    account: cluster.account,
    clusterId: cluster.id,
    engine: cluster.engine,
    engineVersion: cluster.engineVersion,
    allocatedStorageGb: cluster.allocatedStorageGb,
    kmsKeyArn: cluster.kmsKeyArn,
    masterUsername: cluster.masterUsername,
    masterPassword: cluster.masterPassword,
    databaseName: cluster.databaseName,
    port: cluster.port,
    tags
  }));
}

export function createDBClusterSnapshot(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBClusterSnapshotIdentifier');
  const cluster = findCluster(ctx, p.required('DBClusterIdentifier'));
  authorize(ctx, 'rds:CreateDBClusterSnapshot', world.snapshotArn(cluster.account, id));
  checkNewSnapshotId(ctx, clusterSnapshotKind, 'DBClusterSnapshotIdentifier', id);
  if (cluster.status !== 'available') {
    throw rdsFault('InvalidDBClusterStateFault', `Cannot create a snapshot because the DB cluster ${cluster.id} is not in available state (it is ${cluster.status}).`);
  }
  const { snapshot, seconds } = takeClusterSnapshot(ctx, cluster, id, p.tags() ?? []);
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: cluster.account, json: false });
  settleSnapshot(world, snapshot, seconds, { host: cluster, fails });
  return { DBClusterSnapshot: snapshotShape(world, snapshot) };
}

export function copyDBClusterSnapshot(ctx: HandlerContext, p: Params): Output {
  return copySnapshot(ctx, p, clusterSnapshotKind, findSnapshot, ({ me, source, targetId, kmsKeyId }) => {
    const world = ctx.world;
    // Aurora's rule: a copy keeps the source's encryption state; only a restore can encrypt.
    if (!source.kmsKeyArn && kmsKeyId) {
      throw common.invalidParameterCombination('Cannot copy an unencrypted DB cluster snapshot to an encrypted one: an Aurora snapshot copy cannot add encryption. Restore it with KmsKeyId instead.');
    }
    const targetArn = world.snapshotArn(me.id, targetId);
    if (source.kmsKeyArn) grantSourceKey(ctx, source.kmsKeyArn, true, targetArn);
    if (!kmsKeyId) return {};
    const targetKey = keyForRds(ctx, kmsKeyId, 'target');
    if (targetKey.account !== me.id && !kmsKeyId.startsWith('arn:'))
      throw rdsFault('KMSKeyNotAccessibleFault', `The specified KMS key [${kmsKeyId}] does not exist, is not enabled or you do not have permissions to access it.`);
    recordRdsGrant(world, ctx.caller!.principal, targetKey, targetArn);
    return { kmsKeyArn: targetKey.arn };
  });
}

export function deleteDBClusterSnapshot(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBClusterSnapshotIdentifier');
  authorize(ctx, 'rds:DeleteDBClusterSnapshot', ctx.world.snapshotArn(ctx.caller!.account, id));
  const account = callerAccount(ctx);
  const snapshot = account.snapshots.get(id.toLowerCase()) ?? account.snapshots.get(id);
  if (!snapshot) throw rdsFault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`);
  return deleteManualSnapshot(ctx, clusterSnapshotKind, snapshot);
}

function ownSnapshot(ctx: HandlerContext, id: string): Snapshot {
  const snapshot = findSnapshot(ctx, id);
  if (snapshot.account !== ctx.caller!.account) throw rdsFault('DBClusterSnapshotNotFoundFault', `DBClusterSnapshot ${id} not found.`);
  return snapshot;
}

export function describeDBClusterSnapshotAttributes(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBClusterSnapshotIdentifier');
  authorize(ctx, 'rds:DescribeDBClusterSnapshotAttributes', snapshotResource(ctx, clusterSnapshotKind, id));
  return snapshotAttributes(clusterSnapshotKind, ownSnapshot(ctx, id));
}

export function modifyDBClusterSnapshotAttribute(ctx: HandlerContext, p: Params): Output {
  const id = p.required('DBClusterSnapshotIdentifier');
  authorize(ctx, 'rds:ModifyDBClusterSnapshotAttribute', snapshotResource(ctx, clusterSnapshotKind, id));
  const attribute = p.required('AttributeName');
  return shareSnapshot(ctx, p, clusterSnapshotKind, attribute, ownSnapshot(ctx, id));
}
