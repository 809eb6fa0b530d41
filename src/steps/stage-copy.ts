/**
 * The staging copy (RDS DB instances): the shared snapshot is copied into the
 * staging account under the staging key (CopyDBSnapshot with KmsKeyId), because
 * RestoreDBInstanceFromDBSnapshot has no KmsKeyId and cannot restore a shared
 * encrypted snapshot. The copy has a deterministic name and this action's tags,
 * so a rerun resumes it; it is deleted once the restore is done, on a roll back,
 * and by the post step after a cancellation.
 */
import * as core from '@actions/core';
import { snapshotAdapter } from '../aws/snapshots';
import { MANAGED_TAG, RUN_TAG, SOURCE_TAG, TARGET_TAG, type Context } from '../context';
import type { TargetPlan } from '../plan/target';
import type { DbKind } from '../types';
import { copyAndWait, type CopyResult } from './reencrypt';

/** What the staging copy carries: this action's, this run's, of which shared snapshot, for which target. */
export function stagingCopyTags(runId: string, sharedArn: string, target: string): Record<string, string> {
  return { [MANAGED_TAG]: 'true', [RUN_TAG]: runId, [SOURCE_TAG]: sharedArn, [TARGET_TAG]: target };
}

/** Copy (or resume the copy of) the shared snapshot into the staging account and wait until it is available. */
export async function copyIntoStaging(ctx: Context, plan: TargetPlan, sharedArn: string): Promise<CopyResult> {
  const copy = plan.copy;
  if (!copy.needed) throw new Error('internal: copyIntoStaging without a planned copy');
  const adapter = snapshotAdapter(plan.kind, ctx.accounts.target.rds);
  core.info(`Copying the shared snapshot ${sharedArn} into the staging account as ${copy.identifier} under ${copy.kmsKeyId}: ${copy.reason}.`);
  return copyAndWait(
    ctx,
    adapter,
    { identifier: copy.identifier, sourceIdentifier: sharedArn, kmsKeyArn: copy.kmsKeyId, region: ctx.settings.region, kind: plan.kind },
    {
      side: 'target',
      tags: stagingCopyTags(ctx.runId, sharedArn, plan.target),
      record: createdByThisRun => ctx.state.update({ targetCopy: { identifier: copy.identifier, kind: plan.kind, createdByThisRun } })
    }
  );
}

/**
 * Delete the staging copy named in the run state, when it is this action's
 * (never a snapshot without MANAGED_TAG). Returns what happened, for the log.
 */
export async function deleteStagingCopy(ctx: Context, kind: DbKind): Promise<string | undefined> {
  const saved = ctx.state.get().targetCopy;
  if (!saved) return undefined;
  const adapter = snapshotAdapter(saved.kind ?? kind, ctx.accounts.target.rds);
  const existing = await adapter.getSnapshot(saved.identifier);
  let outcome: string;
  if (!existing) outcome = `the staging copy ${saved.identifier} is already gone`;
  else if (existing.tags[MANAGED_TAG] !== 'true') outcome = `left ${saved.identifier}: it is not this action's snapshot`;
  else {
    await adapter.deleteSnapshot(saved.identifier);
    outcome = `deleted the staging copy ${saved.identifier}`;
  }
  ctx.state.update({ targetCopy: undefined });
  return outcome;
}
