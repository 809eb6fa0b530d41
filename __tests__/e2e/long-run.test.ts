/**
 * Runs that outlive their credentials (issue 12), end to end through dist/:
 * copy, restore and instance creation take 5 simulated hours, both roles
 * allow 1-hour sessions (the default MaxSessionDuration) and the action asks
 * for 3600 s. The emulator refuses any request signed with an expired
 * session, and the action's process runs on the emulator's clock.
 */
import { afterEach, describe, expect, it } from '@jest/globals';
import type { ChildProcess } from 'node:child_process';
import { runnerFiles } from '../../tools/local-runner';
import { cluster, counts, scenarioWith, seedInputs, stage, stagingView, STAGING_KEY, TARGET, type Stage } from './harness';

const HOUR = 3600_000;

/** 50 GB: copy 2.5 h (180 s/GB), restore 1.5 h (108 s/GB), instances 1 h. */
const fiveHours = () =>
  scenarioWith('seed.yaml', {
    timings: { copySecondsPerGb: 180, restoreSecondsPerGb: 108, createInstanceSeconds: 3600 }
  });

interface Logged {
  service: string;
  operation: string;
  account?: string;
  status: number;
  errorCode?: string;
  at: string;
}
const requests = (s: Stage) => (s.emulator.state() as unknown as { requests: Logged[] }).requests;
const expired = (s: Stage) => requests(s).filter(r => r.errorCode === 'ExpiredToken' || r.errorCode === 'ExpiredTokenException');

/** Calls `then` once the emulator's clock is `hours` past `from`. */
function at(s: Stage, from: number, hours: number, then: () => void): () => void {
  const timer = setInterval(() => {
    if (s.emulator.world.clock.now() - from >= hours * HOUR) {
      clearInterval(timer);
      then();
    }
  }, 5);
  return () => clearInterval(timer);
}

let s: Stage | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

describe('a 5-hour sync with 1-hour sessions', () => {
  it('succeeds: both sides re-assume their roles, and no request is sent with expired credentials', async () => {
    s = await stage(fiveHours());
    const oldStaging = cluster(s.emulator, TARGET, 'app-staging')!;
    const t0 = s.emulator.world.clock.now();
    const { main, post } = await s.job(seedInputs());

    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    expect(post.code).toBe(0);
    // It really took five simulated hours and more.
    expect(Number(main.outputs['duration-seconds'])).toBeGreaterThanOrEqual(5 * 3600);
    expect(s.emulator.world.clock.now() - t0).toBeGreaterThanOrEqual(5 * HOUR);

    // Re-assumptions: the log of the action and the emulator's request log agree.
    const again = (side: string) => main.stdout.split('\n').filter(l => l.startsWith(`${side}: assumed `) && l.includes(' again (oidc)')).length;
    expect(again('source')).toBeGreaterThanOrEqual(2);
    expect(again('target')).toBeGreaterThanOrEqual(2);
    const assumptions = requests(s).filter(r => r.operation === 'AssumeRoleWithWebIdentity' && r.status === 200);
    // (The post step found nothing to clean up: it connected to nothing.)
    expect(assumptions.length).toBe(2 + again('source') + again('target'));
    // Sessions of one hour: never more than an hour between two assumptions while the run lasts.
    const times = assumptions.map(r => Date.parse(r.at)).sort((a, b) => a - b);
    expect(times[times.length - 1]! - times[0]!).toBeGreaterThanOrEqual(4 * HOUR);
    // The emulator refused nothing as expired: no request went out with expired credentials.
    expect(expired(s)).toEqual([]);

    // Staging is refreshed.
    expect(counts(s.emulator)['rds:CopyDBClusterSnapshot']).toBe(1);
    s.emulator.advance(3600);
    const refreshed = cluster(s.emulator, TARGET, 'app-staging')!;
    expect(refreshed.kmsKeyId).toBe(STAGING_KEY);
    expect(refreshed.instances.map(i => i.id)).not.toEqual(oldStaging.instances.map(i => i.id));
  });

  it('cancelled at hour 3, then the post step: staging is as it was', async () => {
    s = await stage(fiveHours());
    const before = stagingView(s.emulator);
    const files = runnerFiles();
    let child: ChildProcess | undefined;
    let cancelledAt = 0;
    const t0 = s.emulator.world.clock.now();
    const stop = at(s, t0, 3, () => {
      cancelledAt = s!.emulator.world.clock.now();
      child?.kill('SIGINT');
    });
    const main = await s.run(seedInputs(), { files, onStdout: (_chunk, c) => (child = c) });
    stop();
    expect(cancelledAt).toBeGreaterThan(0);
    expect(main.code).not.toBe(0);
    // At hour 3 the restore in staging (under the lock's name, <target>-sync) was under way.
    expect(main.stdout).toMatch(/restore of cluster app-staging-sync: creating/);
    expect(main.stdout).not.toMatch(/::group::Swap/);

    const post = await s.run(seedInputs(), { files, post: true });
    expect(post.errors).toEqual([]);
    expect(post.code).toBe(0);
    // The post step connected on its own: new sessions, hours after the main step's.
    expect(post.stdout).toMatch(/target: acting as arn:aws:sts::222222222222:assumed-role\/rds-sync-staging/);
    expect(expired(s)).toEqual([]);
    s.emulator.advance(3 * 3600);
    expect(stagingView(s.emulator)).toEqual(before);
  });

  it("the staging role's OIDC trust removed at hour 2: a titled annotation, staging unchanged", async () => {
    s = await stage(fiveHours());
    const before = stagingView(s.emulator);
    const role = s.emulator.world.account(TARGET)!.roles.get('rds-sync-staging')!;
    const t0 = s.emulator.world.clock.now();
    let removed = false;
    const stop = at(s, t0, 2, () => {
      // The repository is no longer trusted: the next AssumeRoleWithWebIdentity for staging is refused.
      role.trust = { Version: '2012-10-17', Statement: [] };
      removed = true;
    });
    const { main, post } = await s.job(seedInputs());
    stop();
    expect(removed).toBe(true);

    // The staging session (1 h, unused while production copies for 2.5 h) is renewed when the
    // target side starts: STS refuses, and the run stops with the start's titled annotation.
    expect(main.code).toBe(1);
    expect(main.errors).toHaveLength(1);
    const [error] = main.errors;
    expect(error!.title).toBe('STS refused AssumeRoleWithWebIdentity (target)');
    expect(error!.message).toContain(`arn:aws:iam::${TARGET}:role/rds-sync-staging`);
    expect(error!.message).toContain('AccessDenied');
    const refusals = requests(s).filter(r => r.operation === 'AssumeRoleWithWebIdentity' && r.errorCode === 'AccessDenied');
    expect(refusals).toHaveLength(1);
    expect(Date.parse(refusals[0]!.at) - t0).toBeGreaterThanOrEqual(2 * HOUR);
    // Nothing was sent with the expired staging session, and nothing changed in staging.
    expect(expired(s)).toEqual([]);
    expect(requests(s).filter(r => r.account === TARGET && Date.parse(r.at) - t0 >= 2 * HOUR)).toEqual([]);
    expect(post.code).toBe(0);
    s.emulator.advance(3600);
    expect(stagingView(s.emulator)).toEqual(before);
    expect(counts(s.emulator)['rds:RestoreDBClusterFromSnapshot'] ?? 0).toBe(0);
  });
});
