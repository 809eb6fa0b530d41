/**
 * What every pipeline step receives: the validated settings, one set of
 * clients per account, the report, the saved state and the wait settings.
 */
import type { Accounts } from './accounts';
import type { Report } from './report';
import type { Settings } from './settings';
import type { StateStore } from './state';
import type { Clock, WaitOptions } from './wait';
import { realClock } from './wait';

export interface Context {
  settings: Settings;
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

/** Tag keys: defined with the other names in plan/naming.ts (pure), re-exported here for the steps. */
export { KEPT_TAG, LOCK_TAG, MANAGED_TAG, PARKED_TAG, RUN_TAG, SOURCE_TAG, TARGET_TAG } from './plan/naming';
