/**
 * The snapshot transfer: production snapshot (latest, named or new), copied
 * under a CMK where the plan says so, shared with the staging account by its
 * `restore` attribute; staging restores it. Retention keeps `retain-snapshots`
 * of this action's snapshots in both accounts.
 */
import type { Context } from '../context';
import { readSourceFacts } from '../aws/source-facts';
import { preflight } from '../diagnostics/preflight';
import type { SharedKeyPolicy, SourceFacts } from '../plan/facts';
import { decideSource, describeSourcePlan, sharedEncrypted, sharedKeyPolicyOf } from '../plan/source';
import { describeTargetPlan } from '../plan/target';
import { describeTransfer } from '../plan/transfer';
import { runSource } from '../source';
import { cleanupSnapshots } from '../steps/cleanup';
import { describeSecretPlan } from '../steps/secret';
import type { SourcePlan } from '../types';
import type { TransferMethod } from './method';

export interface SnapshotTransferPlan {
  source: SourcePlan;
  /** The facts the source plan was decided from: preflight analyses the key policy read there instead of asking KMS again. */
  sharedKeyPolicy?: SharedKeyPolicy;
}

/** Read the production side and decide its plan. */
export async function planSourceWithFacts(ctx: Context): Promise<{ facts: SourceFacts; plan: SourcePlan }> {
  const facts = await readSourceFacts(ctx);
  return { facts, plan: decideSource(facts, ctx.settings) };
}

/** Read the production side and decide its plan (the facts dropped). */
export async function planSource(ctx: Context): Promise<SourcePlan> {
  return (await planSourceWithFacts(ctx)).plan;
}

export const snapshotTransfer: TransferMethod<SnapshotTransferPlan> = {
  name: 'snapshot',
  async plan(ctx) {
    const { facts, plan } = await ctx.report.step('Plan: source', () => planSourceWithFacts(ctx));
    const sharedKeyPolicy = sharedKeyPolicyOf(facts, plan, ctx.settings);
    return { source: plan, ...(sharedKeyPolicy ? { sharedKeyPolicy } : {}) };
  },
  sharedFacts: ({ source }) => ({ identifier: source.shared.identifier, arn: source.shared.arn, encrypted: sharedEncrypted(source) }),
  preflight: (ctx, p) => preflight(ctx, p.source, p.sharedKeyPolicy ? { sharedKeyPolicy: p.sharedKeyPolicy } : {}),
  describe(ctx, p, target, transfer) {
    const secretPlan = describeSecretPlan(ctx, target);
    return {
      lines: [...(transfer ? describeTransfer(transfer) : []), ...describeSourcePlan(p.source), ...describeTargetPlan(target), ...secretPlan.lines],
      output: { ...(transfer ? { transfer } : {}), source: p.source, target, ...(secretPlan.secret ? { secret: secretPlan.secret } : {}) }
    };
  },
  source: (ctx, p) => runSource(ctx, p.source),
  async cleanup(ctx, target, shared) {
    await ctx.report.step('Clean up snapshots', () => cleanupSnapshots(ctx, target, shared));
  },
  async finish() {},
  refreshed: (result, shared) => `Staging ${result.kind} ${result.identifier} refreshed from ${shared.sourceSnapshotId}.`
};
