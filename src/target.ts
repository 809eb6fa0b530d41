/**
 * The target side, top to bottom: lock the staging database, (RDS DB instance:
 * copy the shared snapshot into staging under the staging key), restore it
 * under a temporary name, (delete the staging copy), mask it, swap it in,
 * delete the old one, clean up this action's snapshots, release the lock. Any
 * failure before the swap is complete puts staging back exactly as it was.
 */
import * as core from '@actions/core';
import { databasesFor, type DatabaseInfo } from './aws/databases';
import type { Context } from './context';
import type { TargetPlan } from './plan/target';
import { cleanupSnapshots } from './steps/cleanup';
import { copyIntoStaging, deleteStagingCopy } from './steps/stage-copy';
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
  const noun = plan.kind === 'instance' ? 'instance' : 'cluster';
  ctx.state.update({ kind: plan.kind });
  const lock = await report.step('Lock staging', () => acquireLock(ctx, plan, db), () => `${plan.target} locked by run ${ctx.runId}`);

  let masked = false;
  let info: DatabaseInfo;
  let restored: RestoredDatabase;
  try {
    const copy = plan.copy;
    if (copy.needed) {
      await report.step('Copy into staging', () => copyIntoStaging(ctx, plan, shared.arn), r =>
        `${r.snapshot.identifier} under ${r.snapshot.kmsKeyArn ?? copy.kmsKeyId}${r.resumed ? ' (resumed an earlier copy)' : ''}`
      );
    }
    restored = await report.step(
      'Restore',
      () => restoreDatabase(ctx, plan, shared, db, lock),
      r => `${r.identifier} from ${copy.needed ? copy.identifier : shared.identifier}${plan.kind === 'cluster' ? `, ${r.instances.length} instance(s)` : ''}`
    );
    if (copy.needed) await dropStagingCopy(ctx, plan);
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
    if (plan.swap.parkedAs) await report.step(`Delete old staging ${noun}`, () => deleteOld(ctx, plan, db));
  } finally {
    await releaseLock(ctx, db, [plan.target, ...(plan.swap.parkedAs ? [plan.swap.parkedAs] : [])]).catch(e =>
      core.warning(`Could not remove the lock tag from ${plan.target}: ${(e as Error).message}`)
    );
  }
  if (shared.clone) report.skip('Clean up snapshots', 'a clone makes no snapshot: retention does not apply');
  else await report.step('Clean up snapshots', () => cleanupSnapshots(ctx, plan, shared));

  const result: TargetResult = {
    kind: info.kind,
    identifier: info.identifier,
    writerEndpoint: info.endpoint,
    readerEndpoint: info.readerEndpoint,
    port: info.port,
    replaced: Boolean(plan.existing),
    masked
  };
  report.output('db-kind', result.kind);
  report.output('db-identifier', result.identifier);
  if (result.kind === 'cluster') report.output('cluster-identifier', result.identifier);
  if (result.writerEndpoint) report.output('writer-endpoint', result.writerEndpoint);
  if (result.readerEndpoint) report.output('reader-endpoint', result.readerEndpoint);
  if (!shared.clone) {
    report.output('snapshot-arn', shared.arn);
    report.output('source-snapshot', shared.sourceSnapshotId);
  }
  if (restored.password) report.output('master-password', restored.password);
  if (info.masterUserSecretArn) report.output('master-user-secret-arn', info.masterUserSecretArn);
  report.fact(`Staging ${noun}`, `${result.identifier} (${result.writerEndpoint ?? 'no endpoint'})`);
  if (shared.clone) report.fact('Cloned from', `${shared.arn} (copy-on-write, shared through ${shared.clone.shareName})`);
  else report.fact('Restored from', `${shared.sourceSnapshotId} via ${shared.identifier}`);
  return result;
}

/** The staging copy is not needed once the restore is done: deleting it is tidying, so a failure only warns (cleanup retries). */
async function dropStagingCopy(ctx: Context, plan: TargetPlan): Promise<void> {
  await ctx.report.step('Delete staging copy', async () => {
    try {
      return (await deleteStagingCopy(ctx, plan.kind)) ?? 'nothing to delete';
    } catch (e) {
      const id = plan.copy.needed ? plan.copy.identifier : '';
      core.warning(`Could not delete the staging copy ${id}: ${(e as Error).message}. It carries this action's tags; the snapshot clean-up of a later run removes it.`, {
        title: 'Staging copy kept'
      });
      return `kept ${id}`;
    }
  }, r => r);
}

/** Roll back; when that fails too, say exactly what is where (the lock stays, so no other run makes it worse). */
async function putStagingBack(ctx: Context, plan: TargetPlan): Promise<void> {
  const db = databasesFor(ctx, 'target', plan.kind);
  const noun = plan.kind === 'instance' ? 'instance' : 'cluster';
  try {
    await ctx.report.step('Roll back', () => rollback(ctx, db, rollbackInput(ctx, plan)), done => done.join('; ') || 'nothing to undo');
    // The new database is gone (or kept on purpose): its source, the staging copy, goes too.
    if (ctx.state.get().targetCopy) await dropStagingCopy(ctx, plan);
    await releaseLock(ctx, db, [plan.target, plan.temporary]);
  } catch (e) {
    const describe =
      plan.kind === 'cluster'
        ? `aws rds describe-db-clusters --query "DBClusters[?starts_with(DBClusterIdentifier, '${plan.target}')].[DBClusterIdentifier,Status]"`
        : `aws rds describe-db-instances --query "DBInstances[?starts_with(DBInstanceIdentifier, '${plan.target}')].[DBInstanceIdentifier,DBInstanceStatus]"`;
    const rename =
      plan.kind === 'cluster'
        ? `aws rds modify-db-cluster --db-cluster-identifier ${plan.swap.parkedAs} --new-db-cluster-identifier ${plan.target} --apply-immediately\n`
        : `aws rds modify-db-instance --db-instance-identifier ${plan.swap.parkedAs} --new-db-instance-identifier ${plan.target} --apply-immediately\n`;
    ctx.report.diagnose({
      title: 'Roll back incomplete: check staging by hand',
      message:
        `Putting ${plan.target} back failed: ${(e as Error).message}. ` +
        (plan.swap.parkedAs ? `The old staging ${noun} is ${plan.target} or ${plan.swap.parkedAs}; ` : '') +
        `the new one is ${plan.temporary} or ${plan.target} (tag rds-cross-account-sync:run=${ctx.runId}). Nothing of the old ${noun} was deleted. The lock stays until this is resolved.`,
      fix: (plan.swap.parkedAs ? rename : '') + describe
    });
  }
}
