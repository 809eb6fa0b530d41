/**
 * The main step, top to bottom as the README tells it:
 * settings -> credentials -> kind (cluster or instance) -> transfer method -> plan -> preflight -> source side -> target side -> report.
 */
import * as core from '@actions/core';
import { connectAccounts } from './accounts';
import type { Context } from './context';
import { runIdFromEnv } from './context';
import { diagnoseError } from './diagnostics/faults';
import { writePolicies } from './diagnostics/policies';
import { DiagnosedError } from './errors';
import { resolveKinds } from './kinds/resolve';
import { Report } from './report';
import { InputError, readSettings, type Settings } from './settings';
import { StateStore, markMainStarted } from './state';
import { planTarget, runTarget } from './target';
import { nameFailedOperations } from './aws/calls';
import { withWhereAndOutcome } from './steps/outcome';
import { describeTransfer } from './plan/transfer';
import { planTransfer, type TransferPlan } from './transfer/clone';
import { TRANSFER_METHODS } from './transfer/index';
import type { TransferMethod } from './transfer/method';
import { realClock } from './wait';
import { kindProfile } from './kinds';

export async function run(): Promise<void> {
  const report = new Report();
  let settings: Settings | undefined;
  let ctx: Context | undefined;
  try {
    markMainStarted();
    settings = readSettings();

    if (settings.mode === 'policies') {
      // No group around it: writePolicies prints one group per policy document.
      await report.step('Policies', () => writePolicies(settings!, report), undefined, { group: false });
      await report.writeSummary('RDS cross-account sync: policies', 'succeeded');
      return;
    }

    const accounts = await report.step(
      'Credentials',
      () => connectAccounts(settings!),
      a => `source ${a.source.accountId} (${a.source.via}), target ${a.target.accountId} (${a.target.via})`
    );
    for (const side of [accounts.source, accounts.target]) for (const client of [side.rds, side.kms, side.sts]) nameFailedOperations(client);
    // source-db / target-db leave the kind open: RDS says whether they name a cluster or an instance.
    const withKind = await resolveKinds(settings, accounts);
    settings = withKind;
    const state = new StateStore({ runId: runIdFromEnv(), region: settings.region, kind: withKind.kind });
    ctx = { settings: withKind, accounts, report, state, runId: runIdFromEnv(), clock: realClock };
    const c = ctx;
    report.fact('Database', `${kindProfile(withKind.kind).nouns.full} ${withKind.source.identifier} -> ${withKind.target.identifier}`);

    // Snapshot or clone (src/transfer/): transfer: snapshot reads nothing here.
    const transfer =
      settings.transfer === 'snapshot'
        ? undefined
        : await report.step(
            'Plan: transfer',
            () => planTransfer(c),
            t => describeTransfer(t.decision).join('; ')
          );
    await runTransfer(c, TRANSFER_METHODS[transfer?.decision.method ?? 'snapshot'], transfer);
  } catch (e) {
    const diagnostics = withWhereAndOutcome(explain(e, ctx), e, report, ctx?.state.get());
    for (const d of diagnostics) report.diagnose(d);
    ctx?.state.update({ finished: true });
    // Only notices (another run holds the lock): this run stopped cleanly, without changing anything.
    const stopped = diagnostics.length > 0 && diagnostics.every(d => d.severity === 'notice');
    await report.writeSummary(stopped ? 'RDS cross-account sync: stopped (another run holds the lock)' : 'RDS cross-account sync', stopped ? 'succeeded' : 'failed').catch(() => undefined);
    // The annotations above carry the message with its title and fix; setFailed would repeat it untitled.
    if (!stopped) process.exitCode = core.ExitCode.Failure;
  }
}

/** One pipeline for every transfer method (src/transfer/method.ts): plan, preflight, then plan/preflight output or the sync. */
async function runTransfer<P>(ctx: Context, method: TransferMethod<P>, transfer: TransferPlan | undefined): Promise<void> {
  const { report, settings, state } = ctx;
  const planned = await method.plan(ctx, transfer);
  const targetPlan = await report.step('Plan: target', () => planTarget(ctx, method.sharedFacts(planned)));
  await report.step('Preflight', () => method.preflight(ctx, planned));

  if (settings.mode === 'plan' || settings.mode === 'preflight') {
    const { lines, output } = method.describe(ctx, planned, targetPlan, transfer?.decision);
    core.info(lines.join('\n'));
    for (const l of lines) report.fact(settings.mode === 'plan' ? 'Would' : 'Plan', l);
    report.output('plan', JSON.stringify(output));
    await report.writeSummary(`RDS cross-account sync: ${settings.mode} (nothing changed)`, 'succeeded');
    return;
  }

  const shared = await method.source(ctx, planned);
  const result = await runTarget(ctx, targetPlan, shared);
  await method.finish(ctx, planned, shared);

  report.output('duration-seconds', Math.round(report.elapsedMs() / 1000));
  state.update({ finished: true });
  core.info(method.refreshed(result, shared));
  // An error reported on the way (a lock that could not be released) fails the job although staging is refreshed.
  const pending = report.diagnostics.some(d => (d.severity ?? 'error') === 'error');
  await report.writeSummary('RDS cross-account sync', pending ? 'failed' : 'succeeded');
  if (pending) process.exitCode = core.ExitCode.Failure;
}

/** The single place that turns any error into annotations. */
function explain(e: unknown, ctx: Context | undefined) {
  if (e instanceof DiagnosedError) return e.diagnostics;
  if (e instanceof InputError) return [{ title: `Invalid input: ${e.input}`, message: e.message }];
  return diagnoseError(e, ctx);
}
