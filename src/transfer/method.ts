/**
 * How production data reaches staging: one interface, one module per method
 * (transfer/snapshot.ts, transfer/clone.ts), one registry. run.ts runs the same
 * pipeline for every method: plan (read facts, decide), plan the target side,
 * preflight, then (mode: sync) the method's source effect, the target side
 * (lock, restore or clone, mask, swap) with the method's clean-up, and the
 * method's finish. Which method: `transfer` (auto decided in plan/transfer.ts).
 * A new method (cross-region copy, say) is a new module added to TRANSFER_METHODS.
 */
import type { Context } from '../context';
import type { PolicyStatement } from '../diagnostics/policy-json';
import type { PolicyParams } from '../diagnostics/policy-templates';
import type { SharedFacts, TargetPlan } from '../plan/target';
import type { TransferDecision, TransferMethodName } from '../plan/transfer';
import type { SharedSnapshot, TargetResult } from '../types';
import type { TransferPlan } from './clone';

export interface TransferMethod<P> {
  readonly name: TransferMethodName;
  /** Read-only: read the facts this method needs and decide its plan (as report steps). */
  plan(ctx: Context, transfer: TransferPlan | undefined): Promise<P>;
  /** What the target plan must know of what staging restores or clones from. */
  sharedFacts(plan: P): SharedFacts;
  /** Checks before anything changes (probes only in mode: preflight and sync). */
  preflight(ctx: Context, plan: P): Promise<void>;
  /** mode: plan / preflight: the lines printed and the `plan` output, exactly what sync executes. */
  describe(ctx: Context, plan: P, target: TargetPlan, transfer: TransferDecision | undefined): { lines: string[]; output: Record<string, unknown> };
  /** The effect in production (and staging's acceptance): what the new staging database is made from, reachable from staging. */
  source(ctx: Context, plan: P): Promise<SharedSnapshot>;
  /** Inside the target side, once the lock is released: this method's intermediate resources (kept by retention, or none). */
  cleanup(ctx: Context, target: Pick<TargetPlan, 'target'>, shared: SharedSnapshot): Promise<void>;
  /** After the target side: what the method leaves behind on purpose or removes (the RAM share). */
  finish(ctx: Context, plan: P, shared: SharedSnapshot): Promise<void>;
  /** The closing log line. */
  refreshed(result: TargetResult, shared: SharedSnapshot): string;
  /** The IAM statements this method adds to each role (mode: policies); none: the base policies cover it. */
  policies?: { source(p: PolicyParams): PolicyStatement[]; target(p: PolicyParams): PolicyStatement[] };
}
