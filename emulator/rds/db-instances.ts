/**
 * Standalone DB instances (RDS for PostgreSQL, MySQL, MariaDB, ...; no DBClusterIdentifier):
 * create, restore from a DB snapshot, modify (rename, password, groups, protection), reboot, delete.
 */
import { randomBytes } from 'node:crypto';
import type { HandlerContext } from '../context';
import { common, rdsFault } from '../errors';
import type { Params } from '../protocol/query';
import { resourceSuffix, type DbInstance, type DbSnapshot } from '../world';
import { authorize, callerAccount, checkIdentifier, checkSourceKey, keyForRds, recordRdsGrant, type Output } from './common';
import { captureImage, databaseSettled, setMasterPassword, startDatabase, stopDatabase } from './data';
import {
  checkDbSnapshotQuota,
  dbInstanceNotFound,
  defaultEngineVersion,
  defaultOptionGroup,
  defaultParameterGroup,
  defaultPort,
  findDbSnapshot,
  instanceIdTaken,
  optionGroupOf,
  requireOptionGroup
} from './db-common';
import { dbInstanceShape } from './db-shapes';

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

/** Moves the instance through a busy status and back to available. */
function busy(ctx: HandlerContext, instance: DbInstance, status: string, seconds: number): void {
  instance.status = status;
  ctx.world.after(seconds, () => {
    if (instance.status === status) instance.status = 'available';
  });
}

function newSnapshotOf(ctx: HandlerContext, instance: DbInstance, id: string, tags: DbSnapshot['tags']): { snapshot: DbSnapshot; seconds: number } {
  const world = ctx.world;
  const account = callerAccount(ctx);
  checkIdentifier('DBSnapshotIdentifier', id, 255);
  if (account.dbSnapshots.has(id.toLowerCase())) {
    throw rdsFault('DBSnapshotAlreadyExistsFault', `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`);
  }
  checkDbSnapshotQuota(account);
  const now = world.clock.now();
  const seconds = instance.allocatedStorageGb * world.timings.snapshotSecondsPerGb;
  const snapshot: DbSnapshot = {
    id: id.toLowerCase(),
    account: account.id,
    instanceId: instance.id,
    type: 'manual',
    status: 'creating',
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
    created: new Date(now),
    tags,
    sharedWith: [],
    dbiResourceId: `db-${instance.resourceSuffix.toUpperCase()}`,
    progress: { from: now, to: now + seconds * 1000 }
  };
  captureImage(instance, snapshot);
  account.dbSnapshots.set(snapshot.id, snapshot);
  return { snapshot, seconds };
}

/** CreateDBSnapshot: the snapshot goes creating -> available, the instance backing-up -> available. */
export function snapshotInstance(ctx: HandlerContext, instance: DbInstance, id: string, tags: DbSnapshot['tags']): DbSnapshot {
  if (instance.status !== 'available') {
    throw rdsFault('InvalidDBInstanceStateFault', `Cannot create a snapshot because the database instance ${instance.id} is not currently in the available state.`);
  }
  const { snapshot, seconds } = newSnapshotOf(ctx, instance, id, tags);
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: instance.account, json: false });
  instance.status = 'backing-up';
  ctx.world.after(
    seconds,
    () => {
      if (instance.status === 'backing-up') instance.status = 'available';
      if (snapshot.status === 'creating') snapshot.status = fails ? 'failed' : 'available';
    },
    () => !snapshot.imagePending
  );
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
  startDatabase(world, instance);
  world.after(world.timings.createInstanceSeconds, () => {
    if (instance.status === 'creating') instance.status = instance.serverError ? 'failed' : 'available';
  }, () => databaseSettled(world, instance));
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
  if (snapshot.status !== 'available') {
    throw rdsFault('InvalidDBSnapshotStateFault', `Snapshot ${snapshot.id} is not in available state (it is ${snapshot.status}).`);
  }
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
  if (snapshot.kmsKeyArn) {
    const key = checkSourceKey(ctx, snapshot.kmsKeyArn, false);
    recordRdsGrant(world, ctx.caller!.principal, key, world.instanceArn(me.id, instance.id));
  }
  me.dbInstances.set(instance.id, instance);
  startDatabase(world, instance);
  const fails = ctx.faults.failsMidway({ ...ctx.call, account: me.id, json: false });
  const seconds = instance.allocatedStorageGb * world.timings.restoreSecondsPerGb;
  world.after(
    fails ? seconds / 2 : seconds,
    () => {
      if (instance.status === 'creating') instance.status = fails || instance.serverError ? 'failed' : 'available';
    },
    () => databaseSettled(world, instance)
  );
  return { DBInstance: dbInstanceShape(world, instance) };
}

export function modifyStandaloneInstance(ctx: HandlerContext, p: Params, instance: DbInstance): Output {
  const world = ctx.world;
  authorize(ctx, 'rds:ModifyDBInstance', world.instanceArn(instance.account, instance.id));
  if (instance.status !== 'available') throw notAvailable(instance);
  const account = callerAccount(ctx);
  const applyNow = p.bool('ApplyImmediately') ?? false;
  let seconds = 0;
  let status = 'modifying';
  const newId = p.str('NewDBInstanceIdentifier');
  if (newId !== undefined) checkNewInstanceId(ctx, 'NewDBInstanceIdentifier', newId);
  const password = p.str('MasterUserPassword');
  const manage = p.bool('ManageMasterUserPassword');
  if (password !== undefined && manage) throw common.invalidParameterCombination("You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.");
  const optionGroupName = p.str('OptionGroupName');
  const optionGroup = optionGroupName ? requireOptionGroup(account, optionGroupName) : undefined;
  if (optionGroup && optionGroup.engine !== instance.engine) {
    throw common.invalidParameterCombination(`The option group ${optionGroup.name} is for ${optionGroup.engine}, not ${instance.engine}.`);
  }

  // Applied at once whatever ApplyImmediately says (as AWS does for these).
  const protection = p.bool('DeletionProtection');
  if (protection !== undefined) instance.deletionProtection = protection;
  const groups = p.list('VpcSecurityGroupIds');
  if (groups) {
    instance.securityGroups = groups;
    seconds = Math.max(seconds, world.timings.modifySeconds);
  }
  const parameterGroup = p.str('DBParameterGroupName');
  if (parameterGroup) {
    instance.parameterGroup = parameterGroup;
    seconds = Math.max(seconds, world.timings.modifySeconds);
  }
  if (password !== undefined) {
    setMasterPassword(instance, password);
    instance.manageMasterUserPassword = false;
    seconds = Math.max(seconds, world.timings.modifySeconds);
    status = 'resetting-master-credentials';
  }
  if (manage !== undefined) {
    instance.manageMasterUserPassword = manage;
    if (manage) setMasterPassword(instance, randomBytes(18).toString('base64url'));
    seconds = Math.max(seconds, world.timings.modifySeconds);
  }
  // Applied now only with ApplyImmediately, else pending for the maintenance window.
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
    seconds = Math.max(seconds, world.timings.modifySeconds);
  }
  if (newId !== undefined) {
    if (applyNow) {
      account.dbInstances.delete(instance.id);
      instance.id = newId.toLowerCase();
      account.dbInstances.set(instance.id, instance);
      seconds = Math.max(seconds, world.timings.renameSeconds);
      status = 'renaming';
    } else {
      instance.pending['DBInstanceIdentifier'] = newId.toLowerCase();
    }
  }
  if (seconds > 0) busy(ctx, instance, status, seconds);
  return { DBInstance: dbInstanceShape(world, instance) };
}

export function rebootStandaloneInstance(ctx: HandlerContext, instance: DbInstance): Output {
  authorize(ctx, 'rds:RebootDBInstance', ctx.world.instanceArn(instance.account, instance.id));
  if (instance.status !== 'available') throw notAvailable(instance);
  // Pending changes are applied by a reboot except the identifier (that waits for the maintenance window).
  busy(ctx, instance, 'rebooting', ctx.world.timings.modifySeconds);
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
  const skip = p.bool('SkipFinalSnapshot') ?? false;
  const finalId = p.str('FinalDBSnapshotIdentifier');
  if (!skip && !finalId) throw common.invalidParameterCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
  if (skip && finalId) throw common.invalidParameterCombination('Cannot specify both SkipFinalSnapshot and FinalDBSnapshotIdentifier.');
  let final: DbSnapshot | undefined;
  let snapSeconds = 0;
  if (finalId) {
    if (instance.status !== 'available') throw notAvailable(instance);
    const taken = newSnapshotOf(ctx, instance, finalId, [...instance.tags]);
    final = taken.snapshot;
    snapSeconds = taken.seconds;
    const snap = final;
    world.after(snapSeconds, () => {
      if (snap.status === 'creating') snap.status = 'available';
    }, () => !snap.imagePending);
  }
  const deleteBackups = p.bool('DeleteAutomatedBackups') ?? true;
  instance.status = 'deleting';
  const id = instance.id;
  const created = instance.created;
  world.after(snapSeconds + world.timings.deleteSeconds, () => {
    if (account.dbInstances.get(id) === instance) account.dbInstances.delete(id);
    if (deleteBackups) {
      for (const s of [...account.dbSnapshots.values()]) {
        if (s.type === 'automated' && s.instanceId === id && s.instanceCreated.getTime() === created.getTime()) account.dbSnapshots.delete(s.id);
      }
    }
    stopDatabase(instance);
  }, () => !final?.imagePending);
  return { DBInstance: dbInstanceShape(world, instance) };
}

export { dbInstanceNotFound };
