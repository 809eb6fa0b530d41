/**
 * The source snapshot: take a new manual snapshot (`new`) and wait for it.
 * Which snapshot is decided in plan/snapshot.ts from what aws/source-facts.ts read.
 */
import type { Context } from '../context';
import { MANAGED_TAG, RUN_TAG, waitOptions } from '../context';
import { DiagnosedError, isAwsError } from '../errors';
import { cliNouns, kindWord as kindName } from '../rds-rules';
import type { SourceSnapshot } from '../types';
import type { Observation } from '../wait';
import { WaitFailedError, waitFor } from '../wait';
import type { SnapshotAdapter, SnapshotInfo } from '../aws/snapshots';
import { TERMINAL_SNAPSHOT_STATUSES, type SourceScope } from '../plan/snapshot';

const kindWord = (a: { kind: 'cluster' | 'instance' }) => kindName(a.kind);

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

export function snapshotQuotaFault(scope: SourceScope, action: string, kind: 'cluster' | 'instance' = 'cluster'): DiagnosedError {
  const noun = kind === 'cluster' ? 'DB cluster snapshots' : 'DB instance snapshots';
  const list =
    kind === 'cluster'
      ? `aws rds describe-db-cluster-snapshots --region ${scope.region} --snapshot-type manual --query 'DBClusterSnapshots[].[DBClusterSnapshotIdentifier,SnapshotCreateTime]'`
      : `aws rds describe-db-snapshots --region ${scope.region} --snapshot-type manual --query 'DBSnapshots[].[DBSnapshotIdentifier,SnapshotCreateTime]'`;
  return new DiagnosedError({
    title: 'Manual snapshot quota reached',
    message: `${action} failed with SnapshotQuotaExceeded: account ${scope.accountId} has as many manual ${noun} in ${scope.region} as its quota allows (100 by default).`,
    fix:
      `Delete manual snapshots nobody needs (this action's own are tagged ${MANAGED_TAG}=true; lower 'retain-snapshots' to keep fewer), or ask for a higher quota in Service Quotas (Amazon RDS, "Manual ${noun}"):\n  ${list}`
  });
}

/** `snapshot: new`: take the manual snapshot the plan named, tagged as this action's, and wait until it is available. */
export async function takeSnapshot(ctx: Context, adapter: SnapshotAdapter, planned: SourceSnapshot, database: string): Promise<SnapshotInfo> {
  const scope = { accountId: ctx.accounts.source.accountId, region: ctx.settings.region, partition: ctx.accounts.source.partition };
  const tags = { [MANAGED_TAG]: 'true', [RUN_TAG]: ctx.runId };
  const create = adapter.kind === 'cluster' ? 'CreateDBClusterSnapshot' : 'CreateDBSnapshot';
  try {
    await adapter.createSnapshot(database, planned.identifier, tags);
  } catch (e) {
    if (isAwsError(e, 'SnapshotQuotaExceededFault', 'SnapshotQuotaExceeded')) throw snapshotQuotaFault(scope, create, adapter.kind);
    if (isAwsError(e, 'InvalidDBClusterStateFault', 'InvalidDBInstanceStateFault', 'InvalidDBInstanceState')) {
      throw new DiagnosedError({
        title: 'Cannot take a snapshot now',
        message: `${create} refused: '${database}' is not in a state that allows a snapshot (${(e as Error).name}: ${(e as Error).message}).`,
        fix: `Run again when the ${kindWord(adapter)} is available, or use 'snapshot: latest'.`
      });
    }
    if (!isAwsError(e, 'DBClusterSnapshotAlreadyExistsFault', 'DBSnapshotAlreadyExistsFault', 'DBSnapshotAlreadyExists')) throw e;
    // The same run attempt already started it: take it over if it is ours.
    const existing = await adapter.getSnapshot(planned.identifier);
    if (!existing || existing.tags[RUN_TAG] !== ctx.runId) {
      throw new DiagnosedError({
        title: 'Snapshot name taken',
        message: `A snapshot named '${planned.identifier}' already exists and this run did not make it (${(e as Error).name}).`,
        fix: 'Rename or delete that snapshot, or use another snapshot input.'
      });
    }
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
