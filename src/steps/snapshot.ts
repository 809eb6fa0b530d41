/**
 * The source snapshot: take a new manual snapshot (`new`) and wait for it.
 * Which snapshot is decided in plan/snapshot.ts from what aws/source-facts.ts read.
 */
import type { Context } from '../context';
import { MANAGED_TAG, RUN_TAG, waitOptions } from '../context';
import { DiagnosedError, isFault } from '../errors';
import { cliNouns } from '../rds-rules';
import { explainedFault } from '../diagnostics/faults';
import { kindProfile } from '../kinds';
import type { SourceSnapshot } from '../types';
import type { Observation } from '../wait';
import { WaitFailedError, waitFor } from '../wait';
import type { SnapshotAdapter, SnapshotInfo } from '../aws/snapshots';
import { TERMINAL_SNAPSHOT_STATUSES } from '../plan/snapshot';

/** One look at a snapshot, for waitFor: PercentProgress included. */
export function snapshotObservation(info: SnapshotInfo | undefined): Observation<SnapshotInfo> {
  if (!info) return { status: 'deleted', done: false, failed: 'deleted' };
  return {
    status: info.status,
    done: info.status === 'available',
    failed: TERMINAL_SNAPSHOT_STATUSES.includes(info.status) ? info.status : undefined,
    percent: info.percent,
    value: info
  };
}

/**
 * Poll a snapshot until it is available. The SDK waiter
 * (waitUntilDBClusterSnapshotAvailable) cannot report PercentProgress, so
 * this is wait.ts's loop: progress logged, adaptive pauses, overall limit.
 */
export async function waitForSnapshot(ctx: Context, adapter: SnapshotAdapter, identifier: string, what: string): Promise<SnapshotInfo> {
  const info = await waitFor(async () => snapshotObservation(await adapter.getSnapshot(identifier)), waitOptions(ctx, what));
  if (!info) throw new Error(`${what}: available, but RDS returned no description`);
  return info;
}

/** `snapshot: new`: take the manual snapshot the plan named, tagged as this action's, and wait until it is available. */
export async function takeSnapshot(ctx: Context, adapter: SnapshotAdapter, planned: SourceSnapshot, database: string): Promise<SnapshotInfo> {
  const scope = { accountId: ctx.accounts.source.accountId, region: ctx.settings.region, partition: ctx.accounts.source.partition };
  const tags = { [MANAGED_TAG]: 'true', [RUN_TAG]: ctx.runId };
  const create = kindProfile(adapter.kind).ops.createSnapshot;
  try {
    await adapter.createSnapshot(database, planned.identifier, tags);
  } catch (e) {
    const scene = { operation: create, snapshot: planned.identifier, database, kind: adapter.kind, account: scope.accountId, region: scope.region };
    if (isFault(e, ['SnapshotQuotaExceededFault', 'InvalidDBClusterStateFault', 'InvalidDBInstanceStateFault'])) throw explainedFault(e, ctx, scene);
    if (!isFault(e, ['DBClusterSnapshotAlreadyExistsFault', 'DBSnapshotAlreadyExistsFault'])) throw e;
    // The same run attempt already started it: take it over if it is ours.
    const existing = await adapter.getSnapshot(planned.identifier);
    if (!existing || existing.tags[RUN_TAG] !== ctx.runId) throw explainedFault(e, ctx, scene);
  }
  ctx.state.update({ sourceSnapshot: { identifier: planned.identifier, kind: adapter.kind, createdByThisRun: true } });
  try {
    return await waitForSnapshot(ctx, adapter, planned.identifier, `snapshot ${planned.identifier}`);
  } catch (e) {
    if (e instanceof WaitFailedError) {
      throw new DiagnosedError({
        title: 'Snapshot failed',
        message: `The new snapshot '${planned.identifier}' ended in status '${e.status}'.`,
        fix: `Look at the snapshot's recent events, then run again:\n  aws rds describe-events --region ${scope.region} --source-type ${cliNouns(adapter.kind).snapshot} --source-identifier ${planned.identifier}`
      });
    }
    throw e;
  }
}
