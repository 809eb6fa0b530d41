/** DB clusters: describe, create, restore from a (shared) snapshot, modify (rename, password, ...), delete. */
import { randomBytes } from 'node:crypto';
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import { resourceSuffix, type Cluster, type Snapshot } from '../world';
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
  type Output
} from './common';
import { captureImage, databaseSettled, setMasterPassword, startDatabase } from './data';
import { clusterShape } from './shapes';

function clusterWildcard(ctx: HandlerContext): string {
  return ctx.world.clusterArn(ctx.caller!.account, '*');
}

export function describeDBClusters(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.str('DBClusterIdentifier');
  authorize(ctx, 'rds:DescribeDBClusters', id ? (id.startsWith('arn:') ? id : world.clusterArn(ctx.caller!.account, id)) : clusterWildcard(ctx));
  if (id) return { DBClusters: [clusterShape(world, findCluster(ctx, id))] };
  const filters = p.filters();
  const clusters = [...callerAccount(ctx).clusters.values()].filter((c) =>
    filters.every((f) => f.Name !== 'db-cluster-id' || f.Values.some((v) => v === c.id || v === world.clusterArn(c.account, c.id)))
  );
  return { DBClusters: clusters.map((c) => clusterShape(world, c)) };
}

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
  startDatabase(world, cluster);
  world.after(world.timings.createInstanceSeconds, () => (cluster.status = 'available'), () => databaseSettled(world, cluster));
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
  if (snapshot.status !== 'available') {
    throw rdsFault('InvalidDBClusterSnapshotStateFault', `Snapshot ${snapshot.id} is not in available state (it is ${snapshot.status}).`);
  }
  if (engine !== snapshot.engine) {
    throw common.invalidParameterCombination(`The engine ${engine} does not match the engine of the snapshot (${snapshot.engine}).`);
  }
  const arn = world.clusterArn(me.id, id);
  let keyArn = snapshot.kmsKeyArn;
  if (snapshot.kmsKeyArn) {
    const sourceKey = checkSourceKey(ctx, snapshot.kmsKeyArn, false);
    recordRdsGrant(world, ctx.caller!.principal, sourceKey, arn);
  }
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
  startDatabase(world, cluster);
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: me.id, json: false });
  const seconds = snapshot.allocatedStorageGb * world.timings.restoreSecondsPerGb;
  world.after(
    fails ? seconds / 2 : seconds,
    () => {
      if (cluster.status !== 'creating') return;
      cluster.status = fails || cluster.serverError ? 'failed' : 'available';
    },
    () => databaseSettled(world, cluster)
  );
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
  let busySeconds = 0;
  let busyStatus = 'modifying';

  const newId = p.str('NewDBClusterIdentifier');
  if (newId !== undefined) {
    checkIdentifier('NewDBClusterIdentifier', newId);
    if (account.clusters.has(newId.toLowerCase())) throw rdsFault('DBClusterAlreadyExistsFault', 'DB Cluster already exists');
  }
  const password = p.str('MasterUserPassword');
  const manage = p.bool('ManageMasterUserPassword');
  if (password !== undefined && manage) {
    throw common.invalidParameterCombination('You can\'t specify MasterUserPassword and ManageMasterUserPassword at the same time.');
  }
  if (p.bool('DeletionProtection') !== undefined) cluster.deletionProtection = p.bool('DeletionProtection')!;
  const groups = p.list('VpcSecurityGroupIds');
  if (groups) {
    cluster.securityGroups = groups;
    busySeconds = Math.max(busySeconds, world.timings.modifySeconds);
  }
  const parameterGroup = p.str('DBClusterParameterGroupName');
  if (parameterGroup) {
    cluster.parameterGroup = parameterGroup;
    busySeconds = Math.max(busySeconds, world.timings.modifySeconds);
  }
  if (password !== undefined) {
    setMasterPassword(cluster, password);
    cluster.manageMasterUserPassword = false;
    busySeconds = Math.max(busySeconds, world.timings.modifySeconds);
    busyStatus = 'resetting-master-credentials';
  }
  if (manage !== undefined) {
    cluster.manageMasterUserPassword = manage;
    if (manage) setMasterPassword(cluster, randomBytes(18).toString('base64url'));
    busySeconds = Math.max(busySeconds, world.timings.modifySeconds);
  }
  if (newId !== undefined) {
    if (applyNow) {
      const oldId = cluster.id;
      account.clusters.delete(oldId);
      cluster.id = newId.toLowerCase();
      account.clusters.set(cluster.id, cluster);
      for (const instance of account.instances.values()) if (instance.clusterId === oldId) instance.clusterId = cluster.id;
      busySeconds = Math.max(busySeconds, world.timings.renameSeconds);
      busyStatus = 'renaming';
    } else {
      pending['DBClusterIdentifier'] = newId;
    }
  }
  if (busySeconds > 0) {
    cluster.status = busyStatus;
    world.after(busySeconds, () => {
      if (cluster.status === busyStatus) cluster.status = 'available';
    });
  }
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
  if ([...account.instances.values()].some((i) => i.clusterId === cluster.id && i.status !== 'deleting')) {
    throw rdsFault('InvalidDBClusterStateFault', 'Cluster cannot be deleted, it still contains DB instances in non-deleting state.');
  }
  if (cluster.status === 'deleting' || cluster.status === 'creating') {
    throw rdsFault('InvalidDBClusterStateFault', `DBCluster ${cluster.id} is not in available state (it is ${cluster.status}).`);
  }
  const skip = p.bool('SkipFinalSnapshot') ?? false;
  const finalId = p.str('FinalDBSnapshotIdentifier');
  if (!skip && !finalId) {
    throw common.invalidParameterCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
  }
  if (skip && finalId) {
    throw common.invalidParameterCombination('FinalDBSnapshotIdentifier can not be specified when deleting a cluster with SkipFinalSnapshot set to true.');
  }
  let finalSnapshot: Snapshot | undefined;
  if (finalId) {
    checkIdentifier('FinalDBSnapshotIdentifier', finalId, 255);
    if (account.snapshots.has(finalId.toLowerCase())) {
      throw rdsFault('DBClusterSnapshotAlreadyExistsFault', `Cannot create the snapshot because a snapshot with the identifier ${finalId} already exists.`);
    }
    checkSnapshotQuota(account);
    const now = world.clock.now();
    const seconds = cluster.allocatedStorageGb * world.timings.snapshotSecondsPerGb;
    finalSnapshot = {
      id: finalId.toLowerCase(),
      account: account.id,
      clusterId: cluster.id,
      type: 'manual',
      status: 'creating',
      engine: cluster.engine,
      engineVersion: cluster.engineVersion,
      allocatedStorageGb: cluster.allocatedStorageGb,
      kmsKeyArn: cluster.kmsKeyArn,
      masterUsername: cluster.masterUsername,
      masterPassword: cluster.masterPassword,
      port: cluster.port,
      created: new Date(now),
      tags: [],
      sharedWith: [],
      progress: { from: now, to: now + seconds * 1000 }
    };
    captureImage(cluster, finalSnapshot);
    account.snapshots.set(finalSnapshot.id, finalSnapshot);
    const snap = finalSnapshot;
    world.after(seconds, () => {
      if (snap.status === 'creating') snap.status = 'available';
    }, () => !snap.imagePending);
  }
  cluster.status = 'deleting';
  const snapSeconds = finalSnapshot ? cluster.allocatedStorageGb * world.timings.snapshotSecondsPerGb : 0;
  const id = cluster.id;
  world.after(snapSeconds + world.timings.deleteSeconds, () => {
    if (account.clusters.get(id) === cluster) account.clusters.delete(id);
    void cluster.server?.then((s) => s.close()).catch(() => undefined);
  }, () => !finalSnapshot?.imagePending);
  return { DBCluster: clusterShape(world, cluster) };
}
