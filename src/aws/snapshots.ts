/**
 * The per-account snapshot adapter: the only place that calls RDS about
 * snapshots. Aurora DB clusters and RDS DB instances have parallel but
 * differently named APIs (DescribeDBClusterSnapshots / DescribeDBSnapshots,
 * CopyDBClusterSnapshot / CopyDBSnapshot, ...); the steps see one interface,
 * `SnapshotAdapter`, and never the difference: `ClusterSnapshots` for Aurora,
 * `InstanceSnapshots` for RDS DB instances.
 */
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  DescribeOptionGroupsCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  type DBClusterSnapshot,
  type DBSnapshot,
  type RDSClient,
  type Tag
} from '@aws-sdk/client-rds';
import { isAwsError } from '../errors';
import type { DbKind } from '../types';

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

export interface CopyRequest {
  sourceIdentifier: string;
  targetIdentifier: string;
  /** Absent for an unencrypted snapshot (an Aurora copy cannot encrypt one). */
  kmsKeyArn?: string;
  tags: Record<string, string>;
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

export function tagMap(tags: Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key) out[t.Key] = t.Value ?? '';
  return out;
}

export function tagList(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));
}

/** Aurora DB cluster snapshots. */
export class ClusterSnapshots implements SnapshotAdapter {
  readonly kind = 'cluster' as const;

  constructor(private readonly rds: RDSClient) {}

  async describeDatabase(identifier: string): Promise<DatabaseInfo | undefined> {
    try {
      const out = await this.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: identifier }));
      const c = out.DBClusters?.[0];
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
    } catch (e) {
      if (isAwsError(e, 'DBClusterNotFoundFault')) return undefined;
      throw e;
    }
  }

  async listSnapshots(databaseIdentifier: string): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for await (const page of paginateDescribeDBClusterSnapshots(
      { client: this.rds, pageSize: 100 },
      { DBClusterIdentifier: databaseIdentifier }
    )) {
      for (const s of page.DBClusterSnapshots ?? []) out.push(await this.toInfo(s, false));
    }
    return out;
  }

  async getSnapshot(identifier: string): Promise<SnapshotInfo | undefined> {
    try {
      const out = await this.rds.send(
        new DescribeDBClusterSnapshotsCommand({
          DBClusterSnapshotIdentifier: identifier,
          // RDS: "If this identifier is for an automated snapshot, the SnapshotType parameter must also be specified."
          ...(identifier.startsWith('rds:') ? { SnapshotType: 'automated' } : {})
        })
      );
      const s = out.DBClusterSnapshots?.[0];
      return s ? await this.toInfo(s, true) : undefined;
    } catch (e) {
      if (isAwsError(e, 'DBClusterSnapshotNotFoundFault')) return undefined;
      throw e;
    }
  }

  async createSnapshot(databaseIdentifier: string, snapshotIdentifier: string, tags: Record<string, string>): Promise<SnapshotInfo> {
    const out = await this.rds.send(
      new CreateDBClusterSnapshotCommand({
        DBClusterIdentifier: databaseIdentifier,
        DBClusterSnapshotIdentifier: snapshotIdentifier,
        Tags: tagList(tags)
      })
    );
    return this.toInfo(out.DBClusterSnapshot ?? {}, false, tags);
  }

  async copySnapshot(request: CopyRequest): Promise<SnapshotInfo> {
    const out = await this.rds.send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: request.sourceIdentifier,
        TargetDBClusterSnapshotIdentifier: request.targetIdentifier,
        ...(request.kmsKeyArn ? { KmsKeyId: request.kmsKeyArn } : {}),
        CopyTags: false,
        Tags: tagList(request.tags)
      })
    );
    return this.toInfo(out.DBClusterSnapshot ?? {}, false, request.tags);
  }

  async sharedWith(identifier: string): Promise<string[]> {
    const out = await this.rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: identifier }));
    const attrs = out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes ?? [];
    return attrs.find(a => a.AttributeName === 'restore')?.AttributeValues ?? [];
  }

  async share(identifier: string, accountId: string): Promise<void> {
    await this.rds.send(
      new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: identifier,
        AttributeName: 'restore',
        ValuesToAdd: [accountId]
      })
    );
  }

  async deleteSnapshot(identifier: string): Promise<boolean> {
    try {
      await this.rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: identifier }));
      return true;
    } catch (e) {
      if (isAwsError(e, 'DBClusterSnapshotNotFoundFault')) return false;
      throw e;
    }
  }

  async optionGroupOptions(): Promise<OptionInfo[]> {
    return [];
  }

  /** RDS returns TagList with the snapshot; when an answer lacks it, `lookUpTags` asks ListTagsForResource. */
  private async toInfo(s: DBClusterSnapshot, lookUpTags: boolean, knownTags?: Record<string, string>): Promise<SnapshotInfo> {
    let tags = s.TagList ? tagMap(s.TagList) : (knownTags ?? {});
    if (!s.TagList && !knownTags && lookUpTags && s.DBClusterSnapshotArn) {
      const out = await this.rds.send(new ListTagsForResourceCommand({ ResourceName: s.DBClusterSnapshotArn }));
      tags = tagMap(out.TagList);
    }
    return {
      kind: 'cluster',
      identifier: s.DBClusterSnapshotIdentifier ?? '',
      arn: s.DBClusterSnapshotArn ?? '',
      databaseIdentifier: s.DBClusterIdentifier ?? '',
      snapshotType: s.SnapshotType ?? 'manual',
      status: s.Status ?? 'unknown',
      percent: s.PercentProgress,
      engine: s.Engine ?? 'unknown',
      engineVersion: s.EngineVersion,
      encrypted: Boolean(s.StorageEncrypted),
      kmsKeyArn: s.KmsKeyId,
      allocatedStorageGb: s.AllocatedStorage,
      createdAt: s.SnapshotCreateTime,
      tags
    };
  }
}

/** RDS DB instance snapshots (PostgreSQL, MySQL, MariaDB, Oracle, SQL Server). */
export class InstanceSnapshots implements SnapshotAdapter {
  readonly kind = 'instance' as const;

  constructor(private readonly rds: RDSClient) {}

  async describeDatabase(identifier: string): Promise<DatabaseInfo | undefined> {
    try {
      const out = await this.rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: identifier }));
      const i = out.DBInstances?.[0];
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
    } catch (e) {
      if (isAwsError(e, 'DBInstanceNotFoundFault', 'DBInstanceNotFound')) return undefined;
      throw e;
    }
  }

  async listSnapshots(databaseIdentifier: string): Promise<SnapshotInfo[]> {
    const out: SnapshotInfo[] = [];
    for await (const page of paginateDescribeDBSnapshots({ client: this.rds, pageSize: 100 }, { DBInstanceIdentifier: databaseIdentifier })) {
      for (const s of page.DBSnapshots ?? []) out.push(await this.toInfo(s, false));
    }
    return out;
  }

  async getSnapshot(identifier: string): Promise<SnapshotInfo | undefined> {
    try {
      const out = await this.rds.send(
        new DescribeDBSnapshotsCommand({
          DBSnapshotIdentifier: identifier,
          ...(identifier.startsWith('rds:') ? { SnapshotType: 'automated' } : {})
        })
      );
      const s = out.DBSnapshots?.[0];
      return s ? await this.toInfo(s, true) : undefined;
    } catch (e) {
      if (isAwsError(e, 'DBSnapshotNotFoundFault', 'DBSnapshotNotFound')) return undefined;
      throw e;
    }
  }

  async createSnapshot(databaseIdentifier: string, snapshotIdentifier: string, tags: Record<string, string>): Promise<SnapshotInfo> {
    const out = await this.rds.send(
      new CreateDBSnapshotCommand({ DBInstanceIdentifier: databaseIdentifier, DBSnapshotIdentifier: snapshotIdentifier, Tags: tagList(tags) })
    );
    return this.toInfo(out.DBSnapshot ?? {}, false, tags);
  }

  /** CopyDBSnapshot: KmsKeyId re-encrypts (and, unlike an Aurora copy, may encrypt an unencrypted snapshot). */
  async copySnapshot(request: CopyRequest): Promise<SnapshotInfo> {
    const out = await this.rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: request.sourceIdentifier,
        TargetDBSnapshotIdentifier: request.targetIdentifier,
        ...(request.kmsKeyArn ? { KmsKeyId: request.kmsKeyArn } : {}),
        CopyTags: false,
        Tags: tagList(request.tags)
      })
    );
    return this.toInfo(out.DBSnapshot ?? {}, false, request.tags);
  }

  async sharedWith(identifier: string): Promise<string[]> {
    const out = await this.rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: identifier }));
    const attrs = out.DBSnapshotAttributesResult?.DBSnapshotAttributes ?? [];
    return attrs.find(a => a.AttributeName === 'restore')?.AttributeValues ?? [];
  }

  async share(identifier: string, accountId: string): Promise<void> {
    await this.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: identifier, AttributeName: 'restore', ValuesToAdd: [accountId] }));
  }

  async deleteSnapshot(identifier: string): Promise<boolean> {
    try {
      await this.rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: identifier }));
      return true;
    } catch (e) {
      if (isAwsError(e, 'DBSnapshotNotFoundFault', 'DBSnapshotNotFound')) return false;
      throw e;
    }
  }

  async optionGroupOptions(name: string): Promise<OptionInfo[] | undefined> {
    try {
      const out = await this.rds.send(new DescribeOptionGroupsCommand({ OptionGroupName: name }));
      const group = out.OptionGroupsList?.[0];
      if (!group) return undefined;
      return (group.Options ?? []).map(o => ({ name: o.OptionName ?? '', permanent: Boolean(o.Permanent), persistent: Boolean(o.Persistent) }));
    } catch (e) {
      if (isAwsError(e, 'OptionGroupNotFoundFault', 'OptionGroupNotFound')) return undefined;
      throw e;
    }
  }

  private async toInfo(s: DBSnapshot, lookUpTags: boolean, knownTags?: Record<string, string>): Promise<SnapshotInfo> {
    let tags = s.TagList ? tagMap(s.TagList) : (knownTags ?? {});
    if (!s.TagList && !knownTags && lookUpTags && s.DBSnapshotArn) {
      const out = await this.rds.send(new ListTagsForResourceCommand({ ResourceName: s.DBSnapshotArn }));
      tags = tagMap(out.TagList);
    }
    return {
      kind: 'instance',
      identifier: s.DBSnapshotIdentifier ?? '',
      arn: s.DBSnapshotArn ?? '',
      databaseIdentifier: s.DBInstanceIdentifier ?? '',
      snapshotType: s.SnapshotType ?? 'manual',
      status: s.Status ?? 'unknown',
      percent: s.PercentProgress,
      engine: s.Engine ?? 'unknown',
      engineVersion: s.EngineVersion,
      encrypted: Boolean(s.Encrypted),
      kmsKeyArn: s.KmsKeyId,
      allocatedStorageGb: s.AllocatedStorage,
      createdAt: s.SnapshotCreateTime,
      ...(s.OptionGroupName ? { optionGroup: s.OptionGroupName } : {}),
      tags
    };
  }
}
