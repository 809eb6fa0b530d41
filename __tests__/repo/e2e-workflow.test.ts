/**
 * The steps of .github/workflows/e2e.yml, run here as the runner runs them:
 * scripts/e2e-services.ts in its own process (the emulator in the seed scenario
 * and the OIDC stand-in), the bundled action with the `with:` and `env:` of the
 * workflow's `uses: ./` step, then scripts/e2e-check.ts on the step's outputs.
 */
import { afterAll, describe, expect, it } from '@jest/globals';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parse } from 'yaml';
import { parseCommandFile, ROOT, runnerFiles, startAction } from '../../tools/local-runner';

const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');
interface Step {
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
const steps = (parse(readFileSync(join(ROOT, '.github', 'workflows', 'e2e.yml'), 'utf8')) as { jobs: { seed: { steps: Step[] } } }).jobs.seed.steps;
const actionStep = steps.find(s => s.uses === './')!;

let services: ChildProcess | undefined;
const dirs: string[] = [];
afterAll(() => {
  services?.kill('SIGTERM');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function startServices(): Promise<Record<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'e2e-services-'));
  dirs.push(dir);
  const ready = join(dir, 'ready');
  services = spawn(TSX, [join(ROOT, 'scripts', 'e2e-services.ts'), '--scenario', join(ROOT, 'emulator', 'scenarios', 'seed.yaml'), '--ready', ready], { cwd: ROOT, stdio: 'ignore' });
  for (let i = 0; i < 240 && !existsSync(ready); i++) await new Promise(r => setTimeout(r, 250));
  return parseCommandFile(readFileSync(ready, 'utf8'));
}

function runCheck(outputs: Record<string, string>, endpoint: string) {
  return spawnSync(TSX, [join(ROOT, 'scripts', 'e2e-check.ts')], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, OUTPUTS: JSON.stringify(outputs), AWS_ENDPOINT_URL: endpoint } });
}

describe('the e2e workflow, step by step', () => {
  it("starts the emulator, runs the action with the workflow's inputs, and every check passes", async () => {
    const started = await startServices();
    expect(Object.keys(started)).toEqual(['url', 'oidc-url', 'oidc-token', 'clock']);
    // The workflow's ${{ steps.emulator.outputs.NAME }} values, and its paths relative to the checkout.
    const env = Object.fromEntries(
      Object.entries(actionStep.env!).map(([k, v]) => {
        const output = /outputs\.([\w-]+)/.exec(v)?.[1];
        return [k, output ? started[output]! : v.replace('${{ github.workspace }}', ROOT)];
      })
    );
    const inputs = Object.fromEntries(Object.entries(actionStep.with!).map(([k, v]) => [k, k === 'masking-rules' && !isAbsolute(v) ? join(ROOT, v) : String(v)]));
    const files = runnerFiles();
    dirs.push(files.dir);
    const main = await startAction({ inputs, env, files }).done;
    expect(main.errors).toEqual([]);
    expect(main.code).toBe(0);
    const post = await startAction({ inputs, env, files, post: true }).done;
    expect(post.code).toBe(0);

    const ok = runCheck(main.outputs, env.AWS_ENDPOINT_URL!);
    expect(ok.stdout).toContain('every check passed');
    expect(ok.stdout).not.toContain('::error');
    expect(ok.status).toBe(0);

    // The check can fail: a wrong output is an annotation and exit code 1.
    const bad = runCheck({ ...main.outputs, 'db-kind': 'instance', 'kms-key-arn': '' }, env.AWS_ENDPOINT_URL!);
    expect(bad.stdout).toContain('::error title=e2e check failed::db-kind is cluster (got "instance")');
    expect(bad.stdout).toContain('2 check(s) failed');
    expect(bad.status).toBe(1);
  });
});
