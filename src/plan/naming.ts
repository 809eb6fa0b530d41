/**
 * Names and tags: pure, shared by the plan (which prints them) and the steps
 * (which create resources under them). The same inputs always give the same
 * names, so a rerun finds what an earlier run made.
 */
import { stripAutomatedPrefix, toRdsIdentifier } from '../rds-rules';

/** Tags every resource this action creates carries; cleanup only ever touches resources with MANAGED_TAG. */
export const MANAGED_TAG = 'rds-cross-account-sync:managed';
export const RUN_TAG = 'rds-cross-account-sync:run';
export const SOURCE_TAG = 'rds-cross-account-sync:source-snapshot';
export const TARGET_TAG = 'rds-cross-account-sync:target';
export const LOCK_TAG = 'rds-cross-account-sync:lock';
/** On the old staging database from the moment a run starts to replace it: `run=<id> protection=on|off` (who parked it, and whether it had deletion protection). */
export const PARKED_TAG = 'rds-cross-account-sync:parked';
/** On a failed restore kept for inspection (keep-failed-restore): orphan clean-up leaves it alone. */
export const KEPT_TAG = 'rds-cross-account-sync:kept';

/** `rds:app-2026-11-28-03-10` -> `rcas-app-2026-11-28-03-10`: the same source always gives the same copy name. */
export function copySnapshotIdentifier(sourceIdentifier: string): string {
  return toRdsIdentifier('rcas', stripAutomatedPrefix(sourceIdentifier));
}

/** What the copy carries: made by this action, in which run, from which snapshot. */
export function copyTags(runId: string, sourceIdentifier: string): Record<string, string> {
  return { [MANAGED_TAG]: 'true', [RUN_TAG]: runId, [SOURCE_TAG]: sourceIdentifier };
}

/** The name of the snapshot `new` takes: one per run attempt, valid and deterministic. */
export function newSnapshotIdentifier(database: string, runId: string): string {
  return toRdsIdentifier('rcas', database, runId);
}

/** Whether the `restore` attribute values already admit the account (`all` is a public, unencrypted snapshot). Pure. */
export function isSharedWith(values: readonly string[], accountId: string): boolean {
  return values.includes(accountId) || values.includes('all');
}
