/**
 * The bundled action (dist/index.js), several processes at once against one
 * emulator: RDS lets exactly one refresh staging; a fault on a lock or
 * clean-up call leaves staging identical or refreshed, says which, and the
 * next run leaves nothing behind.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runnerFiles, type ActionRun } from '../../tools/local-runner';
import { account, seedInputs, stage, stagingView, TARGET, type Stage } from './harness';

let s: Stage | undefined;
let github: Server;
/** Runs the stand-in GitHub API reports as completed; any other run is in progress. */
const ended = new Set<string>();
const asked: string[] = [];

beforeEach(async () => {
  ended.clear();
  asked.length = 0;
  // GitHub's REST API as @actions/github asks it: GET /repos/{owner}/{repo}/actions/runs/{id}/attempts/{n}.
  github = createServer((req, res) => {
    const m = /^\/repos\/example-org\/app\/actions\/runs\/(\d+)\/attempts\/(\d+)$/.exec(req.url ?? '');
    const auth = req.headers.authorization;
    if (!m || auth !== 'token job-token') {
      res.writeHead(m ? 401 : 404, { 'content-type': 'application/json' }).end('{"message":"no"}');
      return;
    }
    const id = `${m[1]}-${m[2]}`;
    asked.push(id);
    const done = ended.has(id);
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ id: Number(m[1]), run_attempt: Number(m[2]), status: done ? 'completed' : 'in_progress', conclusion: done ? 'failure' : null }));
  });
  await new Promise<void>(r => github.listen(0, '127.0.0.1', () => r()));
});

afterEach(async () => {
  await s?.close();
  s = undefined;
  github.closeAllConnections();
  await new Promise(r => github.close(r));
});

/** Main then post step of one job, with its own run id, the job token and the stand-in GitHub API. */
async function job(st: Stage, runId: number, inputs: Record<string, string> = {}): Promise<{ main: ActionRun; post: ActionRun }> {
  const files = runnerFiles();
  // Added to the stage's own env (emulator, OIDC, the simulated clock).
  const env = {
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_API_URL: `http://127.0.0.1:${(github.address() as AddressInfo).port}`,
    GITHUB_RUN_ID: String(runId),
    GITHUB_RUN_ATTEMPT: '1'
  };
  const all = seedInputs({ 'github-token': 'job-token', ...inputs });
  const main = await st.run(all, { files, env });
  const post = await st.run(all, { files, env, post: true });
  return { main, post };
}

/** Staging once every deletion has gone through: [id, run tag, lock tag]. */
function settled(st: Stage): Array<[string, string | undefined, string | undefined]> {
  st.emulator.advance(3600);
  return account(st.emulator, TARGET)
    .clusters.map(c => {
      const tags = Object.fromEntries(c.tags.map(t => [t.Key, t.Value]));
      return [c.id, tags['rds-cross-account-sync:run'], tags['rds-cross-account-sync:lock']] as [string, string | undefined, string | undefined];
    })
    .sort();
}

/** The workflow commands an action printed, by kind: `::notice title=...::message`. */
function annotations(run: ActionRun, kind: 'notice' | 'warning' | 'error'): Array<{ title: string; message: string }> {
  const out: Array<{ title: string; message: string }> = [];
  for (const line of run.stdout.split('\n')) {
    const m = new RegExp(`^::${kind}(?: title=([^:]*))?::(.*)$`).exec(line);
    if (m) out.push({ title: decodeURIComponent((m[1] ?? '').replace(/%3A/g, ':').replace(/%2C/g, ',')), message: m[2].replace(/%0A/g, '\n').replace(/%25/g, '%') });
  }
  return out;
}

describe('two runs started at once, through dist/', () => {
  it('exactly one refreshes staging; the other stops cleanly with a notice naming that run and its URL', async () => {
    s = await stage('seed.yaml');
    const st = s;
    const [a, b] = await Promise.all([job(st, 31001), job(st, 31002)]);
    const runs = [
      { id: '31001-1', ...a },
      { id: '31002-1', ...b }
    ];
    for (const r of runs) {
      expect(r.main.code).toBe(0);
      expect(r.post.code).toBe(0);
      expect(r.main.errors).toEqual([]);
    }
    const winners = runs.filter(r => r.main.outputs['db-identifier'] === 'app-staging');
    expect(winners).toHaveLength(1);
    const winner = winners[0];
    const loser = runs.find(r => r !== winner)!;
    const notice = annotations(loser.main, 'notice').find(n => n.title.startsWith('Another run'));
    expect(notice?.title).toBe('Another run is refreshing app-staging: this run stops');
    expect(notice?.message).toContain(`Run ${winner.id} (https://github.example/example-org/app/actions/runs/${winner.id.split('-')[0]}/attempts/1)`);
    expect(loser.main.summary).toContain('stopped (another run holds the lock)');
    expect(settled(st)).toEqual([['app-staging', winner.id, undefined]]);
  });
});

describe('two runs at once on an RDS DB instance, through dist/', () => {
  it('exactly one refreshes staging, the other stops with the notice, nothing is left', async () => {
    s = await stage('instance-postgres.yaml');
    const st = s;
    const pg = {
      'source-instance': 'app-production-pg',
      'target-instance': 'app-staging-pg',
      'source-cluster': '',
      'target-cluster': ''
    };
    const [a, b] = await Promise.all([job(st, 33001, pg), job(st, 33002, pg)]);
    const runs = [
      { id: '33001-1', ...a },
      { id: '33002-1', ...b }
    ];
    for (const r of runs) {
      expect(r.main.errors).toEqual([]);
      expect(r.main.code).toBe(0);
      expect(r.post.code).toBe(0);
    }
    const winners = runs.filter(r => r.main.outputs['db-identifier'] === 'app-staging-pg');
    expect(winners).toHaveLength(1);
    const loser = runs.find(r => r !== winners[0])!;
    expect(annotations(loser.main, 'notice').map(n => n.title)).toContain('Another run is refreshing app-staging-pg: this run stops');
    st.emulator.advance(3600);
    const instances = (st.emulator.state() as unknown as { accounts: Array<{ id: string; instances: Array<{ id: string; standalone?: boolean; tags: Array<{ Key: string; Value: string }> }> }> }).accounts
      .find(x => x.id === TARGET)!
      .instances.filter(i => i.standalone);
    expect(instances.map(i => [i.id, i.tags.find(t => t.Key === 'rds-cross-account-sync:run')?.Value, i.tags.some(t => t.Key === 'rds-cross-account-sync:lock')])).toEqual([
      ['app-staging-pg', winners[0].id, false]
    ]);
  });
});

describe('a fault on a lock or clean-up call, through dist/', () => {
  // Every mutating call the staging account sees in a refresh, in order (the in-process matrix in __tests__/target.races.test.ts finds the same list).
  it.each([
    ['the restore (the claim)', { operation: 'rds:RestoreDBClusterFromSnapshot', kind: 'error', code: 'InsufficientDBClusterCapacityFault', times: 1, account: TARGET }, 'as it was'],
    ['the password reset', { operation: 'rds:ModifyDBCluster', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET }, 'as it was'],
    ['the instance creation', { operation: 'rds:CreateDBInstance', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET }, 'as it was'],
    ['the parked note on the old cluster', { operation: 'rds:AddTagsToResource', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET }, 'as it was'],
    ['deletion protection off', { operation: 'rds:ModifyDBCluster', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET, match: { DeletionProtection: 'false' } }, 'as it was'],
    ['the park', { operation: 'rds:ModifyDBCluster', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET, match: { NewDBClusterIdentifier: 'app-staging-old-32001-1' } }, 'as it was'],
    ['the promote', { operation: 'rds:ModifyDBCluster', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET, match: { NewDBClusterIdentifier: 'app-staging' } }, 'as it was'],
    // The promoted cluster's settings (security groups, deletion protection) travel in the promote call itself.
    [
      'the settings of the promoted cluster',
      { operation: 'rds:ModifyDBCluster', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET, match: { NewDBClusterIdentifier: 'app-staging', DeletionProtection: 'true' } },
      'as it was'
    ],
    ['the delete of the old cluster', { operation: 'rds:DeleteDBCluster', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET }, 'refreshed'],
    ['the delete of an old instance', { operation: 'rds:DeleteDBInstance', kind: 'error', code: 'InvalidParameterValue', times: 1, account: TARGET }, 'refreshed'],
    ['the lock release (three times)', { operation: 'rds:RemoveTagsFromResource', kind: 'error', code: 'InvalidParameterValue', times: 3, account: TARGET }, 'refreshed']
  ] as const)('%s: the annotation names step and operation and says what state staging is in; the next run leaves nothing behind', async (_name, fault, outcome) => {
    s = await stage('seed.yaml');
    const st = s;
    const before = stagingView(st.emulator);
    st.emulator.inject({ ...fault, message: 'injected' } as never);
    const first = await job(st, 32001);
    expect(first.main.code).toBe(1);
    expect(first.post.code).toBe(0);
    const errors = annotations(first.main, 'error');
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) {
      expect(e.message).toMatch(/Step [A-Z][a-z]+/);
      expect(e.message).toContain(fault.operation.replace('rds:', ''));
      expect(e.message).toMatch(/Staging is as it was|Staging was refreshed; clean-up is pending \(.+\)|Staging needs attention \(.+\)/);
    }
    if (outcome === 'as it was') {
      expect(errors.some(e => /Staging is as it was/.test(e.message))).toBe(true);
      st.emulator.advance(3600);
      expect(stagingView(st.emulator)).toEqual(before);
    } else {
      expect(errors.some(e => /Staging was refreshed; clean-up is pending/.test(e.message))).toBe(true);
    }

    // The next run: GitHub says the first one has ended, so a lock it left is taken over.
    ended.add('32001-1');
    st.emulator.advance(600);
    const next = await job(st, 32002);
    expect(next.main.errors).toEqual([]);
    expect(next.main.code).toBe(0);
    expect(settled(st)).toEqual([['app-staging', '32002-1', undefined]]);
    if (fault.operation === 'rds:RemoveTagsFromResource') {
      expect(asked).toContain('32001-1');
      expect(next.main.summary).toContain('Stale lock taken over');
    } else if (outcome === 'refreshed') {
      expect(next.main.summary).toContain('Left by ended runs, cleaned up');
    }
  });
});
