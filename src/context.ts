/**
 * What every pipeline step receives: the validated settings, one set of
 * clients per account, the report, the saved state and the wait settings.
 */
import type { Accounts } from './accounts';
import type { Report } from './report';
import type { ResolvedSettings } from './settings';
import type { StateStore } from './state';
import type { Clock, WaitOptions } from './wait';
import { realClock } from './wait';

export interface Context {
  settings: ResolvedSettings;
  accounts: Accounts;
  report: Report;
  state: StateStore;
  /** Identifies this run in names and tags: GITHUB_RUN_ID-GITHUB_RUN_ATTEMPT, or a timestamp outside Actions. */
  runId: string;
  clock: Clock;
}

export function runIdFromEnv(env: NodeJS.ProcessEnv = process.env, now = Date.now()): string {
  if (env.GITHUB_RUN_ID) return `${env.GITHUB_RUN_ID}-${env.GITHUB_RUN_ATTEMPT ?? '1'}`;
  return `local-${now}`;
}

/** The wait options for one long operation, from the settings. */
export function waitOptions(ctx: Pick<Context, 'settings' | 'clock'>, what: string): WaitOptions {
  return {
    what,
    timeoutMs: ctx.settings.waitTimeoutMinutes * 60_000,
    maxIntervalMs: ctx.settings.pollIntervalSeconds * 1000,
    clock: ctx.clock ?? realClock
  };
}

/** Tags every resource this action creates carries; cleanup only ever touches resources with MANAGED_TAG. */
export const MANAGED_TAG = 'rds-cross-account-sync:managed';
export const RUN_TAG = 'rds-cross-account-sync:run';
export const SOURCE_TAG = 'rds-cross-account-sync:source-snapshot';
export const TARGET_TAG = 'rds-cross-account-sync:target';
export const LOCK_TAG = 'rds-cross-account-sync:lock';
/** On the old staging database from the moment a run starts to replace it: `run=<id> protection=on|off` (who parked it, and whether it had deletion protection). */
export const PARKED_TAG = 'rds-cross-account-sync:parked';
/** On a failed restore kept for inspection (keep-failed-restore): orphan clean-up leaves it alone. */
export const KEPT_TAG = 'rds-cross-account-sync:kept';
