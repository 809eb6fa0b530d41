/** DB clusters: describe, create, restore from a (shared) snapshot, modify (rename, password, ...), delete. */
import { randomBytes } from 'node:crypto';
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import { resourceSuffix, type Cluster, type Snapshot } from '../world';
import { authorize, callerAccount, checkIdentifier, findCluster, findSnapshot, keyForRds, recordRdsGrant, type Output } from './common';
import { applyImmediateChanges, BusyWork, launch, launchRestored, readFinalSnapshotId, readMasterPasswordChange, renameNow, retire } from './lifecycle';
import { sharedCluster, sharedClusterShape } from './clone';
import { clusterShape } from './shapes';
import { checkNewSnapshotId, clusterSnapshotKind, grantSourceKey, requireAvailableSnapshot, settleSnapshot } from './snapshot-rules';
import { takeClusterSnapshot } from './snapshots';

function clusterWildcard(ctx: HandlerContext): string {
  return ctx.world.clusterArn(ctx.caller!.account, '*');
}

export function describeDBClusters(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.str('DBClusterIdentifier');
  authorize(ctx, 'rds:DescribeDBClusters', id ? (id.startsWith('arn:') ? id : world.clusterArn(ctx.caller!.account, id)) : clusterWildcard(ctx));
  // Another account's cluster shared through RAM: only with IncludeShared, and only a few fields.
  const shared = id && p.bool('IncludeShared') ? sharedCluster(ctx, id) : undefined;
  if (shared) return { DBClusters: [sharedClusterShape(ctx, shared)] };
  if (id) return { DBClusters: [clusterShape(world, findCluster(ctx, id))] };
  const filters = p.filters();
  const clusters = [...callerAccount(ctx).clusters.values()].filter(c => filters.every(f => f.Name !== 'db-cluster-id' || f.Values.some(v => v === c.id || v === world.clusterArn(c.account, c.id))));
  return { DBClusters: clusters.map(c => clusterShape(world, c)) };
}

/** A new cluster identifier (create, restore, rename): valid and free in the caller's account. */
function checkNewClusterId(ctx: HandlerContext, param: string, id: string): void {
  checkIdentifier(param, id);
  if (callerAccount(ctx).clusters.has(id.toLowerCase())) throw rdsFault('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
}

function engineDefaults(engine: string): { port: number; parameterGroup: string } {
  if (engine.startsWith('aurora-mysql')) return { port: 3306, parameterGroup: 'default.aurora-mysql8.0' };
  return { port: 5432, parameterGroup: 'default.aurora-postgresql16' };
}

function newCluster(ctx: HandlerContext, p: Params, base: Partial<Cluster> & { engine: string; engineVersion: string; allocatedStorageGb: number; masterUsername: string; masterPassword: string }): Cluster {
  const defaults = engineDefaults(base.engine);
  return {
    id: p.required('DBClusterIdentifier').toLowerCase(),
    account: ctx.caller!.account,
    status: 'creating',
    kmsKeyArn: undefined,
    deletionProtection: p.bool('DeletionProtection') ?? false,
    securityGroups: p.list('VpcSecurityGroupIds') ?? ['sg-default'],
    subnetGroup: p.str('DBSubnetGroupName') ?? 'default',
    parameterGroup: p.str('DBClusterParameterGroupName') ?? defaults.parameterGroup,
    manageMasterUserPassword: false,
    databaseName: p.str('DatabaseName'),
    port: p.int('Port') ?? defaults.port,
    tags: p.tags() ?? [],
    created: ctx.world.now(),
    resourceSuffix: resourceSuffix(),
    ...base
  };
}

export function createDBCluster(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBClusterIdentifier');
  authorize(ctx, 'rds:CreateDBCluster', world.clusterArn(ctx.caller!.account, id));
  checkNewClusterId(ctx, 'DBClusterIdentifier', id);
  const engine = p.required('Engine');
  const cluster = newCluster(ctx, p, {
    engine,
    engineVersion: p.str('EngineVersion') ?? '16.4',
    allocatedStorageGb: 1,
    masterUsername: p.required('MasterUsername'),
    masterPassword: p.str('MasterUserPassword') ?? randomBytes(12).toString('base64url'),
    manageMasterUserPassword: p.bool('ManageMasterUserPassword') ?? false
  });
  if (p.bool('StorageEncrypted') || p.str('KmsKeyId')) {
    cluster.kmsKeyArn = keyForRds(ctx, p.str('KmsKeyId') ?? 'alias/aws/rds', 'target').arn;
  }
  callerAccount(ctx).clusters.set(cluster.id, cluster);
  // A created cluster comes up available even when its database did not start (restores fail then).
  launch(world, cluster, world.timings.createInstanceSeconds, () => false);
  return { DBCluster: clusterShape(world, cluster) };
}

export function restoreDBClusterFromSnapshot(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = callerAccount(ctx);
  const id = p.required('DBClusterIdentifier');
  const snapshotRef = p.required('SnapshotIdentifier');
  const engine = p.required('Engine');
  authorize(ctx, 'rds:RestoreDBClusterFromSnapshot', world.clusterArn(me.id, id));
  const snapshot: Snapshot = findSnapshot(ctx, snapshotRef);
  authorize(ctx, 'rds:RestoreDBClusterFromSnapshot', world.snapshotArn(snapshot.account, snapshot.id));
  checkNewClusterId(ctx, 'DBClusterIdentifier', id);
  requireAvailableSnapshot(clusterSnapshotKind, snapshot);
  if (engine !== snapshot.engine) {
    throw common.invalidParameterCombination(`The engine ${engine} does not match the engine of the snapshot (${snapshot.engine}).`);
  }
  const arn = world.clusterArn(me.id, id);
  let keyArn = snapshot.kmsKeyArn;
  if (snapshot.kmsKeyArn) grantSourceKey(ctx, snapshot.kmsKeyArn, false, arn);
  // Aurora restores may re-encrypt under KmsKeyId (a DB instance restore may not).
  const kmsKeyId = p.str('KmsKeyId');
  if (kmsKeyId) {
    const key = keyForRds(ctx, kmsKeyId, 'target');
    recordRdsGrant(world, ctx.caller!.principal, key, arn);
    keyArn = key.arn;
  }
  const cluster = newCluster(ctx, p, {
    engine,
    engineVersion: p.str('EngineVersion') ?? snapshot.engineVersion,
    allocatedStorageGb: snapshot.allocatedStorageGb,
    masterUsername: snapshot.masterUsername,
    masterPassword: snapshot.masterPassword,
    databaseName: snapshot.databaseName,
    kmsKeyArn: keyArn,
    image: snapshot.image
  });
  me.clusters.set(cluster.id, cluster);
  launchRestored(ctx, cluster, snapshot.allocatedStorageGb);
  return { DBCluster: clusterShape(world, cluster) };
}

const modifiableStates = new Set(['available']);

export function modifyDBCluster(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const cluster = findCluster(ctx, p.required('DBClusterIdentifier'));
  authorize(ctx, 'rds:ModifyDBCluster', world.clusterArn(cluster.account, cluster.id));
  if (!modifiableStates.has(cluster.status)) {
    throw rdsFault('InvalidDBClusterStateFault', `DBCluster ${cluster.id} is not in available state (it is ${cluster.status}).`);
  }
  const applyNow = p.bool('ApplyImmediately') ?? false;
  const pending: Record<string, unknown> = {};
  const account = callerAccount(ctx);
  const work = new BusyWork();

  const newId = p.str('NewDBClusterIdentifier');
  if (newId !== undefined) checkNewClusterId(ctx, 'NewDBClusterIdentifier', newId);
  const master = readMasterPasswordChange(p, cluster);
  applyImmediateChanges(world, p, cluster, 'DBClusterParameterGroupName', master, work);
  if (newId !== undefined) {
    if (applyNow) {
      const oldId = renameNow(world, account.clusters, cluster, newId, work);
      for (const instance of account.instances.values()) if (instance.clusterId === oldId) instance.clusterId = cluster.id;
    } else {
      // Shown in this answer only (a DB instance keeps its pending rename: see modifyStandaloneInstance).
      pending['DBClusterIdentifier'] = newId;
    }
  }
  work.start(world, cluster);
  const extra = Object.keys(pending).length > 0 ? { PendingModifiedValues: pending } : {};
  return { DBCluster: clusterShape(world, cluster, extra) };
}

export function deleteDBCluster(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const cluster = findCluster(ctx, p.required('DBClusterIdentifier'));
  authorize(ctx, 'rds:DeleteDBCluster', world.clusterArn(cluster.account, cluster.id));
  const account = callerAccount(ctx);
  if (cluster.deletionProtection) {
    throw common.invalidParameterCombination('Cannot delete protected Cluster, please disable deletion protection and try again.');
  }
  if ([...account.instances.values()].some(i => i.clusterId === cluster.id && i.status !== 'deleting')) {
    throw rdsFault('InvalidDBClusterStateFault', 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
  }
  if (cluster.status === 'deleting' || cluster.status === 'creating') {
    throw rdsFault('InvalidDBClusterStateFault', `DBCluster ${cluster.id} is not in available state (it is ${cluster.status}).`);
  }
  const finalId = readFinalSnapshotId(p, 'FinalDBSnapshotIdentifier can not be specified when deleting a cluster with SkipFinalSnapshot set to true.');
  let final: { snapshot: Snapshot; seconds: number } | undefined;
  if (finalId) {
    checkNewSnapshotId(ctx, clusterSnapshotKind, 'FinalDBSnapshotIdentifier', finalId);
    final = takeClusterSnapshot(ctx, cluster, finalId, []);
    settleSnapshot(world, final.snapshot, final.seconds);
  }
  retire(world, account.clusters, cluster, final);
  return { DBCluster: clusterShape(world, cluster) };
}
