/**
 * One run at a time per staging database: a tag (LOCK_TAG) on the staging
 * cluster, and on the new cluster this run restores, names the run that is
 * at work. A second run that finds another run's lock stops at once, before
 * it changes anything. Two runs that lock at the same moment both see both
 * locks after placing their own: the older lock wins, the other run backs off.
 */
import type { DatabaseInfo, Databases } from '../aws/databases';
import { LOCK_TAG, type Context } from '../context';
import { DiagnosedError } from '../errors';
import type { TargetPlan } from '../plan/target';
import { databaseArn } from '../rds-rules';

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

/** Whether lock `a` was taken before lock `b` (ties broken by run id): the older lock wins. */
export function olderLock(a: LockValue, b: LockValue): boolean {
  if (a.since !== b.since) return a.since < b.since;
  return a.runId < b.runId;
}

function runLink(runId: string): string {
  const server = process.env.GITHUB_SERVER_URL;
  const repo = process.env.GITHUB_REPOSITORY;
  const id = /^(\d+)-\d+$/.exec(runId)?.[1];
  return server && repo && id ? ` (${server}/${repo}/actions/runs/${id})` : '';
}

export function lockedError(holder: LockHolder): DiagnosedError {
  return new DiagnosedError({
    title: `Another run is refreshing ${holder.target}`,
    message:
      `Run ${holder.runId}${runLink(holder.runId)} has held the lock on ${holder.target} since ${holder.since} (tag ${LOCK_TAG} on ${holder.identifier}). ` +
      'This run stops without changing anything.',
    fix:
      'Wait for that run to finish, or serialise the workflow with `concurrency:`. If that run is no longer running (its runner died before the post step could clean up), remove the stale lock:\n' +
      `aws rds remove-tags-from-resource --resource-name ${holder.arn} --tag-keys ${LOCK_TAG}`
  });
}

/** The lock this run places. */
export function ownLock(ctx: Pick<Context, 'runId' | 'clock'>, target: string): LockValue {
  return { runId: ctx.runId, target, since: new Date(ctx.clock.now()).toISOString() };
}

/**
 * Check that nobody else holds the target, then tag the staging cluster (when
 * there is one). When there is none, the lock travels on the new cluster's
 * restore tags instead: the restore calls `confirmLock` right after.
 */
export async function acquireLock(ctx: Context, plan: TargetPlan, db: Databases): Promise<string> {
  const value = formatLock(ownLock(ctx, plan.target));
  const others = otherLocks(await db.list(), plan.target, ctx.runId);
  if (others.length > 0) throw lockedError(others[0]);
  const acct = ctx.accounts.target;
  if (plan.existing) {
    ctx.state.update({ lock: { resourceArn: plan.existing.arn, key: LOCK_TAG, value } });
    try {
      await db.addTags(plan.existing.arn, { [LOCK_TAG]: value });
    } catch (e) {
      // The call may have failed after RDS applied it: take back whatever of it landed.
      await removeOwnLock(db, plan.target, value).catch(() => undefined);
      ctx.state.update({ lock: undefined });
      throw e;
    }
    await confirmLock(ctx, plan, db, value);
  } else {
    ctx.state.update({ lock: { resourceArn: databaseArn(plan.kind, acct.region, acct.accountId, plan.temporary, acct.partition), key: LOCK_TAG, value } });
  }
  return value;
}

/** After placing the tag: if an older lock of another run appeared meanwhile, give way. */
export async function confirmLock(ctx: Context, plan: TargetPlan, db: Databases, value: string): Promise<void> {
  const mine = parseLock(value)!;
  const winner = otherLocks(await db.list(), plan.target, ctx.runId).find(o => olderLock(o, mine));
  if (!winner) return;
  if (plan.existing) await removeOwnLock(db, plan.target, value);
  ctx.state.update({ lock: undefined });
  throw lockedError(winner);
}

async function removeOwnLock(db: Databases, identifier: string, value: string): Promise<boolean> {
  const d = await db.describe(identifier);
  if (!d || d.tags[LOCK_TAG] !== value) return false;
  await db.removeTags(d.arn, [LOCK_TAG]);
  return true;
}

/** Remove this run's lock tag from whichever of these databases carries it (names change during a swap). */
export async function releaseLock(ctx: Context, db: Databases, identifiers: string[]): Promise<void> {
  const lock = ctx.state.get().lock;
  if (!lock) return;
  for (const id of new Set(identifiers)) await removeOwnLock(db, id, lock.value);
  ctx.state.update({ lock: undefined });
}
