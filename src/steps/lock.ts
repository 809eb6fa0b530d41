/**
 * One run at a time per staging database, made exclusive by RDS itself.
 *
 * A tag is no mutex (AddTagsToResource on an existing key overwrites it), so
 * the lock is a name: every run restores its new database under the one name
 * `<target>-sync` (plan/target.ts `lockIdentifier`). RDS refuses a second
 * database of that name (DBClusterAlreadyExistsFault, DBInstanceAlreadyExists),
 * so of runs that restore at the same moment exactly one gets it. The lock tag
 * (LOCK_TAG, `run=… target=… since=…`) rides on that database from its restore
 * call on, and stays on it when the swap renames it to `<target>`, until the run
 * removes it at the end. So the lock is held
 *   - before the swap: by whoever holds the name `<target>-sync` (AWS decides);
 *   - after the promote: by the run whose lock tag is on `<target>`.
 * A run gives way when it finds another run's live lock tag (at the start, and
 * again right after its restore claimed the name: a run that promoted meanwhile
 * holds the lock on `<target>`). Before each destructive swap phase the run
 * checks that it still holds the lock (`assertLockHeld`), and stops, leaving
 * what it found as it was, when it does not.
 *
 * A lock of a run that has ended (runner died, release failed) is taken over:
 * GitHub's API says whether the run is still in progress (job token with
 * `actions: read`); without a token, a lock older than wait-timeout-minutes plus
 * an hour counts as ended. Taking over finishes what the ended run left: its
 * swap is rolled back (or, when it had promoted, its old database deleted).
 */
import * as core from '@actions/core';
import type { DatabaseInfo, Databases } from '../aws/databases';
import { KEPT_TAG, LOCK_TAG, MANAGED_TAG, PARKED_TAG, RUN_TAG, TARGET_TAG, runUrl, type Context } from '../context';
import { DiagnosedError, isFault } from '../errors';
import { kindProfile } from '../kinds';
import { finalSnapshotIdentifier, lockIdentifier, parkedIdentifier, type TargetPlan } from '../plan/target';
import { databaseArn } from '../rds-rules';
import { rollback } from './swap';

export interface LockValue {
  runId: string;
  target: string;
  /** ISO time the lock was taken. */
  since: string;
}

export interface LockHolder extends LockValue {
  /** The database carrying the tag. */
  identifier: string;
  arn: string;
}

/** Tag values allow letters, digits, spaces and _ . : / = + - @. */
export function formatLock(v: LockValue): string {
  return `run=${v.runId} target=${v.target} since=${v.since}`;
}

export function parseLock(value: string | undefined): LockValue | undefined {
  if (!value) return undefined;
  const m = /^run=(\S+) target=(\S+) since=(\S+)$/.exec(value.trim());
  return m ? { runId: m[1], target: m[2], since: m[3] } : undefined;
}

/** `run=<id> protection=on|off`: who parked the old database, and whether it had deletion protection. */
export function formatParked(runId: string, protection: boolean): string {
  return `run=${runId} protection=${protection ? 'on' : 'off'}`;
}

export function parseParked(value: string | undefined): { runId: string; protection: boolean } | undefined {
  const m = value ? /^run=(\S+) protection=(on|off)$/.exec(value.trim()) : null;
  return m ? { runId: m[1], protection: m[2] === 'on' } : undefined;
}

/** Locks on `target` held by runs other than `ownRunId`, oldest first. A lock tag that cannot be read still counts when it sits on the target itself; a database being deleted holds no lock. */
export function otherLocks(databases: DatabaseInfo[], target: string, ownRunId: string): LockHolder[] {
  const out: LockHolder[] = [];
  for (const d of databases) {
    const raw = d.tags[LOCK_TAG];
    // An old cluster being deleted keeps its tags until it is gone: it holds nothing any more.
    if (raw === undefined || d.status === 'deleting') continue;
    const v = parseLock(raw);
    if (v) {
      if (v.target === target && v.runId !== ownRunId) out.push({ ...v, identifier: d.identifier, arn: d.arn });
    } else if (d.identifier === target) {
      out.push({ runId: raw || 'unknown', target, since: 'unknown', identifier: d.identifier, arn: d.arn });
    }
  }
  return out.sort((a, b) => a.since.localeCompare(b.since));
}

export { runUrl };

function runLink(runId: string): string {
  const url = runUrl(runId);
  return url ? ` (${url})` : '';
}

function removeTagCommand(arn: string): string {
  return `aws rds remove-tags-from-resource --resource-name ${arn} --tag-keys ${LOCK_TAG}`;
}

/** Another run holds the lock: this run stops cleanly (a notice, not a failure) without changing anything. */
export class LockBusyError extends DiagnosedError {
  constructor(readonly holder: LockHolder) {
    super({
      severity: 'notice',
      title: `Another run is refreshing ${holder.target}: this run stops`,
      message:
        `Run ${holder.runId}${runLink(holder.runId)} has held the lock on ${holder.target} since ${holder.since} (tag ${LOCK_TAG} on ${holder.identifier}). ` +
        "This run stopped without touching staging's databases; staging is as it was.",
      fix:
        'Nothing to do: that run refreshes staging. To avoid the overlap, serialise the workflows with `concurrency:`. ' +
        'A lock whose run has ended is taken over by the next run by itself; to clear it at once:\n' +
        removeTagCommand(holder.arn)
    });
  }
}

/** This run's lock was taken away between two phases: it stops and leaves what it found as it was. */
export class LockLostError extends DiagnosedError {
  constructor(what: string, found: string, plan: Pick<TargetPlan, 'target' | 'kind'>) {
    super({
      title: `Lock on ${plan.target} lost before ${what}: this run stopped`,
      message:
        `Before ${what} this run checked that it still holds the lock on ${plan.target}, and it does not: ${found}. ` +
        'Another run (or a person) took the lock over, so this run changed nothing more and left every database as it found it. ' +
        `Staging needs attention (check which run now holds ${plan.target}; this run's databases carry the tag ${RUN_TAG}).`,
      fix: kindProfile(plan.kind).cli.describeStartingWith(plan.target)
    });
  }
}

/** The lock this run places. */
export function ownLock(ctx: Pick<Context, 'runId' | 'clock'>, target: string): LockValue {
  return { runId: ctx.runId, target, since: new Date(ctx.clock.now()).toISOString() };
}

/** Minutes past wait-timeout-minutes after which a lock whose run cannot be asked about counts as ended. */
export const STALE_MARGIN_MINUTES = 60;

export type HolderState = { ended: false; why: string } | { ended: true; why: string };

/**
 * Whether the run holding a lock has ended. GitHub's API answers for runs of
 * this repository (job token with `actions: read`); an earlier attempt of this
 * very run has ended by definition; otherwise the lock's age decides.
 */
export async function holderState(ctx: Pick<Context, 'settings' | 'clock' | 'runId'>, holder: LockValue): Promise<HolderState> {
  const theirs = /^(\d+)-(\d+)$/.exec(holder.runId);
  const mine = /^(\d+)-(\d+)$/.exec(ctx.runId);
  if (theirs && mine && theirs[1] === mine[1] && Number(theirs[2]) < Number(mine[2])) return { ended: true, why: `attempt ${theirs[2]} of this workflow run ended before this attempt (${mine[2]}) started` };
  const token = ctx.settings.githubToken;
  const repo = process.env.GITHUB_REPOSITORY;
  if (theirs && token && repo?.includes('/')) {
    try {
      const { getOctokit } = await import('@actions/github');
      const [owner, name] = repo.split('/');
      const { data } = await getOctokit(token).rest.actions.getWorkflowRunAttempt({
        owner,
        repo: name,
        run_id: Number(theirs[1]),
        attempt_number: Number(theirs[2])
      });
      if (data.status === 'completed') return { ended: true, why: `GitHub reports run ${holder.runId} completed (${data.conclusion ?? 'no conclusion'})` };
      return { ended: false, why: `GitHub reports run ${holder.runId} ${data.status ?? 'in progress'}` };
    } catch (e) {
      core.info(`Could not ask GitHub about run ${holder.runId} (${(e as Error).message}); judging its lock by age.`);
    }
  }
  const since = Date.parse(holder.since);
  const limitMinutes = ctx.settings.waitTimeoutMinutes + STALE_MARGIN_MINUTES;
  if (!Number.isFinite(since)) return { ended: false, why: 'the lock tag carries no readable time' };
  const ageMinutes = (ctx.clock.now() - since) / 60_000;
  return ageMinutes > limitMinutes
    ? { ended: true, why: `the lock is ${Math.round(ageMinutes)} minutes old, more than wait-timeout-minutes + ${STALE_MARGIN_MINUTES} (${limitMinutes})` }
    : { ended: false, why: `the lock is ${Math.round(ageMinutes)} minutes old (a run that cannot be asked about counts as ended after ${limitMinutes})` };
}

/**
 * Start of the target side: take over locks of ended runs, clean up what
 * ended runs left, and stop at once (LockBusyError) when a live run holds the
 * target. Nothing is claimed yet: the restore claims `<target>-sync`.
 */
export async function acquireLock(ctx: Context, plan: TargetPlan, db: Databases): Promise<{ value: string; changed: boolean }> {
  const value = formatLock(ownLock(ctx, plan.target));
  const judged = new Map<string, HolderState>();
  const judge = async (h: LockValue): Promise<HolderState> => {
    let s = judged.get(h.runId);
    if (!s) judged.set(h.runId, (s = await holderState(ctx, h)));
    return s;
  };
  const all = await db.list();
  const holders = otherLocks(all, plan.target, ctx.runId);
  for (const holder of holders) {
    const state = await judge(holder);
    if (!state.ended) throw new LockBusyError(holder);
  }
  for (const holder of holders) await takeOver(ctx, plan, db, holder, judged.get(holder.runId)!.why);
  const removed = await cleanOrphans(ctx, plan, db);
  if (removed.length) ctx.report.fact('Left by ended runs, cleaned up', removed.join('; '));
  const deleting = stillDeleting(all, plan.target);
  if (deleting.length) {
    // An earlier run issued these deletes and did not wait for them: in progress, not a leftover (no second delete).
    const line = deleting.join('; ');
    core.info(`Still being deleted (issued by earlier runs): ${line}.`);
    ctx.report.fact('Deletion still in progress', line);
  }
  const acct = ctx.accounts.target;
  ctx.state.update({ lock: { resourceArn: databaseArn(plan.kind, acct.region, acct.accountId, plan.temporary, acct.partition), key: LOCK_TAG, value } });
  // What was put right may have changed the staging database the plan read: the caller plans again.
  return { value, changed: holders.length > 0 || removed.length > 0 };
}

/** Finish what an ended run left: its swap rolled back, or (when it had promoted its database) its old one deleted; its lock tag removed. */
async function takeOver(ctx: Context, plan: TargetPlan, db: Databases, holder: LockHolder, why: string): Promise<void> {
  const noun = kindProfile(plan.kind).nouns.short;
  core.warning(`Run ${holder.runId}${runLink(holder.runId)} left a lock on ${plan.target} (${holder.identifier}) and has ended: ${why}. This run takes it over and finishes what that run left.`, {
    title: `Stale lock of run ${holder.runId} taken over`
  });
  const done = await finishEndedRun(ctx, plan, db, holder.runId);
  const still = await db.describe(holder.identifier);
  if (still && still.tags[LOCK_TAG] !== undefined && still.status !== 'deleting') {
    await db.removeTags(still.arn, [LOCK_TAG]);
    done.push(`removed its lock tag from ${holder.identifier}`);
  }
  ctx.report.fact('Stale lock taken over', `run ${holder.runId} (${why}): ${done.join('; ') || `nothing else of it was left on the ${noun}s`}`);
}

/** What a run that ended mid-way left, put right from what RDS shows: forward when its database is already `<target>`, back otherwise. */
async function finishEndedRun(ctx: Context, plan: TargetPlan, db: Databases, runId: string): Promise<string[]> {
  const noun = kindProfile(plan.kind).nouns.short;
  const all = await db.list();
  const parked = all.find(d => d.identifier !== plan.target && parseParked(d.tags[PARKED_TAG])?.runId === runId && d.status !== 'deleting');
  const current = all.find(d => d.identifier === plan.target);
  const done: string[] = [];
  if (current && current.tags[RUN_TAG] === runId) {
    // It had promoted its database: staging is refreshed; only its old one is left to delete.
    if (parked) done.push(await deleteLeftover(ctx, plan, db, parked));
    return done;
  }
  // The note is on the parked database, or still on `<target>` when the run ended before the park rename.
  const note = [parked, current].map(d => parseParked(d?.tags[PARKED_TAG])).find(n => n?.runId === runId);
  const rolled = await rollback(ctx, db, {
    target: plan.target,
    temporary: lockIdentifier(plan.target),
    parkedAs: parked?.identifier,
    restoreProtection: note?.protection ?? false,
    keepFailed: false,
    runId
  });
  done.push(...rolled.map(r => r.replace(/^deleted the new/, `deleted its new`)));
  // The name `<target>-sync` is this run's lock: wait until the ended run's database has let go of it.
  const claim = await db.describe(lockIdentifier(plan.target));
  if (claim && claim.tags[RUN_TAG] === runId) await db.waitDeleted(claim.identifier, `deletion of run ${runId}'s ${noun} ${claim.identifier}`);
  return done;
}

/** Delete one database an ended run left (the parked old one with its final snapshot when final-snapshot: take). */
async function deleteLeftover(ctx: Context, plan: TargetPlan, db: Databases, d: DatabaseInfo): Promise<string> {
  const parked = parseParked(d.tags[PARKED_TAG]);
  const final = parked && ctx.settings.finalSnapshot === 'take' ? finalSnapshotIdentifier(plan.target, parked.runId) : undefined;
  // The name `<target>-sync` is the lock: wait until it is free again.
  await db.delete(d.identifier, { finalSnapshotIdentifier: final, waitForDeletion: d.identifier === lockIdentifier(plan.target) });
  const noun = kindProfile(plan.kind).nouns.short;
  return parked
    ? `deleted the old staging ${noun} ${d.identifier} parked by run ${parked.runId}${final ? ` (final snapshot ${final})` : ''}`
    : `deleted the ${noun} ${d.identifier} restored by run ${d.tags[RUN_TAG]}`;
}

/** Old staging databases parked by earlier runs whose deletion RDS is still carrying out (`deleting`). */
export function stillDeleting(databases: DatabaseInfo[], target: string): string[] {
  const out: string[] = [];
  for (const d of databases) {
    const parked = parseParked(d.tags[PARKED_TAG]);
    if (parked && d.status === 'deleting' && d.identifier === parkedIdentifier(target, parked.runId)) out.push(`${d.identifier} (parked by run ${parked.runId})`);
  }
  return out;
}

/**
 * Databases this action made or parked for this target that no run's lock
 * covers any more (the run released its lock, or it ended and its lock was
 * just taken over, but a delete had failed): parked old ones are deleted (final
 * snapshot when asked) when `<target>` is there, or renamed back when it is
 * not; restores that never became staging are deleted. A run holds its lock tag
 * from its restore call to its end, so a database whose run carries no lock tag
 * anywhere is left over. A failed restore kept on purpose (keep-failed-restore) stays.
 */
export async function cleanOrphans(ctx: Context, plan: TargetPlan, db: Databases): Promise<string[]> {
  const out: string[] = [];
  const all = await db.list();
  const target = all.find(d => d.identifier === plan.target);
  const locked = new Set(
    all
      .filter(d => d.status !== 'deleting')
      .map(d => parseLock(d.tags[LOCK_TAG])?.runId)
      .filter(Boolean)
  );
  for (const d of all) {
    if (d.identifier === plan.target || d.status === 'deleting' || d.tags[KEPT_TAG] !== undefined || d.tags[LOCK_TAG] !== undefined) continue;
    const parked = parseParked(d.tags[PARKED_TAG]);
    const restoredBy = d.tags[MANAGED_TAG] && d.tags[TARGET_TAG] === plan.target ? d.tags[RUN_TAG] : undefined;
    const runId = parked?.runId ?? restoredBy;
    if (!runId || runId === ctx.runId || locked.has(runId)) continue;
    // Of the restores, only a claim of the lock name is a leftover: a run-scoped name is a restore kept on purpose (keep-failed-restore).
    if (!parked && d.identifier !== lockIdentifier(plan.target)) continue;
    if (parked && !target) {
      const done = await finishEndedRun(ctx, plan, db, runId);
      out.push(...done.map(x => `run ${runId}: ${x}`));
      continue;
    }
    out.push(await deleteLeftover(ctx, plan, db, d));
  }
  return out;
}

/**
 * Right after the restore claimed `<target>-sync`: a live lock tag of another
 * run on any other database (a run that promoted meanwhile, its lock on
 * `<target>`) wins; this run then deletes its claim and stops.
 */
export async function confirmLock(ctx: Context, plan: TargetPlan, db: Databases, value: string): Promise<void> {
  const mine = parseLock(value)!;
  for (const other of otherLocks(await db.list(), plan.target, ctx.runId)) {
    if (other.identifier === plan.temporary) continue;
    const state = await holderState(ctx, other);
    if (state.ended) continue;
    core.info(`Run ${other.runId} holds ${plan.target} (lock since ${other.since}, this run's since ${mine.since}): giving way.`);
    await db
      .delete(plan.temporary)
      .catch(e =>
        core.warning(
          `Step Restore, deleting this run's ${kindProfile(plan.kind).nouns.short} ${plan.temporary} after giving way failed: ${(e as Error).message}. ` +
            `Staging is as it was; ${plan.temporary} carries no lock of a live run once this run ends, and the next run deletes it.`,
          { title: `${plan.temporary} left after giving way` }
        )
      );
    ctx.state.update({ lock: undefined, restored: undefined });
    throw new LockBusyError(other);
  }
}

/**
 * The restore's answer when `<target>-sync` exists: whose it is. A run's claim
 * (its RUN_TAG / LOCK_TAG) stops this run cleanly; a database this action did
 * not make under that name is an error naming it.
 */
export async function claimRefused(ctx: Context, plan: TargetPlan, db: Databases, cause: unknown): Promise<Error> {
  ctx.state.update({ lock: undefined, restored: undefined });
  const d = await db.describe(plan.temporary).catch(() => undefined);
  const noun = kindProfile(plan.kind).nouns.short;
  const lock = parseLock(d?.tags[LOCK_TAG]);
  const run = lock?.runId ?? d?.tags[RUN_TAG];
  if (d && run) {
    return new LockBusyError({ runId: run, target: plan.target, since: lock?.since ?? 'unknown', identifier: d.identifier, arn: d.arn });
  }
  return new DiagnosedError({
    title: `The name ${plan.temporary} is taken`,
    message:
      `Restore (${kindProfile(plan.kind).ops.restore}) refused the name ${plan.temporary}: ${(cause as Error).message}. ` +
      `Every run restores under that name (holding it is the lock on ${plan.target}), and the ${noun} there was not made by this action. Staging is as it was.`,
    fix: `Rename or delete that ${noun}:\n${kindProfile(plan.kind).cli.rename(plan.temporary, '<another-name>')}`
  });
}

export function isNameTaken(e: unknown): boolean {
  return isFault(e, ['DBClusterAlreadyExistsFault', 'DBInstanceAlreadyExistsFault']);
}

/**
 * Fencing: before a destructive swap phase, this run must still hold the lock:
 * its database (under `identifier`: `<target>-sync` before the promote,
 * `<target>` after) carries its run tag and its lock value, and no other live
 * run has its lock tag on a database other than `<target>-sync` (a run that
 * promoted first; a later claim of `<target>-sync` gives way to this run). Else LockLostError.
 */
export async function assertLockHeld(ctx: Context, plan: TargetPlan, db: Databases, what: string, identifier: string): Promise<void> {
  const value = ctx.state.get().lock?.value;
  const d = await db.describe(identifier);
  let found: string | undefined;
  if (!value) found = 'this run has no lock recorded';
  else if (!d) found = `${identifier} does not exist`;
  else if (d.tags[RUN_TAG] !== ctx.runId) found = `${identifier} is not this run's (tag ${RUN_TAG}=${d.tags[RUN_TAG] ?? 'none'})`;
  else if (d.tags[LOCK_TAG] !== value) found = `the lock tag on ${identifier} is ${d.tags[LOCK_TAG] === undefined ? 'gone' : `'${d.tags[LOCK_TAG]}'`}`;
  if (!found) {
    // A live run whose lock is on any other database than `<target>-sync` promoted before this run claimed the name
    // (its rename may not have shown when this run confirmed its claim): it holds the target, not this run.
    for (const other of otherLocks(await db.list(), plan.target, ctx.runId)) {
      if (other.identifier === lockIdentifier(plan.target)) continue;
      if ((await holderState(ctx, other)).ended) continue;
      found = `run ${other.runId}${runLink(other.runId)} holds ${plan.target} (its lock is on ${other.identifier} since ${other.since})`;
      break;
    }
  }
  if (found) {
    // Not this run's any more: nothing of it is rolled back or released by this run (the post step included).
    ctx.state.update({ lock: undefined, restored: undefined, swap: undefined, lockLost: true });
    throw new LockLostError(what, found, plan);
  }
}

/** Remove this run's lock tag from whichever of these databases carries it (names change during a swap). */
export async function releaseLock(ctx: Context, db: Databases, identifiers: string[]): Promise<void> {
  const lock = ctx.state.get().lock;
  if (!lock) return;
  for (const id of new Set(identifiers)) {
    const d = await db.describe(id);
    if (d && d.tags[LOCK_TAG] === lock.value) await db.removeTags(d.arn, [LOCK_TAG]);
  }
  ctx.state.update({ lock: undefined });
}

/**
 * releaseLock, retried (three attempts, 2 s and 8 s apart). When it still
 * fails: a titled error naming the database that carries the tag and the
 * command that removes it (the next run also takes the lock over once this
 * run has ended). Returns whether the lock is released.
 */
export async function releaseLockOrReport(ctx: Context, db: Databases, identifiers: string[], outcome: string): Promise<boolean> {
  const delays = [2_000, 8_000];
  for (let attempt = 0; ; attempt++) {
    try {
      await releaseLock(ctx, db, identifiers);
      return true;
    } catch (e) {
      if (attempt < delays.length) {
        core.info(`Removing the lock tag failed (${(e as Error).message}); retrying in ${delays[attempt] / 1000} s.`);
        await ctx.clock.sleep(delays[attempt]);
        continue;
      }
      const lock = ctx.state.get().lock;
      const holder = await Promise.all(identifiers.map(id => db.describe(id).catch(() => undefined)));
      const carrier = holder.find(d => d && lock && d.tags[LOCK_TAG] === lock.value);
      const arn = carrier?.arn ?? lock?.resourceArn ?? '<database ARN>';
      ctx.report.diagnose({
        title: `Lock not released: ${carrier?.identifier ?? identifiers[0]} still carries this run's lock`,
        message:
          `Step Release lock, RemoveTagsFromResource on ${carrier?.identifier ?? identifiers[0]} failed three times: ${(e as Error).message}. ` +
          `Until the tag is removed, runs that start while this run is still listed as running stop; once it has ended, the next run takes the lock over by itself. ` +
          outcome,
        fix: `${removeTagCommand(arn)}\nThe target role needs rds:RemoveTagsFromResource on that ARN.`
      });
      ctx.state.update({ lock: undefined });
      return false;
    }
  }
}
