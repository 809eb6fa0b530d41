/**
 * The source side's snapshot adapter. Aurora DB clusters and RDS DB instances
 * have parallel but differently named APIs (DescribeDBClusterSnapshots /
 * DescribeDBSnapshots, CopyDBClusterSnapshot / CopyDBSnapshot, ...); the steps
 * see one interface, `SnapshotAdapter`, and never the difference:
 * `ClusterSnapshots` for Aurora, `InstanceSnapshots` for RDS DB instances.
 * The per-kind calls are a table in snapshot-api.ts; what the two do alike is
 * written once, in `KindSnapshots`.
 */
import {
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeOptionGroupsCommand,
  ListTagsForResourceCommand,
  type RDSClient
} from '@aws-sdk/client-rds';
import type { DbKind } from '../types';
import { ifFound } from './calls';
import { deleteSnapshot, findSnapshot, restoreAccess, snapshotApi, type CopyRequest, type RawSnapshot, type SnapshotApi } from './snapshot-api';
import { tagsOf } from './tags';

export type { CopyRequest } from './snapshot-api';

/** The database a snapshot is taken of, as far as the source side needs it. */
export interface DatabaseInfo {
  kind: DbKind;
  identifier: string;
  arn: string;
  status: string;
  engine: string;
  engineVersion?: string;
  encrypted: boolean;
  kmsKeyArn?: string;
  /** RDS DB instances: the option group (a snapshot taken now carries it). */
  optionGroup?: string;
}

/** One snapshot as RDS describes it, kind-neutral. */
export interface SnapshotInfo {
  kind: DbKind;
  identifier: string;
  arn: string;
  /** The database (cluster or instance) the snapshot was taken of. */
  databaseIdentifier: string;
  /** manual, automated, awsbackup, shared, public: RDS's SnapshotType. */
  snapshotType: string;
  status: string;
  percent?: number;
  engine: string;
  engineVersion?: string;
  encrypted: boolean;
  kmsKeyArn?: string;
  allocatedStorageGb?: number;
  createdAt?: Date;
  /** RDS DB snapshots: the option group the snapshot carries (permanent / persistent options block sharing). */
  optionGroup?: string;
  tags: Record<string, string>;
}

/** One option of an option group, as far as sharing cares. */
export interface OptionInfo {
  name: string;
  permanent: boolean;
  persistent: boolean;
}

/** Everything the source side does with snapshots, for clusters and instances alike. */
export interface SnapshotAdapter {
  readonly kind: DbKind;
  /** The database, or undefined when it does not exist. */
  describeDatabase(identifier: string): Promise<DatabaseInfo | undefined>;
  /** Automated and manual snapshots of one database (not those shared with this account). */
  listSnapshots(databaseIdentifier: string): Promise<SnapshotInfo[]>;
  /** One snapshot by identifier (`rds:` automated ones too), or undefined when there is none. */
  getSnapshot(identifier: string): Promise<SnapshotInfo | undefined>;
  createSnapshot(databaseIdentifier: string, snapshotIdentifier: string, tags: Record<string, string>): Promise<SnapshotInfo>;
  copySnapshot(request: CopyRequest): Promise<SnapshotInfo>;
  /** The accounts (or `all`) that may restore the snapshot: its `restore` attribute. */
  sharedWith(identifier: string): Promise<string[]>;
  share(identifier: string, accountId: string): Promise<void>;
  /** Delete a snapshot of this account; false when it did not exist. */
  deleteSnapshot(identifier: string): Promise<boolean>;
  /** The options of an option group (RDS DB snapshots carry one; Aurora cluster snapshots none: empty). undefined when the group is not visible. */
  optionGroupOptions(name: string): Promise<OptionInfo[] | undefined>;
}

export function snapshotAdapter(kind: DbKind, rds: RDSClient): SnapshotAdapter {
  return kind === 'cluster' ? new ClusterSnapshots(rds) : new InstanceSnapshots(rds);
}

/**
 * What both kinds do alike, over the kind's snapshot calls (`SnapshotApi`);
 * the subclasses add what really differs: how the database is described, and
 * option groups (which only DB snapshots carry).
 */
abstract class KindSnapshots implements SnapshotAdapter {
  abstract readonly kind: DbKind;

  constructor(
    protected readonly rds: RDSClient,
    private readonly api: SnapshotApi
  ) {}

  abstract describeDatabase(identifier: string): Promise<DatabaseInfo | undefined>;
  abstract optionGroupOptions(name: string): Promise<OptionInfo[] | undefined>;

  async listSnapshots(databaseIdentifier: string): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for await (const page of this.api.pages(this.rds, databaseIdentifier)) {
      for (const s of page) out.push(await this.toInfo(s, false));
    }
    return out;
  }

  async getSnapshot(identifier: string): Promise<SnapshotInfo | undefined> {
    const s = await findSnapshot(this.api, this.rds, identifier);
    return s ? await this.toInfo(s, true) : undefined;
  }

  async createSnapshot(databaseIdentifier: string, snapshotIdentifier: string, tags: Record<string, string>): Promise<SnapshotInfo> {
    return this.toInfo(await this.api.create(this.rds, databaseIdentifier, snapshotIdentifier, tags), false, tags);
  }

  async copySnapshot(request: CopyRequest): Promise<SnapshotInfo> {
    return this.toInfo(await this.api.copy(this.rds, request), false, request.tags);
  }

  sharedWith(identifier: string): Promise<string[]> {
    return restoreAccess(this.api, this.rds, identifier);
  }

  async share(identifier: string, accountId: string): Promise<void> {
    await this.api.modifyRestore(this.rds, identifier, { ValuesToAdd: [accountId] });
  }

  deleteSnapshot(identifier: string): Promise<boolean> {
    return deleteSnapshot(this.api, this.rds, identifier);
  }

  /** RDS returns TagList with the snapshot; when an answer lacks it, `lookUpTags` asks ListTagsForResource. */
  private async toInfo(s: RawSnapshot, lookUpTags: boolean, knownTags?: Record<string, string>): Promise<SnapshotInfo> {
    let tags = s.TagList ? tagsOf(s.TagList) : (knownTags ?? {});
    if (!s.TagList && !knownTags && lookUpTags && s.arn) {
      const out = await this.rds.send(new ListTagsForResourceCommand({ ResourceName: s.arn }));
      tags = tagsOf(out.TagList);
    }
    return {
      kind: this.kind,
      identifier: s.identifier ?? '',
      arn: s.arn ?? '',
      databaseIdentifier: s.database ?? '',
      snapshotType: s.SnapshotType ?? 'manual',
      status: s.Status ?? 'unknown',
      percent: s.PercentProgress,
      engine: s.Engine ?? 'unknown',
      engineVersion: s.EngineVersion,
      encrypted: Boolean(s.encrypted),
      kmsKeyArn: s.KmsKeyId,
      allocatedStorageGb: s.AllocatedStorage,
      createdAt: s.SnapshotCreateTime,
      ...(s.optionGroup ? { optionGroup: s.optionGroup } : {}),
      tags
    };
  }
}

/** Aurora DB cluster snapshots. */
export class ClusterSnapshots extends KindSnapshots {
  readonly kind = 'cluster' as const;

  constructor(rds: RDSClient) {
    super(rds, snapshotApi('cluster'));
  }

  async describeDatabase(identifier: string): Promise<DatabaseInfo | undefined> {
    const out = await ifFound(() => this.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier })), 'DBClusterNotFoundFault');
    const c = out?.DBClusters?.[0];
    if (!c) return undefined;
    return {
      kind: 'cluster',
      identifier: c.DBClusterIdentifier ?? identifier,
      arn: c.DBClusterArn ?? '',
      status: c.Status ?? 'unknown',
      engine: c.Engine ?? 'unknown',
      engineVersion: c.EngineVersion,
      encrypted: Boolean(c.StorageEncrypted),
      kmsKeyArn: c.KmsKeyId
    };
  }

  /** Aurora cluster snapshots carry no option group. */
  async optionGroupOptions(): Promise<OptionInfo[]> {
    return [];
  }
}

/** RDS DB instance snapshots (PostgreSQL, MySQL, MariaDB, Oracle, SQL Server). */
export class InstanceSnapshots extends KindSnapshots {
  readonly kind = 'instance' as const;

  constructor(rds: RDSClient) {
    super(rds, snapshotApi('instance'));
  }

  async describeDatabase(identifier: string): Promise<DatabaseInfo | undefined> {
    const out = await ifFound(
      () => this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier })),
      'DBInstanceNotFoundFault'
    );
    const i = out?.DBInstances?.[0];
    // A member of an Aurora cluster is not a database of its own: its snapshots are the cluster's.
    if (!i || i.DBClusterIdentifier) return undefined;
    return {
      kind: 'instance',
      identifier: i.DBInstanceIdentifier ?? identifier,
      arn: i.DBInstanceArn ?? '',
      status: i.DBInstanceStatus ?? 'unknown',
      engine: i.Engine ?? 'unknown',
      engineVersion: i.EngineVersion,
      encrypted: Boolean(i.StorageEncrypted),
      kmsKeyArn: i.KmsKeyId,
      optionGroup: i.OptionGroupMemberships?.[0]?.OptionGroupName
    };
  }

  async optionGroupOptions(name: string): Promise<OptionInfo[] | undefined> {
    const out = await ifFound(
      () => this.rds.send(new DescribeOptionGroupsCommand({ OptionGroupName: name })),
      'OptionGroupNotFoundFault'
    );
    const group = out?.OptionGroupsList?.[0];
    if (!group) return undefined;
    return (group.Options ?? []).map(o => ({ name: o.OptionName ?? '', permanent: Boolean(o.Permanent), persistent: Boolean(o.Persistent) }));
  }
}
