/**
 * The snapshot calls of both kinds, side by side. Aurora DB cluster snapshots
 * (…DBClusterSnapshot…) and RDS DB snapshots (…DBSnapshot…) take and return
 * the same things under different names: `snapshotApi(kind)` gives one kind's
 * calls under neutral names, and the logic around them (the `rds:` rule, "not
 * found", the `restore` attribute) is written once below, for the source-side
 * adapter (snapshots.ts) and the target-side one (database-flow.ts) alike.
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
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  paginateDescribeDBClusterSnapshots,
  paginateDescribeDBSnapshots,
  type DBClusterSnapshot,
  type DBClusterSnapshotAttribute,
  type DBSnapshot,
  type RDSClient
} from '@aws-sdk/client-rds';
import { isFault, type FaultName } from '../errors';
import type { DbKind } from '../types';
import { ifFound } from './calls';
import { tagList, type Tags } from './tags';

/** A snapshot as either API describes it: the fields both name alike as RDS gives them, the others under one name. */
export interface RawSnapshot extends Pick<DBClusterSnapshot, 'SnapshotType' | 'Status' | 'PercentProgress' | 'Engine' | 'EngineVersion' | 'KmsKeyId' | 'AllocatedStorage' | 'SnapshotCreateTime' | 'TagList'> {
  identifier?: string;
  arn?: string;
  /** The cluster or instance it was taken of. */
  database?: string;
  encrypted?: boolean;
  /** DB snapshots only: the option group it carries. */
  optionGroup?: string;
}

export interface CopyRequest {
  sourceIdentifier: string;
  targetIdentifier: string;
  /** Absent for an unencrypted snapshot (an Aurora copy cannot encrypt one). */
  kmsKeyArn?: string;
  tags: Tags;
}

/** What one Describe…Snapshots call asks: one snapshot by identifier, or the filters as RDS names them. */
export interface DescribeSnapshots {
  identifier?: string;
  SnapshotType?: string;
  Marker?: string;
}

/** Change to the `restore` attribute (the accounts that may restore the snapshot). */
export type RestoreChange = { ValuesToAdd: string[] } | { ValuesToRemove: string[] };

/** One kind's snapshot calls: nothing but the call and the renaming of its answer. */
export interface SnapshotApi {
  readonly kind: DbKind;
  /** RDS's error codes for a snapshot that does not exist. */
  readonly notFound: readonly FaultName[];
  describe(rds: RDSClient, input: DescribeSnapshots): Promise<{ snapshots: RawSnapshot[]; marker?: string }>;
  /** Every snapshot of one database, 100 a page. */
  pages(rds: RDSClient, database: string): AsyncIterable<RawSnapshot[]>;
  create(rds: RDSClient, database: string, identifier: string, tags: Tags): Promise<RawSnapshot>;
  /** CopyTags off: the copy gets `tags` and none of the source's. */
  copy(rds: RDSClient, request: CopyRequest): Promise<RawSnapshot>;
  attributes(rds: RDSClient, identifier: string): Promise<DBClusterSnapshotAttribute[]>;
  modifyRestore(rds: RDSClient, identifier: string, change: RestoreChange): Promise<void>;
  delete(rds: RDSClient, identifier: string): Promise<void>;
}

const fromCluster = (s: DBClusterSnapshot): RawSnapshot => ({
  ...s,
  identifier: s.DBClusterSnapshotIdentifier,
  arn: s.DBClusterSnapshotArn,
  database: s.DBClusterIdentifier,
  encrypted: s.StorageEncrypted
});

const fromInstance = (s: DBSnapshot): RawSnapshot => ({
  ...s,
  identifier: s.DBSnapshotIdentifier,
  arn: s.DBSnapshotArn,
  database: s.DBInstanceIdentifier,
  encrypted: s.Encrypted,
  optionGroup: s.OptionGroupName
});

/** Aurora DB cluster snapshots. */
const clusterSnapshotApi: SnapshotApi = {
  kind: 'cluster',
  notFound: ['DBClusterSnapshotNotFoundFault'],
  async describe(rds, { identifier, ...filters }) {
    const out = await rds.send(new DescribeDBClusterSnapshotsCommand(identifier === undefined ? filters : { DBClusterSnapshotIdentifier: identifier, ...filters }));
    return { snapshots: (out.DBClusterSnapshots ?? []).map(fromCluster), marker: out.Marker };
  },
  async *pages(rds, database) {
    for await (const page of paginateDescribeDBClusterSnapshots({ client: rds, pageSize: 100 }, { DBClusterIdentifier: database })) {
      yield (page.DBClusterSnapshots ?? []).map(fromCluster);
    }
  },
  async create(rds, database, identifier, tags) {
    const out = await rds.send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: database, DBClusterSnapshotIdentifier: identifier, Tags: tagList(tags) }));
    return fromCluster(out.DBClusterSnapshot ?? {});
  },
  async copy(rds, request) {
    const out = await rds.send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: request.sourceIdentifier,
        TargetDBClusterSnapshotIdentifier: request.targetIdentifier,
        ...(request.kmsKeyArn ? { KmsKeyId: request.kmsKeyArn } : {}),
        CopyTags: false,
        Tags: tagList(request.tags)
      })
    );
    return fromCluster(out.DBClusterSnapshot ?? {});
  },
  async attributes(rds, identifier) {
    const out = await rds.send(new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: identifier }));
    return out.DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes ?? [];
  },
  async modifyRestore(rds, identifier, change) {
    await rds.send(new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: identifier, AttributeName: 'restore', ...change }));
  },
  async delete(rds, identifier) {
    await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: identifier }));
  }
};

/** RDS DB snapshots (PostgreSQL, MySQL, MariaDB, Oracle, SQL Server instances). */
const instanceSnapshotApi: SnapshotApi = {
  kind: 'instance',
  notFound: ['DBSnapshotNotFoundFault'],
  async describe(rds, { identifier, ...filters }) {
    const out = await rds.send(new DescribeDBSnapshotsCommand(identifier === undefined ? filters : { DBSnapshotIdentifier: identifier, ...filters }));
    return { snapshots: (out.DBSnapshots ?? []).map(fromInstance), marker: out.Marker };
  },
  async *pages(rds, database) {
    for await (const page of paginateDescribeDBSnapshots({ client: rds, pageSize: 100 }, { DBInstanceIdentifier: database })) {
      yield (page.DBSnapshots ?? []).map(fromInstance);
    }
  },
  async create(rds, database, identifier, tags) {
    const out = await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: database, DBSnapshotIdentifier: identifier, Tags: tagList(tags) }));
    return fromInstance(out.DBSnapshot ?? {});
  },
  /** CopyDBSnapshot: KmsKeyId re-encrypts (and, unlike an Aurora copy, may encrypt an unencrypted snapshot). */
  async copy(rds, request) {
    const out = await rds.send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: request.sourceIdentifier,
        TargetDBSnapshotIdentifier: request.targetIdentifier,
        ...(request.kmsKeyArn ? { KmsKeyId: request.kmsKeyArn } : {}),
        CopyTags: false,
        Tags: tagList(request.tags)
      })
    );
    return fromInstance(out.DBSnapshot ?? {});
  },
  async attributes(rds, identifier) {
    const out = await rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: identifier }));
    return out.DBSnapshotAttributesResult?.DBSnapshotAttributes ?? [];
  },
  async modifyRestore(rds, identifier, change) {
    await rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: identifier, AttributeName: 'restore', ...change }));
  },
  async delete(rds, identifier) {
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: identifier }));
  }
};

export function snapshotApi(kind: DbKind): SnapshotApi {
  return kind === 'cluster' ? clusterSnapshotApi : instanceSnapshotApi;
}

/** One snapshot by identifier, or undefined when there is none. */
export async function findSnapshot(api: SnapshotApi, rds: RDSClient, identifier: string): Promise<RawSnapshot | undefined> {
  const out = await ifFound(
    () =>
      api.describe(rds, {
        identifier,
        // RDS: "If this identifier is for an automated snapshot, the SnapshotType parameter must also be specified."
        ...(identifier.startsWith('rds:') ? { SnapshotType: 'automated' } : {})
      }),
    ...api.notFound
  );
  return out?.snapshots[0];
}

/** The accounts (or `all`) that may restore the snapshot: its `restore` attribute. */
export async function restoreAccess(api: SnapshotApi, rds: RDSClient, identifier: string): Promise<string[]> {
  const attributes = await api.attributes(rds, identifier);
  return attributes.find(a => a.AttributeName === 'restore')?.AttributeValues ?? [];
}

/** Delete a snapshot of this account; false when it did not exist. */
export async function deleteSnapshot(api: SnapshotApi, rds: RDSClient, identifier: string): Promise<boolean> {
  try {
    await api.delete(rds, identifier);
    return true;
  } catch (e) {
    if (isFault(e, api.notFound)) return false;
    throw e;
  }
}
