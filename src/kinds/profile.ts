/**
 * What differs between the two kinds of database the action refreshes, as
 * data: an Aurora DB cluster and an RDS DB instance. Every message, CLI
 * command, IAM action and fault code that depends on the kind comes from
 * here (`kindProfile(kind)`), so code elsewhere never branches on the kind
 * for words. The API calls of each kind are in `kinds/api.ts` (`kindApi`):
 * they need the SDK, and this module stays pure for `plan/`.
 */
import type { FaultName } from '../errors';
import type { DbKind } from '../types';

export interface KindProfile {
  readonly kind: DbKind;

  /** Words for user text. */
  readonly nouns: {
    /** Short noun in running text: "the new cluster", "the old instance". */
    readonly short: 'cluster' | 'instance';
    /** RDS's own term: "DB cluster" / "DB instance". */
    readonly db: string;
    /** With the service: "Aurora DB cluster" / "RDS DB instance". */
    readonly full: string;
    /** `full` with its article: "an Aurora DB cluster" / "an RDS DB instance". */
    readonly aFull: string;
    /** "DB cluster snapshot" / "DB snapshot". */
    readonly snapshot: string;
    /** The quota's name and plural in messages: "DB cluster snapshots" / "DB instance snapshots". */
    readonly snapshots: string;
    /** The snapshot input's ARN spelling: "DB cluster snapshot (cluster-snapshot:)" / "DB snapshot (snapshot:)". */
    readonly snapshotArn: string;
  };

  /** What to check when the production database is not found: the input, what it takes, and the other kind's input. */
  readonly inputHint: string;
  /** The input that names a side's database of this kind: `source-cluster` / `source-instance`. */
  input(side: 'source' | 'target'): string;

  /** The RDS API operation names, for messages ("Step Swap, DescribeDBClusters: ..."). */
  readonly ops: {
    readonly describe: string;
    readonly modify: string;
    /** The delete call(s) a database deletion sends: a cluster's instances first, then the cluster. */
    readonly delete: string;
    readonly restore: string;
    readonly describeSnapshots: string;
    readonly createSnapshot: string;
    readonly copySnapshot: string;
    /** The Describe call and fault that say "there is no such database". */
    readonly notFoundAnswer: string;
  };

  /** Field names of the API's answers, for `--query` expressions. */
  readonly fields: {
    /** DBClusters / DBInstances */
    readonly list: string;
    /** DBClusterIdentifier / DBInstanceIdentifier */
    readonly identifier: string;
    /** Status / DBInstanceStatus */
    readonly status: string;
    /** DBClusterSnapshots / DBSnapshots */
    readonly snapshotList: string;
    /** DBClusterSnapshotIdentifier / DBSnapshotIdentifier */
    readonly snapshotIdentifier: string;
    /** In a managed master password secret's JSON: dbClusterIdentifier / dbInstanceIdentifier. */
    readonly secretIdentifier: string;
  };

  /** AWS CLI words and whole commands. */
  readonly cli: {
    /** db-cluster / db-instance */
    readonly db: string;
    /** db-cluster-snapshot / db-snapshot */
    readonly snapshot: string;
    readonly dbIdOption: string;
    readonly newDbIdOption: string;
    readonly snapshotIdOption: string;
    /** `aws rds describe-…s --query "…[?starts_with(identifier, 'prefix')]…"`, with `columns` when given ("[Id,Status]"). */
    describeStartingWith(prefix: string, columns?: boolean): string;
    /** Rename `from` to `to` at once. */
    rename(from: string, to: string): string;
    /** Turn deletion protection on (`true`) or off for `identifier` (`<old>` in a hint). */
    deletionProtection(identifier: string, on: boolean): string;
    /** Delete the database by hand, `finalOption` its final-snapshot option (a cluster: its instances first). */
    deleteDatabase(identifier: string, finalOption: string): string;
    /** The snapshots of one database, to pick one from. */
    listSnapshotsOf(database: string, region: string): string;
    /** The databases of this kind in a region (a cluster member is not one). */
    listDatabases(region: string): string;
  };

  /** IAM actions this kind's calls need. */
  readonly iam: {
    readonly describe: string;
    readonly restore: string;
    readonly modify: string;
    /** The deletes of a database (a cluster: its instances, then itself). */
    readonly delete: readonly string[];
    readonly describeSnapshots: string;
    readonly createSnapshot: string;
    readonly copySnapshot: string;
    /** Sharing a snapshot: its `restore` attribute. */
    readonly shareSnapshot: string;
    /** What deleting this action's old snapshots needs (the retention clean-up). */
    readonly snapshotCleanup: readonly string[];
  };

  /** RDS's fault codes for this kind, as the SDK's exception names. */
  readonly faults: {
    readonly notFound: FaultName;
    readonly alreadyExists: FaultName;
    readonly invalidState: FaultName;
    readonly snapshotNotFound: FaultName;
    readonly snapshotAlreadyExists: FaultName;
  };

  /** What the kind can do. */
  readonly can: {
    /** Member instances of its own (instance-count, instance classes per member). */
    readonly members: boolean;
    /** The RDS Data API (masking-connection: data-api). */
    readonly dataApi: boolean;
    /** Cross-account clone (transfer: clone). */
    readonly clone: boolean;
    /** The restore takes a KmsKeyId (an instance keeps its snapshot's key: the staging account copies first). */
    readonly restoreWithKey: boolean;
    /** The restore takes an EngineVersion. */
    readonly restoreEngineVersion: boolean;
    /** Option groups on its snapshots (permanent or persistent options block sharing). */
    readonly optionGroups: boolean;
    /** A snapshot copy can encrypt an unencrypted snapshot. */
    readonly encryptOnCopy: boolean;
  };

  /** The ARN resource types: `cluster` / `db`, `cluster-snapshot` / `snapshot`. */
  readonly arn: { readonly database: string; readonly snapshot: string };
  /** The action output naming the database (`cluster-identifier`), if the kind has one besides `identifier`. */
  readonly output?: string;
  /** The name prefix of the secret RDS manages for a master password: rds!cluster / rds!db. */
  readonly managedSecretPrefix: string;
}
