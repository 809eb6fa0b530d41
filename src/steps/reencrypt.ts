/**
 * Re-encrypt: copy the source snapshot under the CMK the staging account may
 * use. The copy's name is derived from the source snapshot alone, and it is
 * tagged with the run and the source, so a rerun (after a cancelled job, say)
 * finds it, available or still copying, and resumes instead of starting a
 * second full copy.
 */
import * as core from '@actions/core';
import type { Context } from '../context';
import { DiagnosedError, isFault } from '../errors';
import { cliNouns } from '../rds-rules';
import { kindProfile } from '../kinds';
import type { DbKind } from '../types';
import { WaitFailedError } from '../wait';
import type { SnapshotAdapter, SnapshotInfo } from '../aws/snapshots';
import { copyTags } from '../plan/naming';
import { deleteSnapshotCommand, judgeExistingCopy, type ExpectedCopy, type SourceScope } from '../plan/snapshot';
import { waitForSnapshot } from './snapshot';
import { explainedFault } from '../diagnostics/faults';

/** The existing copy, when there is one this run may reuse; refuses (DiagnosedError) when the name is taken otherwise. Read-only. */
export async function findExistingCopy(adapter: SnapshotAdapter, expected: ExpectedCopy): Promise<SnapshotInfo | undefined> {
  const existing = await adapter.getSnapshot(expected.identifier);
  if (!existing) return undefined;
  const verdict = judgeExistingCopy(existing, expected);
  if ('refuse' in verdict) throw new DiagnosedError(verdict.refuse);
  return existing;
}

export interface CopyResult {
  snapshot: SnapshotInfo;
  /** true when an earlier run's copy was taken over instead of starting one. */
  resumed: boolean;
}

/** Copy (or resume the copy) in the source account under the CMK, and wait until it is available. */
export async function reencrypt(ctx: Context, adapter: SnapshotAdapter, expected: ExpectedCopy): Promise<CopyResult> {
  return copyAndWait(
    ctx,
    adapter,
    { ...expected, kind: adapter.kind },
    {
      side: 'source',
      tags: copyTags(ctx.runId, expected.sourceIdentifier),
      record: createdByThisRun => ctx.state.update({ sourceCopy: { identifier: expected.identifier, kind: adapter.kind, createdByThisRun } })
    }
  );
}

export interface CopyOptions {
  /** The account the copy is made in. */
  side: 'source' | 'target';
  tags: Record<string, string>;
  /** Saves the copy in the run state the moment it exists (or was found), so the post step knows it. */
  record: (createdByThisRun: boolean) => void;
}

/**
 * The resumable copy both sides use: look for this action's copy under the
 * deterministic name first, take it over when found, else copy; then wait
 * until it is available.
 */
export async function copyAndWait(ctx: Context, adapter: SnapshotAdapter, expected: ExpectedCopy, options: CopyOptions): Promise<CopyResult> {
  const account = ctx.accounts[options.side];
  const scope: SourceScope = { accountId: account.accountId, region: ctx.settings.region, partition: account.partition };
  let existing = await findExistingCopy(adapter, expected);
  let resumed = existing !== undefined;
  if (existing) {
    options.record(false);
    const how = `resumed ${expected.identifier} (${existing.status}${existing.percent !== undefined ? `, ${existing.percent}%` : ''})`;
    core.info(`Snapshot copy: ${how}, made by an earlier run of this action: no second copy.`);
    ctx.report.fact('Snapshot copy', how);
  } else {
    try {
      // Recorded before the call: a run killed while RDS starts the copy still leaves a state that names it.
      options.record(true);
      await adapter.copySnapshot({
        sourceIdentifier: expected.sourceIdentifier,
        targetIdentifier: expected.identifier,
        kmsKeyArn: expected.kmsKeyArn,
        tags: options.tags
      });
    } catch (e) {
      if (isFault(e, ['DBClusterSnapshotAlreadyExistsFault', 'DBSnapshotAlreadyExistsFault'])) {
        // Another run started the same copy between the look and the copy: take it over if it is ours.
        existing = await findExistingCopy(adapter, expected);
        if (!existing) throw e;
        resumed = true;
        options.record(false);
      } else {
        throw copyFault(ctx, e, expected, scope, adapter.kind, options.side);
      }
    }
  }
  try {
    const snapshot = await waitForSnapshot(ctx, adapter, expected.identifier, `snapshot copy ${expected.identifier}`);
    return { snapshot, resumed };
  } catch (e) {
    if (e instanceof WaitFailedError) {
      throw new DiagnosedError({
        title: 'Snapshot copy failed',
        message: `The copy '${expected.identifier}' of '${expected.sourceIdentifier}' ended in status '${e.status}'.`,
        fix: `Check the key ${expected.kmsKeyArn ?? ''} is enabled and the copy's events, delete the failed copy, and run again:\n  aws rds describe-events --region ${scope.region} --source-type ${cliNouns(adapter.kind).snapshot} --source-identifier ${expected.identifier}\n  ${deleteSnapshotCommand(adapter.kind, scope.region, expected.identifier)}`
      });
    }
    throw e;
  }
}

/** The faults of CopyDBClusterSnapshot / CopyDBSnapshot this step can explain; others go to the generic mapper unchanged. */
function copyFault(ctx: Context, e: unknown, expected: ExpectedCopy, scope: SourceScope, kind: DbKind, side: 'source' | 'target'): unknown {
  const operation = kindProfile(kind).ops.copySnapshot;
  const scene = { operation, snapshot: expected.sourceIdentifier, kind, region: scope.region, account: scope.accountId };
  if (isFault(e, 'SnapshotQuotaExceededFault')) return explainedFault(e, ctx, scene);
  // In the staging account the copy reads the shared snapshot's key as well: the generic mapper tells the two keys apart.
  if (side === 'target') return e;
  if (isFault(e, 'KMSKeyNotAccessibleFault')) return explainedFault(e, ctx, { ...scene, keyArn: expected.kmsKeyArn, side });
  if (isFault(e, ['InvalidDBClusterSnapshotStateFault', 'InvalidDBSnapshotStateFault'])) return explainedFault(e, ctx, scene);
  return e;
}
