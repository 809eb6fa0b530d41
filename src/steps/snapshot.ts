/**
 * The source snapshot: find the production database, then pick the newest
 * available snapshot (`latest`), resolve a named one, or take a new manual
 * snapshot (`new`) and wait for it.
 */
import type { Context } from '../context';
import { MANAGED_TAG, RUN_TAG, SOURCE_TAG, waitOptions } from '../context';
import { DiagnosedError, isAwsError } from '../errors';
import { kindProfile } from '../kinds';
import { cliNouns, isAutomatedSnapshotId, kindWord as kindName, parseArn, snapshotArnOf, toRdsIdentifier } from '../rds-rules';
import type { SnapshotChoice } from '../settings';
import type { SourceSnapshot } from '../types';
import type { Observation } from '../wait';
import { WaitFailedError, waitFor } from '../wait';
import type { SnapshotAdapter, SourceDatabase, SnapshotInfo } from '../aws/snapshots';

/** Where the source database lives, for messages and ARNs. */
export interface SourceScope {
  accountId: string;
  region: string;
  partition: string;
}

/** Statuses a snapshot does not leave on its own: waiting longer cannot help. */
export const TERMINAL_SNAPSHOT_STATUSES = ['failed', 'deleted', 'deleting', 'incompatible-restore', 'incompatible-parameters'];

const kindWord = (a: { kind: 'cluster' | 'instance' }) => kindName(a.kind);

export async function findDatabase(adapter: SnapshotAdapter, identifier: string, scope: SourceScope): Promise<SourceDatabase> {
  const db = await adapter.describeDatabase(identifier);
  if (!db) {
    throw new DiagnosedError({
      title: `Production ${kindWord(adapter)} not found`,
      message: `There is no ${kindWord(adapter)} '${identifier}' in account ${scope.accountId}, region ${scope.region} (${kindProfile(adapter.kind).ops.notFoundAnswer}).`,
      fix: `Check the ${kindProfile(adapter.kind).inputHint} and 'aws-region', and that source-role-arn is in the production account:\n  ${kindProfile(adapter.kind).cli.listDatabases(scope.region)}`
    });
  }
  return db;
}

/** RDS's snapshot type as the plan sees it: AWS Backup snapshots cannot be shared either, like automated ones. */
export function sourceType(info: SnapshotInfo): 'automated' | 'manual' {
  return info.snapshotType === 'automated' || info.snapshotType === 'awsbackup' || isAutomatedSnapshotId(info.identifier)
    ? 'automated'
    : 'manual';
}

/**
 * `latest`: the newest available snapshot, automated or manual. Copies this
 * action made (tagged with SOURCE_TAG) are not candidates: they stand for their
 * source, which is found instead, and its copy is then reused by name.
 */
export function pickLatest(snapshots: SnapshotInfo[]): SnapshotInfo | undefined {
  const candidates = snapshots.filter(s => s.status === 'available' && !(SOURCE_TAG in s.tags));
  candidates.sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
  return candidates[0];
}

export function toSourceSnapshot(info: SnapshotInfo): SourceSnapshot {
  return {
    kind: info.kind,
    identifier: info.identifier,
    arn: info.arn,
    type: sourceType(info),
    status: info.status,
    engine: info.engine,
    engineVersion: info.engineVersion,
    encrypted: info.encrypted,
    kmsKeyArn: info.kmsKeyArn,
    allocatedStorageGb: info.allocatedStorageGb,
    createdAt: info.createdAt?.toISOString(),
    ...(info.optionGroup ? { optionGroup: info.optionGroup } : {})
  };
}

/** The name of the snapshot `new` takes: one per run attempt, valid and deterministic. */
export function newSnapshotIdentifier(database: string, runId: string): string {
  return toRdsIdentifier('rcas', database, runId);
}

/** Which snapshot the run starts from (read-only). `new` is described as what will be taken. */
export async function resolveSnapshot(
  adapter: SnapshotAdapter,
  choice: SnapshotChoice,
  db: SourceDatabase,
  scope: SourceScope & { runId: string }
): Promise<SourceSnapshot> {
  if (choice.kind === 'new') {
    if (db.status !== 'available') {
      throw new DiagnosedError({
        title: 'Cannot take a snapshot now',
        message: `snapshot: new needs ${kindWord(adapter)} '${db.identifier}' to be available; it is '${db.status}'.`,
        fix: `Run again when the ${kindWord(adapter)} is available, or use 'snapshot: latest' to start from the newest existing snapshot.`
      });
    }
    const identifier = newSnapshotIdentifier(db.identifier, scope.runId);
    return {
      kind: adapter.kind,
      identifier,
      arn: snapshotArnOf(adapter.kind, scope.region, scope.accountId, identifier, scope.partition),
      type: 'new',
      status: 'to be taken',
      engine: db.engine,
      engineVersion: db.engineVersion,
      encrypted: db.encrypted,
      kmsKeyArn: db.kmsKeyArn,
      ...(db.optionGroup ? { optionGroup: db.optionGroup } : {})
    };
  }

  if (choice.kind === 'latest') {
    const all = await adapter.listSnapshots(db.identifier);
    const newest = pickLatest(all);
    if (!newest) {
      const pending = all.filter(s => s.status !== 'available');
      throw new DiagnosedError({
        title: 'No available snapshot of the production database',
        message:
          `${kindWord(adapter)} '${db.identifier}' has no available automated or manual snapshot` +
          (pending.length ? ` (${pending.length} not available yet: ${pending.map(s => `${s.identifier} ${s.status}`).join(', ')}).` : '.'),
        fix: "Use 'snapshot: new' to take one now, or wait for the snapshot being created and run again."
      });
    }
    return toSourceSnapshot(newest);
  }

  // A named snapshot: an identifier (manual, or automated `rds:...`) or an ARN.
  if (choice.arn) {
    const arn = parseArn(choice.arn);
    if (arn && arn.accountId !== scope.accountId) {
      throw new DiagnosedError({
        title: 'Snapshot belongs to another account',
        message: `The snapshot input ${choice.arn} is in account ${arn.accountId}, but the production (source) account is ${scope.accountId}.`,
        fix: `Name a snapshot of '${db.identifier}' in account ${scope.accountId}, or use 'snapshot: latest'.`
      });
    }
  }
  const info = await adapter.getSnapshot(choice.identifier);
  if (!info) {
    throw new DiagnosedError({
      title: 'Snapshot not found',
      message: `There is no ${kindWord(adapter)} snapshot '${choice.identifier}' in account ${scope.accountId}, region ${scope.region}.`,
      fix: `List the snapshots of the ${kindProfile(adapter.kind).nouns.short} and pick one, or use 'snapshot: latest':\n  ${kindProfile(adapter.kind).cli.listSnapshotsOf(db.identifier, scope.region)}`
    });
  }
  if (info.databaseIdentifier.toLowerCase() !== db.identifier.toLowerCase()) {
    throw new DiagnosedError({
      title: `Snapshot of another ${kindWord(adapter)}`,
      message: `Snapshot '${info.identifier}' was taken of '${info.databaseIdentifier}', not of the production ${kindWord(adapter)} '${db.identifier}'. Refusing to refresh staging from another database.`,
      fix: `Set 'snapshot' to a snapshot of '${db.identifier}', or name '${info.databaseIdentifier}' as the production database if that is the one meant.`
    });
  }
  if (info.status !== 'available') {
    const creating = info.status === 'creating' || info.status === 'copying';
    throw new DiagnosedError({
      title: creating ? 'Snapshot still being created' : `Snapshot is ${info.status}`,
      message: creating
        ? `Snapshot '${info.identifier}' is ${info.status}${info.percent !== undefined ? ` (${info.percent}%)` : ''}: it cannot be copied or shared before it is available.`
        : `Snapshot '${info.identifier}' is '${info.status}', not available.`,
      fix: creating
        ? `Run again when it is available:\n  aws rds wait ${cliNouns(adapter.kind).snapshot}-available --region ${scope.region} ${cliNouns(adapter.kind).snapshotIdOption} ${info.identifier}\nor use 'snapshot: latest' to take the newest available one.`
        : "Name another snapshot, or use 'snapshot: latest'."
    });
  }
  return toSourceSnapshot(info);
}

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
  const p = kindProfile(kind);
  const noun = p.nouns.snapshots;
  const list = `aws rds describe-${p.cli.snapshot}s --region ${scope.region} --snapshot-type manual --query '${p.fields.snapshotList}[].[${p.fields.snapshotIdentifier},SnapshotCreateTime]'`;
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
  const create = kindProfile(adapter.kind).ops.createSnapshot;
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
