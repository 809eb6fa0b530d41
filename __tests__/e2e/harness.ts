/**
 * End-to-end harness: the local AWS emulator in this process, a stand-in for
 * the runner's OIDC token service, and the bundled action in its own process.
 */
import { join } from 'node:path';
import { startEmulator, type ScenarioObject } from '../../emulator/index';
import { loadScenarioFile, mergeScenario } from '../../emulator/scenario';
import type { ClusterView } from '../../emulator/state';
import { ROOT, runnerFiles, simulatedClockEnv, startAction, type ActionRun, type RunnerFiles, type StartOptions } from '../../tools/local-runner';
import { startOidcServer, type OidcServer } from '../../tools/oidc-server';

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

export const SCENARIOS = join(ROOT, 'emulator', 'scenarios');
export const SOURCE = '111111111111';
export const TARGET = '222222222222';
export const SHARE_KEY = `arn:aws:kms:ap-northeast-1:${SOURCE}:key/0d2c6a8e-1111-4a5b-9c3d-000000000001`;
export const STAGING_KEY = `arn:aws:kms:ap-northeast-1:${TARGET}:key/5e7f9a1b-2222-4c6d-8e0f-000000000002`;

/** The inputs a workflow passes for the seed scenario (the same as `npm run demo`). */
export function seedInputs(extra: Record<string, string> = {}): Record<string, string> {
  return {
    'aws-region': 'ap-northeast-1',
    'source-role-arn': `arn:aws:iam::${SOURCE}:role/rds-sync-production`,
    'target-role-arn': `arn:aws:iam::${TARGET}:role/rds-sync-staging`,
    'source-cluster': 'app-production',
    'target-cluster': 'app-staging',
    'kms-key-id': SHARE_KEY,
    'target-kms-key-id': STAGING_KEY,
    'isolation-security-group-ids': 'sg-0150a71000000000a',
    // Simulated seconds: the action's process runs on the emulator's clock (tools/simulated-clock.mjs).
    'poll-interval-seconds': '15',
    ...extra
  };
}

export interface Stage {
  emulator: Emulator;
  oidc: OidcServer;
  env: Record<string, string>;
  run(inputs: Record<string, string>, opts?: Partial<StartOptions>): Promise<ActionRun>;
  /** Main step then post step with the same runner files, as the runner does. */
  job(inputs: Record<string, string>, opts?: Partial<StartOptions>): Promise<{ main: ActionRun; post: ActionRun }>;
  close(): Promise<void>;
}

/** A scenario file of emulator/scenarios, or a scenario object (e.g. a file with overrides, scenarioWith()); optionally a real PostgreSQL server behind the endpoints. */
export async function stage(scenario: string | ScenarioObject = 'seed.yaml', options: { postgresUrl?: string } = {}): Promise<Stage> {
  const emulator = await startEmulator({ scenario: typeof scenario === 'string' ? join(SCENARIOS, scenario) : scenario, postgresUrl: options.postgresUrl });
  const oidc = await startOidcServer();
  const env = {
    AWS_ENDPOINT_URL: emulator.url,
    ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken
  };
  // A run's own `env` is added to the stage's (emulator, OIDC, simulated clock), never in place of it.
  const run = (inputs: Record<string, string>, opts: Partial<StartOptions> = {}) => startAction({ ...opts, inputs, env: { ...env, ...simulatedClockEnv(emulator.world.clock), ...opts.env } }).done;
  return {
    emulator,
    oidc,
    env,
    run,
    async job(inputs, opts = {}) {
      const files: RunnerFiles = opts.files ?? runnerFiles();
      const main = await run(inputs, { ...opts, files });
      const post = await run(inputs, { ...opts, files, post: true });
      return { main, post };
    },
    async close() {
      await oidc.close();
      await emulator.close();
    }
  };
}

interface SnapshotView {
  id: string;
  status: string;
  type: string;
  sharedWith: string[];
  tags: Array<{ Key: string; Value: string }>;
  kmsKeyId?: string;
}
interface AccountView {
  id: string;
  clusters: ClusterView[];
  snapshots: SnapshotView[];
}

export function account(emulator: Emulator, id: string): AccountView {
  const state = emulator.state() as unknown as { accounts: AccountView[] };
  const a = state.accounts.find(x => x.id === id);
  if (!a) throw new Error(`no account ${id} in the emulator`);
  return a;
}

export function cluster(emulator: Emulator, accountId: string, id: string): ClusterView | undefined {
  return account(emulator, accountId).clusters.find(c => c.id === id);
}

/** What a person would compare to say "staging is as it was": everything but the time-varying bits. */
export function stagingView(emulator: Emulator): unknown {
  const a = account(emulator, TARGET);
  return {
    clusters: a.clusters
      .map(c => ({
        id: c.id,
        status: c.status,
        kmsKeyId: c.kmsKeyId,
        deletionProtection: c.deletionProtection,
        securityGroups: c.securityGroups,
        tags: c.tags,
        instances: c.instances.map(i => `${i.id}:${i.status}:${i.class}`)
      }))
      .sort((x, y) => x.id.localeCompare(y.id))
  };
}

export function counts(emulator: Emulator): Record<string, number> {
  return (emulator.state() as unknown as { counts: Record<string, number> }).counts;
}

/** A scenario file of emulator/scenarios with overrides deep-merged onto it (as a scenario's `overrides:`). */
export function scenarioWith(file: string, overrides: unknown): ScenarioObject {
  return mergeScenario(loadScenarioFile(join(SCENARIOS, file)), overrides) as ScenarioObject;
}
