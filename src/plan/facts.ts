/**
 * What the plan decides from: plain data read from AWS by aws/source-facts.ts
 * and aws/target-facts.ts (no clients, no report, no state). The decisions in
 * plan/ are pure functions of these facts and the settings.
 */
import type { KeyFacts, KeyPolicyRead } from '../aws/keys';
import type { SourceDatabase, OptionInfo, SnapshotInfo } from '../aws/snapshots';
import type { PolicyParams } from '../diagnostics/policy-templates';
import type { RemedyFacts } from '../diagnostics/key-access';
import type { DbKind } from '../types';
import type { SnapshotCandidates, SourceScope } from './snapshot';

/** The production side as read for the source plan. Reads that depend on an earlier decision are left out when it made them moot. */
export interface SourceFacts {
  kind: DbKind;
  scope: SourceScope & { runId: string };
  /** The staging side the snapshot is shared with. */
  target: { accountId: string; principalArn: string; callerArn?: string };
  /** The production database (undefined: RDS does not know it). */
  database?: SourceDatabase;
  /** What RDS listed for the snapshot input. */
  candidates: SnapshotCandidates;
  /** RDS DB instances: the options of the snapshot's option group (undefined: DescribeOptionGroups did not show it). */
  optionGroupOptions?: OptionInfo[];
  /** The snapshot's key as KMS describes it, with its policy when readable. */
  key?: KeyFacts;
  /** Snapshot shared as it is: the accounts its `restore` attribute already names. */
  sharedWith?: string[];
  /** A copy under kms-key-id: that key's policy (or why it could not be read). */
  configuredKeyPolicy?: KeyPolicyRead;
  /** A copy: the snapshot already under the copy's name (an earlier run's copy, or another snapshot). */
  existingCopy?: SnapshotInfo;
  /** That copy, when available: the accounts it is already shared with. */
  copySharedWith?: string[];
  /** Accounts, roles and names for the statements the diagnostics print. */
  policyParams: PolicyParams;
  /** Both roles and the region, for the one remedy builder. */
  remedyFacts: RemedyFacts;
}

/**
 * The key policy of the key the shared snapshot ends under, as planning read it
 * with the production role (or the AWS error code and message that refused it):
 * preflight analyses it without asking KMS again.
 */
export interface SharedKeyPolicy {
  keyArn: string;
  policy?: string;
  unreadable?: string;
  message?: string;
}
