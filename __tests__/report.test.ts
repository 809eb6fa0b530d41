/**
 * src/report.ts: the job summary's "Run by <actor> in <link>" line, from
 * @actions/github's context (the runner's GITHUB_* variables).
 */
import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Report, runByLine, type RunContext } from '../src/report';

const ctx = (over: Partial<RunContext> & { repository?: string } = {}): RunContext => {
  const repository = over.repository ?? 'example-org/app';
  return {
    actor: 'octo-dev',
    serverUrl: 'https://github.example',
    runId: 8350,
    runAttempt: 2,
    ...over,
    get repo() {
      if (!repository) throw new Error("context.repo requires a GITHUB_REPOSITORY environment variable like 'owner/repo'");
      const [owner, repo] = repository.split('/');
      return { owner: owner!, repo: repo! };
    }
  };
};

describe('runByLine', () => {
  it('names the actor and links the run attempt on its server', () => {
    expect(runByLine(ctx())).toBe('Run by octo-dev in <a href="https://github.example/example-org/app/actions/runs/8350/attempts/2">example-org/app run 8350, attempt 2</a>');
  });

  it('without an actor: only the link; without an attempt number: attempt 1', () => {
    expect(runByLine(ctx({ actor: undefined, runAttempt: NaN }))).toBe('In <a href="https://github.example/example-org/app/actions/runs/8350/attempts/1">example-org/app run 8350, attempt 1</a>');
  });

  it('escapes what it writes into the HTML', () => {
    expect(runByLine(ctx({ actor: 'dependabot[bot]<x>' }))).toMatch(/^Run by dependabot\[bot\]&lt;x&gt; in </);
    expect(runByLine(ctx({ serverUrl: 'https://ghe.example/a"b&c' }))).toContain('href="https://ghe.example/a&quot;b&amp;c/example-org/app/');
  });

  it('outside a workflow run (no run id, or no repository): no line', () => {
    expect(runByLine(ctx({ runId: NaN }))).toBeUndefined();
    expect(runByLine(ctx({ repository: '' }))).toBeUndefined();
  });
});

describe('Report.writeSummary', () => {
  it('writes "Run by <actor> in <link>" under the outcome, from the runner\'s GITHUB_* variables', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summary-'));
    const file = join(dir, 'summary');
    writeFileSync(file, '');
    const saved = { ...process.env };
    // Set before writeSummary first loads @actions/github, whose context reads the environment then.
    Object.assign(process.env, {
      GITHUB_STEP_SUMMARY: file,
      GITHUB_SERVER_URL: 'https://github.example',
      GITHUB_REPOSITORY: 'example-org/app',
      GITHUB_RUN_ID: '8351',
      GITHUB_RUN_ATTEMPT: '3',
      GITHUB_ACTOR: 'octo-dev'
    });
    delete process.env.GITHUB_EVENT_PATH;
    try {
      let t = 0;
      const report = new Report(() => (t += 1000));
      await report.writeSummary('RDS cross-account sync', 'succeeded');
      const html = readFileSync(file, 'utf8');
      const outcome = html.indexOf('Succeeded');
      const line = html.indexOf('<p>Run by octo-dev in <a href="https://github.example/example-org/app/actions/runs/8351/attempts/3">example-org/app run 8351, attempt 3</a></p>');
      expect(outcome).toBeGreaterThan(0);
      expect(line).toBeGreaterThan(outcome);
    } finally {
      process.env = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
