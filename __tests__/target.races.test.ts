/**
 * Runs that race for one staging cluster, through the local emulator with real
 * SDK clients: RDS itself (DBClusterAlreadyExistsFault on the one restore name)
 * lets exactly one through. `pause` faults hold one run's call so that two runs
 * interleave the same way every time.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, jest } from '@jest/globals';
import { AddTagsToResourceCommand, RemoveTagsFromResourceCommand } from '@aws-sdk/client-rds';
import type { RunningEmulator } from '../emulator/index';
import type { ClusterView } from '../emulator/state';
import { connectAccounts } from '../src/accounts';
import { LOCK_TAG, PARKED_TAG, RUN_TAG, type Context } from '../src/context';
import { planTarget } from '../src/target';
import { Report } from '../src/report';
import { kindFromInputs, readSettings } from '../src/settings';
import { StateStore } from '../src/state';
import { LockBusyError, LockLostError } from '../src/steps/lock';
import { runTarget } from '../src/target';
import type { SharedSnapshot, TargetResult } from '../src/types';
import { PROD, prodRole, scenario, sides, start, STG, stgRole } from './emulator/harness';
import { quietStdout } from './helpers/stdout';
import { startOidcServer, type OidcServer } from '../tools/oidc-server';
import { testClock } from './fixtures/clock';
import { shareProductionSnapshot } from './fixtures/emulated-target';

quietStdout();

/**
 * One clock for the whole test process, as a runner and AWS share one: `Date.now`
 * is real time plus every `advance()`, and the emulator (timeScale 1) reads it.
 * The action's credential sessions, the SDK's identity cache and request signing
 * then see the time the emulator's sessions expire on.
 */
let skewMs = 0;
const realNow = Date.now.bind(Date);
function advance(simSeconds: number): void {
  skewMs += simSeconds * 1000;
  emu.advance(0);
}

let oidc: OidcServer;
beforeAll(async () => {
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
  oidc = await startOidcServer();
});
afterAll(async () => {
  await oidc.close();
  jest.restoreAllMocks();
});

let emu: RunningEmulator;
let stg: Awaited<ReturnType<typeof sides>>['stg'];
let prod: Awaited<ReturnType<typeof sides>>['prod'];
let shared: SharedSnapshot;
const env = { ...process.env };

beforeEach(fresh);

/** A new emulator with the shared snapshot ready in production. */
async function fresh(): Promise<void> {
  process.env.GITHUB_SERVER_URL = 'https://github.example';
  process.env.GITHUB_REPOSITORY = 'example-org/app';
  await emu?.close();
  emu = await start(scenario());
  // The action reaches the emulator and the runner's OIDC token service the way it does in a job.
  process.env.AWS_ENDPOINT_URL = emu.url;
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = oidc.url;
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = oidc.requestToken;
  ({ prod, stg } = await sides(emu));
  shared = await shareProductionSnapshot(emu, prod, advance);
}

afterEach(async () => {
  process.env = { ...env };
  await emu?.close();
});

const START = Date.UTC(2026, 10, 28);

/**
 * One run's context: its own run id, report and saved state; its pauses move the clock.
 * Its accounts are the action's own (connectAccounts): each side's role assumed through
 * OIDC with a session that renews itself, so a run started hours into the test works.
 */
async function runContext(runId: string, opts: { inputs?: Record<string, string>; now?: number } = {}): Promise<Context> {
  const inputs: Record<string, string> = {
    'aws-region': 'ap-northeast-1',
    'source-role-arn': prodRole,
    'target-role-arn': stgRole,
    'source-account-id': PROD,
    'target-account-id': STG,
    'source-cluster': 'app-production',
    'target-cluster': 'app-staging',
    'target-kms-key-id': `arn:aws:kms:ap-northeast-1:${STG}:key/5e7f9a1b-2222-4c6d-8e0f-000000000002`,
    ...opts.inputs
  };
  const settings = readSettings(n => inputs[n] ?? '');
  return {
    settings: kindFromInputs(settings),
    accounts: await connectAccounts(settings),
    report: new Report(),
    state: new StateStore({ runId }),
    runId,
    // Let the other runs' calls in between, as on a real runner.
    clock: testClock({ start: opts.now ?? START, emulator: { advance }, between: () => new Promise(r => setImmediate(r)) })
  };
}

async function refresh(ctx: Context): Promise<TargetResult> {
  return runTarget(ctx, await planTarget(ctx), shared);
}

function clusters(): ClusterView[] {
  const a = (emu.state() as unknown as { accounts: Array<{ id: string; clusters: ClusterView[] }> }).accounts.find(x => x.id === STG)!;
  return a.clusters;
}

function tagsOf(id: string): Record<string, string> {
  const c = clusters().find(x => x.id === id);
  return Object.fromEntries((c?.tags ?? []).map(t => [t.Key, t.Value]));
}

/** What is left once every deletion the runs started has finished. */
function settled(): Array<[string, string | undefined, string | undefined]> {
  advance(3600);
  return clusters().map(c => [c.id, tagsOf(c.id)[RUN_TAG], tagsOf(c.id)[LOCK_TAG]]);
}

/** Calls that could change something (STS sessions change nothing: a run may renew its session at any time). */
function mutatingCallsSince(index: number): string[] {
  const requests = (emu.state() as unknown as { requests: Array<{ service: string; operation: string; status: number }> }).requests;
  return requests
    .slice(index)
    .filter(r => r.service !== 'sts')
    .map(r => r.operation)
    .filter(op => !op.startsWith('Describe') && !op.startsWith('List'));
}

function requestCount(): number {
  return (emu.state() as unknown as { requests: unknown[] }).requests.length;
}

async function until(what: string, check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise(r => setTimeout(r, 5));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
}

describe('runs started at the same moment', () => {
  it.each([2, 5])('%i runs: exactly one refreshes staging, the others stop with a notice naming it and its URL', async n => {
    const runs = await Promise.all(Array.from({ length: n }, (_, i) => runContext(`${7000 + i}-1`)));
    const outcomes = await Promise.allSettled(runs.map(refresh));

    const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [runs[i].runId] : []));
    expect(won).toHaveLength(1);
    const winner = won[0];
    for (const o of outcomes) {
      if (o.status === 'fulfilled') continue;
      expect(o.reason).toBeInstanceOf(LockBusyError);
      const d = (o.reason as LockBusyError).diagnostics[0];
      expect(d.severity).toBe('notice');
      expect(d.title).toBe('Another run is refreshing app-staging: this run stops');
      expect(d.message).toContain(`Run ${winner} (https://github.example/example-org/app/actions/runs/${winner.split('-')[0]}/attempts/1)`);
      expect(d.message).toContain('staging is as it was');
    }
    // Staging is the winner's; nothing else is left, no lock either.
    expect(settled()).toEqual([['app-staging', winner, undefined]]);
    expect(tagsOf('app-staging')[PARKED_TAG]).toBeUndefined();
  });
});

describe('forced interleavings (pause faults)', () => {
  it('both pass the start check, then RDS refuses the second restore: the later one stops, the first refreshes', async () => {
    emu.inject({ operation: 'rds:RestoreDBClusterFromSnapshot', kind: 'pause', name: 'first-restore' });
    const a = await runContext('8001-1');
    const b = await runContext('8002-1');
    const ra = refresh(a).then(
      r => ({ ok: r }),
      e => ({ err: e as Error })
    );
    await emu.paused('first-restore');
    // A is inside its restore call and has checked already; B checks now and finds nothing either.
    const rb = refresh(b);
    await until('B to claim app-staging-sync', () => tagsOf('app-staging-sync')[RUN_TAG] === '8002-1');
    emu.release('first-restore');
    const outcomeA = await ra;
    expect('err' in outcomeA && outcomeA.err).toBeInstanceOf(LockBusyError);
    expect((outcomeA as { err: LockBusyError }).err.holder.runId).toBe('8002-1');
    await expect(rb).resolves.toMatchObject({ identifier: 'app-staging' });
    expect(settled()).toEqual([['app-staging', '8002-1', undefined]]);
  });

  it('a run that starts while another is mid-swap stops at once without changing anything', async () => {
    emu.inject({ operation: 'rds:ModifyDBCluster', kind: 'pause', name: 'park', match: { NewDBClusterIdentifier: 'app-staging-old-8101-1' } });
    const a = await runContext('8101-1');
    const ra = refresh(a);
    await emu.paused('park');
    const b = await runContext('8102-1');
    const mark = requestCount();
    const e = await refresh(b).catch(x => x as Error);
    expect(e).toBeInstanceOf(LockBusyError);
    expect((e as LockBusyError).holder).toMatchObject({ runId: '8101-1', identifier: 'app-staging-sync' });
    // B made no change at all (A's held call is still waiting).
    expect(mutatingCallsSince(mark)).toEqual([]);
    emu.release('park');
    await expect(ra).resolves.toMatchObject({ identifier: 'app-staging' });
    expect(settled()).toEqual([['app-staging', '8101-1', undefined]]);
  });

  it('a run that claims the restore name after another promoted gives way to it and removes its own restore', async () => {
    // B checks first and is held inside its restore; A runs through to its promote and is held deleting the old cluster.
    emu.inject({ operation: 'rds:RestoreDBClusterFromSnapshot', kind: 'pause', name: 'b-restore' });
    emu.inject({ operation: 'rds:DeleteDBInstance', kind: 'pause', name: 'a-delete' });
    const b = await runContext('8202-1');
    const rb = refresh(b).catch(x => x as Error);
    await emu.paused('b-restore');
    const a = await runContext('8201-1');
    const ra = refresh(a);
    await emu.paused('a-delete');
    expect(tagsOf('app-staging')[RUN_TAG]).toBe('8201-1');
    emu.release('b-restore');
    const e = await rb;
    expect(e).toBeInstanceOf(LockBusyError);
    expect((e as LockBusyError).holder).toMatchObject({ runId: '8201-1', identifier: 'app-staging' });
    emu.release('a-delete');
    await expect(ra).resolves.toMatchObject({ identifier: 'app-staging' });
    expect(settled()).toEqual([['app-staging', '8201-1', undefined]]);
  });

  it('fencing: a run whose lock was taken away stops before the swap and leaves staging as it found it', async () => {
    emu.inject({ operation: 'rds:CreateDBInstance', kind: 'pause', name: 'instances' });
    const a = await runContext('8301-1');
    const before = JSON.stringify(clusters().find(c => c.id === 'app-staging'));
    const ra = refresh(a).catch(x => x as Error);
    await emu.paused('instances');
    // Someone removes A's lock (as the stale-lock fix tells a person to).
    await stg.rds.send(new RemoveTagsFromResourceCommand({ ResourceName: `arn:aws:rds:ap-northeast-1:${STG}:cluster:app-staging-sync`, TagKeys: [LOCK_TAG] }));
    const mark = requestCount();
    emu.release('instances');
    const e = await ra;
    expect(e).toBeInstanceOf(LockLostError);
    expect((e as LockLostError).diagnostics[0].title).toBe('Lock on app-staging lost before parking app-staging: this run stopped');
    expect((e as LockLostError).diagnostics[0].message).toContain('Staging needs attention');
    // After the lock was gone A only created the instance it had already sent, reset the master password of its own new
    // cluster (issued right after the instance), and touched nothing else: staging itself is unchanged (below).
    expect(mutatingCallsSince(mark).filter(op => op !== 'CreateDBInstance')).toEqual(['ModifyDBCluster']);
    expect(JSON.stringify(clusters().find(c => c.id === 'app-staging'))).toBe(before);
    expect(a.state.get()).toMatchObject({ lock: undefined, swap: undefined, restored: undefined });
  });

  it('fencing: a run that promoted first (its rename shown late) wins over a later claim at the next fence', async () => {
    emu.inject({ operation: 'rds:CreateDBInstance', kind: 'pause', name: 'b-instances' });
    const b = await runContext('8351-1');
    const rb = refresh(b).catch(x => x as Error);
    await emu.paused('b-instances');
    // Run 8350's promoted cluster shows up as app-staging with its live lock only now.
    await stg.rds.send(
      new AddTagsToResourceCommand({
        ResourceName: `arn:aws:rds:ap-northeast-1:${STG}:cluster:app-staging`,
        Tags: [{ Key: LOCK_TAG, Value: `run=8350-1 target=app-staging since=${new Date(START).toISOString()}` }]
      })
    );
    const before = JSON.stringify(clusters().find(c => c.id === 'app-staging'));
    emu.release('b-instances');
    const e = await rb;
    expect(e).toBeInstanceOf(LockLostError);
    expect((e as LockLostError).diagnostics[0].message).toContain('run 8350-1 (https://github.example/example-org/app/actions/runs/8350/attempts/1) holds app-staging');
    expect(JSON.stringify(clusters().find(c => c.id === 'app-staging'))).toBe(before);
  });
});

describe('stale locks and leftovers', () => {
  it('a run whose lock has outlived wait-timeout-minutes + 1 h is taken over: its half-done swap is put back, then the refresh runs', async () => {
    // Run 8401 dies right after parking the old cluster (its runner is gone: the held call never comes back).
    emu.inject({ operation: 'rds:ModifyDBCluster', kind: 'pause', name: 'dies', match: { NewDBClusterIdentifier: 'app-staging' } });
    const dead = await runContext('8401-1', { inputs: { 'wait-timeout-minutes': '30' } });
    // Not awaited: run 8401's runner is gone, its refresh never settles.
    void refresh(dead).catch(() => undefined);
    await emu.paused('dies');
    expect(
      clusters()
        .map(c => c.id)
        .sort()
    ).toEqual(['app-staging-old-8401-1', 'app-staging-sync']);
    expect(tagsOf('app-staging-old-8401-1')[PARKED_TAG]).toBe('run=8401-1 protection=on');

    // Within the age limit the lock still counts as held.
    const early = await runContext('8402-1', { inputs: { 'wait-timeout-minutes': '30' }, now: START + 60 * 60_000 });
    await expect(refresh(early)).rejects.toBeInstanceOf(LockBusyError);

    const later = await runContext('8403-1', { inputs: { 'wait-timeout-minutes': '30' }, now: START + 2 * 60 * 60_000 });
    await expect(refresh(later)).resolves.toMatchObject({ identifier: 'app-staging' });
    const fact = later.report.facts.find(([k]) => k === 'Stale lock taken over');
    expect(fact?.[1]).toMatch(/^run 8401-1 \(the lock is \d+ minutes old, more than wait-timeout-minutes \+ 60 \(90\)\): .*renamed the old cluster back to app-staging/);
    expect(settled()).toEqual([['app-staging', '8403-1', undefined]]);
    // The old cluster had deletion protection: the refreshed one has it too.
    expect(clusters()[0].deletionProtection).toBe(true);
  });

  it('a failed delete of the old cluster leaves it to the next run, which deletes it (with its final snapshot) and lists it', async () => {
    emu.inject({ operation: 'rds:DeleteDBCluster', kind: 'error', code: 'InvalidParameterValue', message: 'injected', times: 1 });
    const first = await runContext('8501-1', { inputs: { 'final-snapshot': 'take' } });
    const e = await refresh(first).catch(x => x as Error);
    expect((e as LockBusyError).diagnostics[0].title).toBe('Staging is refreshed, but the old cluster app-staging-old-8501-1 was not deleted');
    expect((e as LockBusyError).diagnostics[0].message).toContain('Staging was refreshed; clean-up is pending');
    // The lock is released all the same.
    expect(settled().sort()).toEqual([
      ['app-staging', '8501-1', undefined],
      ['app-staging-old-8501-1', undefined, undefined]
    ]);

    const next = await runContext('8502-1', { inputs: { 'final-snapshot': 'take' } });
    await expect(refresh(next)).resolves.toMatchObject({ identifier: 'app-staging' });
    expect(next.report.facts.find(([k]) => k === 'Left by ended runs, cleaned up')?.[1]).toBe(
      'deleted the old staging cluster app-staging-old-8501-1 parked by run 8501-1 (final snapshot app-staging-final-8501-1)'
    );
    const snapshots = (emu.state() as unknown as { accounts: Array<{ id: string; snapshots: Array<{ id: string }> }> }).accounts.find(x => x.id === STG)!.snapshots.map(s => s.id);
    expect(snapshots).toEqual(expect.arrayContaining(['app-staging-final-8501-1', 'app-staging-final-8502-1']));
    expect(settled()).toEqual([['app-staging', '8502-1', undefined]]);
  });

  it('a lock that could not be released is retried, then reported with the command; the next run takes it over once that run has ended', async () => {
    emu.inject({ operation: 'rds:RemoveTagsFromResource', kind: 'error', code: 'InvalidParameterValue', message: 'injected', times: 3 });
    const first = await runContext('8601-1', { inputs: { 'wait-timeout-minutes': '30' } });
    await expect(refresh(first)).resolves.toMatchObject({ identifier: 'app-staging' });
    const error = first.report.diagnostics.find(d => (d.severity ?? 'error') === 'error');
    expect(error?.title).toBe("Lock not released: app-staging still carries this run's lock");
    expect(error?.fix).toContain(`aws rds remove-tags-from-resource --resource-name arn:aws:rds:ap-northeast-1:${STG}:cluster:app-staging --tag-keys ${LOCK_TAG}`);
    expect(error?.message).toContain('Staging was refreshed; clean-up is pending');
    expect(tagsOf('app-staging')[LOCK_TAG]).toMatch(/^run=8601-1 /);

    const next = await runContext('8602-1', { inputs: { 'wait-timeout-minutes': '30' }, now: START + 3 * 60 * 60_000 });
    await expect(refresh(next)).resolves.toMatchObject({ identifier: 'app-staging' });
    expect(next.report.facts.find(([k]) => k === 'Stale lock taken over')?.[1]).toMatch(/^run 8601-1 .*removed its lock tag from app-staging/);
    expect(settled()).toEqual([['app-staging', '8602-1', undefined]]);
  });

  it('a rollback that cannot finish turns deletion protection back on; the next run puts the rest back and refreshes', async () => {
    // The promote fails, and so does the rename back of the parked old cluster.
    emu.inject({ operation: 'rds:ModifyDBCluster', kind: 'error', code: 'InvalidParameterValue', message: 'injected', times: 2, match: { NewDBClusterIdentifier: 'app-staging' } });
    const failing = await runContext('8801-1', { inputs: { 'wait-timeout-minutes': '30' } });
    await expect(refresh(failing)).rejects.toThrow(/injected/);
    const report = failing.report.diagnostics.find(d => d.title === 'Roll back incomplete: check staging by hand');
    expect(report?.message).toContain('its deletion protection is back on (app-staging-old-8801-1)');
    expect(report?.message).toContain('Staging needs attention');
    expect(clusters().find(c => c.id === 'app-staging-old-8801-1')?.deletionProtection).toBe(true);
    // Its lock stays (on its restore) until someone resolves it: a run soon after stops.
    await expect(refresh(await runContext('8802-1', { inputs: { 'wait-timeout-minutes': '30' }, now: START + 30 * 60_000 }))).rejects.toBeInstanceOf(LockBusyError);

    const later = await runContext('8803-1', { inputs: { 'wait-timeout-minutes': '30' }, now: START + 3 * 60 * 60_000 });
    await expect(refresh(later)).resolves.toMatchObject({ identifier: 'app-staging' });
    expect(later.report.facts.find(([k]) => k === 'Stale lock taken over')?.[1]).toMatch(/renamed the old cluster back to app-staging.*deleted its new cluster app-staging-sync/);
    expect(settled()).toEqual([['app-staging', '8803-1', undefined]]);
    expect(clusters()[0].deletionProtection).toBe(true);
  });

  it('an earlier attempt of the same workflow run has ended by definition', async () => {
    await stg.rds.send(
      new AddTagsToResourceCommand({
        ResourceName: `arn:aws:rds:ap-northeast-1:${STG}:cluster:app-staging`,
        Tags: [{ Key: LOCK_TAG, Value: `run=8701-1 target=app-staging since=${new Date(START).toISOString()}` }]
      })
    );
    const retry = await runContext('8701-2');
    await expect(refresh(retry)).resolves.toMatchObject({ identifier: 'app-staging' });
    expect(retry.report.facts.find(([k]) => k === 'Stale lock taken over')?.[1]).toMatch(/^run 8701-1 \(attempt 1 of this workflow run ended before this attempt \(2\) started\)/);
  });
});

describe('a fault on each mutating call of the target side', () => {
  it('leaves staging identical or refreshed, and the next run refreshes it with nothing left behind', async () => {
    // The mutating calls of a clean refresh in the staging account, in order.
    const clean = await runContext('9000-1');
    const mark = requestCount();
    await refresh(clean);
    const requests = (emu.state() as unknown as { requests: Array<{ service: string; operation: string; account?: string }> }).requests.slice(mark);
    const calls = requests.filter(r => r.account === STG && r.service !== 'sts' && !/^(Describe|List)/.test(r.operation)).map(r => r.operation);
    expect(calls).toEqual(expect.arrayContaining(['RestoreDBClusterFromSnapshot', 'AddTagsToResource', 'DeleteDBCluster', 'RemoveTagsFromResource']));

    const outcomes: string[] = [];
    for (let k = 0; k < calls.length; k++) {
      await fresh();
      const op = calls[k];
      const after = calls.slice(0, k).filter(c => c === op).length;
      emu.inject({ operation: `rds:${op}`, kind: 'error', code: 'InvalidParameterValue', message: `injected into call ${k}`, after, account: STG });
      const before = JSON.stringify(clusters().find(c => c.id === 'app-staging'));
      const first = await runContext(`${9100 + k}-1`, { inputs: { 'wait-timeout-minutes': '30' } });
      const failed = await refresh(first).then(
        () => first.report.diagnostics.some(d => (d.severity ?? 'error') === 'error'),
        () => true
      );
      const left = settled();
      const refreshed = left.some(([id, run]) => id === 'app-staging' && run === first.runId);
      const asItWas = JSON.stringify(clusters().find(c => c.id === 'app-staging')) === before;
      outcomes.push(`${k} ${op}#${after + 1}: ${failed ? 'failed' : 'ok'}, ${refreshed ? 'refreshed' : asItWas ? 'as it was' : 'CHANGED'}`);
      expect(refreshed || asItWas).toBe(true);

      const next = await runContext(`${9200 + k}-1`, { inputs: { 'wait-timeout-minutes': '30' }, now: START + 3 * 60 * 60_000 });
      await expect(refresh(next)).resolves.toMatchObject({ identifier: 'app-staging' });
      expect(settled()).toEqual([['app-staging', next.runId, undefined]]);
    }
    // Every call was hit, and each fault before the swap left staging as it was.
    expect(outcomes).toHaveLength(calls.length);
    expect(outcomes.filter(o => o.includes('CHANGED'))).toEqual([]);
  });
});
