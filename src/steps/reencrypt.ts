/**
 * Re-encrypt: copy the source snapshot under the CMK the staging account may
 * use. The copy's name is derived from the source snapshot alone, and it is
 * tagged with the run and the source, so a rerun (after a cancelled job, say)
 * finds it, available or still copying, and resumes instead of starting a
 * second full copy.
 */
import * as core from '@actions/core';
import type { Context } from '../context';
import { MANAGED_TAG, RUN_TAG, SOURCE_TAG } from '../context';
import { DiagnosedError, isAwsError } from '../errors';
import type { Diagnostic } from '../report';
import { kindProfile } from '../kinds';
import { cliNouns, stripAutomatedPrefix, toRdsIdentifier } from '../rds-rules';
import type { DbKind } from '../types';
import { WaitFailedError } from '../wait';
import type { SnapshotAdapter, SnapshotInfo } from '../aws/snapshots';
import { snapshotQuotaFault, TERMINAL_SNAPSHOT_STATUSES, waitForSnapshot, type SourceScope } from './snapshot';

/** `rds:app-2026-11-28-03-10` -> `rcas-app-2026-11-28-03-10`: the same source always gives the same copy name. */
export function copySnapshotIdentifier(sourceIdentifier: string): string {
  return toRdsIdentifier('rcas', stripAutomatedPrefix(sourceIdentifier));
}

/** What the copy carries: made by this action, in which run, from which snapshot. */
export function copyTags(runId: string, sourceIdentifier: string): Record<string, string> {
  return { [MANAGED_TAG]: 'true', [RUN_TAG]: runId, [SOURCE_TAG]: sourceIdentifier };
}

export interface ExpectedCopy {
  identifier: string;
  /** The snapshot copied: an identifier in the same account, or the ARN of a snapshot shared with it. */
  sourceIdentifier: string;
  /** undefined for an unencrypted copy; an alias (alias/aws/rds) is not compared with the copy's key ARN. */
  kmsKeyArn?: string;
  region: string;
  /** Cluster snapshot (default) or DB snapshot: only the CLI commands in messages differ. */
  kind?: DbKind;
}

export function deleteSnapshotCommand(kind: DbKind, region: string, identifier: string): string {
  const n = cliNouns(kind);
  return `aws rds delete-${n.snapshot} --region ${region} ${n.snapshotIdOption} ${identifier}`;
}

export type ExistingCopyVerdict = { reuse: { status: string; percent?: number } } | { refuse: Diagnostic };

/** Whether a snapshot found under the copy's name is this action's copy of the same source under the same key. Pure. */
export function judgeExistingCopy(existing: SnapshotInfo, expected: ExpectedCopy): ExistingCopyVerdict {
  const deleteCmd = deleteSnapshotCommand(expected.kind ?? existing.kind, expected.region, existing.identifier);
  const alreadyExists = (expected.kind ?? existing.kind) === 'cluster' ? 'DBClusterSnapshotAlreadyExistsFault' : 'DBSnapshotAlreadyExists';
  if (existing.tags[MANAGED_TAG] !== 'true') {
    return {
      refuse: {
        title: 'Snapshot name taken by another snapshot',
        message: `The copy of '${expected.sourceIdentifier}' is named '${expected.identifier}', but a snapshot with that name already exists and this action did not make it (no ${MANAGED_TAG} tag): copying would fail with ${alreadyExists}, and reusing it could share data nobody chose.`,
        fix: `If that snapshot is not needed, delete it:\n  ${deleteCmd}\nOtherwise rename it (copy it to another name and delete this one), or choose another source snapshot.`
      }
    };
  }
  if (existing.tags[SOURCE_TAG] !== expected.sourceIdentifier) {
    return {
      refuse: {
        title: 'Snapshot name taken by another copy',
        message: `'${expected.identifier}' exists and was made by this action, but from '${existing.tags[SOURCE_TAG] ?? 'an unknown snapshot'}', not from '${expected.sourceIdentifier}'.`,
        fix: `Delete the stale copy and run again:\n  ${deleteCmd}`
      }
    };
  }
  const comparable = !expected.kmsKeyArn?.startsWith('alias/');
  if (comparable && (existing.kmsKeyArn ?? undefined) !== expected.kmsKeyArn && existing.encrypted) {
    return {
      refuse: {
        title: 'Existing copy is under another key',
        message: `The copy '${expected.identifier}' of '${expected.sourceIdentifier}' already exists under key ${existing.kmsKeyArn}, but kms-key-id is now ${expected.kmsKeyArn ?? '(none)'}.`,
        fix: `Delete the old copy so the next run makes a new one under the new key:\n  ${deleteCmd}\nor set kms-key-id back to ${existing.kmsKeyArn}.`
      }
    };
  }
  if (TERMINAL_SNAPSHOT_STATUSES.includes(existing.status)) {
    return {
      refuse: {
        title: `Earlier copy is ${existing.status}`,
        message: `The copy '${expected.identifier}' an earlier run started is '${existing.status}' and will not become available.`,
        fix: existing.status === 'deleting' ? 'Run again once it is gone.' : `Delete it and run again:\n  ${deleteCmd}`
      }
    };
  }
  return { reuse: { status: existing.status, percent: existing.percent } };
}

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
  return copyAndWait(ctx, adapter, { ...expected, kind: adapter.kind }, {
    side: 'source',
    tags: copyTags(ctx.runId, expected.sourceIdentifier),
    record: createdByThisRun => ctx.state.update({ sourceCopy: { identifier: expected.identifier, kind: adapter.kind, createdByThisRun } })
  });
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
      if (isAwsError(e, 'DBClusterSnapshotAlreadyExistsFault', 'DBSnapshotAlreadyExistsFault', 'DBSnapshotAlreadyExists')) {
        // Another run started the same copy between the look and the copy: take it over if it is ours.
        existing = await findExistingCopy(adapter, expected);
        if (!existing) throw e;
        resumed = true;
        options.record(false);
      } else {
        throw copyFault(e, expected, scope, adapter.kind, options.side);
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
function copyFault(e: unknown, expected: ExpectedCopy, scope: SourceScope, kind: DbKind, side: 'source' | 'target'): unknown {
  const op = kindProfile(kind).ops.copySnapshot;
  if (isAwsError(e, 'SnapshotQuotaExceededFault', 'SnapshotQuotaExceeded')) return snapshotQuotaFault(scope, op, kind);
  // In the staging account the copy reads the shared snapshot's key as well: the generic mapper tells the two keys apart.
  if (side === 'target') return e;
  if (isAwsError(e, 'KMSKeyNotAccessibleFault')) {
    return new DiagnosedError({
      title: 'The production role cannot use the CMK',
      message: `${op} under ${expected.kmsKeyArn} failed with KMSKeyNotAccessibleFault: the key is disabled, pending deletion, in another region, or the production role may not use it (${(e as Error).message}).`,
      fix:
        `Check the key is enabled and in ${scope.region}, and give the production role, in its IAM policy and in the key policy:\n` +
        JSON.stringify(
          {
            Effect: 'Allow',
            Action: ['kms:CreateGrant', 'kms:DescribeKey', 'kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*'],
            Resource: expected.kmsKeyArn ?? '*'
          },
          null,
          2
        ) +
        '\n(mode: policies prints the complete key policy.)'
    });
  }
  if (isAwsError(e, 'InvalidDBClusterSnapshotStateFault', 'InvalidDBSnapshotStateFault', 'InvalidDBSnapshotState')) {
    return new DiagnosedError({
      title: 'Source snapshot not available',
      message: `${op} refused: '${expected.sourceIdentifier}' is not available (${(e as Error).message}).`,
      fix: "Run again when the snapshot is available, or use 'snapshot: latest'."
    });
  }
  return e;
}
