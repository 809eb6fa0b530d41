/**
 * The post step: runs after the main step whether it succeeded, failed or was
 * cancelled. When the saved state says the main step did not finish its own
 * clean-up (cancelled, timed out, killed), it puts staging back as it was and
 * removes what the run left behind. With no saved state it does nothing.
 */
import * as core from '@actions/core';
import { connectAccounts } from './accounts';
import { failedOperation, nameFailedOperations } from './aws/calls';
import { runIdFromEnv, type Context } from './context';
import { recover, needsRecovery } from './recover';
import { Report } from './report';
import { readSettings, type ResolvedSettings } from './settings';
import { StateStore } from './state';
import { realClock } from './wait';

export async function cleanup(): Promise<void> {
  const state = StateStore.load();
  const saved = state.get();
  if (saved.finished || !needsRecovery(saved)) {
    core.info('Post step: nothing to clean up.');
    return;
  }
  const report = new Report();
  try {
    core.warning('The main step did not finish (cancelled or timed out): restoring staging and removing what the run left behind.', {
      title: 'Cleaning up an unfinished run'
    });
    // The main step may have detected the kind (source-db / target-db): the saved state says which it was.
    // A run that stopped before it knew the kind restored nothing: the cluster words do for its messages.
    const read = readSettings();
    const settings: ResolvedSettings = { ...read, kind: read.kind ?? saved.kind ?? 'cluster' };
    const accounts = await connectAccounts(settings);
    for (const side of [accounts.source, accounts.target]) for (const client of [side.rds, side.kms, side.sts]) nameFailedOperations(client);
    const ctx: Context = { settings, accounts, report, state, runId: saved.runId ?? runIdFromEnv(), clock: realClock };
    await report.step('Recover unfinished run', () => recover(ctx));
    state.update({ finished: true });
    await report.writeSummary('RDS cross-account sync: post-step clean-up', 'succeeded');
  } catch (e) {
    const op = failedOperation(e);
    core.error(
      `Post-step clean-up failed: ${(e as Error).message}. Step Recover unfinished run${op ? `, AWS operation ${op}` : ''}. Staging needs attention (check the staging account by hand against the saved state: ${JSON.stringify(saved)}).`,
      {
        title: 'Clean-up after cancellation failed'
      }
    );
    await report.writeSummary('RDS cross-account sync: post-step clean-up', 'failed').catch(() => undefined);
    process.exitCode = core.ExitCode.Failure;
  }
}
