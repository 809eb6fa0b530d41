/**
 * The main step when the transfer is a clone: the same pipeline as the snapshot
 * path after the production side (lock, clone in place of the restore, password
 * reset, instances, masking, swap, delete old, rollback), with the RAM share in
 * place of the snapshot share and no snapshot clean-up.
 */
import * as core from '@actions/core';
import type { Context } from '../context';
import { describeTargetPlan, planTarget } from '../plan/target';
import { describeTransfer, type TransferDecision } from '../plan/transfer';
import { runTarget } from '../target';
import { describeClonePlan, removeShare, runCloneSource, type ClonePlan } from './clone';
import { preflightClone } from './clone-preflight';

export async function runClone(ctx: Context, plan: ClonePlan, decision: TransferDecision): Promise<void> {
  const { report, settings } = ctx;
  report.fact('Transfer', describeTransfer(decision).join(' '));
  const targetPlan = await report.step('Plan: target', () =>
    planTarget(ctx, { identifier: plan.source.identifier, arn: plan.source.arn, encrypted: plan.source.encrypted, clone: true })
  );
  await report.step('Preflight', () => preflightClone(ctx, plan));

  if (settings.mode === 'plan' || settings.mode === 'preflight') {
    const lines = [...describeTransfer(decision), ...describeClonePlan(plan, settings), ...describeTargetPlan(targetPlan)];
    core.info(lines.join('\n'));
    for (const l of lines) report.fact(settings.mode === 'plan' ? 'Would' : 'Plan', l);
    report.output('plan', JSON.stringify({ transfer: decision, clone: plan, target: targetPlan }));
    await report.writeSummary(`RDS cross-account sync: ${settings.mode} (nothing changed)`, 'succeeded');
    return;
  }

  const shared = await runCloneSource(ctx, plan);
  const result = await runTarget(ctx, targetPlan, shared);
  if (settings.cloneShare === 'remove') await report.step('Remove RAM share', () => removeShare(ctx, shared), r => r);
  else report.skip('Remove RAM share', `kept for the next run (clone-share: keep): ${plan.shareName}`);

  report.output('duration-seconds', Math.round(report.elapsedMs() / 1000));
  ctx.state.update({ finished: true });
  core.info(`Staging ${result.kind} ${result.identifier} refreshed by a copy-on-write clone of ${plan.source.arn}.`);
  await report.writeSummary('RDS cross-account sync', 'succeeded');
}
