/**
 * The post step's work after a cancelled or timed-out main step: from the
 * saved RunState, put staging back as it was (or, when the swap had already
 * completed, finish deleting the old cluster) and release the lock. A snapshot
 * copy this run started in the source account is kept: the next run resumes it.
 */
import * as core from '@actions/core';
import { databasesFor } from './aws/databases';
import type { Context } from './context';
import { finalSnapshotIdentifier, temporaryIdentifier } from './plan/target';
import type { RunState } from './state';
import { releaseLock } from './steps/lock';
import { PROTECTION_KEY, rollback } from './steps/swap';

export function needsRecovery(state: Readonly<RunState>): boolean {
  return Boolean(state.restored || state.swap || state.lock);
}

export async function recover(ctx: Context): Promise<void> {
  const s = ctx.state.get();
  const runId = s.runId ?? ctx.runId;
  const target = s.swap?.target ?? ctx.settings.target.cluster;
  const temporary = s.restored?.identifier ?? temporaryIdentifier(target, runId);
  const parkedAs = s.swap?.parkedAs;
  const db = databasesFor(ctx, 'target', s.restored?.kind ?? 'cluster');
  const swapDone = s.swap?.phase === 'done';

  if (swapDone) {
    // The new cluster was already staging: finish what the run was doing, delete the parked old one.
    if (parkedAs) {
      const finalSnapshot = ctx.settings.finalSnapshot === 'take' ? finalSnapshotIdentifier(target, runId) : undefined;
      const deleted = await db.delete(parkedAs, { finalSnapshotIdentifier: finalSnapshot });
      core.info(deleted ? `Deleted the old staging cluster ${parkedAs}.` : `The old staging cluster ${parkedAs} is already gone.`);
    }
    ctx.state.update({ swap: undefined, [PROTECTION_KEY]: undefined });
  } else if (s.restored || s.swap) {
    await rollback(ctx, db, {
      target,
      temporary,
      parkedAs,
      restoreProtection: s[PROTECTION_KEY] === true,
      keepFailed: ctx.settings.keepFailedRestore,
      runId,
      parkingInFlight: s.swap?.phase === 'parking'
    });
  }

  await releaseLock(ctx, db, [target, temporary, ...(parkedAs ? [parkedAs] : [])]);

  const copy = s.sourceCopy;
  if (copy?.createdByThisRun && !swapDone) {
    // Kept on purpose: the copy carries this action's tags, so the next run finds it (still copying or
    // available) and resumes instead of starting a second full copy; retention clean-up removes it later.
    core.info(`Kept the snapshot copy ${copy.identifier} in the source account: the next run resumes from it.`);
  }

}
