/**
 * Standalone DB instances (RDS for PostgreSQL, MySQL, MariaDB, ...; no DBClusterIdentifier):
 * create, restore from a DB snapshot, modify (rename, password, groups, protection), reboot, delete.
 */
import { randomBytes } from 'node:crypto';
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import { resourceSuffix, type DbInstance, type DbSnapshot } from '../world';
import { authorize, callerAccount, checkIdentifier, keyForRds, recordRdsGrant, type Output } from './common';
import { defaultEngineVersion, defaultOptionGroup, defaultParameterGroup, defaultPort, findDbSnapshot, instanceIdTaken, optionGroupOf, requireOptionGroup } from './db-common';
import { dbInstanceShape } from './db-shapes';
import { applyImmediateChanges, BusyWork, goBusy, launch, launchRestored, readFinalSnapshotId, readMasterPasswordChange, renameNow, retire } from './lifecycle';
import { checkNewSnapshotId, dbSnapshotKind, grantSourceKey, requireAvailableSnapshot, settleSnapshot, storeNewSnapshot } from './snapshot-rules';

const standaloneEngines = new Set(['postgres', 'mysql', 'mariadb', 'oracle-ee', 'oracle-se2', 'sqlserver-ee', 'sqlserver-se', 'sqlserver-ex', 'sqlserver-web']);

export function isStandaloneEngine(engine: string): boolean {
  return standaloneEngines.has(engine);
}

function checkNewInstanceId(ctx: HandlerContext, param: string, id: string): void {
  checkIdentifier(param, id);
  if (instanceIdTaken(callerAccount(ctx), id)) throw rdsFault('DBInstanceAlreadyExistsFault', 'DB instance already exists');
}

function notAvailable(instance: DbInstance): Error {
  return rdsFault('InvalidDBInstanceStateFault', `Database instance is not in available state (${instance.id} is ${instance.status}).`);
}

/** A new manual snapshot of the instance, in the caller's account (CreateDBSnapshot, DeleteDBInstance's final snapshot). */
function newSnapshotOf(ctx: HandlerContext, instance: DbInstance, id: string, tags: DbSnapshot['tags']): { snapshot: DbSnapshot; seconds: number } {
  checkNewSnapshotId(ctx, dbSnapshotKind, 'DBSnapshotIdentifier', id);
  return storeNewSnapshot(ctx, dbSnapshotKind, instance, base => ({
    ...base,
    id: id.toLowerCase(),
    account: ctx.caller!.account,
    instanceId: instance.id,
    engine: instance.engine,
    engineVersion: instance.engineVersion,
    allocatedStorageGb: instance.allocatedStorageGb,
    storageType: instance.storageType,
    kmsKeyArn: instance.kmsKeyArn,
    masterUsername: instance.masterUsername,
    masterPassword: instance.masterPassword,
    databaseName: instance.databaseName,
    port: instance.port,
    optionGroup: instance.optionGroup,
    instanceClass: instance.instanceClass,
    multiAz: instance.multiAz,
    instanceCreated: instance.created,
    tags,
    dbiResourceId: `db-${instance.resourceSuffix.toUpperCase()}`
  }));
}

/** CreateDBSnapshot: the snapshot goes creating -> available, the instance backing-up -> available. */
export function snapshotInstance(ctx: HandlerContext, instance: DbInstance, id: string, tags: DbSnapshot['tags']): DbSnapshot {
  if (instance.status !== 'available') {
    throw rdsFault('InvalidDBInstanceStateFault', `Cannot create a snapshot because the database instance ${instance.id} is not currently in the available state.`);
  }
  const { snapshot, seconds } = newSnapshotOf(ctx, instance, id, tags);
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: instance.account, json: false });
  settleSnapshot(ctx.world, snapshot, seconds, { host: instance, fails });
  return snapshot;
}

function newInstance(ctx: HandlerContext, p: Params, base: Pick<DbInstance, 'engine' | 'engineVersion' | 'allocatedStorageGb' | 'masterUsername' | 'masterPassword'> & Partial<DbInstance>): DbInstance {
  const account = callerAccount(ctx);
  const optionGroupName = p.str('OptionGroupName');
  const optionGroup = optionGroupName
    ? requireOptionGroup(account, optionGroupName).name
    : base.optionGroup && optionGroupOf(account, base.optionGroup)
      ? base.optionGroup
      : defaultOptionGroup(base.engine, base.engineVersion);
  return {
    ...base,
    id: p.required('DBInstanceIdentifier').toLowerCase(),
    account: account.id,
    status: 'creating',
    instanceClass: p.str('DBInstanceClass') ?? base.instanceClass ?? 'db.t3.medium',
    storageType: p.str('StorageType') ?? base.storageType ?? 'gp2',
    deletionProtection: p.bool('DeletionProtection') ?? false,
    securityGroups: p.list('VpcSecurityGroupIds') ?? ['sg-default'],
    subnetGroup: p.str('DBSubnetGroupName') ?? 'default',
    parameterGroup: p.str('DBParameterGroupName') ?? defaultParameterGroup(base.engine, base.engineVersion),
    manageMasterUserPassword: p.bool('ManageMasterUserPassword') ?? false,
    port: p.int('Port') ?? base.port ?? defaultPort(base.engine),
    multiAz: p.bool('MultiAZ') ?? base.multiAz ?? false,
    tags: p.tags() ?? [],
    created: ctx.world.now(),
    resourceSuffix: resourceSuffix(),
    pending: {},
    optionGroup
  };
}

export function createStandaloneInstance(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const id = p.required('DBInstanceIdentifier');
  authorize(ctx, 'rds:CreateDBInstance', world.instanceArn(ctx.caller!.account, id));
  checkNewInstanceId(ctx, 'DBInstanceIdentifier', id);
  p.required('DBInstanceClass');
  const engine = p.required('Engine');
  if (!isStandaloneEngine(engine)) {
    throw common.invalidParameterCombination(`Engine ${engine} needs a DB cluster: specify DBClusterIdentifier (the emulator serves standalone instances of ${[...standaloneEngines].join(', ')}).`);
  }
  const storage = p.int('AllocatedStorage') ?? 0;
  if (storage < 20) throw common.invalidParameterValue(`Invalid storage size for engine name ${engine} and storage type ${p.str('StorageType') ?? 'gp2'}: ${storage}`);
  const manage = p.bool('ManageMasterUserPassword') ?? false;
  const password = p.str('MasterUserPassword');
  if (manage && password !== undefined) throw common.invalidParameterCombination("You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.");
  if (!manage && password === undefined) throw common.invalidParameterValue('The parameter MasterUserPassword must be provided and must not be blank.');
  const instance = newInstance(ctx, p, {
    engine,
    engineVersion: p.str('EngineVersion') ?? defaultEngineVersion(engine),
    allocatedStorageGb: storage,
    masterUsername: p.required('MasterUsername'),
    masterPassword: password ?? randomBytes(18).toString('base64url'),
    databaseName: p.str('DBName')
  });
  if (p.bool('StorageEncrypted') || p.str('KmsKeyId')) {
    const key = keyForRds(ctx, p.str('KmsKeyId') ?? 'alias/aws/rds', 'target');
    recordRdsGrant(world, ctx.caller!.principal, key, world.instanceArn(instance.account, instance.id));
    instance.kmsKeyArn = key.arn;
  }
  callerAccount(ctx).dbInstances.set(instance.id, instance);
  launch(world, instance, world.timings.createInstanceSeconds, () => Boolean(instance.serverError));
  return { DBInstance: dbInstanceShape(world, instance) };
}

export function restoreDBInstanceFromDBSnapshot(ctx: HandlerContext, p: Params): Output {
  const world = ctx.world;
  const me = callerAccount(ctx);
  const id = p.required('DBInstanceIdentifier');
  const snapshotRef = p.required('DBSnapshotIdentifier');
  authorize(ctx, 'rds:RestoreDBInstanceFromDBSnapshot', world.instanceArn(me.id, id));
  const snapshot = findDbSnapshot(ctx, snapshotRef);
  authorize(ctx, 'rds:RestoreDBInstanceFromDBSnapshot', world.dbSnapshotArn(snapshot.account, snapshot.id));
  checkNewInstanceId(ctx, 'DBInstanceIdentifier', id);
  requireAvailableSnapshot(dbSnapshotKind, snapshot);
  const shared = snapshot.account !== me.id;
  if (shared && snapshot.kmsKeyArn) {
    // AWS documents the rule (USER_ShareSnapshot, USER_RestoreFromSnapshot) without quoting the error.
    throw common.invalidParameterCombination(
      `You can't restore a DB instance from a DB snapshot that is both shared and encrypted (${world.dbSnapshotArn(snapshot.account, snapshot.id)}). Copy it into this account with CopyDBSnapshot and KmsKeyId, then restore from the copy.`
    );
  }
  const engine = p.str('Engine');
  if (engine !== undefined && engine !== snapshot.engine) {
    throw common.invalidParameterCombination(`The engine ${engine} does not match the engine of the snapshot (${snapshot.engine}).`);
  }
  const manage = p.bool('ManageMasterUserPassword') ?? false;
  const instance = newInstance(ctx, p, {
    engine: snapshot.engine,
    engineVersion: snapshot.engineVersion,
    allocatedStorageGb: p.int('AllocatedStorage') ?? snapshot.allocatedStorageGb,
    masterUsername: snapshot.masterUsername,
    masterPassword: manage ? randomBytes(18).toString('base64url') : snapshot.masterPassword,
    databaseName: snapshot.databaseName,
    storageType: snapshot.storageType,
    instanceClass: snapshot.instanceClass,
    port: snapshot.port,
    multiAz: snapshot.multiAz,
    optionGroup: snapshot.optionGroup,
    kmsKeyArn: snapshot.kmsKeyArn,
    image: snapshot.image
  });
  if (snapshot.kmsKeyArn) grantSourceKey(ctx, snapshot.kmsKeyArn, false, world.instanceArn(me.id, instance.id));
  me.dbInstances.set(instance.id, instance);
  launchRestored(ctx, instance, instance.allocatedStorageGb);
  return { DBInstance: dbInstanceShape(world, instance) };
}

export function modifyStandaloneInstance(ctx: HandlerContext, p: Params, instance: DbInstance): Output {
  const world = ctx.world;
  authorize(ctx, 'rds:ModifyDBInstance', world.instanceArn(instance.account, instance.id));
  if (instance.status !== 'available') throw notAvailable(instance);
  const account = callerAccount(ctx);
  const applyNow = p.bool('ApplyImmediately') ?? false;
  const work = new BusyWork();
  const newId = p.str('NewDBInstanceIdentifier');
  if (newId !== undefined) checkNewInstanceId(ctx, 'NewDBInstanceIdentifier', newId);
  const master = readMasterPasswordChange(p, instance);
  const optionGroupName = p.str('OptionGroupName');
  const optionGroup = optionGroupName ? requireOptionGroup(account, optionGroupName) : undefined;
  if (optionGroup && optionGroup.engine !== instance.engine) {
    throw common.invalidParameterCombination(`The option group ${optionGroup.name} is for ${optionGroup.engine}, not ${instance.engine}.`);
  }

  // Applied at once whatever ApplyImmediately says (as AWS does for these).
  applyImmediateChanges(world, p, instance, 'DBParameterGroupName', master, work);
  // Applied now only with ApplyImmediately, else pending for the maintenance window (no such changes on clusters here).
  const deferred: [string, string | number | undefined][] = [
    ['DBInstanceClass', p.str('DBInstanceClass')],
    ['AllocatedStorage', p.int('AllocatedStorage')],
    ['OptionGroupName', optionGroup?.name]
  ];
  for (const [name, value] of deferred) {
    if (value === undefined) continue;
    if (!applyNow) {
      instance.pending[name] = value;
      continue;
    }
    if (name === 'DBInstanceClass') instance.instanceClass = String(value);
    if (name === 'AllocatedStorage') instance.allocatedStorageGb = Number(value);
    if (name === 'OptionGroupName') instance.optionGroup = String(value);
    work.add(world.timings.modifySeconds);
  }
  if (newId !== undefined) {
    if (applyNow) renameNow(world, account.dbInstances, instance, newId, work);
    else instance.pending['DBInstanceIdentifier'] = newId.toLowerCase();
  }
  work.start(world, instance);
  return { DBInstance: dbInstanceShape(world, instance) };
}

export function rebootStandaloneInstance(ctx: HandlerContext, instance: DbInstance): Output {
  authorize(ctx, 'rds:RebootDBInstance', ctx.world.instanceArn(instance.account, instance.id));
  if (instance.status !== 'available') throw notAvailable(instance);
  // Pending changes are applied by a reboot except the identifier (that waits for the maintenance window).
  goBusy(ctx.world, instance, 'rebooting', ctx.world.timings.modifySeconds);
  return { DBInstance: dbInstanceShape(ctx.world, instance) };
}

export function deleteStandaloneInstance(ctx: HandlerContext, p: Params, instance: DbInstance): Output {
  const world = ctx.world;
  authorize(ctx, 'rds:DeleteDBInstance', world.instanceArn(instance.account, instance.id));
  const account = callerAccount(ctx);
  if (instance.deletionProtection) {
    throw common.invalidParameterCombination('Cannot delete protected DB Instance, please disable deletion protection and try again.');
  }
  if (instance.status === 'deleting') throw rdsFault('InvalidDBInstanceStateFault', `Instance ${instance.id} is already being deleted.`);
  const finalId = readFinalSnapshotId(p, 'Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.');
  let final: { snapshot: DbSnapshot; seconds: number } | undefined;
  if (finalId) {
    if (instance.status !== 'available') throw notAvailable(instance);
    final = newSnapshotOf(ctx, instance, finalId, [...instance.tags]);
    settleSnapshot(world, final.snapshot, final.seconds);
  }
  const deleteBackups = p.bool('DeleteAutomatedBackups') ?? true;
  const created = instance.created;
  // Unlike a cluster's, a DB instance's automated backups go with it unless DeleteAutomatedBackups is false.
  retire(world, account.dbInstances, instance, final, id => {
    if (!deleteBackups) return;
    for (const s of [...account.dbSnapshots.values()]) {
      if (s.type === 'automated' && s.instanceId === id && s.instanceCreated.getTime() === created.getTime()) account.dbSnapshots.delete(s.id);
    }
  });
  return { DBInstance: dbInstanceShape(world, instance) };
}
