/**
 * The per-account database adapter: everything the target side does to a
 * database (describe, restore, instances, rename, password, delete, tags,
 * this action's snapshots) behind one interface, so the steps never see
 * whether the database is an Aurora cluster (`clusterDatabases`) or an RDS
 * DB instance (`instanceDatabases`).
 */
import {
  AddTagsToResourceCommand,
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  EnableHttpEndpointCommand,
  ModifyDBClusterCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBInstanceCommand,
  ModifyDBSnapshotAttributeCommand,
  RemoveTagsFromResourceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type DBSnapshot,
  type RDSClient,
  type Tag
} from '@aws-sdk/client-rds';
import type { Context } from '../context';
import { waitOptions } from '../context';
import { DiagnosedError, isAwsError } from '../errors';
import type { DbKind } from '../types';
import { waitFor, type WaitOptions } from '../wait';

export type Tags = Record<string, string>;

/** A database (an Aurora cluster or an RDS DB instance) as the target side needs to know it. */
export interface DatabaseInfo {
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
  copyTagsToSnapshot?: boolean;
  iamDatabaseAuthentication?: boolean;
  cloudwatchLogsExports?: string[];
  serverlessV2?: { minCapacity: number; maxCapacity: number };
  storageType?: string;
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

export interface RestoreRequest {
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
  copyTagsToSnapshot?: boolean;
  iamDatabaseAuthentication?: boolean;
  cloudwatchLogsExports?: string[];
  serverlessV2?: { minCapacity: number; maxCapacity: number };
  storageType?: string;
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
  /** Wait until the database itself is gone (its instances are always awaited). */
  waitForDeletion?: boolean;
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

export function tagsOf(list: Tag[] | undefined): Tags {
  const tags: Tags = {};
  for (const t of list ?? []) if (t.Key) tags[t.Key] = t.Value ?? '';
  return tags;
}

export function tagList(tags: Tags): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

export function clusterInfo(c: DBCluster): DatabaseInfo {
  const members = [...(c.DBClusterMembers ?? [])].sort((a, b) => Number(b.IsClusterWriter ?? false) - Number(a.IsClusterWriter ?? false));
  const sv2 = c.ServerlessV2ScalingConfiguration;
  return {
    kind: 'cluster',
    identifier: c.DBClusterIdentifier ?? '',
    arn: c.DBClusterArn ?? '',
    resourceId: c.DbClusterResourceId,
    status: c.Status ?? 'unknown',
    engine: c.Engine ?? '',
    engineVersion: c.EngineVersion,
    port: c.Port,
    endpoint: c.Endpoint,
    readerEndpoint: c.ReaderEndpoint,
    masterUsername: c.MasterUsername,
    databaseName: c.DatabaseName,
    masterUserSecretArn: c.MasterUserSecret?.SecretArn,
    dbSubnetGroup: c.DBSubnetGroup,
    vpcSecurityGroupIds: (c.VpcSecurityGroups ?? []).map(g => g.VpcSecurityGroupId ?? '').filter(Boolean),
    dbClusterParameterGroup: c.DBClusterParameterGroup,
    deletionProtection: c.DeletionProtection ?? false,
    copyTagsToSnapshot: c.CopyTagsToSnapshot,
    iamDatabaseAuthentication: c.IAMDatabaseAuthenticationEnabled,
    cloudwatchLogsExports: c.EnabledCloudwatchLogsExports,
    serverlessV2:
      sv2?.MinCapacity !== undefined && sv2.MaxCapacity !== undefined ? { minCapacity: sv2.MinCapacity, maxCapacity: sv2.MaxCapacity } : undefined,
    storageType: c.StorageType,
    httpEndpointEnabled: c.HttpEndpointEnabled,
    pendingPassword: c.PendingModifiedValues?.MasterUserPassword !== undefined,
    tags: tagsOf(c.TagList),
    members: members.map(m => m.DBInstanceIdentifier ?? '').filter(Boolean),
    writer: members.find(m => m.IsClusterWriter)?.DBInstanceIdentifier
  };
}

/** A standalone RDS DB instance as a database. */
export function standaloneInfo(i: DBInstance): DatabaseInfo {
  return {
    kind: 'instance',
    identifier: i.DBInstanceIdentifier ?? '',
    arn: i.DBInstanceArn ?? '',
    resourceId: i.DbiResourceId,
    status: i.DBInstanceStatus ?? 'unknown',
    engine: i.Engine ?? '',
    engineVersion: i.EngineVersion,
    port: i.Endpoint?.Port ?? i.DbInstancePort,
    endpoint: i.Endpoint?.Address,
    masterUsername: i.MasterUsername,
    databaseName: i.DBName,
    masterUserSecretArn: i.MasterUserSecret?.SecretArn,
    dbSubnetGroup: i.DBSubnetGroup?.DBSubnetGroupName,
    vpcSecurityGroupIds: (i.VpcSecurityGroups ?? []).map(g => g.VpcSecurityGroupId ?? '').filter(Boolean),
    deletionProtection: i.DeletionProtection ?? false,
    copyTagsToSnapshot: i.CopyTagsToSnapshot,
    iamDatabaseAuthentication: i.IAMDatabaseAuthenticationEnabled,
    cloudwatchLogsExports: i.EnabledCloudwatchLogsExports,
    storageType: i.StorageType,
    pendingPassword: i.PendingModifiedValues?.MasterUserPassword !== undefined,
    tags: tagsOf(i.TagList),
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

function dbSnapshotInfo(s: DBSnapshot): SnapshotInfo {
  return {
    identifier: s.DBSnapshotIdentifier ?? '',
    arn: s.DBSnapshotArn ?? '',
    status: s.Status ?? 'unknown',
    type: s.SnapshotType ?? 'unknown',
    database: s.DBInstanceIdentifier,
    createdAt: s.SnapshotCreateTime,
    tags: tagsOf(s.TagList)
  };
}

function snapshotInfo(s: DBClusterSnapshot): SnapshotInfo {
  return {
    identifier: s.DBClusterSnapshotIdentifier ?? '',
    arn: s.DBClusterSnapshotArn ?? '',
    status: s.Status ?? 'unknown',
    type: s.SnapshotType ?? 'unknown',
    database: s.DBClusterIdentifier,
    createdAt: s.SnapshotCreateTime,
    tags: tagsOf(s.TagList)
  };
}

/** The Aurora implementation. `wait` gives the wait options for one named wait. */
export function clusterDatabases(rds: RDSClient, wait: (what: string) => WaitOptions): Databases {
  const describe = async (identifier: string): Promise<DatabaseInfo | undefined> => {
    try {
      const out = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
      const c = out.DBClusters?.[0];
      return c ? clusterInfo(c) : undefined;
    } catch (e) {
      if (isAwsError(e, 'DBClusterNotFoundFault')) return undefined;
      throw e;
    }
  };

  const describeInstance = async (identifier: string): Promise<InstanceInfo | undefined> => {
    try {
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
      const i = out.DBInstances?.[0];
      return i ? instanceInfo(i) : undefined;
    } catch (e) {
      if (isAwsError(e, 'DBInstanceNotFoundFault')) return undefined;
      throw e;
    }
  };

  const waitAvailable = async (identifier: string, what: string, until?: (d: DatabaseInfo) => boolean): Promise<DatabaseInfo> => {
    let missing = 0;
    const info = await waitFor<DatabaseInfo>(async () => {
      const c = await describe(identifier);
      if (!c) {
        missing++;
        return missing > RENAME_GRACE_POLLS ? { status: 'not found', done: false, failed: 'not found' } : { status: 'not found yet', done: false };
      }
      if (FAILED_STATUSES.has(c.status)) return { status: c.status, done: false, failed: c.status };
      return { status: c.status, done: c.status === 'available' && (until?.(c) ?? true), value: c };
    }, wait(what));
    return info!;
  };

  const waitInstanceAvailable = async (identifier: string, what: string): Promise<void> => {
    let missing = 0;
    await waitFor(async () => {
      const i = await describeInstance(identifier);
      if (!i) {
        missing++;
        return missing > RENAME_GRACE_POLLS ? { status: 'not found', done: false, failed: 'not found' } : { status: 'not found yet', done: false };
      }
      if (FAILED_STATUSES.has(i.status)) return { status: i.status, done: false, failed: i.status };
      return { status: i.status, done: i.status === 'available' };
    }, wait(what));
  };

  const waitInstanceDeleted = async (identifier: string, what: string): Promise<void> => {
    await waitFor(async () => {
      const i = await describeInstance(identifier);
      return i ? { status: i.status, done: false } : { status: 'deleted', done: true };
    }, wait(what));
  };

  const waitDeleted = async (identifier: string, what: string): Promise<void> => {
    await waitFor(async () => {
      const c = await describe(identifier);
      return c ? { status: c.status, done: false } : { status: 'deleted', done: true };
    }, wait(what));
  };

  /** Wait until a resource that refused a change for its state is in a state that accepts one. */
  const settle = async (identifier: string, instance: boolean): Promise<void> => {
    if (instance) {
      await waitFor(async () => {
        const i = await describeInstance(identifier);
        if (!i) return { status: 'deleted', done: true };
        return { status: i.status, done: i.status === 'available' || FAILED_STATUSES.has(i.status) || i.status === 'deleting' };
      }, wait(`instance ${identifier} to accept deletion`));
    } else {
      await waitFor(async () => {
        const c = await describe(identifier);
        if (!c) return { status: 'deleted', done: true };
        return { status: c.status, done: c.status === 'available' || FAILED_STATUSES.has(c.status) || c.status === 'deleting' };
      }, wait(`cluster ${identifier} to accept deletion`));
    }
  };

  const deleteInstance = async (identifier: string): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await rds.send(new DeleteDBInstanceCommand({ DBInstanceIdentifier: identifier }));
        return;
      } catch (e) {
        if (isAwsError(e, 'DBInstanceNotFoundFault')) return;
        if (isAwsError(e, 'InvalidDBInstanceStateFault') && attempt < 2) {
          const i = await describeInstance(identifier);
          if (!i || i.status === 'deleting') return;
          await settle(identifier, true);
          continue;
        }
        throw e;
      }
    }
  };

  const modify = async (identifier: string, change: Modification): Promise<void> => {
    await rds.send(
      new ModifyDBClusterCommand({
        DBClusterIdentifier: identifier,
        NewDBClusterIdentifier: change.newIdentifier,
        VpcSecurityGroupIds: change.securityGroupIds,
        DeletionProtection: change.deletionProtection,
        MasterUserPassword: change.masterPassword,
        ManageMasterUserPassword: change.manageMasterPassword,
        ApplyImmediately: true
      })
    );
  };

  return {
    kind: 'cluster',
    describe,
    describeInstance,
    async list() {
      const all: DatabaseInfo[] = [];
      let marker: string | undefined;
      do {
        const out = await rds.send(new DescribeDBClustersCommand({ Marker: marker }));
        for (const c of out.DBClusters ?? []) all.push(clusterInfo(c));
        marker = out.Marker;
      } while (marker);
      return all;
    },
    async restore(req) {
      await rds.send(
        new RestoreDBClusterFromSnapshotCommand({
          DBClusterIdentifier: req.identifier,
          SnapshotIdentifier: req.snapshotArn,
          Engine: req.engine,
          EngineVersion: req.engineVersion,
          KmsKeyId: req.kmsKeyId,
          DBSubnetGroupName: req.dbSubnetGroup,
          VpcSecurityGroupIds: req.securityGroupIds,
          DBClusterParameterGroupName: req.dbClusterParameterGroup,
          Port: req.port,
          CopyTagsToSnapshot: req.copyTagsToSnapshot,
          EnableIAMDatabaseAuthentication: req.iamDatabaseAuthentication,
          EnableCloudwatchLogsExports: req.cloudwatchLogsExports,
          ServerlessV2ScalingConfiguration: req.serverlessV2
            ? { MinCapacity: req.serverlessV2.minCapacity, MaxCapacity: req.serverlessV2.maxCapacity }
            : undefined,
          StorageType: req.storageType,
          DeletionProtection: false,
          Tags: tagList(req.tags)
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
    async delete(identifier, options = {}) {
      const c = await describe(identifier);
      if (!c) return false;
      if (c.deletionProtection) {
        await modify(identifier, { deletionProtection: false });
      }
      await Promise.all(c.members.map(m => deleteInstance(m)));
      await Promise.all(c.members.map(m => waitInstanceDeleted(m, `instance ${m} deletion`)));
      for (let attempt = 0; ; attempt++) {
        try {
          await rds.send(
            new DeleteDBClusterCommand({
              DBClusterIdentifier: identifier,
              SkipFinalSnapshot: options.finalSnapshotIdentifier === undefined,
              FinalDBSnapshotIdentifier: options.finalSnapshotIdentifier
            })
          );
          break;
        } catch (e) {
          if (isAwsError(e, 'DBClusterNotFoundFault')) return true;
          if (isAwsError(e, 'InvalidDBClusterStateFault') && attempt < 2) {
            const now = await describe(identifier);
            if (!now || now.status === 'deleting') break;
            await settle(identifier, false);
            continue;
          }
          throw e;
        }
      }
      if (options.waitForDeletion) await waitDeleted(identifier, `cluster ${identifier} deletion`);
      return true;
    },
    async addTags(arn, tags) {
      await rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tagList(tags) }));
    },
    async removeTags(arn, keys) {
      await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: keys }));
    },
    waitAvailable,
    waitInstanceAvailable,
    waitInstanceDeleted,
    waitDeleted,
    async listSnapshots() {
      const all: SnapshotInfo[] = [];
      let marker: string | undefined;
      do {
        const out = await rds.send(new DescribeDBClusterSnapshotsCommand({ SnapshotType: 'manual', Marker: marker }));
        for (const s of out.DBClusterSnapshots ?? []) all.push(snapshotInfo(s));
        marker = out.Marker;
      } while (marker);
      return all;
    },
    async unshareSnapshot(identifier) {
      const out = await rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: identifier }));
      const restore = out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes?.find(a => a.AttributeName === 'restore');
      const accounts = (restore?.AttributeValues ?? []).filter(v => v !== 'all');
      if (accounts.length > 0) {
        await rds.send(
          new ModifyDBClusterSnapshotAttributeCommand({
            DBClusterSnapshotIdentifier: identifier,
            AttributeName: 'restore',
            ValuesToRemove: accounts
          })
        );
      }
      return accounts;
    },
    async deleteSnapshot(identifier) {
      try {
        await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: identifier }));
      } catch (e) {
        if (isAwsError(e, 'DBClusterSnapshotNotFoundFault')) return;
        throw e;
      }
    }
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
  const describeRaw = async (identifier: string): Promise<DBInstance | undefined> => {
    try {
      const out = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
      return out.DBInstances?.[0];
    } catch (e) {
      if (isAwsError(e, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) return undefined;
      throw e;
    }
  };
  const describe = async (identifier: string): Promise<DatabaseInfo | undefined> => {
    const i = await describeRaw(identifier);
    // An Aurora cluster member is not a database of its own.
    return i && !i.DBClusterIdentifier ? standaloneInfo(i) : undefined;
  };

  const waitAvailable = async (identifier: string, what: string, until?: (d: DatabaseInfo) => boolean): Promise<DatabaseInfo> => {
    let missing = 0;
    const info = await waitFor<DatabaseInfo>(async () => {
      const d = await describe(identifier);
      if (!d) {
        missing++;
        return missing > RENAME_GRACE_POLLS ? { status: 'not found', done: false, failed: 'not found' } : { status: 'not found yet', done: false };
      }
      if (FAILED_STATUSES.has(d.status)) return { status: d.status, done: false, failed: d.status };
      return { status: d.status, done: d.status === 'available' && (until?.(d) ?? true), value: d };
    }, wait(what));
    return info!;
  };

  const waitDeleted = async (identifier: string, what: string): Promise<void> => {
    await waitFor(async () => {
      const d = await describeRaw(identifier);
      return d ? { status: d.DBInstanceStatus ?? 'unknown', done: false } : { status: 'deleted', done: true };
    }, wait(what));
  };

  const modify = async (identifier: string, change: Modification): Promise<void> => {
    await rds.send(
      new ModifyDBInstanceCommand({
        DBInstanceIdentifier: identifier,
        NewDBInstanceIdentifier: change.newIdentifier,
        VpcSecurityGroupIds: change.securityGroupIds,
        DeletionProtection: change.deletionProtection,
        MasterUserPassword: change.masterPassword,
        ManageMasterUserPassword: change.manageMasterPassword,
        ApplyImmediately: true
      })
    );
  };

  /** Wait until an instance that refused a change for its state accepts one (or is going anyway). */
  const settle = async (identifier: string): Promise<void> => {
    await waitFor(async () => {
      const d = await describeRaw(identifier);
      if (!d) return { status: 'deleted', done: true };
      const status = d.DBInstanceStatus ?? 'unknown';
      return { status, done: status === 'available' || status === 'deleting' || FAILED_STATUSES.has(status) };
    }, wait(`instance ${identifier} to accept deletion`));
  };

  return {
    kind: 'instance',
    describe,
    async describeInstance(identifier) {
      const i = await describeRaw(identifier);
      return i ? instanceInfo(i) : undefined;
    },
    async list() {
      const all: DatabaseInfo[] = [];
      let marker: string | undefined;
      do {
        const out = await rds.send(new DescribeDBInstancesCommand({ Marker: marker }));
        for (const i of out.DBInstances ?? []) if (!i.DBClusterIdentifier) all.push(standaloneInfo(i));
        marker = out.Marker;
      } while (marker);
      return all;
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
    async delete(identifier, options = {}) {
      const d = await describe(identifier);
      if (!d) return false;
      if (d.deletionProtection) await modify(identifier, { deletionProtection: false });
      for (let attempt = 0; ; attempt++) {
        try {
          await rds.send(
            new DeleteDBInstanceCommand({
              DBInstanceIdentifier: identifier,
              SkipFinalSnapshot: options.finalSnapshotIdentifier === undefined,
              FinalDBSnapshotIdentifier: options.finalSnapshotIdentifier,
              // A staging instance's automated backups are of no use once it is replaced: they go with it.
              DeleteAutomatedBackups: true
            })
          );
          break;
        } catch (e) {
          if (isAwsError(e, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) return true;
          if (isAwsError(e, 'InvalidDBInstanceStateFault', 'InvalidDBInstanceState') && attempt < 2) {
            const now = await describeRaw(identifier);
            if (!now || now.DBInstanceStatus === 'deleting') break;
            await settle(identifier);
            continue;
          }
          throw e;
        }
      }
      if (options.waitForDeletion) await waitDeleted(identifier, `instance ${identifier} deletion`);
      return true;
    },
    async addTags(arn, tags) {
      await rds.send(new AddTagsToResourceCommand({ ResourceName: arn, Tags: tagList(tags) }));
    },
    async removeTags(arn, keys) {
      await rds.send(new RemoveTagsFromResourceCommand({ ResourceName: arn, TagKeys: keys }));
    },
    waitAvailable,
    async waitInstanceAvailable(identifier, what) {
      await waitAvailable(identifier, what);
    },
    waitInstanceDeleted: waitDeleted,
    waitDeleted,
    async listSnapshots() {
      const all: SnapshotInfo[] = [];
      let marker: string | undefined;
      do {
        const out = await rds.send(new DescribeDBSnapshotsCommand({ SnapshotType: 'manual', Marker: marker }));
        for (const s of out.DBSnapshots ?? []) all.push(dbSnapshotInfo(s));
        marker = out.Marker;
      } while (marker);
      return all;
    },
    async unshareSnapshot(identifier) {
      const out = await rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: identifier }));
      const restore = out.DBSnapshotAttributesResult?.DBSnapshotAttributes?.find(a => a.AttributeName === 'restore');
      const accounts = (restore?.AttributeValues ?? []).filter(v => v !== 'all');
      if (accounts.length > 0)
        await rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: identifier, AttributeName: 'restore', ValuesToRemove: accounts }));
      return accounts;
    },
    async deleteSnapshot(identifier) {
      try {
        await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: identifier }));
      } catch (e) {
        if (isAwsError(e, 'DBSnapshotNotFoundFault', 'DBSnapshotNotFound')) return;
        throw e;
      }
    }
  };
}
