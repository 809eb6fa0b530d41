/**
 * The post step's work after a cancelled or timed-out main step: from the
 * saved RunState, put staging back as it was (or, when the swap had already
 * completed, finish deleting the old cluster) and release the lock. A snapshot
 * copy this run started in the source account is kept: the next run resumes it.
 */
import * as core from '@actions/core';
import { databasesFor } from './aws/databases';
import type { Context } from './context';
import { finalSnapshotIdentifier, lockIdentifier } from './plan/target';
import type { RunState } from './state';
import { releaseLock } from './steps/lock';
import { deleteStagingCopy } from './steps/stage-copy';
import { PROTECTION_KEY, rollback } from './steps/swap';
import { putStagingSecretBack, secretHoldsSwap } from './steps/secret';
import { kindProfile } from './kinds';

export function needsRecovery(state: Readonly<RunState>): boolean {
  return Boolean(state.restored || state.swap || state.lock || state.targetCopy);
}

export async function recover(ctx: Context): Promise<void> {
  const s = ctx.state.get();
  const runId = s.runId ?? ctx.runId;
  const target = s.swap?.target ?? ctx.settings.target.identifier;
  const temporary = s.restored?.identifier ?? lockIdentifier(target);
  const parkedAs = s.swap?.parkedAs;
  // The kind the main step worked with (it may have been detected there), else what the inputs say.
  const kind = s.kind ?? s.restored?.kind ?? s.targetCopy?.kind ?? ctx.settings.kind;
  const db = databasesFor(ctx, 'target', kind);
  // With target-secret-id, the swap is done only once the applications' secret holds the new credentials.
  const swapDone = s.swap?.phase === 'done' && !secretHoldsSwap(ctx, s);

  if (swapDone) {
    // The new cluster was already staging: finish what the run was doing, delete the parked old one.
    if (parkedAs) {
      const finalSnapshot = ctx.settings.finalSnapshot === 'take' ? finalSnapshotIdentifier(target, runId) : undefined;
      // As the main step: without a final snapshot the deletion is issued, not awaited (the next run reports it while it lasts).
      const deleted = await db.delete(parkedAs, { finalSnapshotIdentifier: finalSnapshot, issueOnly: finalSnapshot === undefined });
      const noun = kindProfile(kind).nouns.short;
      core.info(
        !deleted
          ? `The old staging ${noun} ${parkedAs} is already gone.`
          : finalSnapshot
            ? `Deleted the old staging ${noun} ${parkedAs} (final snapshot ${finalSnapshot}).`
            : `Deletion of the old staging ${noun} ${parkedAs} is in progress (issued; the next run confirms it is gone).`
      );
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
  if (!swapDone) await putStagingSecretBack(ctx);

  // The staging copy of the shared snapshot (RDS DB instances) only served the restore.
  const copy = await deleteStagingCopy(ctx, kind);
  if (copy) core.info(`Post step: ${copy}.`);

  await releaseLock(ctx, db, [target, temporary, ...(parkedAs ? [parkedAs] : [])]);

  const sourceCopy = s.sourceCopy;
  if (sourceCopy?.createdByThisRun && !swapDone) {
    // Kept on purpose: the copy carries this action's tags, so the next run finds it (still copying or
    // available) and resumes instead of starting a second full copy; retention clean-up removes it later.
    core.info(`Kept the snapshot copy ${sourceCopy.identifier} in the source account: the next run resumes from it.`);
  }
}
