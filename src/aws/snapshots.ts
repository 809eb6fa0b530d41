/**
 * The source side's snapshot adapter. Aurora DB clusters and RDS DB instances
 * have parallel but differently named APIs (DescribeDBClusterSnapshots /
 * DescribeDBSnapshots, CopyDBClusterSnapshot / CopyDBSnapshot, ...); the steps
 * see one interface, `SnapshotAdapter`, and never the difference:
 * `snapshotAdapter(kind, rds)`. The per-kind snapshot calls are a table in
 * snapshot-api.ts, the per-kind database calls the kind's (src/kinds/); what
 * the two do alike is written once, in `snapshotAdapter`.
 */
import { ListTagsForResourceCommand, type RDSClient } from '@aws-sdk/client-rds';
import { kindApi } from '../kinds/api';
import type { DbKind } from '../types';
import { deleteSnapshot, findSnapshot, restoreAccess, snapshotApi, type CopyRequest, type RawSnapshot } from './snapshot-api';
import { tagsOf } from './tags';

export type { CopyRequest } from './snapshot-api';

/** The database a snapshot is taken of, as far as the source side needs it. */
export interface SourceDatabase {
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
  describeDatabase(identifier: string): Promise<SourceDatabase | undefined>;
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

/**
 * The adapter for one kind: what both kinds do alike is written here, over the
 * kind's snapshot calls (`snapshotApi`); what really differs (how the database
 * is described, option groups) is the kind's (`kindApi`).
 */
export function snapshotAdapter(kind: DbKind, rds: RDSClient): SnapshotAdapter {
  const api = snapshotApi(kind);
  const own = kindApi(kind);

  /** RDS returns TagList with the snapshot; when an answer lacks it, `lookUpTags` asks ListTagsForResource. */
  const toInfo = async (s: RawSnapshot, lookUpTags: boolean, knownTags?: Record<string, string>): Promise<SnapshotInfo> => {
    let tags = s.TagList ? tagsOf(s.TagList) : (knownTags ?? {});
    if (!s.TagList && !knownTags && lookUpTags && s.arn) {
      const out = await rds.send(new ListTagsForResourceCommand({ ResourceName: s.arn }));
      tags = tagsOf(out.TagList);
    }
    return {
      kind,
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
  };

  return {
    kind,
    describeDatabase: identifier => own.describeSource(rds, identifier),
    async listSnapshots(databaseIdentifier) {
      const out: SnapshotInfo[] = [];
      for await (const page of api.pages(rds, databaseIdentifier)) {
        for (const s of page) out.push(await toInfo(s, false));
      }
      return out;
    },
    async getSnapshot(identifier) {
      const s = await findSnapshot(api, rds, identifier);
      return s ? await toInfo(s, true) : undefined;
    },
    async createSnapshot(databaseIdentifier, snapshotIdentifier, tags) {
      return toInfo(await api.create(rds, databaseIdentifier, snapshotIdentifier, tags), false, tags);
    },
    async copySnapshot(request) {
      return toInfo(await api.copy(rds, request), false, request.tags);
    },
    sharedWith: identifier => restoreAccess(api, rds, identifier),
    async share(identifier, accountId) {
      await api.modifyRestore(rds, identifier, { ValuesToAdd: [accountId] });
    },
    deleteSnapshot: identifier => deleteSnapshot(api, rds, identifier),
    optionGroupOptions: name => own.optionGroupOptions(rds, name)
  };
}
