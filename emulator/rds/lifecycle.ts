/**
 * Status transitions and changes Aurora clusters and standalone DB instances share: coming up (create,
 * restore), busy states of a modification, renaming, master passwords, and deletion with a final snapshot.
 * The preconditions of each operation (which states allow it, which fault says no) stay with the operation
 * in ./clusters and ./db-instances: AWS words them differently for clusters and instances.
 */
import { randomBytes } from 'node:crypto';
import type { HandlerContext } from '../context';
import { common } from '../errors';
import type { Params } from '../protocol/query';
import type { Cluster, DbInstance, World } from '../world';
import { databaseSettled, setMasterPassword, startDatabase, stopDatabase } from './data';
import type { AnySnapshot } from './snapshot-rules';

/** A cluster or a standalone DB instance. */
export type Host = Cluster | DbInstance;

/** Moves a resource through a busy status and back to available (unless something else moved it meanwhile). */
export function goBusy(world: World, resource: { status: string }, status: string, seconds: number): void {
  resource.status = status;
  world.after(seconds, () => {
    if (resource.status === status) resource.status = 'available';
  });
}

/**
 * Starts the resource's database; it leaves `creating` once `seconds` passed and the database settled,
 * as `failed` when `failed()` says so at that time, else `available`.
 */
export function launch(world: World, host: Host, seconds: number, failed: () => boolean, failedStatus = 'failed'): void {
  startDatabase(world, host);
  world.after(
    seconds,
    () => {
      if (host.status === 'creating') host.status = failed() ? (host.serverError ? 'failed' : failedStatus) : 'available';
    },
    () => databaseSettled(world, host)
  );
}

/** Clusters made by a restore (from a snapshot, to a point in time, or a clone): see `stillRestoring`. */
const restored = new WeakSet<Host>();

/** Marks a host as made by a restore (RestoreDBClusterFromSnapshot, RestoreDBClusterToPointInTime, a copy-on-write clone). */
export function markRestored(host: Host): void {
  restored.add(host);
}

/**
 * A restored cluster still coming up. The RDS API reference (RestoreDBClusterFromSnapshot, RestoreDBClusterToPointInTime):
 * "You can create DB instances only after the ... operation has completed and the DB cluster is available." A cluster
 * made by CreateDBCluster takes its instances while still `creating`.
 */
export function stillRestoring(host: Host): boolean {
  return restored.has(host) && host.status === 'creating';
}

/** A restored resource comes up in the restore time of `storageGb`; a fault may fail it midway, and so does its database. */
export function launchRestored(ctx: HandlerContext, host: Host, storageGb: number): void {
  markRestored(host);
  const endsIn = ctx.faults.endsMidway({ ...ctx.call, account: host.account, json: false });
  const seconds = storageGb * ctx.world.timings.restoreSecondsPerGb;
  launch(ctx.world, host, endsIn ? seconds / 2 : seconds, () => endsIn !== undefined || Boolean(host.serverError), endsIn);
}

/** How long a modification keeps the resource busy, and the status it shows meanwhile. */
export class BusyWork {
  seconds = 0;
  status = 'modifying';

  add(seconds: number, status?: string): void {
    this.seconds = Math.max(this.seconds, seconds);
    if (status) this.status = status;
  }

  start(world: World, resource: { status: string }): void {
    if (this.seconds > 0) goBusy(world, resource, this.status, this.seconds);
  }
}

/** MasterUserPassword and ManageMasterUserPassword of a Modify call: never both. */
export interface MasterPasswordChange {
  password?: string;
  manage?: boolean;
}

/**
 * Reads the change for `host`. The SDK model (ModifyDBCluster/ModifyDBInstance ManageMasterUserPassword): turning
 * management on forbids MasterUserPassword; turning it off on a host that has it requires one.
 */
export function readMasterPasswordChange(p: Params, host: Host): MasterPasswordChange {
  const password = p.str('MasterUserPassword');
  const manage = p.bool('ManageMasterUserPassword');
  if (password !== undefined && manage) {
    throw common.invalidParameterCombination("You can't specify MasterUserPassword and ManageMasterUserPassword at the same time.");
  }
  if (manage === false && host.manageMasterUserPassword && password === undefined) {
    throw common.invalidParameterCombination('MasterUserPassword must be specified when turning off ManageMasterUserPassword: the master password is managed in Secrets Manager.');
  }
  return { password, manage };
}

/**
 * The changes ModifyDBCluster and ModifyDBInstance apply at once whatever ApplyImmediately says: deletion
 * protection, security groups, the (cluster or DB) parameter group named by `parameterGroupParam`, the master password.
 */
export function applyImmediateChanges(world: World, p: Params, host: Host, parameterGroupParam: 'DBClusterParameterGroupName' | 'DBParameterGroupName', master: MasterPasswordChange, work: BusyWork): void {
  const protection = p.bool('DeletionProtection');
  if (protection !== undefined) host.deletionProtection = protection;
  const groups = p.list('VpcSecurityGroupIds');
  if (groups) {
    host.securityGroups = groups;
    work.add(world.timings.modifySeconds);
  }
  const parameterGroup = p.str(parameterGroupParam);
  if (parameterGroup) {
    host.parameterGroup = parameterGroup;
    work.add(world.timings.modifySeconds);
  }
  if (master.password !== undefined) {
    setMasterPassword(host, master.password);
    host.manageMasterUserPassword = false;
    work.add(world.timings.modifySeconds, 'resetting-master-credentials');
  }
  if (master.manage !== undefined) {
    host.manageMasterUserPassword = master.manage;
    if (master.manage) setMasterPassword(host, randomBytes(18).toString('base64url'));
    work.add(world.timings.modifySeconds);
  }
}

/** A rename with ApplyImmediately: the resource moves to its new (lower-cased) key in the account's store; returns the old id. */
export function renameNow<H extends Host>(world: World, store: Map<string, H>, host: H, newId: string, work: BusyWork): string {
  const oldId = host.id;
  store.delete(oldId);
  host.id = newId.toLowerCase();
  store.set(host.id, host);
  work.add(world.timings.renameSeconds, 'renaming');
  return oldId;
}

/**
 * SkipFinalSnapshot and FinalDBSnapshotIdentifier of a Delete call: exactly one of them (the message for both
 * differs between DeleteDBCluster and DeleteDBInstance). Returns the final snapshot's identifier, if any.
 */
export function readFinalSnapshotId(p: Params, bothGivenMessage: string): string | undefined {
  const skip = p.bool('SkipFinalSnapshot') ?? false;
  const finalId = p.str('FinalDBSnapshotIdentifier');
  if (!skip && !finalId) throw common.invalidParameterCombination('FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is specified.');
  if (skip && finalId) throw common.invalidParameterCombination(bothGivenMessage);
  return finalId;
}

/**
 * The resource goes `deleting` and leaves the account's store once its final snapshot (taken `finalSeconds`)
 * is captured and the delete time has passed; then `gone` runs and its database stops.
 */
export function retire<H extends Host>(world: World, store: Map<string, H>, host: H, final: { snapshot: AnySnapshot; seconds: number } | undefined, gone: (id: string) => void = () => undefined): void {
  host.status = 'deleting';
  const id = host.id;
  world.after(
    (final?.seconds ?? 0) + world.timings.deleteSeconds,
    () => {
      if (store.get(id) === host) store.delete(id);
      gone(id);
      stopDatabase(host);
    },
    () => !final?.snapshot.imagePending
  );
}
