/**
 * The target side, top to bottom: lock the staging database, restore the
 * shared snapshot under a temporary name, mask it, swap it in, delete the old
 * one, clean up this action's snapshots, release the lock. Any failure before
 * the swap is complete puts staging back exactly as it was.
 */
import * as core from '@actions/core';
import { databasesFor, type DatabaseInfo } from './aws/databases';
import type { Context } from './context';
import type { TargetPlan } from './plan/target';
import { cleanupSnapshots } from './steps/cleanup';
import { acquireLock, releaseLock } from './steps/lock';
import { maskRestored } from './steps/mask';
import { handOverPassword, restoreDatabase, type RestoredDatabase } from './steps/restore';
import { deleteOld, rollback, rollbackInput, swapIn } from './steps/swap';
import type { SharedSnapshot, TargetResult } from './types';

/** Replaceable parts, for tests. */
export interface TargetHooks {
  mask?: (ctx: Context, db: RestoredDatabase) => Promise<{ masked: boolean }>;
}

export async function runTarget(ctx: Context, plan: TargetPlan, shared: SharedSnapshot, hooks: TargetHooks = {}): Promise<TargetResult> {
  const { report } = ctx;
  const db = databasesFor(ctx, 'target', plan.kind);
  const lock = await report.step('Lock staging', () => acquireLock(ctx, plan, db), () => `${plan.target} locked by run ${ctx.runId}`);

  let masked = false;
  let info: DatabaseInfo;
  let restored: RestoredDatabase;
  try {
    restored = await report.step(
      'Restore',
      () => restoreDatabase(ctx, plan, shared, db, lock),
      r => `${r.identifier} from ${shared.identifier}, ${r.instances.length} instance(s)`
    );
    if (plan.masking.enabled) {
      const r = restored;
      masked = (await report.step('Mask', () => (hooks.mask ?? maskRestored)(ctx, r))).masked;
    } else {
      report.skip('Mask', 'masking-rules is empty');
    }
    if (plan.password.thenManaged) {
      const r = restored;
      restored = await report.step('Password to Secrets Manager', () => handOverPassword(db, r));
    }
    info = await report.step('Swap', () => swapIn(ctx, plan, db), () =>
      plan.swap.parkedAs ? `${plan.temporary} is now ${plan.target}; the old one is ${plan.swap.parkedAs}` : `${plan.temporary} is now ${plan.target}`
    );
  } catch (e) {
    await putStagingBack(ctx, plan);
    throw e;
  }

  try {
    if (plan.swap.parkedAs) await report.step('Delete old staging cluster', () => deleteOld(ctx, plan, db));
  } finally {
    await releaseLock(ctx, db, [plan.target, ...(plan.swap.parkedAs ? [plan.swap.parkedAs] : [])]).catch(e =>
      core.warning(`Could not remove the lock tag from ${plan.target}: ${(e as Error).message}`)
    );
  }
  await report.step('Clean up snapshots', () => cleanupSnapshots(ctx, plan, shared));

  const result: TargetResult = {
    kind: info.kind,
    identifier: info.identifier,
    writerEndpoint: info.endpoint,
    readerEndpoint: info.readerEndpoint,
    port: info.port,
    replaced: Boolean(plan.existing),
    masked
  };
  report.output('cluster-identifier', result.identifier);
  if (result.writerEndpoint) report.output('writer-endpoint', result.writerEndpoint);
  if (result.readerEndpoint) report.output('reader-endpoint', result.readerEndpoint);
  report.output('snapshot-arn', shared.arn);
  report.output('source-snapshot', shared.sourceSnapshotId);
  if (restored.password) report.output('master-password', restored.password);
  if (info.masterUserSecretArn) report.output('master-user-secret-arn', info.masterUserSecretArn);
  report.fact('Staging cluster', `${result.identifier} (${result.writerEndpoint ?? 'no endpoint'})`);
  report.fact('Restored from', `${shared.sourceSnapshotId} via ${shared.identifier}`);
  return result;
}

/** Roll back; when that fails too, say exactly what is where (the lock stays, so no other run makes it worse). */
async function putStagingBack(ctx: Context, plan: TargetPlan): Promise<void> {
  const db = databasesFor(ctx, 'target', plan.kind);
  try {
    await ctx.report.step('Roll back', () => rollback(ctx, db, rollbackInput(ctx, plan)), done => done.join('; ') || 'nothing to undo');
    await releaseLock(ctx, db, [plan.target, plan.temporary]);
  } catch (e) {
    ctx.report.diagnose({
      title: 'Roll back incomplete: check staging by hand',
      message:
        `Putting ${plan.target} back failed: ${(e as Error).message}. ` +
        (plan.swap.parkedAs ? `The old staging cluster is ${plan.target} or ${plan.swap.parkedAs}; ` : '') +
        `the new one is ${plan.temporary} or ${plan.target} (tag rds-cross-account-sync:run=${ctx.runId}). Nothing of the old cluster was deleted. The lock stays until this is resolved.`,
      fix:
        (plan.swap.parkedAs
          ? `aws rds modify-db-cluster --db-cluster-identifier ${plan.swap.parkedAs} --new-db-cluster-identifier ${plan.target} --apply-immediately\n`
          : '') + `aws rds describe-db-clusters --query "DBClusters[?starts_with(DBClusterIdentifier, '${plan.target}')].[DBClusterIdentifier,Status]"`
    });
  }
}
