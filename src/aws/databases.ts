/**
 * The per-account database adapter: everything the target side does to a
 * database (describe, restore, instances, rename, password, delete, tags,
 * this action's snapshots) behind one interface, so the steps never see
 * whether the database is an Aurora cluster (`clusterDatabases`) or an RDS
 * DB instance (`instanceDatabases`).
 */
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  ModifyDBInstanceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type DBCluster,
  type DBInstance,
  type RDSClient
} from '@aws-sdk/client-rds';
import type { Context } from '../context';
import { waitOptions } from '../context';
import { DiagnosedError, isFault, type FaultName } from '../errors';
import type { DbKind } from '../types';
import { waitFor, type WaitOptions } from '../wait';
import { allPages, ifFound } from './calls';
import { deleteSnapshot, restoreAccess, snapshotApi, type RawSnapshot } from './snapshot-api';
import { addTags, removeTags, tagList, tagsOf, type Tags } from './tags';

export type { Tags } from './tags';

/**
 * The settings a new database takes over from the staging database it
 * replaces: read from it (`DatabaseInfo`), planned
 * (`RestoreSettings` in plan/target.ts) and passed to the restore (`RestoreRequest`).
 */
export interface CarriedSettings {
  copyTagsToSnapshot?: boolean;
  iamDatabaseAuthentication?: boolean;
  cloudwatchLogsExports?: string[];
  serverlessV2?: { minCapacity: number; maxCapacity: number };
  storageType?: string;
}

/** A database (an Aurora cluster or an RDS DB instance) as the target side needs to know it. */
export interface DatabaseInfo extends CarriedSettings {
  kind: DbKind;
  identifier: string;
  arn: string;
  /** Immutable across renames. */
  resourceId?: string;
  status: string;
  engine: string;
  engineVersion?: string;
  port?: number;
  endpoint?: string;
  readerEndpoint?: string;
  masterUsername?: string;
  databaseName?: string;
  /** Secrets Manager secret of a managed master password. */
  masterUserSecretArn?: string;
  dbSubnetGroup?: string;
  vpcSecurityGroupIds: string[];
  dbClusterParameterGroup?: string;
  deletionProtection: boolean;
  httpEndpointEnabled?: boolean;
  /** A master password change RDS has accepted but not applied yet. */
  pendingPassword?: boolean;
  tags: Tags;
  /** Instance identifiers (cluster members), writer first; none for an RDS DB instance. */
  members: string[];
  /** The writer instance: a cluster's writer member, or an RDS DB instance itself. */
  writer?: string;
  /** RDS DB instances: their option group. */
  optionGroup?: string;
}

export interface InstanceInfo {
  identifier: string;
  status: string;
  instanceClass?: string;
  dbParameterGroup?: string;
  publiclyAccessible?: boolean;
}

export interface SnapshotInfo {
  identifier: string;
  arn: string;
  status: string;
  /** manual, automated, shared, awsbackup ... */
  type: string;
  /** The database the snapshot was taken of (a copy keeps the original's). */
  database?: string;
  createdAt?: Date;
  tags: Tags;
}

/**
 * What a new staging cluster is given, whether restored from a snapshot or cloned
 * (RestoreDBClusterFromSnapshot and RestoreDBClusterToPointInTime take the same fields).
 */
export function newClusterSettings(req: Omit<RestoreRequest, 'snapshotArn' | 'engineVersion' | 'instanceClass' | 'dbParameterGroup' | 'publiclyAccessible' | 'optionGroup' | 'engine' | 'identifier'>) {
  return {
    KmsKeyId: req.kmsKeyId,
    DBSubnetGroupName: req.dbSubnetGroup,
    VpcSecurityGroupIds: req.securityGroupIds,
    DBClusterParameterGroupName: req.dbClusterParameterGroup,
    Port: req.port,
    CopyTagsToSnapshot: req.copyTagsToSnapshot,
    EnableIAMDatabaseAuthentication: req.iamDatabaseAuthentication,
    EnableCloudwatchLogsExports: req.cloudwatchLogsExports,
    ServerlessV2ScalingConfiguration: req.serverlessV2 ? { MinCapacity: req.serverlessV2.minCapacity, MaxCapacity: req.serverlessV2.maxCapacity } : undefined,
    StorageType: req.storageType,
    DeletionProtection: false,
    Tags: tagList(req.tags)
  };
}

export interface RestoreRequest extends CarriedSettings {
  identifier: string;
  /** The shared snapshot's ARN, or (RDS instances) the identifier of the staging account's own copy. */
  snapshotArn: string;
  engine: string;
  engineVersion?: string;
  /** Aurora only: RestoreDBInstanceFromDBSnapshot has no KmsKeyId (an instance keeps its snapshot's key). */
  kmsKeyId: string;
  /** RDS DB instances: the restore creates the instance itself. */
  instanceClass?: string;
  dbParameterGroup?: string;
  publiclyAccessible?: boolean;
  optionGroup?: string;
  dbSubnetGroup?: string;
  securityGroupIds?: string[];
  dbClusterParameterGroup?: string;
  port?: number;
  tags: Tags;
}

export interface InstanceRequest {
  identifier: string;
  database: string;
  engine: string;
  instanceClass: string;
  dbParameterGroup?: string;
  publiclyAccessible?: boolean;
  promotionTier?: number;
  tags: Tags;
}

export interface Modification {
  newIdentifier?: string;
  securityGroupIds?: string[];
  deletionProtection?: boolean;
  masterPassword?: string;
  manageMasterPassword?: boolean;
}

export interface DeleteOptions {
  /** Take a final snapshot with this (unique) name; absent: SkipFinalSnapshot. */
  finalSnapshotIdentifier?: string;
  /** Wait until the database itself is gone (its instances are always awaited, unless issueOnly). */
  waitForDeletion?: boolean;
  /**
   * Issue the deletes and return: a cluster's instances are awaited only until
   * each shows `deleting` (RDS accepts DeleteDBCluster then: it refuses only
   * "DB instances in non-deleting state"). Not with a final snapshot: that is confirmed by waiting.
   */
  issueOnly?: boolean;
}

export interface Databases {
  readonly kind: DbKind;
  describe(identifier: string): Promise<DatabaseInfo | undefined>;
  describeInstance(identifier: string): Promise<InstanceInfo | undefined>;
  /** Every database of this kind in the account (for the lock scan). */
  list(): Promise<DatabaseInfo[]>;
  restore(req: RestoreRequest): Promise<void>;
  createInstance(req: InstanceRequest): Promise<void>;
  modify(identifier: string, change: Modification): Promise<void>;
  enableDataApi(arn: string): Promise<void>;
  /** Instances first, deletion protection off, then the database. Returns false when it did not exist. */
  delete(identifier: string, options?: DeleteOptions): Promise<boolean>;
  addTags(arn: string, tags: Tags): Promise<void>;
  removeTags(arn: string, keys: string[]): Promise<void>;
  /** Until available and, when given, `until` holds (a change RDS accepted has shown). */
  waitAvailable(identifier: string, what: string, until?: (d: DatabaseInfo) => boolean): Promise<DatabaseInfo>;
  waitInstanceAvailable(identifier: string, what: string): Promise<void>;
  waitInstanceDeleted(identifier: string, what: string): Promise<void>;
  waitDeleted(identifier: string, what: string): Promise<void>;
  /** Manual snapshots of this kind with their tags. */
  listSnapshots(): Promise<SnapshotInfo[]>;
  /** Remove every account the snapshot is shared with; returns the accounts removed. */
  unshareSnapshot(identifier: string): Promise<string[]>;
  deleteSnapshot(identifier: string): Promise<void>;
}

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

function sameNamedInfo(d: SameNamed) {
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

export function clusterInfo(c: DBCluster): DatabaseInfo {
  const members = [...(c.DBClusterMembers ?? [])].sort((a, b) => Number(b.IsClusterWriter ?? false) - Number(a.IsClusterWriter ?? false));
  const sv2 = c.ServerlessV2ScalingConfiguration;
  return {
    ...sameNamedInfo(c),
    kind: 'cluster',
    identifier: c.DBClusterIdentifier ?? '',
    arn: c.DBClusterArn ?? '',
    resourceId: c.DbClusterResourceId,
    status: c.Status ?? 'unknown',
    port: c.Port,
    endpoint: c.Endpoint,
    readerEndpoint: c.ReaderEndpoint,
    databaseName: c.DatabaseName,
    dbSubnetGroup: c.DBSubnetGroup,
    dbClusterParameterGroup: c.DBClusterParameterGroup,
    serverlessV2:
      sv2?.MinCapacity !== undefined && sv2.MaxCapacity !== undefined ? { minCapacity: sv2.MinCapacity, maxCapacity: sv2.MaxCapacity } : undefined,
    httpEndpointEnabled: c.HttpEndpointEnabled,
    members: members.map(m => m.DBInstanceIdentifier ?? '').filter(Boolean),
    writer: members.find(m => m.IsClusterWriter)?.DBInstanceIdentifier
  };
}

/** A standalone RDS DB instance as a database. */
export function standaloneInfo(i: DBInstance): DatabaseInfo {
  return {
    ...sameNamedInfo(i),
    kind: 'instance',
    identifier: i.DBInstanceIdentifier ?? '',
    arn: i.DBInstanceArn ?? '',
    resourceId: i.DbiResourceId,
    status: i.DBInstanceStatus ?? 'unknown',
    port: i.Endpoint?.Port ?? i.DbInstancePort,
    endpoint: i.Endpoint?.Address,
    databaseName: i.DBName,
    dbSubnetGroup: i.DBSubnetGroup?.DBSubnetGroupName,
    members: [],
    writer: i.DBInstanceIdentifier,
    optionGroup: i.OptionGroupMemberships?.[0]?.OptionGroupName
  };
}

function instanceInfo(i: DBInstance): InstanceInfo {
  return {
    identifier: i.DBInstanceIdentifier ?? '',
    status: i.DBInstanceStatus ?? 'unknown',
    instanceClass: i.DBInstanceClass,
    dbParameterGroup: i.DBParameterGroups?.[0]?.DBParameterGroupName,
    publiclyAccessible: i.PubliclyAccessible
  };
}

/** The fields of a change that ModifyDBCluster and ModifyDBInstance name alike; applied at once, never in the maintenance window. */
function modification(change: Modification) {
  return {
    VpcSecurityGroupIds: change.securityGroupIds,
    DeletionProtection: change.deletionProtection,
    MasterUserPassword: change.masterPassword,
    ManageMasterUserPassword: change.manageMasterPassword,
    ApplyImmediately: true
  };
}

/** This action's snapshots as the target side lists them (either kind). */
function snapshotInfo(s: RawSnapshot): SnapshotInfo {
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
interface Resource {
  readonly noun: 'cluster' | 'instance';
  look(identifier: string): Promise<{ status: string } | undefined>;
  readonly notFound: readonly FaultName[];
  readonly invalidState: readonly FaultName[];
}

/**
 * Until `look` sees it available and, when given, `until` holds. A failed
 * status ends the wait; so does a missing resource, but only after
 * RENAME_GRACE_POLLS (a just-renamed one takes a while to show under its new name).
 */
async function waitAvailable<T extends { status: string }>(
  look: (identifier: string) => Promise<T | undefined>,
  identifier: string,
  options: WaitOptions,
  until?: (d: T) => boolean
): Promise<T> {
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
async function waitGone(res: Resource, identifier: string, options: WaitOptions): Promise<void> {
  await waitFor(async () => {
    const d = await res.look(identifier);
    return d ? { status: d.status, done: false } : { status: 'deleted', done: true };
  }, options);
}

/** Until `look` shows it `deleting` (or no longer finds it). */
async function waitDeleting(res: Resource, identifier: string, options: WaitOptions): Promise<void> {
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
async function deleteRetrying(
  res: Resource,
  identifier: string,
  wait: (what: string) => WaitOptions,
  send: () => Promise<unknown>
): Promise<'deleting' | 'gone'> {
  for (let attempt = 0; ; attempt++) {
    try {
      await send();
      return 'deleting';
    } catch (e) {
      if (isFault(e, res.notFound)) return 'gone';
      if (isFault(e, res.invalidState) && attempt < 2) {
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
async function deleteDatabase(
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
function common(rds: RDSClient, kind: DbKind): Pick<Databases, 'addTags' | 'removeTags' | 'listSnapshots' | 'unshareSnapshot' | 'deleteSnapshot'> {
  const api = snapshotApi(kind);
  return {
    addTags: (arn, tags) => addTags(rds, arn, tags),
    removeTags: (arn, keys) => removeTags(rds, arn, keys),
    async listSnapshots() {
      return allPages(async marker => {
        const out = await api.describe(rds, { SnapshotType: 'manual', Marker: marker });
        return { items: out.snapshots.map(snapshotInfo), marker: out.marker };
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

/** The Aurora implementation. `wait` gives the wait options for one named wait. */
export function clusterDatabases(rds: RDSClient, wait: (what: string) => WaitOptions): Databases {
  const describe = async (identifier: string): Promise<DatabaseInfo | undefined> => {
    const out = await ifFound(() => rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier })), 'DBClusterNotFoundFault');
    const c = out?.DBClusters?.[0];
    return c ? clusterInfo(c) : undefined;
  };

  const describeInstance = async (identifier: string): Promise<InstanceInfo | undefined> => {
    const out = await ifFound(() => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })), 'DBInstanceNotFoundFault');
    const i = out?.DBInstances?.[0];
    return i ? instanceInfo(i) : undefined;
  };

  const modify = async (identifier: string, change: Modification): Promise<void> => {
    await rds.send(
      new ModifyDBClusterCommand({ DBClusterIdentifier: identifier, NewDBClusterIdentifier: change.newIdentifier, ...modification(change) })
    );
  };

  const cluster = {
    noun: 'cluster',
    look: describe,
    describe,
    modify,
    notFound: ['DBClusterNotFoundFault'],
    invalidState: ['InvalidDBClusterStateFault']
  } as const;
  const member: Resource = { noun: 'instance', look: describeInstance, notFound: ['DBInstanceNotFoundFault'], invalidState: ['InvalidDBInstanceStateFault'] };

  return {
    kind: 'cluster',
    describe,
    describeInstance,
    async list() {
      return allPages(async marker => {
        const out = await rds.send(new DescribeDBClustersCommand({ Marker: marker }));
        return { items: (out.DBClusters ?? []).map(clusterInfo), marker: out.Marker };
      });
    },
    async restore(req) {
      await rds.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: req.identifier,
          SnapshotIdentifier: req.snapshotArn,
          Engine: req.engine,
          EngineVersion: req.engineVersion,
          ...newClusterSettings(req)
        })
      );
    },
    async createInstance(req) {
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: req.identifier,
          DBClusterIdentifier: req.database,
          Engine: req.engine,
          DBInstanceClass: req.instanceClass,
          DBParameterGroupName: req.dbParameterGroup,
          PubliclyAccessible: req.publiclyAccessible,
          PromotionTier: req.promotionTier,
          Tags: tagList(req.tags)
        })
      );
    },
    modify,
    async enableDataApi(arn) {
      await rds.send(new EnableHttpEndpointCommand({ ResourceArn: arn }));
    },
    delete(identifier, options = {}) {
      return deleteDatabase(cluster, identifier, options, wait, {
        async before(c) {
          await Promise.all(c.members.map(m => deleteRetrying(member, m, wait, () => rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: m })))));
          if (options.issueOnly && options.finalSnapshotIdentifier === undefined) {
            await Promise.all(c.members.map(m => waitDeleting(member, m, wait(`instance ${m} deletion to start`))));
          } else {
            await Promise.all(c.members.map(m => waitGone(member, m, wait(`instance ${m} deletion`))));
          }
        },
        send: () =>
          rds.send(
            new DeleteDBClusterCommand({
              DBClusterIdentifier: identifier,
              SkipFinalSnapshot: options.finalSnapshotIdentifier === undefined,
              FinalDBSnapshotIdentifier: options.finalSnapshotIdentifier
            })
          )
      });
    },
    waitAvailable: (identifier, what, until) => waitAvailable(describe, identifier, wait(what), until),
    async waitInstanceAvailable(identifier, what) {
      await waitAvailable(describeInstance, identifier, wait(what));
    },
    waitInstanceDeleted: (identifier, what) => waitGone(member, identifier, wait(what)),
    waitDeleted: (identifier, what) => waitGone(cluster, identifier, wait(what)),
    ...common(rds, 'cluster')
  };
}

/** The adapter for one side of the run, for the kind the run refreshes. */
export function databasesFor(ctx: Pick<Context, 'accounts' | 'settings' | 'clock'>, side: 'source' | 'target', kind: DbKind): Databases {
  const wait = (what: string) => waitOptions(ctx, what);
  return kind === 'cluster' ? clusterDatabases(ctx.accounts[side].rds, wait) : instanceDatabases(ctx.accounts[side].rds, wait);
}

/**
 * The RDS DB instance implementation: the instance is the database (no
 * members), restored with RestoreDBInstanceFromDBSnapshot, renamed with
 * ModifyDBInstance NewDBInstanceIdentifier, deleted with DeleteDBInstance
 * (SkipFinalSnapshot or FinalDBSnapshotIdentifier, automated backups deleted
 * with it), its snapshots DB snapshots.
 */
export function instanceDatabases(rds: RDSClient, wait: (what: string) => WaitOptions): Databases {
  const notFound = ['DBInstanceNotFoundFault'] as const;
  const describeRaw = async (identifier: string): Promise<DBInstance | undefined> => {
    const out = await ifFound(() => rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })), ...notFound);
    return out?.DBInstances?.[0];
  };
  const describe = async (identifier: string): Promise<DatabaseInfo | undefined> => {
    const i = await describeRaw(identifier);
    // An Aurora cluster member is not a database of its own.
    return i && !i.DBClusterIdentifier ? standaloneInfo(i) : undefined;
  };
  const describeInstance = async (identifier: string): Promise<InstanceInfo | undefined> => {
    const i = await describeRaw(identifier);
    return i ? instanceInfo(i) : undefined;
  };

  const modify = async (identifier: string, change: Modification): Promise<void> => {
    await rds.send(
      new ModifyDBInstanceCommand({ DBInstanceIdentifier: identifier, NewDBInstanceIdentifier: change.newIdentifier, ...modification(change) })
    );
  };

  // Deleting and waiting look at any DB instance of the name (`describeInstance`), not only a standalone one.
  const instance = {
    noun: 'instance',
    look: describeInstance,
    describe,
    modify,
    notFound,
    invalidState: ['InvalidDBInstanceStateFault']
  } as const;
  const waitDeleted = (identifier: string, what: string) => waitGone(instance, identifier, wait(what));

  return {
    kind: 'instance',
    describe,
    describeInstance,
    async list() {
      return allPages(async marker => {
        const out = await rds.send(new DescribeDBInstancesCommand({ Marker: marker }));
        return { items: (out.DBInstances ?? []).filter(i => !i.DBClusterIdentifier).map(standaloneInfo), marker: out.Marker };
      });
    },
    async restore(req) {
      await rds.send(
        new RestoreDBInstanceFromDBSnapshotCommand({
          DBInstanceIdentifier: req.identifier,
          DBSnapshotIdentifier: req.snapshotArn,
          DBInstanceClass: req.instanceClass,
          DBSubnetGroupName: req.dbSubnetGroup,
          VpcSecurityGroupIds: req.securityGroupIds,
          DBParameterGroupName: req.dbParameterGroup,
          OptionGroupName: req.optionGroup,
          PubliclyAccessible: req.publiclyAccessible,
          Port: req.port,
          CopyTagsToSnapshot: req.copyTagsToSnapshot,
          EnableIAMDatabaseAuthentication: req.iamDatabaseAuthentication,
          EnableCloudwatchLogsExports: req.cloudwatchLogsExports,
          StorageType: req.storageType,
          DeletionProtection: false,
          Tags: tagList(req.tags)
        })
      );
    },
    async createInstance() {
      throw new Error('internal: an RDS DB instance has no member instances to create');
    },
    modify,
    async enableDataApi() {
      throw new DiagnosedError({
        title: 'The Data API is for Aurora only',
        message: 'RDS DB instances have no RDS Data API endpoint.',
        fix: 'Use masking-connection: direct for an RDS DB instance.'
      });
    },
    delete(identifier, options = {}) {
      return deleteDatabase(instance, identifier, options, wait, {
        send: () =>
          rds.send(
            new DeleteDBInstanceCommand({
              DBInstanceIdentifier: identifier,
              SkipFinalSnapshot: options.finalSnapshotIdentifier === undefined,
              FinalDBSnapshotIdentifier: options.finalSnapshotIdentifier,
              // A staging instance's automated backups are of no use once it is replaced: they go with it.
              DeleteAutomatedBackups: true
            })
          )
      });
    },
    waitAvailable: (identifier, what, until) => waitAvailable(describe, identifier, wait(what), until),
    async waitInstanceAvailable(identifier, what) {
      await waitAvailable(describe, identifier, wait(what));
    },
    waitInstanceDeleted: waitDeleted,
    waitDeleted,
    ...common(rds, 'instance')
  };
}
