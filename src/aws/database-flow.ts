/**
 * What the database adapters of both kinds (kinds/cluster-api.ts,
 * kinds/instance-api.ts) do alike: the answer fields RDS names alike, the
 * waits (available, gone, deleting, settled), the delete flow with its retries,
 * tags and this action's snapshots.
 */
import type { DBCluster, DBInstance, RDSClient } from '@aws-sdk/client-rds';
import { isFault, type FaultName } from '../errors';
import type { DbKind } from '../types';
import { waitFor, type WaitOptions } from '../wait';
import { allPages } from './calls';
import type { DatabaseInfo, Databases, DeleteOptions, InstanceInfo, Modification, SnapshotSummary } from './databases';
import { deleteSnapshot, restoreAccess, snapshotApi, type RawSnapshot } from './snapshot-api';
import { addTags, removeTags, tagsOf } from './tags';

/** Statuses a database or instance never leaves by itself: waiting longer is pointless. */
export const FAILED_STATUSES = new Set([
  'failed',
  'incompatible-parameters',
  'incompatible-restore',
  'incompatible-network',
  'incompatible-option-group',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'restore-error',
  'storage-full',
  'insufficient-capacity'
]);

/** How many polls a just-renamed database may still be missing under its new name before that counts as gone. */
const RENAME_GRACE_POLLS = 12;

/** The fields of a database that DBCluster and DBInstance name alike. */
type SameNamed = Pick<
  DBCluster & DBInstance,
  | 'Engine'
  | 'EngineVersion'
  | 'MasterUsername'
  | 'MasterUserSecret'
  | 'VpcSecurityGroups'
  | 'DeletionProtection'
  | 'CopyTagsToSnapshot'
  | 'IAMDatabaseAuthenticationEnabled'
  | 'EnabledCloudwatchLogsExports'
  | 'StorageType'
  | 'TagList'
> & { PendingModifiedValues?: { MasterUserPassword?: string } };

export function sameNamedInfo(d: SameNamed) {
  return {
    engine: d.Engine ?? '',
    engineVersion: d.EngineVersion,
    masterUsername: d.MasterUsername,
    masterUserSecretArn: d.MasterUserSecret?.SecretArn,
    vpcSecurityGroupIds: (d.VpcSecurityGroups ?? []).map(g => g.VpcSecurityGroupId ?? '').filter(Boolean),
    deletionProtection: d.DeletionProtection ?? false,
    copyTagsToSnapshot: d.CopyTagsToSnapshot,
    iamDatabaseAuthentication: d.IAMDatabaseAuthenticationEnabled,
    cloudwatchLogsExports: d.EnabledCloudwatchLogsExports,
    storageType: d.StorageType,
    pendingPassword: d.PendingModifiedValues?.MasterUserPassword !== undefined,
    tags: tagsOf(d.TagList)
  } satisfies Partial<DatabaseInfo>;
}

export function instanceInfo(i: DBInstance): InstanceInfo {
  return {
    identifier: i.DBInstanceIdentifier ?? '',
    status: i.DBInstanceStatus ?? 'unknown',
    instanceClass: i.DBInstanceClass,
    dbParameterGroup: i.DBParameterGroups?.[0]?.DBParameterGroupName,
    publiclyAccessible: i.PubliclyAccessible
  };
}

/** The fields of a change that ModifyDBCluster and ModifyDBInstance name alike; applied at once, never in the maintenance window. */
export function modification(change: Modification) {
  return {
    VpcSecurityGroupIds: change.securityGroupIds,
    DeletionProtection: change.deletionProtection,
    MasterUserPassword: change.masterPassword,
    ManageMasterUserPassword: change.manageMasterPassword,
    ApplyImmediately: true
  };
}

/** This action's snapshots as the target side lists them (either kind). */
function snapshotSummary(s: RawSnapshot): SnapshotSummary {
  return {
    identifier: s.identifier ?? '',
    arn: s.arn ?? '',
    status: s.Status ?? 'unknown',
    type: s.SnapshotType ?? 'unknown',
    database: s.database,
    createdAt: s.SnapshotCreateTime,
    tags: tagsOf(s.TagList)
  };
}

/**
 * Something the adapters wait on and delete (a cluster, a member instance, an
 * RDS DB instance): how to look at it, and RDS's fault codes for it.
 */
export interface Resource {
  readonly noun: string;
  look(identifier: string): Promise<{ status: string } | undefined>;
  readonly notFound: readonly FaultName[];
  readonly invalidState: readonly FaultName[];
}

/**
 * Until `look` sees it available and, when given, `until` holds. A failed
 * status ends the wait; so does a missing resource, but only after
 * RENAME_GRACE_POLLS (a just-renamed one takes a while to show under its new name).
 */
export async function waitAvailable<T extends { status: string }>(look: (identifier: string) => Promise<T | undefined>, identifier: string, options: WaitOptions, until?: (d: T) => boolean): Promise<T> {
  let missing = 0;
  const found = await waitFor<T>(async () => {
    const d = await look(identifier);
    if (!d) {
      missing++;
      return missing > RENAME_GRACE_POLLS ? { status: 'not found', done: false, failed: 'not found' } : { status: 'not found yet', done: false };
    }
    if (FAILED_STATUSES.has(d.status)) return { status: d.status, done: false, failed: d.status };
    return { status: d.status, done: d.status === 'available' && (until?.(d) ?? true), value: d };
  }, options);
  return found!;
}

/** Until `look` no longer finds it. */
export async function waitGone(res: Resource, identifier: string, options: WaitOptions): Promise<void> {
  await waitFor(async () => {
    const d = await res.look(identifier);
    return d ? { status: d.status, done: false } : { status: 'deleted', done: true };
  }, options);
}

/** Until `look` shows it `deleting` (or no longer finds it). */
export async function waitDeleting(res: Resource, identifier: string, options: WaitOptions): Promise<void> {
  await waitFor(async () => {
    const d = await res.look(identifier);
    return d ? { status: d.status, done: d.status === 'deleting' } : { status: 'deleted', done: true };
  }, options);
}

/** Wait until a resource that refused a change for its state is in a state that accepts one (or is going anyway). */
async function settle(res: Resource, identifier: string, options: WaitOptions): Promise<void> {
  await waitFor(async () => {
    const d = await res.look(identifier);
    if (!d) return { status: 'deleted', done: true };
    return { status: d.status, done: d.status === 'available' || FAILED_STATUSES.has(d.status) || d.status === 'deleting' };
  }, options);
}

/**
 * Send a Delete call; while RDS refuses it for the resource's state (twice at
 * most), wait until the resource settles and send it again, unless it is
 * already being deleted. 'gone' when RDS says it does not exist.
 */
export async function deleteRetrying(res: Resource, identifier: string, wait: (what: string) => WaitOptions, send: () => Promise<unknown>): Promise<'deleting' | 'gone'> {
  for (let attempt = 0; ; attempt++) {
    try {
      await send();
      return 'deleting';
    } catch (e) {
      if (isFault(e, [...res.notFound])) return 'gone';
      if (isFault(e, [...res.invalidState]) && attempt < 2) {
        const now = await res.look(identifier);
        if (!now || now.status === 'deleting') return 'deleting';
        await settle(res, identifier, wait(`${res.noun} ${identifier} to accept deletion`));
        continue;
      }
      throw e;
    }
  }
}

/**
 * The delete flow of both kinds: false when the database does not exist;
 * deletion protection off; `before` (a cluster's instances); the Delete call,
 * retried as `deleteRetrying` does; then, when asked, until the database is gone.
 */
export async function deleteDatabase(
  db: Resource & { describe(identifier: string): Promise<DatabaseInfo | undefined>; modify(identifier: string, change: Modification): Promise<void> },
  identifier: string,
  options: DeleteOptions,
  wait: (what: string) => WaitOptions,
  steps: { before?: (d: DatabaseInfo) => Promise<void>; send: () => Promise<unknown> }
): Promise<boolean> {
  const d = await db.describe(identifier);
  if (!d) return false;
  if (d.deletionProtection) await db.modify(identifier, { deletionProtection: false });
  await steps.before?.(d);
  if ((await deleteRetrying(db, identifier, wait, steps.send)) === 'gone') return true;
  if (options.waitForDeletion) await waitGone(db, identifier, wait(`${db.noun} ${identifier} deletion`));
  return true;
}

/** What both kinds do alike: tags (any resource's ARN), and this action's snapshots of the kind. */
export function common(rds: RDSClient, kind: DbKind): Pick<Databases, 'addTags' | 'removeTags' | 'listSnapshots' | 'unshareSnapshot' | 'deleteSnapshot'> {
  const api = snapshotApi(kind);
  return {
    addTags: (arn, tags) => addTags(rds, arn, tags),
    removeTags: (arn, keys) => removeTags(rds, arn, keys),
    async listSnapshots() {
      return allPages(async marker => {
        const out = await api.describe(rds, { SnapshotType: 'manual', Marker: marker });
        return { items: out.snapshots.map(snapshotSummary), marker: out.marker };
      });
    },
    async unshareSnapshot(identifier) {
      const accounts = (await restoreAccess(api, rds, identifier)).filter(v => v !== 'all');
      if (accounts.length > 0) await api.modifyRestore(rds, identifier, { ValuesToRemove: accounts });
      return accounts;
    },
    async deleteSnapshot(identifier) {
      await deleteSnapshot(api, rds, identifier);
    }
  };
}
