/**
 * The per-account database adapter: everything the target side does to a
 * database (describe, restore, instances, rename, password, delete, tags,
 * this action's snapshots) behind one interface, so the steps never see
 * whether the database is an Aurora cluster or an RDS DB instance. The
 * implementations are the kinds' (`kindApi(kind).databases`, src/kinds/);
 * what both do alike is in database-flow.ts.
 */
import type { Context } from '../context';
import { waitOptions } from '../context';
import { kindApi } from '../kinds/api';
import type { DbKind } from '../types';
import type { Tags } from './tags';

export type { Tags } from './tags';
export { newClusterSettings } from '../kinds/cluster-api';

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

/** One of this action's snapshots, as the retention clean-up lists them (either account, either kind). */
export interface SnapshotSummary {
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
  listSnapshots(): Promise<SnapshotSummary[]>;
  /** Remove every account the snapshot is shared with; returns the accounts removed. */
  unshareSnapshot(identifier: string): Promise<string[]>;
  deleteSnapshot(identifier: string): Promise<void>;
}

/** The adapter for one side of the run, for the kind the run refreshes. */
export function databasesFor(ctx: Pick<Context, 'accounts' | 'settings' | 'clock'>, side: 'source' | 'target', kind: DbKind): Databases {
  return kindApi(kind).databases(ctx.accounts[side].rds, what => waitOptions(ctx, what));
}
