/** The lock's pure parts and the failure wording: who holds a lock, whether its run ended, what a failure says about staging. */
import { afterEach, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { nameFailedOperations, failedOperation } from '../../src/aws/calls';
import { Report } from '../../src/report';
import { kindFromInputs, readSettings } from '../../src/settings';
import { formatParked, holderState, parseParked, runUrl } from '../../src/steps/lock';
import { stagingOutcome, withWhereAndOutcome } from '../../src/steps/outcome';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { quietStdout } from '../helpers/stdout';
import { testClock } from '../fixtures/clock';

quietStdout();

const env = { ...process.env };
afterEach(() => {
  process.env = { ...env };
});

const NOW = Date.UTC(2026, 10, 28, 12);
function judge(inputs: Record<string, string> = {}, runId = '500-1') {
  const all: Record<string, string> = { 'aws-region': 'ap-northeast-1', 'source-cluster': 'a', 'target-cluster': 'b', 'wait-timeout-minutes': '30', ...inputs };
  return { settings: kindFromInputs(readSettings(n => all[n] ?? '')), clock: testClock({ start: NOW }), runId };
}
const lockOf = (runId: string, minutesAgo: number) => ({ runId, target: 'b', since: new Date(NOW - minutesAgo * 60_000).toISOString() });

describe('holderState: has the run holding a lock ended?', () => {
  it('without a token, by age: wait-timeout-minutes + 60 minutes', async () => {
    await expect(holderState(judge(), lockOf('400-1', 89))).resolves.toMatchObject({ ended: false });
    await expect(holderState(judge(), lockOf('400-1', 91))).resolves.toEqual({
      ended: true,
      why: 'the lock is 91 minutes old, more than wait-timeout-minutes + 60 (90)'
    });
    await expect(holderState(judge(), { runId: 'x', target: 'b', since: 'unknown' })).resolves.toMatchObject({ ended: false });
  });

  it('an earlier attempt of this same run has ended; a later one or another run has not', async () => {
    await expect(holderState(judge({}, '400-2'), lockOf('400-1', 1))).resolves.toMatchObject({ ended: true });
    await expect(holderState(judge({}, '400-1'), lockOf('400-2', 1))).resolves.toMatchObject({ ended: false });
  });

  it('with a token, GitHub answers; when GitHub cannot be asked, age decides', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(`${req.url} ${req.headers.authorization}`);
      const completed = req.url?.includes('/runs/401/');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: completed ? 'completed' : 'in_progress', conclusion: completed ? 'cancelled' : null }));
    });
    await new Promise<void>(r => server.listen(0, '127.0.0.1', () => r()));
    try {
      process.env.GITHUB_REPOSITORY = 'example-org/app';
      process.env.GITHUB_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const withToken = judge({ 'github-token': 'tkn' });
      await expect(holderState(withToken, lockOf('401-1', 1))).resolves.toEqual({ ended: true, why: 'GitHub reports run 401-1 completed (cancelled)' });
      // GitHub's word beats age: an old lock of a run still in progress is held.
      await expect(holderState(withToken, lockOf('402-3', 600))).resolves.toEqual({ ended: false, why: 'GitHub reports run 402-3 in_progress' });
      expect(seen).toEqual(['/repos/example-org/app/actions/runs/401/attempts/1 token tkn', '/repos/example-org/app/actions/runs/402/attempts/3 token tkn']);
    } finally {
      server.closeAllConnections();
      await new Promise(r => server.close(r));
    }
    // Nobody answers any more: age again.
    await expect(holderState(judge({ 'github-token': 'tkn' }), lockOf('403-1', 120))).resolves.toMatchObject({ ended: true });
  });
});

describe('names and notes', () => {
  it('the run URL names the attempt; the parked note round-trips', () => {
    expect(runUrl('77-2', { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r' })).toBe('https://github.com/o/r/actions/runs/77/attempts/2');
    expect(runUrl('local-1', { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'o/r' })).toBeUndefined();
    expect(parseParked(formatParked('77-2', true))).toEqual({ runId: '77-2', protection: true });
    expect(parseParked('run=1-1 protection=maybe')).toBeUndefined();
  });
});

describe('what a failure says', () => {
  it('one of three endings, from the saved state', () => {
    expect(stagingOutcome({})).toBe('Staging is as it was.');
    expect(stagingOutcome({ rolledBack: true })).toBe('Staging is as it was (rolled back).');
    expect(stagingOutcome({ refreshed: true, pending: 'the old cluster x: the next run deletes it' })).toBe('Staging was refreshed; clean-up is pending (the old cluster x: the next run deletes it).');
    expect(stagingOutcome({ refreshed: true, attention: 'rename y back' })).toBe('Staging needs attention (rename y back).');
  });

  it('errors get the step and the AWS operation; notices and messages that say it already are left alone', async () => {
    const rds = new RDSClient({ region: 'ap-northeast-1', endpoint: 'http://127.0.0.1:9', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    nameFailedOperations(rds);
    nameFailedOperations(rds);
    const e = await rds.send(new DescribeDBClustersCommand({})).catch(x => x as Error);
    expect(failedOperation(e)).toBe('DescribeDBClusters');
    const report = new Report();
    await report.step('Swap', async () => Promise.reject(e)).catch(() => undefined);
    const out = withWhereAndOutcome(
      [
        { title: 'A', message: 'went wrong' },
        { title: 'B', message: 'Step Swap, DescribeDBClusters: Staging is as it was.' },
        { title: 'C', message: 'busy', severity: 'notice' }
      ],
      e,
      report,
      { runId: '1-1', rolledBack: true }
    );
    expect(out.map(d => d.message)).toEqual(['went wrong\nStep Swap, AWS operation DescribeDBClusters. Staging is as it was (rolled back).', 'Step Swap, DescribeDBClusters: Staging is as it was.', 'busy']);
  });
});
