/**
 * The per-account snapshot adapter: the only place that calls RDS about
 * snapshots. Aurora DB clusters and RDS DB instances have parallel but
 * differently named APIs (DescribeDBClusterSnapshots / DescribeDBSnapshots,
 * CopyDBClusterSnapshot / CopyDBSnapshot, ...); the steps see one interface,
 * `SnapshotAdapter`, and never the difference. Only the cluster kind is
 * implemented here; an instance implementation fills the same interface.
 */
import {
  CopyDBClusterSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  paginateDescribeDBClusterSnapshots,
  type DBClusterSnapshot,
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
  tags: Record<string, string>;
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
}

export function snapshotAdapter(kind: DbKind, rds: RDSClient): SnapshotAdapter {
  if (kind === 'cluster') return new ClusterSnapshots(rds);
  throw new Error('RDS DB instance snapshots are not supported yet: only Aurora DB clusters.');
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
