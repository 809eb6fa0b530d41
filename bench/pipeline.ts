/**
 * npx tsx bench/pipeline.ts   (npm run bench)
 *
 * Issue 8, pipeline: how close the action comes to the least AWS work possible,
 * side by side with the hand-written AWS CLI script teams use today.
 *
 * For each scenario (bench/scenarios/*.yaml, 50 GB production cluster) it runs,
 * each on a fresh local emulator (emulator/, no databases behind endpoints, the
 * scenario's timings at --time-scale):
 *   (a) the action: dist/index.js, main step then post step, as the runner runs
 *       it (tools/local-runner.ts, OIDC from tools/oidc-server.ts), with the
 *       e2e inputs (seedInputs()) and poll-interval-seconds = 15 s simulated;
 *   (b) bench/cli-script.sh with Debian's awscli (/usr/bin/aws, installed with
 *       apt-get when missing), its `aws rds wait` delay scaled by the same
 *       factor as AWS itself (30 s simulated) through AWS_DATA_PATH.
 * and prints wall time (real and simulated), full-data copies and restores,
 * API calls (from the emulator's request log), the ratios a/b and wall time
 * over the critical path (the AWS operations the scenario cannot avoid).
 *
 * Issue 15 adds (c) the action with transfer: clone on the scenarios whose production
 * role may use AWS RAM (cmk-clone, cmk-clone-2tb), the clone's critical path, the
 * ratio "staging usable / (critical path + the swap's two renames)" and the time the
 * job runs on after staging is usable.
 *
 * Options: --time-scale S (real seconds per simulated second, default 0.02),
 * --scenario NAME (repeatable; default all), --only action,clone,cli (comma list);
 * BENCH_REQUEST_LOG=DIR writes each action run's request log to DIR.
 * Exit code 0 unless it cannot measure at all.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { seedInputs, SHARE_KEY, STAGING_KEY, SOURCE, TARGET } from '../__tests__/e2e/harness';
import { startEmulator, type RunningEmulator } from '../emulator/index';
import { loadScenarioFile, type ScenarioObject } from '../emulator/scenario';
import type { RequestRecord } from '../emulator/state';
import { defaultTimings, type Timings } from '../emulator/world';
import { ROOT, runnerFiles, simulatedClockEnv, startAction } from '../tools/local-runner';
import { githubJwt, startOidcServer } from '../tools/oidc-server';

const SCENARIO_DIR = join(ROOT, 'bench', 'scenarios');
const CLI_SCRIPT = join(ROOT, 'bench', 'cli-script.sh');
const DEBIAN_AWS = '/usr/bin/aws';
/** The floor of the action's adaptive poll schedule (src/wait.ts toleranceMs), in simulated seconds. */
const ACTION_POLL_FLOOR_S = 15;
const SOURCE_CLUSTER = 'app-production';
const TARGET_CLUSTER = 'app-staging';

// ---------------------------------------------------------------- the critical path

export interface PathStep {
  name: string;
  seconds: number;
}

/**
 * The AWS operations a refresh of `sourceCluster` into another account cannot avoid,
 * from the scenario's timings, in simulated seconds: a copy under a customer managed key
 * when the newest snapshot is automated or under aws/rds (neither can be shared); one
 * restore (Aurora restores a shared snapshot under the staging key directly, so no copy
 * in staging); the first instance.
 */
export function criticalPath(scenario: ScenarioObject, sourceAccount: string, sourceCluster: string): PathStep[] {
  const timings: Timings = { ...defaultTimings, ...scenario.timings };
  const account = scenario.accounts.find(a => String(a.id) === sourceAccount);
  const cluster = account?.clusters?.find(c => c.id === sourceCluster);
  if (!account || !cluster) throw new Error(`scenario: no cluster ${sourceCluster} in account ${sourceAccount}`);
  const snapshots = (account.snapshots ?? []).filter(s => s.cluster === sourceCluster && (s.status ?? 'available') === 'available');
  const newest = [...snapshots].sort((x, y) => (x.ageHours ?? 0) - (y.ageHours ?? 0))[0];
  if (!newest) throw new Error(`scenario: cluster ${sourceCluster} has no available snapshot`);
  const sizeGb = newest.sizeGb ?? cluster.sizeGb ?? 0;
  const keyRef = newest.kmsKey ?? cluster.kmsKey ?? 'alias/aws/rds';
  const awsManaged = keyRef === 'alias/aws/rds' || (account.keys ?? []).some(k => k.manager === 'AWS' && (k.alias === keyRef || k.id === keyRef || k.aliases?.includes(keyRef)));
  const steps: PathStep[] = [];
  if ((newest.type ?? 'automated') === 'automated' || awsManaged) steps.push({ name: 'copy under the CMK', seconds: sizeGb * timings.copySecondsPerGb });
  steps.push({ name: 'restore', seconds: sizeGb * timings.restoreSecondsPerGb });
  steps.push({ name: 'first instance', seconds: timings.createInstanceSeconds });
  return steps;
}

/** The two renames of the swap (old out of the way, new into the name): AWS operations the swap cannot avoid. */
export function renames(scenario: ScenarioObject): PathStep[] {
  const timings: Timings = { ...defaultTimings, ...scenario.timings };
  return [
    { name: 'rename old', seconds: timings.renameSeconds },
    { name: 'rename new', seconds: timings.renameSeconds }
  ];
}

/** transfer clone: the copy-on-write clone (the same whatever the size), then the first instance. */
export function clonePath(scenario: ScenarioObject): PathStep[] {
  const timings: Timings = { ...defaultTimings, ...scenario.timings };
  return [
    { name: 'clone', seconds: timings.cloneSeconds ?? 300 },
    { name: 'first instance', seconds: timings.createInstanceSeconds }
  ];
}

/** Whether the scenario lets the production role share through RAM (the clone contender runs only then). */
export function canClone(scenario: ScenarioObject, sourceAccount: string): boolean {
  return JSON.stringify(scenario.accounts.find(a => String(a.id) === sourceAccount)?.roles ?? []).includes('ram:CreateResourceShare');
}

// ---------------------------------------------------------------- one run

/** action: transfer snapshot (the default); clone: the action with transfer: clone; cli: bench/cli-script.sh. */
type Contender = 'action' | 'clone' | 'cli';

interface Mark {
  /** Real seconds since the run started. */
  at: number;
  name: string;
}

export interface RunResult {
  contender: Contender;
  timeScale: number;
  ok: boolean;
  failure?: string;
  /** Real seconds from the start of the run to its end. */
  wallS: number;
  /** Real seconds until staging serves the refreshed data (action: end of the swap; script: its end). */
  usableS: number;
  copies: number;
  restores: number;
  /** Copy-on-write clones (RestoreDBClusterToPointInTime). */
  clones: number;
  calls: number;
  describes: number;
  counts: Record<string, number>;
  marks: Mark[];
  /** Real seconds during which AWS work (or its notice) was pending. */
  busyS: number;
  /** Same, until staging was usable. */
  busyUntilUsableS: number;
  /** Same, until each mark. */
  markBusy: number[];
}

function tally(requests: RequestRecord[]): Pick<RunResult, 'copies' | 'restores' | 'clones' | 'calls' | 'describes' | 'counts'> {
  const succeeded = (op: string) => requests.filter(r => r.operation === op && r.status >= 200 && r.status < 300).length;
  const counts: Record<string, number> = {};
  for (const r of requests) counts[`${r.service}:${r.operation}`] = (counts[`${r.service}:${r.operation}`] ?? 0) + 1;
  return {
    copies: succeeded('CopyDBClusterSnapshot'),
    restores: succeeded('RestoreDBClusterFromSnapshot'),
    clones: succeeded('RestoreDBClusterToPointInTime'),
    calls: requests.length,
    describes: requests.filter(r => r.operation.startsWith('Describe')).length,
    counts
  };
}

/**
 * Splits a run's real time into AWS time and client time by watching the emulator's
 * pending timed transitions (copy, restore, instance creation, rename, delete...). A
 * transition is applied at the first request after it is due, so "pending" covers the
 * operation and the client's lateness in noticing it: simulated time. The rest is the
 * client's own work (process starts, planning, calls between operations), which takes
 * the same real seconds against AWS as here and must not be multiplied by 1/timeScale.
 * Reads the emulator's private job list (read-only): the emulator has no public view of it.
 */
class BusyMeter {
  private readonly samples: Array<{ at: number; busy: number }> = [];
  private busy = 0;
  private last: number;
  private readonly timer: NodeJS.Timeout;
  constructor(
    private readonly emulator: RunningEmulator,
    private readonly t0: number
  ) {
    this.last = t0;
    this.timer = setInterval(() => this.sample(), 5);
  }
  private pending(): boolean {
    return (this.emulator.world as unknown as { jobs: unknown[] }).jobs.length > 0;
  }
  private sample(): void {
    const now = performance.now();
    if (this.pending()) this.busy += now - this.last;
    this.last = now;
    this.samples.push({ at: (now - this.t0) / 1000, busy: this.busy / 1000 });
  }
  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
  /** Real seconds with AWS work pending, from the start of the run to `at` (real seconds). */
  busyUntil(at: number): number {
    let b = 0;
    for (const s of this.samples) {
      if (s.at > at) break;
      b = s.busy;
    }
    return b;
  }
}

function withScale(scenario: ScenarioObject, timeScale: number): ScenarioObject {
  return { ...scenario, timings: { ...scenario.timings, timeScale } };
}

interface StagingView {
  clusters: Array<{ id: string; status: string; instances: Array<{ id: string; status: string }> }>;
}

function stagingCluster(emulator: RunningEmulator, id: string | RegExp) {
  const accounts = emulator.state().accounts as unknown as Array<{ id: string } & StagingView>;
  const staging = accounts.find(a => a.id === TARGET);
  return staging?.clusters.find(c => (typeof id === 'string' ? c.id === id : id.test(c.id)));
}

function servesData(c: ReturnType<typeof stagingCluster>): boolean {
  return !!c && c.status === 'available' && c.instances.some(i => i.status === 'available');
}

async function runTheAction(scenario: ScenarioObject, timeScale: number, contender: 'action' | 'clone' = 'action'): Promise<RunResult> {
  const emulator = await startEmulator({ scenario: withScale(scenario, timeScale), databases: null });
  const oidc = await startOidcServer();
  try {
    const files = runnerFiles();
    // The action's process reads the emulator's simulated clock (its role sessions expire on it, and it
    // renews them as on AWS), so its own polling schedule runs in simulated seconds, as against AWS.
    const env = { AWS_ENDPOINT_URL: emulator.url, ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url, ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken, ...simulatedClockEnv(emulator.world.clock) };
    // A 2 TB restore runs about 7 hours, past the default wait-timeout-minutes (360): a user with such a
    // database raises it, and so does the bench (the CLI script's waiters are not raised: it is the script as written).
    const inputs = seedInputs({ 'poll-interval-seconds': String(ACTION_POLL_FLOOR_S), 'wait-timeout-minutes': '1440', ...(contender === 'clone' ? { transfer: 'clone' } : {}) });
    const marks: Mark[] = [];
    const t0 = performance.now();
    const meter = new BusyMeter(emulator, t0);
    const mark = (chunk: string) => {
      for (const m of chunk.matchAll(/^::group::(.*)$/gm)) marks.push({ at: (performance.now() - t0) / 1000, name: m[1]!.trim() });
    };
    const main = await startAction({ inputs, env, files, onStdout: mark }).done;
    marks.push({ at: (performance.now() - t0) / 1000, name: 'post step' });
    const post = await startAction({ inputs, env, files, post: true }).done;
    const wallS = (performance.now() - t0) / 1000;
    meter.stop();
    const afterSwap = marks.findIndex(m => m.name === 'Swap') + 1;
    const usableS = afterSwap > 0 && marks[afterSwap] ? marks[afterSwap]!.at : wallS;
    const ok = main.code === 0 && post.code === 0 && servesData(stagingCluster(emulator, TARGET_CLUSTER));
    const failure = ok ? undefined : `main exit ${main.code}, post exit ${post.code}: ${[...main.errors, ...post.errors].map(e => `${e.title ?? ''} ${e.message}`).join(' | ') || main.stderr.slice(-500)}`;
    return {
      contender,
      timeScale,
      ok,
      failure,
      wallS,
      usableS,
      marks,
      busyS: meter.busyUntil(Infinity),
      busyUntilUsableS: meter.busyUntil(usableS),
      markBusy: marks.map(m => meter.busyUntil(m.at)),
      ...tally(emulator.state().requests)
    };
  } finally {
    dumpRequests(emulator, contender);
    await oidc.close();
    await emulator.close();
  }
}

/**
 * BENCH_REQUEST_LOG=DIR: write each action run's request log (service, operation, status, simulated time) to
 * DIR/<scenario>-<contender>.json, to see where simulated time goes between the unavoidable operations.
 */
function dumpRequests(emulator: RunningEmulator, contender: Contender): void {
  const dir = process.env.BENCH_REQUEST_LOG;
  if (!dir) return;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${currentScenario}-${contender}.json`), JSON.stringify(emulator.state().requests, null, 1));
}
let currentScenario = '';

// ---------------------------------------------------------------- the AWS CLI

interface AwsCli {
  path: string;
  version: string;
  /** AWS_ENDPOINT_URL is read by AWS CLI v2 >= 2.13 and v1 >= 1.29. */
  readsEndpointVariable: boolean;
  /** The CLI's own waiter model for RDS. */
  waiters: string;
}

function findDebianAwsCli(): AwsCli | string {
  if (!existsSync(DEBIAN_AWS)) {
    const isRoot = process.getuid?.() === 0;
    if (!isRoot) return `${DEBIAN_AWS} is missing and this is not root: run "apt-get install -y awscli" first`;
    console.log(`${DEBIAN_AWS} is missing: apt-get install -y awscli ...`);
    const install = () => execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'awscli'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    try {
      install();
    } catch {
      execFileSync('apt-get', ['update'], { stdio: 'inherit' });
      install();
    }
  }
  const version = execFileSync(DEBIAN_AWS, ['--version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: tmpdir() } }).trim();
  const m = /aws-cli\/(\d+)\.(\d+)\.(\d+)/.exec(version);
  const [major, minor] = m ? [Number(m[1]), Number(m[2])] : [0, 0];
  const readsEndpointVariable = (major === 2 && minor >= 13) || (major === 1 && minor >= 29) || major > 2;
  let waiters = '';
  try {
    waiters =
      execFileSync('dpkg', ['-L', 'awscli'], { encoding: 'utf8' })
        .split('\n')
        .find(l => l.endsWith('/rds/2014-10-31/waiters-2.json')) ?? '';
  } catch {
    /* not a dpkg system: fall through */
  }
  if (!waiters) return `cannot find the RDS waiter model of ${DEBIAN_AWS} (dpkg -L awscli)`;
  return { path: DEBIAN_AWS, version, readsEndpointVariable, waiters };
}

/**
 * The CLI's RDS waiter model with every delay multiplied by the time scale, in a directory
 * for AWS_DATA_PATH: `aws rds wait` then polls every 30 simulated seconds, as it does
 * against AWS every 30 real seconds. Attempts and acceptors stay as shipped.
 */
function scaledWaiters(cli: AwsCli, timeScale: number): { dataPath: string; delays: Record<string, number> } {
  const model = JSON.parse(readFileSync(cli.waiters, 'utf8')) as { waiters: Record<string, { delay: number }> };
  const delays: Record<string, number> = {};
  for (const [name, w] of Object.entries(model.waiters)) {
    delays[name] = w.delay;
    w.delay = w.delay * timeScale;
  }
  const dataPath = mkdtempSync(join(tmpdir(), 'bench-aws-data-'));
  mkdirSync(join(dataPath, 'rds', '2014-10-31'), { recursive: true });
  writeFileSync(join(dataPath, 'rds', '2014-10-31', 'waiters-2.json'), JSON.stringify(model));
  return { dataPath, delays };
}

async function runTheScript(scenario: ScenarioObject, timeScale: number, cli: AwsCli): Promise<RunResult> {
  const emulator = await startEmulator({ scenario: withScale(scenario, timeScale), databases: null });
  const home = mkdtempSync(join(tmpdir(), 'bench-cli-home-'));
  const tokenFile = join(home, 'web-identity-token');
  writeFileSync(tokenFile, githubJwt());
  const suffix = `r${Date.now().toString(36)}`;
  const { dataPath } = scaledWaiters(cli, timeScale);
  // A clean environment: Debian's aws first on PATH, no profile or config of this machine.
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_PAGER: '',
    AWS_DATA_PATH: dataPath,
    AWS_CLI: cli.path,
    AWS_ENDPOINT_URL: emulator.url,
    AWS_DEFAULT_REGION: 'ap-northeast-1',
    WEB_IDENTITY_TOKEN_FILE: tokenFile,
    SOURCE_ROLE_ARN: `arn:aws:iam::${SOURCE}:role/rds-sync-production`,
    TARGET_ROLE_ARN: `arn:aws:iam::${TARGET}:role/rds-sync-staging`,
    SOURCE_CLUSTER,
    TARGET_CLUSTER,
    SHARE_KMS_KEY_ARN: SHARE_KEY,
    TARGET_KMS_KEY_ARN: STAGING_KEY,
    TARGET_ACCOUNT_ID: TARGET,
    TARGET_SUBNET_GROUP: 'staging-db',
    TARGET_SECURITY_GROUP: 'sg-0stg00000000000b',
    ENGINE: 'aurora-postgresql',
    INSTANCE_CLASS: 'db.r6g.large',
    RUN_SUFFIX: suffix
  };
  try {
    const marks: Mark[] = [];
    const t0 = performance.now();
    const meter = new BusyMeter(emulator, t0);
    const child = spawn('bash', [CLI_SCRIPT], { env, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      for (const m of d.toString().matchAll(/^::step::(.*)$/gm)) marks.push({ at: (performance.now() - t0) / 1000, name: m[1]!.trim() });
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', c => resolve(c));
    });
    const wallS = (performance.now() - t0) / 1000;
    meter.stop();
    const ok = code === 0 && servesData(stagingCluster(emulator, `${TARGET_CLUSTER}-${suffix}`));
    const failure = ok ? undefined : `exit ${code}: ${(stderr || stdout).trim().split('\n').slice(-5).join(' | ')}`;
    const busyS = meter.busyUntil(Infinity);
    return { contender: 'cli', timeScale, ok, failure, wallS, usableS: wallS, marks, busyS, busyUntilUsableS: busyS, markBusy: marks.map(m => meter.busyUntil(m.at)), ...tally(emulator.state().requests) };
  } finally {
    await emulator.close();
  }
}

// ---------------------------------------------------------------- report

interface ScenarioRun {
  name: string;
  path: PathStep[];
  /** transfer clone's critical path (absent: the scenario cannot clone). */
  clonePath?: PathStep[];
  renames: PathStep[];
  measured: Partial<Record<Contender, RunResult>>;
}

const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const min = (simS: number) => (simS / 60).toFixed(1);

/**
 * Simulated seconds of the first `realS` of a run: the AWS part scaled by 1/timeScale, the
 * client's own time at its real length (what the run would take against AWS). `raw` scales all.
 */
export function simulatedSeconds(realS: number, busyRealS: number, timeScale: number): { raw: number; estimate: number; clientS: number } {
  const busy = Math.min(busyRealS, realS);
  return { raw: realS / timeScale, estimate: busy / timeScale + (realS - busy), clientS: realS - busy };
}

const sim = (r: RunResult) => simulatedSeconds(r.wallS, r.busyS, r.timeScale);

function report(runs: ScenarioRun[], timeScale: number): void {
  const header = [
    'scenario',
    'run',
    'real wall (s)',
    'real wall ÷ time scale (sim min)',
    'of it client (real s)',
    'wall, client unscaled (sim min)',
    'staging usable at (sim min)',
    'critical path (sim min)',
    'wall / critical path',
    'usable / (critical path + renames)',
    'wall − usable (sim min)',
    'full copies',
    'restores',
    'clones',
    'API calls (describes)',
    'a/b wall',
    'a/b copies',
    'a/b API calls'
  ];
  const rows: string[][] = [];
  const total = (p: PathStep[]) => p.reduce((t, x) => t + x.seconds, 0);
  const label: Record<Contender, string> = { action: '(a) action, transfer snapshot', clone: '(c) action, transfer clone', cli: '(b) aws CLI script' };
  for (const s of runs) {
    const b = s.measured.cli;
    for (const r of [s.measured.action, s.measured.clone, b]) {
      if (!r) continue;
      const cp = total(r.contender === 'clone' ? (s.clonePath ?? s.path) : s.path);
      const w = sim(r);
      const usable = simulatedSeconds(r.usableS, r.busyUntilUsableS, r.timeScale);
      const vsB = r.contender !== 'cli' && b;
      rows.push([
        s.name,
        label[r.contender] + (r.ok ? '' : ' **FAILED**'),
        f1(r.wallS),
        min(w.raw),
        f1(w.clientS),
        min(w.estimate),
        min(usable.estimate),
        min(cp),
        f2(w.estimate / cp),
        f2(usable.estimate / (cp + total(s.renames))),
        min(w.estimate - usable.estimate),
        String(r.copies),
        String(r.restores),
        String(r.clones),
        `${r.calls} (${r.describes})`,
        vsB ? f2(w.estimate / sim(b).estimate) : '',
        vsB ? (b.copies ? f2(r.copies / b.copies) : '—') : '',
        vsB ? f2(r.calls / b.calls) : ''
      ]);
    }
  }
  console.log(`\n| ${header.join(' | ')} |\n|${header.map((_, i) => (i < 2 ? '---' : '--:')).join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log('\nCritical paths (simulated), each plus the two renames of the swap:');
  for (const s of runs) {
    const line = (p: PathStep[]) => `${p.map(x => `${x.name} ${min(x.seconds)} min`).join(' -> ')} = ${min(total(p))} min (+ renames ${min(total(s.renames))} min)`;
    console.log(`  ${s.name}, snapshot: ${line(s.path)}`);
    if (s.clonePath) console.log(`  ${s.name}, clone: ${line(s.clonePath)}`);
  }
  console.log(`\nTime scale ${timeScale}: 1 simulated minute = ${f2(60 * timeScale)} real s.`);
  for (const s of runs) {
    for (const r of [s.measured.action, s.measured.clone, s.measured.cli]) {
      if (!r) continue;
      console.log(`\n${s.name} / ${r.contender}: steps at (sim min, client unscaled): ${r.marks.map(m => `${m.name} @${min(simulatedSeconds(m.at, busyAt(r, m), r.timeScale).estimate)}`).join(', ')}`);
      console.log(
        `  calls: ${Object.entries(r.counts)
          .sort()
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      );
      if (!r.ok) console.log(`  FAILED: ${r.failure}`);
    }
  }
}

function busyAt(r: RunResult, m: Mark): number {
  return r.markBusy[r.marks.indexOf(m)] ?? 0;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'time-scale': { type: 'string', default: process.env.BENCH_TIME_SCALE ?? '0.02' },
      scenario: { type: 'string', multiple: true },
      only: { type: 'string' }
    }
  });
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0 && timeScale <= 1)) throw new Error(`--time-scale must be in (0, 1], got ${values['time-scale']}`);
  const all: Contender[] = ['action', 'clone', 'cli'];
  const contenders: Contender[] = values.only ? all.filter(c => values.only!.split(',').includes(c)) : all;
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    console.error('dist/index.js is missing: run npm run package first');
    return 1;
  }
  let cli: AwsCli | undefined;
  if (contenders.includes('cli')) {
    const found = findDebianAwsCli();
    if (typeof found === 'string') {
      console.error(found);
      return 1;
    }
    cli = found;
    console.log(
      `AWS CLI: ${cli.path}: ${cli.version}; AWS_ENDPOINT_URL ${cli.readsEndpointVariable ? 'supported' : 'not supported (< 2.13): the script passes --endpoint-url'}; ` +
        `aws rds wait delay 30 s simulated = ${f2(30 * timeScale)} s real (waiter model via AWS_DATA_PATH)`
    );
  }
  console.log(`Action: ${join(ROOT, 'dist', 'index.js')} on the emulator's simulated clock; poll-interval-seconds ${ACTION_POLL_FLOOR_S} (simulated)`);

  const files = readdirSync(SCENARIO_DIR)
    .filter(f => f.endsWith('.yaml'))
    .sort();
  const wanted = values.scenario?.length ? files.filter(f => values.scenario!.some(w => f.startsWith(w))) : files;
  const runs: ScenarioRun[] = [];
  for (const file of wanted) {
    const scenario = loadScenarioFile(join(SCENARIO_DIR, file));
    const cloneable = canClone(scenario, SOURCE);
    currentScenario = basename(file, '.yaml');
    const run: ScenarioRun = {
      name: basename(file, '.yaml'),
      path: criticalPath(scenario, SOURCE, SOURCE_CLUSTER),
      ...(cloneable ? { clonePath: clonePath(scenario) } : {}),
      renames: renames(scenario),
      measured: {}
    };
    for (const c of contenders) {
      if (c === 'clone' && !cloneable) continue;
      const go = (scale: number) => (c === 'cli' ? runTheScript(scenario, scale, cli!) : runTheAction(scenario, scale, c));
      const r = await go(timeScale);
      run.measured[c] = r;
      console.log(`${run.name} ${c}: ${f1(r.wallS)} s real, ${r.copies} copies, ${r.restores} restores, ${r.clones} clones, ${r.calls} calls${r.ok ? '' : ` FAILED ${r.failure}`}`);
    }
    runs.push(run);
  }
  report(runs, timeScale);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('bench/pipeline.ts')) {
  process.exitCode = await main();
}
