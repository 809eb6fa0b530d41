/**
 * Every workflow under .github/workflows passes GitHub's own workflow parser
 * (@actions/workflow-parser: the schema and conversion the Actions service and
 * the VS Code extension use), and action.yml passes its action parser. The
 * e2e workflow runs this action (`uses: ./`) with inputs action.yml declares,
 * after a step that starts the emulator; the release workflow moves vX.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { ROOT } from '../../tools/local-runner';

const WORKFLOWS = join(ROOT, '.github', 'workflows');
const files = readdirSync(WORKFLOWS)
  .filter(f => /\.ya?ml$/.test(f))
  .sort();

/** tools/check-workflows.ts (the parser, run under tsx): each file's errors, and the exit code. */
function check(paths: string[] = []): { code: number | null; report: Record<string, string[]> } {
  const r = spawnSync(join(ROOT, 'node_modules', '.bin', 'tsx'), [join(ROOT, 'tools', 'check-workflows.ts'), '--json', ...paths], { cwd: ROOT, encoding: 'utf8' });
  if (r.error || !r.stdout) throw new Error(`check-workflows did not run: ${r.error?.message ?? r.stderr}`);
  return { code: r.status, report: JSON.parse(r.stdout) as Record<string, string[]> };
}

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  env?: Record<string, string>;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { steps?: Step[]; uses?: string; needs?: string | string[]; permissions?: Record<string, string> }>;
}
const workflow = (file: string) => parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as Workflow;

describe('workflows', () => {
  it('ci, e2e and release are there', () => {
    expect(files).toEqual(['ci.yml', 'e2e.yml', 'release.yml']);
  });

  it("every workflow passes GitHub's workflow parser, and action.yml its action parser", () => {
    const { code, report } = check();
    expect(report).toEqual({ ...Object.fromEntries(files.map(f => [`.github/workflows/${f}`, []])), 'action.yml': [] });
    expect(code).toBe(0);
  });

  it('the parser does refuse broken files (so the test above can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'workflows-'));
    try {
      const ci = readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8');
      const broken = {
        'misspelt-key.yml': ci.replace('runs-on: ubuntu-latest', 'runs_on: ubuntu-latest'),
        'open-expression.yml': ci.replace('${{ github.ref }}', '${{ github.ref '),
        'unknown-context.yml': ci.replace('${{ github.ref }}', '${{ gihtub.ref }}'),
        'action.yml': readFileSync(join(ROOT, 'action.yml'), 'utf8').replace("using: 'node24'", "usin: 'node24'")
      };
      for (const [name, text] of Object.entries(broken)) writeFileSync(join(dir, name), text);
      const { code, report } = check(Object.keys(broken).map(n => join(dir, n)));
      expect(code).toBe(1);
      const errors = Object.values(report);
      expect(errors).toHaveLength(4);
      for (const e of errors) expect(e.length).toBeGreaterThan(0);
      expect(errors[0]!.join()).toContain("Unexpected value 'runs_on'");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('ci runs on pushes and pull requests, with PostgreSQL and MariaDB, and checks dist/', () => {
    const ci = workflow('ci.yml');
    expect(Object.keys(ci.on)).toEqual(expect.arrayContaining(['push', 'pull_request', 'workflow_call']));
    const text = readFileSync(join(WORKFLOWS, 'ci.yml'), 'utf8');
    for (const needle of ['image: postgres:', 'image: mariadb:', 'npm run build', 'npm run lint', 'npm run package', 'git status --porcelain -- dist', 'npm test', 'TEST_MYSQL_URL', 'TEST_POSTGRES_URL'])
      expect(text).toContain(needle);
  });

  it('e2e runs `uses: ./` with inputs action.yml declares, after the step that starts the emulator, then checks the outputs', () => {
    const declared = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as { inputs: Record<string, { required?: boolean }> };
    const steps = workflow('e2e.yml').jobs.seed!.steps!;
    const at = steps.findIndex(s => s.uses === './');
    expect(at).toBeGreaterThan(0);
    const action = steps[at]!;
    for (const name of Object.keys(action.with!)) expect(declared.inputs).toHaveProperty([name]);
    for (const [name, spec] of Object.entries(declared.inputs)) if (spec.required) expect(action.with).toHaveProperty([name]);
    const start = steps.findIndex(s => s.run?.includes('scripts/e2e-services.ts'));
    expect(start).toBeGreaterThan(-1);
    expect(start).toBeLessThan(at);
    expect(action.env!.AWS_ENDPOINT_URL).toBe(`\${{ steps.${steps[start]!.id}.outputs.url }}`);
    const check = steps.slice(at + 1).find(s => s.run?.includes('scripts/e2e-check.ts'));
    expect(check?.env?.OUTPUTS).toBe(`\${{ toJSON(steps.${action.id}.outputs) }}`);
    // No id-token permission: the token comes from the stand-in, never from GitHub.
    expect(JSON.stringify(workflow('e2e.yml'))).not.toContain('id-token');
  });

  it('release runs on vX.Y.Z tags, calls ci, then creates the release and moves vX', () => {
    const release = workflow('release.yml');
    expect(release.on).toEqual({ push: { tags: ['v[0-9]+.[0-9]+.[0-9]+'] } });
    expect(release.jobs.ci!.uses).toBe('./.github/workflows/ci.yml');
    expect(release.jobs.release!.needs).toEqual(['version', 'ci']);
    expect(release.jobs.release!.permissions).toEqual({ contents: 'write' });
    const run = release.jobs.release!.steps!.map(s => s.run ?? '').join('\n');
    expect(run).toContain('gh release create "$GITHUB_REF_NAME" --verify-tag');
    expect(run).toContain('git push --force origin "refs/tags/$major"');
  });

  it('dependabot updates npm (the AWS SDK as one group) and github-actions', () => {
    const config = parse(readFileSync(join(ROOT, '.github', 'dependabot.yml'), 'utf8')) as {
      version: number;
      updates: Array<{ 'package-ecosystem': string; directory: string; schedule: { interval: string }; groups?: Record<string, { patterns: string[] }> }>;
    };
    expect(config.version).toBe(2);
    expect(config.updates.map(u => u['package-ecosystem'])).toEqual(['npm', 'github-actions']);
    const npm = config.updates[0]!;
    expect(npm.groups!['aws-sdk']!.patterns).toContain('@aws-sdk/*');
    // Every AWS SDK package of package.json falls in that group.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    const sdk = Object.keys(pkg.dependencies).filter(d => d.startsWith('@aws-sdk/'));
    expect(sdk.length).toBeGreaterThan(0);
  });
});
