/** Values that pass from one side of the pipeline to the other. */

/** Cluster (Aurora) or instance (RDS): the one difference every step hides behind an adapter. */
export type DbKind = 'cluster' | 'instance';

/** The snapshot the target account restores from, after the source side is done. */
export interface SharedSnapshot {
  kind: DbKind;
  /** Full ARN: the target account can only name a shared snapshot by its ARN. */
  arn: string;
  identifier: string;
  /** The key the shared snapshot is encrypted under (a CMK that admits the target). */
  kmsKeyArn: string;
  engine: string;
  engineVersion?: string;
  /** The snapshot the run started from (automated `rds:...` or manual). */
  sourceSnapshotId: string;
  /** Whether this run (or a resumed earlier one) made a copy under the CMK. */
  copied: boolean;
  allocatedStorageGb?: number;
  /** Whether the shared snapshot is encrypted (an RDS instance restore needs a copy in staging then); absent: as kmsKeyArn says. */
  encrypted?: boolean;
  /** transfer clone: the production cluster itself is shared (arn/identifier name the cluster), through this RAM resource share. */
  clone?: { shareArn: string; shareName: string };
}

/** What the target side ends with. */
export interface TargetResult {
  kind: DbKind;
  identifier: string;
  writerEndpoint?: string;
  readerEndpoint?: string;
  port?: number;
  /** Whether an older staging database was replaced (and deleted). */
  replaced: boolean;
  masked: boolean;
}

/** The production snapshot the run starts from, as RDS describes it. */
export interface SourceSnapshot {
  kind: DbKind;
  identifier: string;
  arn: string;
  /** automated (`rds:` prefix, cannot be shared), manual, or to be taken by this run (`new`). */
  type: 'automated' | 'manual' | 'new';
  status: string;
  engine: string;
  engineVersion?: string;
  encrypted: boolean;
  /** The key ARN the snapshot is encrypted under (absent when unencrypted or not yet taken). */
  kmsKeyArn?: string;
  /** KeyManager of that key from KMS DescribeKey: AWS for aws/rds, CUSTOMER for a CMK. */
  keyManager?: 'AWS' | 'CUSTOMER';
  allocatedStorageGb?: number;
  createdAt?: string;
  /** RDS DB snapshots: their option group (permanent or persistent options make a snapshot unshareable). */
  optionGroup?: string;
}

/** The source side's decisions, made before anything changes: `mode: plan` prints it, `sync` executes it. */
export interface SourcePlan {
  snapshot: SourceSnapshot;
  copy:
    | { needed: false; reason: string }
    | {
        needed: true;
        /** Why: automated, aws/rds (AWS managed key), a CMK that does not admit the target. */
        reason: string;
        /** Deterministic name derived from the source snapshot. */
        identifier: string;
        kmsKeyArn: string;
        /** A copy with that name made by this action already exists (resume) */
        existing?: { status: string; percent?: number };
      };
  /** The snapshot the target account will restore: the copy, or the source itself. */
  shared: {
    identifier: string;
    arn: string;
    kmsKeyArn?: string;
    alreadyShared: boolean;
    /** The account it is (to be) shared with: the staging account. */
    accountId?: string;
  };
  /** Things the person running the plan should know (unencrypted source, unreadable key policy, unused kms-key-id). */
  notes?: string[];
}
