/**
 * The swap: the old staging cluster is parked under a run-scoped name (its
 * deletion protection off in the same call), the new one takes the staging name
 * with the old one's security groups and deletion protection (in one call too).
 * Only after that is the old one deleted. Every phase is saved before it
 * starts, and `rollback` puts staging back from what it finds (not from what
 * it assumes), so the main step and the post step share it.
 */
import * as core from '@actions/core';
import { failedOperation } from '../aws/calls';
import type { DatabaseInfo, Databases } from '../aws/databases';
import { KEPT_TAG, PARKED_TAG, RUN_TAG, type Context } from '../context';
import { DiagnosedError } from '../errors';
import { kindProfile } from '../kinds';
import { temporaryIdentifier, type TargetPlan } from '../plan/target';
import type { RunState } from '../state';
import { assertLockHeld, formatParked, parseParked } from './lock';

/** Extra RunState field: this run turned off the old cluster's deletion protection (rollback turns it back on). */
export const PROTECTION_KEY = 'swapProtection';
/**
 * Extra RunState field: the new cluster's instances were issued before its master password reset was (steps/restore.ts).
 * While it is set a rollback deletes the new cluster even with keep-failed-restore: kept, it would open with production's password.
 */
export const RESET_PENDING_KEY = 'passwordResetPending';

type SwapState = NonNullable<RunState['swap']>;

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');
}

const nounOf = (db: Pick<Databases, 'kind'>) => kindProfile(db.kind).nouns.short;

/** Whether a database is the one this run restored (tags survive renames). */
export function isFromRun(d: DatabaseInfo | undefined, runId: string): boolean {
  return d !== undefined && d.tags[RUN_TAG] === runId;
}

/** Park the old cluster, promote the new one, give it the old one's security groups and deletion protection. */
export async function swapIn(ctx: Context, plan: TargetPlan, db: Databases): Promise<DatabaseInfo> {
  const { target, temporary } = plan;
  const parkedAs = plan.swap.parkedAs;
  const phase = (p: SwapState['phase'], extra: Partial<RunState> = {}): void => ctx.state.update({ swap: { target, parkedAs, phase: p }, ...extra });

  if (plan.existing && parkedAs) {
    // Fencing: the old database is only touched while this run holds the lock, and only when it is still the one planned.
    await assertLockHeld(ctx, plan, db, `parking ${target}`, temporary);
    const old = await db.describe(target);
    if (!old || (plan.existing.resourceId && old.resourceId !== plan.existing.resourceId)) {
      throw new DiagnosedError({
        title: `${target} changed since the plan: this run stopped`,
        message: `Step Swap, ${kindProfile(db.kind).ops.describe}: ${target} is ${old ? `another ${nounOf(db)} (resource id ${old.resourceId})` : 'gone'} since the plan read it. Nothing of it was changed; staging is as it was (the new ${nounOf(db)} ${temporary} is removed).`
      });
    }
    // Who parks it and whether it had deletion protection, on the database itself: a run that takes over after this one ended puts it back.
    await db.addTags(old.arn, { [PARKED_TAG]: formatParked(ctx.runId, old.deletionProtection) });
    // One ModifyDB* call per rename: RDS applies a rename with ApplyImmediately together with the other changes of the same
    // call (deletion protection, security groups), so folding them in saves a modification and its wait on each side.
    const protectionOff = plan.swap.steps.includes('disable-deletion-protection');
    await assertLockHeld(ctx, plan, db, `renaming ${target} to ${parkedAs}${protectionOff ? ' with deletion protection off' : ''}`, temporary);
    if (protectionOff) ctx.state.update({ [PROTECTION_KEY]: true });
    phase('parking');
    await db.modify(target, { newIdentifier: parkedAs, deletionProtection: protectionOff ? false : undefined }).catch((e: unknown) => {
      // RDS answered no (4xx): the rename never started, so the rollback need not look for the parked name.
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status !== undefined && status >= 400 && status < 500) ctx.state.update({ swap: undefined });
      throw e;
    });
    await db.waitAvailable(parkedAs, `rename of ${target} to ${parkedAs}`, d => !protectionOff || !d.deletionProtection);
    phase('parked');
  }

  const groups = plan.restore.securityGroupIds.value;
  const protection = plan.restore.deletionProtection;
  await assertLockHeld(ctx, plan, db, `renaming ${temporary} to ${target}`, temporary);
  phase('promoting');
  await db.modify(temporary, { newIdentifier: target, securityGroupIds: groups?.length ? groups : undefined, deletionProtection: protection || undefined });
  const info = await db.waitAvailable(
    target,
    `rename of ${temporary} to ${target} with its security groups and deletion protection`,
    d => isFromRun(d, ctx.runId) && (!groups?.length || sameSet(d.vpcSecurityGroupIds, groups)) && d.deletionProtection === protection
  );
  phase('promoted');
  // From here the new cluster is staging: a later failure must not roll it back, nor delete it as "the temporary cluster".
  phase('done', { restored: undefined });
  return info;
}

/**
 * Delete the parked old cluster: instances first, then the cluster, with a
 * final snapshot when asked. Without a final snapshot the deletes are only
 * issued (the job does not wait minutes for them): the database then shows
 * `deleting`, holds no lock, and the next run's leftover scan reports it still
 * in progress or finds it gone. With a final snapshot the wait stays, so the
 * snapshot is confirmed. Returns what was done, for the step line.
 */
export async function deleteOld(ctx: Context, plan: TargetPlan, db: Databases): Promise<string> {
  const parkedAs = plan.swap.parkedAs;
  if (!parkedAs) return 'nothing to delete';
  const issueOnly = plan.swap.finalSnapshotIdentifier === undefined;
  const noun = nounOf(db);
  const final = plan.swap.finalSnapshotIdentifier ? `--final-db-snapshot-identifier ${plan.swap.finalSnapshotIdentifier}` : '--skip-final-snapshot';
  await assertLockHeld(ctx, plan, db, `deleting the old ${noun} ${parkedAs}`, plan.target);
  try {
    await db.delete(parkedAs, { finalSnapshotIdentifier: plan.swap.finalSnapshotIdentifier, issueOnly });
  } catch (e) {
    const op = failedOperation(e) ?? kindProfile(db.kind).ops.delete;
    throw new DiagnosedError({
      title: `Staging is refreshed, but the old ${noun} ${parkedAs} was not deleted`,
      message:
        `Step Delete old staging ${noun}, ${op} on ${parkedAs} failed: ${(e as Error).message}. ${plan.target} is the new ${noun}. ` +
        `Staging was refreshed; clean-up is pending (the old ${noun} ${parkedAs}, without deletion protection, keeps costing money: the next run deletes it${plan.swap.finalSnapshotIdentifier ? ' with its final snapshot' : ''}, or run the commands below).`,
      fix: kindProfile(db.kind).cli.deleteDatabase(parkedAs, final)
    });
  }
  ctx.state.update({ swap: undefined, [PROTECTION_KEY]: undefined });
  if (issueOnly) {
    const line = `deletion of the old ${noun} ${parkedAs} is in progress (issued; the next run confirms it is gone)`;
    core.info(`Old staging ${noun} ${parkedAs}: ${line}.`);
    ctx.report.fact('Still in progress', line);
    return line;
  }
  core.info(`Old staging ${noun} ${parkedAs} deleted (final snapshot ${plan.swap.finalSnapshotIdentifier}).`);
  return `deleted ${parkedAs} (final snapshot ${plan.swap.finalSnapshotIdentifier})`;
}

export interface RollbackInput {
  target: string;
  temporary: string;
  parkedAs?: string;
  /** The old cluster had deletion protection and this run turned it off. */
  restoreProtection: boolean;
  keepFailed: boolean;
  runId: string;
  /** The park rename may have been issued but not shown yet: look for the parked name a little longer. */
  parkingInFlight?: boolean;
}

export function rollbackInput(ctx: Context, plan: Pick<TargetPlan, 'target' | 'temporary' | 'swap'>): RollbackInput {
  const s = ctx.state.get();
  return {
    target: plan.target,
    temporary: plan.temporary,
    parkedAs: plan.swap.parkedAs,
    restoreProtection: s[PROTECTION_KEY] === true,
    keepFailed: ctx.settings.keepFailedRestore,
    runId: ctx.runId,
    parkingInFlight: s.swap?.phase === 'parking'
  };
}

/** Find the parked old cluster; right after a park rename was issued it may take a few polls to show. */
async function findParked(ctx: Context, db: Databases, r: RollbackInput): Promise<DatabaseInfo | undefined> {
  if (!r.parkedAs) return undefined;
  const polls = r.parkingInFlight ? 6 : 1;
  for (let i = 0; i < polls; i++) {
    const p = await db.describe(r.parkedAs);
    if (p) return p;
    if (i + 1 < polls) await ctx.clock.sleep(10_000);
  }
  return undefined;
}

/**
 * Put staging back as it was, from what RDS shows now:
 * 1. the new cluster under the staging name goes back to its temporary name;
 * 2. the parked old cluster gets its name back (and its deletion protection);
 * 3. the new cluster is deleted (instances first) unless keep-failed-restore.
 * The old cluster is never deleted or modified beyond that.
 */
export async function rollback(ctx: Context, db: Databases, r: RollbackInput): Promise<string[]> {
  const done: string[] = [];
  const noun = nounOf(db);
  const current = await db.describe(r.target);
  if (isFromRun(current, r.runId)) {
    await db.waitAvailable(r.target, `${r.target} (the new ${noun}) before renaming it back`);
    await db.modify(r.target, { newIdentifier: r.temporary });
    await db.waitAvailable(r.temporary, `rename of ${r.target} back to ${r.temporary}`);
    done.push(`renamed the new ${noun} back to ${r.temporary}`);
  }
  const parked = await findParked(ctx, db, r);
  if (parked && r.parkedAs) {
    await db.waitAvailable(r.parkedAs, `${r.parkedAs} (the old ${noun}) before renaming it back`);
    await db.modify(r.parkedAs, { newIdentifier: r.target });
    await db.waitAvailable(r.target, `rename of ${r.parkedAs} back to ${r.target}`, d => !isFromRun(d, r.runId));
    done.push(`renamed the old ${noun} back to ${r.target}`);
  }
  const old = await db.describe(r.target);
  if (old && !isFromRun(old, r.runId)) {
    if (r.restoreProtection && !old.deletionProtection) {
      await db.modify(r.target, { deletionProtection: true });
      done.push(`turned deletion protection of ${r.target} back on`);
    }
    // The note this run put on the old database before parking it goes with the swap.
    if (parseParked(old.tags[PARKED_TAG])?.runId === r.runId) await db.removeTags(old.arn, [PARKED_TAG]);
  }
  const resetPending = ctx.state.get()[RESET_PENDING_KEY] === true;
  ctx.state.update({ swap: undefined, [PROTECTION_KEY]: undefined });
  const temp = await db.describe(r.temporary);
  if (temp && isFromRun(temp, r.runId)) {
    if (r.keepFailed && resetPending)
      core.warning(`The new ${noun} ${r.temporary} is not kept (keep-failed-restore): its master password was never reset, so it would open with production's.`, { title: 'Failed restore not kept' });
    if (r.keepFailed && !resetPending) {
      // Kept under a run-scoped name: the shared name `<target>-sync` is the lock, and the next run needs it.
      const keptAs = temporaryIdentifier(r.target, r.runId);
      await db.addTags(temp.arn, { [KEPT_TAG]: 'keep-failed-restore' });
      await db.modify(r.temporary, { newIdentifier: keptAs });
      done.push(`kept the new ${noun} as ${keptAs} (keep-failed-restore)`);
      core.warning(`The new ${noun} is kept for inspection as ${keptAs} (keep-failed-restore: true); delete it when done.`, { title: 'Failed restore kept' });
    } else {
      await db.delete(r.temporary);
      done.push(`deleted the new ${noun} ${r.temporary}`);
    }
  }
  ctx.state.update({ restored: undefined, [RESET_PENDING_KEY]: undefined });
  for (const line of done) core.info(`Roll back: ${line}.`);
  return done;
}
