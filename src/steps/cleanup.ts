/**
 * Clean up: this action's intermediate snapshots in both accounts, keeping
 * `retain-snapshots` of them. Each one to go is unshared first, then deleted.
 * A snapshot this action did not tag is never touched. A failure here does
 * not undo the refresh: it is reported as a warning naming what is left.
 */
import { databasesFor } from '../aws/databases';
import type { Context } from '../context';
import { snapshotsToDelete, type TargetPlan } from '../plan/target';
import type { SharedSnapshot } from '../types';
import { kindProfile } from '../kinds';

export interface CleanupSide {
  side: 'source' | 'target';
  kept: string[];
  deleted: string[];
  failed: string[];
}

export async function cleanupSide(ctx: Context, side: 'source' | 'target', plan: Pick<TargetPlan, 'target'>, shared: SharedSnapshot): Promise<CleanupSide> {
  const db = databasesFor(ctx, side, shared.kind);
  const retention = snapshotsToDelete(await db.listSnapshots(), ctx.settings.retainSnapshots, {
    target: plan.target,
    sourceDatabase: ctx.settings.source.identifier,
    used: side === 'source' ? shared.arn : undefined
  });
  const result: CleanupSide = { side, kept: retention.keep.map(s => s.identifier), deleted: [], failed: [] };
  for (const s of retention.delete) {
    try {
      const removed = await db.unshareSnapshot(s.identifier);
      await db.deleteSnapshot(s.identifier);
      result.deleted.push(removed.length ? `${s.identifier} (unshared from ${removed.join(', ')})` : s.identifier);
    } catch (e) {
      result.failed.push(`${s.identifier}: ${(e as Error).message}`);
    }
  }
  return result;
}

export async function cleanupSnapshots(ctx: Context, plan: Pick<TargetPlan, 'target'>, shared: SharedSnapshot): Promise<CleanupSide[]> {
  const out: CleanupSide[] = [];
  for (const side of ['source', 'target'] as const) {
    let r: CleanupSide;
    try {
      r = await cleanupSide(ctx, side, plan, shared);
    } catch (e) {
      r = { side, kept: [], deleted: [], failed: [`listing snapshots: ${(e as Error).message}`] };
    }
    out.push(r);
    if (r.deleted.length) ctx.report.fact(`Snapshots deleted (${side})`, r.deleted.join(', '));
    if (r.kept.length) ctx.report.fact(`Snapshots kept (${side})`, r.kept.join(', '));
    if (r.failed.length)
      ctx.report.diagnose({
        severity: 'warning',
        title: `Snapshot clean-up incomplete in the ${side} account`,
        message: `Staging is refreshed, but these of this action's snapshots were not removed:\n- ${r.failed.join('\n- ')}`,
        fix: `The ${side} role needs ${andList(kindProfile(shared.kind).iam.snapshotCleanup)}; the next run retries.`
      });
  }
  return out;
}

/** `a, b and c` */
function andList(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}
