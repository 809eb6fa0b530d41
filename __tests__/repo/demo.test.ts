/**
 * `npm run demo` as a person runs it: no raw workflow command reaches the
 * terminal, secrets are ***, no debug line unless RUNNER_DEBUG=1, the summary
 * is an aligned table, and nothing is left in the temporary directory.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../../tools/local-runner';
import { seedInputs, stage, type Stage } from '../e2e/harness';

const dirs: string[] = [];
let s: Stage | undefined;
afterAll(async () => {
  await s?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function demo(args: string[], env: Record<string, string> = {}) {
  const tmp = mkdtempSync(join(tmpdir(), 'demo-tmp-'));
  dirs.push(tmp);
  const base = { ...process.env };
  delete base.RUNNER_DEBUG;
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'scripts', 'demo.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...base, TMPDIR: tmp, ...env },
    timeout: 180_000
  });
  // tsx keeps its compile cache there (tsx-UID), to reuse on the next run: that one is not the demo's.
  return { ...r, left: readdirSync(tmp).filter(f => !/^tsx-\d+$/.test(f)) };
}

describe('npm run demo', () => {
  it('reads like the job log on GitHub and removes its temporary files', () => {
    const r = demo([]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.filter(l => /^\s*::/.test(l))).toEqual([]);
    expect(r.stdout).not.toContain('Debug:');
    expect(lines).toContain('▾ Credentials');
    expect(lines).toContain('▸ Lock staging');
    expect(lines).toContain('master-password=***');
    expect(r.stdout).not.toContain('production-secret-password');
    // The summary's step table: a header, a rule under it, the rows aligned on it.
    const header = lines.findIndex(l => /^Step +Result +Duration +Detail$/.test(l));
    expect(header).toBeGreaterThan(-1);
    expect(lines[header + 1]).toMatch(/^-+( {2}-+){3}$/);
    const col = lines[header]!.indexOf('Result');
    expect(lines[header + 2]).toMatch(/^Credentials +ok/);
    expect(lines[header + 2]!.indexOf('ok')).toBe(col);
    // The runner folder (outputs with the password in it) and the emulator's database folders are gone.
    expect(r.left).toEqual([]);
  });

  it('shows debug lines with RUNNER_DEBUG=1', () => {
    const r = demo(['--mode', 'policies'], { RUNNER_DEBUG: '1' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Debug: /m);
    expect(r.left).toEqual([]);
  });
});

describe('log groups', () => {
  it.each(['policies', 'plan'])('mode %s never opens a group inside another', async mode => {
    s ??= await stage('seed.yaml');
    const run = await s.run(seedInputs({ mode }));
    expect(run.code).toBe(0);
    let open: string | undefined;
    const nested: string[] = [];
    for (const line of run.stdout.split('\n')) {
      if (line.startsWith('::group::')) {
        if (open) nested.push(`${line.slice(9)} inside ${open}`);
        open = line.slice(9);
      } else if (line.startsWith('::endgroup::')) open = undefined;
    }
    expect(nested).toEqual([]);
  });
});
