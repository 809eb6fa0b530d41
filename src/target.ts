/**
 * The target side, top to bottom: lock the staging database, (RDS DB instance:
 * copy the shared snapshot into staging under the staging key), restore it
 * under a temporary name, (delete the staging copy), mask it, swap it in,
 * delete the old one, clean up this action's snapshots, release the lock. Any
 * failure before the swap is complete puts staging back exactly as it was.
 */
import * as core from '@actions/core';
import { freshForCritical } from './accounts';
import { databasesFor, type DatabaseInfo } from './aws/databases';
import { RUN_TAG, type Context } from './context';
import { readTargetFacts } from './aws/target-facts';
import { dbKind } from './plan/kind';
import { decideTarget, temporaryIdentifier, type SharedFacts, type TargetPlan } from './plan/target';
import { copyIntoStaging, deleteStagingCopy } from './steps/stage-copy';
import { acquireLock, LockBusyError, LockLostError, releaseLockOrReport } from './steps/lock';
import { maskRestored } from './steps/mask';
import { handOverPassword, restoreDatabase, type RestoredDatabase } from './steps/restore';
import { deleteOld, PROTECTION_KEY, rollback, rollbackInput, swapIn } from './steps/swap';
import { putStagingSecretBack, rotateTargetSecret, writeTargetSecret } from './steps/secret';
import type { SharedSnapshot, TargetResult } from './types';
import { TRANSFER_METHODS } from './transfer/index';
import { kindProfile } from './kinds';

/** Replaceable parts, for tests. */
export interface TargetHooks {
  mask?: (ctx: Context, db: RestoredDatabase) => Promise<{ masked: boolean }>;
}

/** Read-only: describe the staging database and its writer (aws/target-facts.ts), then decide (plan/target.ts). */
export async function planTarget(ctx: Context, shared?: SharedFacts): Promise<TargetPlan> {
  return decideTarget(await readTargetFacts(ctx, dbKind(ctx.settings)), ctx.settings, ctx.runId, shared);
}

export async function runTarget(ctx: Context, planned: TargetPlan, shared: SharedSnapshot, hooks: TargetHooks = {}): Promise<TargetResult> {
  const { report } = ctx;
  const db = databasesFor(ctx, 'target', planned.kind);
  const noun = kindProfile(planned.kind).nouns.short;
  ctx.state.update({ kind: planned.kind });
  const locked = await report.step(
    'Lock staging',
    () => acquireLock(ctx, planned, db),
    () => `no other run holds ${planned.target}; the restore claims ${planned.temporary} for run ${ctx.runId}`
  );
  const lock = locked.value;
  // A stale lock taken over or a leftover removed may have changed staging: plan from what is there now.
  const plan = locked.changed
    ? await report.step('Plan: target (again)', () => planTarget(ctx, { identifier: shared.identifier, arn: shared.arn, encrypted: shared.encrypted ?? Boolean(shared.kmsKeyArn) }))
    : planned;

  let masked = false;
  let info: DatabaseInfo;
  let restored: RestoredDatabase;
  try {
    const copy = plan.copy;
    if (copy.needed) {
      await report.step(
        'Copy into staging',
        () => copyIntoStaging(ctx, plan, shared.arn),
        r => `${r.snapshot.identifier} under ${r.snapshot.kmsKeyArn ?? copy.kmsKeyId}${r.resumed ? ' (resumed an earlier copy)' : ''}`
      );
    }
    restored = await report.step(
      'Restore',
      () => restoreDatabase(ctx, plan, shared, db, lock),
      r => `${r.identifier} from ${copy.needed ? copy.identifier : shared.identifier}${kindProfile(plan.kind).can.members ? `, ${r.instances.length} instance(s)` : ''}`
    );
    if (copy.needed) await dropStagingCopy(ctx, plan);
    if (plan.masking.enabled) {
      const r = restored;
      masked = (await report.step('Mask', () => (hooks.mask ?? maskRestored)(ctx, r))).masked;
    } else {
      report.skip('Mask', 'masking-rules is empty');
    }
    if (plan.password.thenManaged) {
      const r = restored;
      restored = await report.step('Password to Secrets Manager', () => handOverPassword(db, r));
    }
    await freshForCritical(ctx.accounts.target, 'the swap');
    info = await report.step(
      'Swap',
      () => swapIn(ctx, plan, db),
      () => (plan.swap.parkedAs ? `${plan.temporary} is now ${plan.target}; the old one is ${plan.swap.parkedAs}` : `${plan.temporary} is now ${plan.target}`)
    );
    // The applications' secret: after the swap, before the old database is deleted, so a refused write still rolls back.
    const [swapped, r] = [info, restored];
    if (ctx.settings.targetSecret)
      await report.step(
        'Staging secret',
        () => writeTargetSecret(ctx, swapped, r),
        w => `${w.name} version ${w.versionId}`
      );
  } catch (e) {
    // Another run holds the lock (this run never had it, or lost it): what is there is that run's, left as it is.
    if (e instanceof LockBusyError || e instanceof LockLostError) throw e;
    await putStagingSecretBack(ctx);
    await putStagingBack(ctx, plan);
    throw e;
  }
  ctx.state.update({ refreshed: true });

  let deleted = false;
  try {
    if (plan.swap.parkedAs) {
      ctx.state.update({ pending: `the old ${noun} ${plan.swap.parkedAs}: the next run deletes it, or delete it with the commands above` });
      await report.step(
        `Delete old staging ${noun}`,
        () => deleteOld(ctx, plan, db),
        r => r
      );
      ctx.state.update({ pending: undefined });
    }
    deleted = true;
  } finally {
    if (!ctx.state.get().lockLost) {
      await releaseLockOrReport(
        ctx,
        db,
        [plan.target, ...(plan.swap.parkedAs ? [plan.swap.parkedAs] : [])],
        deleted
          ? `Staging was refreshed; clean-up is pending (the lock tag on ${plan.target}: remove it with the command below).`
          : `Staging was refreshed; clean-up is pending (the lock tag on ${plan.target} and the old ${noun} ${plan.swap.parkedAs}: the next run removes both once this run has ended).`
      );
    }
  }
  // The transfer method's own clean-up (snapshot retention; nothing for a clone).
  await TRANSFER_METHODS[shared.clone ? 'clone' : 'snapshot'].cleanup(ctx, plan, shared);
  if (ctx.settings.targetSecret?.rotation === 'trigger')
    await report.step(
      'Rotate staging secret',
      () => rotateTargetSecret(ctx),
      r => r
    );

  const result: TargetResult = {
    kind: info.kind,
    identifier: info.identifier,
    writerEndpoint: info.endpoint,
    readerEndpoint: info.readerEndpoint,
    port: info.port,
    replaced: Boolean(plan.existing),
    masked
  };
  report.output('db-kind', result.kind);
  report.output('db-identifier', result.identifier);
  const output = kindProfile(result.kind).output;
  if (output) report.output(output, result.identifier);
  if (result.writerEndpoint) report.output('writer-endpoint', result.writerEndpoint);
  if (result.readerEndpoint) report.output('reader-endpoint', result.readerEndpoint);
  if (!shared.clone) {
    report.output('snapshot-arn', shared.arn);
    report.output('source-snapshot', shared.sourceSnapshotId);
  }
  if (restored.password) report.output('master-password', restored.password);
  if (info.masterUserSecretArn) report.output('master-user-secret-arn', info.masterUserSecretArn);
  report.fact(`Staging ${noun}`, `${result.identifier} (${result.writerEndpoint ?? 'no endpoint'})`);
  if (shared.clone) report.fact('Cloned from', `${shared.arn} (copy-on-write, shared through ${shared.clone.shareName})`);
  else report.fact('Restored from', `${shared.sourceSnapshotId} via ${shared.identifier}`);
  return result;
}

/** The staging copy is not needed once the restore is done: deleting it is tidying, so a failure only warns (cleanup retries). */
async function dropStagingCopy(ctx: Context, plan: TargetPlan): Promise<void> {
  await ctx.report.step(
    'Delete staging copy',
    async () => {
      try {
        return (await deleteStagingCopy(ctx, plan.kind)) ?? 'nothing to delete';
      } catch (e) {
        const id = plan.copy.needed ? plan.copy.identifier : '';
        core.warning(`Could not delete the staging copy ${id}: ${(e as Error).message}. It carries this action's tags; the snapshot clean-up of a later run removes it.`, {
          title: 'Staging copy kept'
        });
        return `kept ${id}`;
      }
    },
    r => r
  );
}

/** Roll back; when that fails too, say exactly what is where (the lock stays, so no other run makes it worse). */
async function putStagingBack(ctx: Context, plan: TargetPlan): Promise<void> {
  const db = databasesFor(ctx, 'target', plan.kind);
  const noun = kindProfile(plan.kind).nouns.short;
  try {
    await freshForCritical(ctx.accounts.target, 'the rollback', { bestEffort: true });
    await ctx.report.step(
      'Roll back',
      () => rollback(ctx, db, rollbackInput(ctx, plan)),
      done => done.join('; ') || 'nothing to undo'
    );
    // The new database is gone (or kept on purpose): its source, the staging copy, goes too.
    if (ctx.state.get().targetCopy) await dropStagingCopy(ctx, plan);
    ctx.state.update({ rolledBack: true });
    await releaseLockOrReport(ctx, db, [plan.target, plan.temporary, temporaryIdentifier(plan.target, ctx.runId)], 'Staging is as it was (rolled back).');
  } catch (e) {
    const restored = await protectionBackOn(ctx, plan);
    ctx.state.update({
      attention: `the roll back stopped at: ${(e as Error).message}; the old ${noun} is ${plan.target}${plan.swap.parkedAs ? ` or ${plan.swap.parkedAs}` : ''}, see "Roll back incomplete: check staging by hand"`
    });
    const cli = kindProfile(plan.kind).cli;
    const describe = cli.describeStartingWith(plan.target, true);
    const rename = `${cli.rename(plan.swap.parkedAs ?? '<parked>', plan.target)}\n`;
    ctx.report.diagnose({
      title: 'Roll back incomplete: check staging by hand',
      message:
        `Putting ${plan.target} back failed: ${(e as Error).message}. ` +
        (plan.swap.parkedAs ? `The old staging ${noun} is ${plan.target} or ${plan.swap.parkedAs}; ` : '') +
        `the new one is ${plan.temporary} or ${plan.target} (tag rds-cross-account-sync:run=${ctx.runId}). Nothing of the old ${noun} was deleted${restored}. The lock stays until this is resolved. ` +
        `Staging needs attention (rename the old ${noun} back to ${plan.target} if it is not there, then delete the new one; the commands below).`,
      fix: (plan.swap.parkedAs ? rename : '') + describe
    });
  }
}

/**
 * A rollback that could not finish: whatever this run turned off is turned back
 * on, wherever the old database is now (its own name or the parked one).
 * Returns a clause for the message.
 */
async function protectionBackOn(ctx: Context, plan: TargetPlan): Promise<string> {
  if (ctx.state.get()[PROTECTION_KEY] !== true) return '';
  const db = databasesFor(ctx, 'target', plan.kind);
  for (const id of [plan.target, plan.swap.parkedAs]) {
    if (!id) continue;
    try {
      const d = await db.describe(id);
      if (!d || d.tags[RUN_TAG] === ctx.runId) continue;
      if (!d.deletionProtection) await db.modify(id, { deletionProtection: true });
      ctx.state.update({ [PROTECTION_KEY]: undefined });
      return `; its deletion protection is back on (${id})`;
    } catch (e) {
      core.warning(`Step Roll back, ${kindProfile(plan.kind).ops.modify} on ${id}: could not turn its deletion protection back on: ${(e as Error).message}`, {
        title: `Deletion protection of ${id} still off`
      });
    }
  }
  return `; its deletion protection is still off: turn it back on (${kindProfile(plan.kind).cli.deletionProtection('<old>', true)})`;
}
