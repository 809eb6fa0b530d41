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

/** Tag keys: defined with the other names in plan/naming.ts (pure), re-exported here for the steps. */
export { KEPT_TAG, LOCK_TAG, MANAGED_TAG, PARKED_TAG, RUN_TAG, SOURCE_TAG, TARGET_TAG } from './plan/naming';
/** On the database that becomes staging: the page of the workflow run that restored it. */
export const RUN_URL_TAG = 'rds-cross-account-sync:run-url';

/** A workflow run's page: `<server>/<owner>/<repo>/actions/runs/<id>/attempts/<attempt>`. */
export function runPageUrl(server: string, repository: string, id: string | number, attempt: string | number): string {
  return `${server}/${repository}/actions/runs/${id}/attempts/${attempt}`;
}

/** The workflow run's page, when the run id is GitHub's (`<run id>-<attempt>`) and the runner says where. */
export function runUrl(runId: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const server = env.GITHUB_SERVER_URL;
  const repo = env.GITHUB_REPOSITORY;
  const m = /^(\d+)-(\d+)$/.exec(runId);
  return server && repo && m ? runPageUrl(server, repo, m[1], m[2]) : undefined;
}

/** What RDS accepts as a tag value: 0 to 256 Unicode letters, digits, white space and _ . : / = + - @ (RDS API reference, Tag). */
const RDS_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** RUN_URL_TAG for this run: none outside GitHub Actions, nor when the address is not a valid RDS tag value (too long, or odd characters). */
export function runUrlTag(runId: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const url = runUrl(runId, env);
  return url !== undefined && RDS_TAG_VALUE.test(url) ? { [RUN_URL_TAG]: url } : {};
}
