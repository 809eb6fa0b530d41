/**
 * npx tsx bench/bundle.ts   (npm run bench:bundle)
 *
 * Issue 8 bundle figures, on the dist/ as it is (this builds nothing: run
 * `npm run package` first for a fresh bundle):
 *   1. the size of dist/: every file, the total, and dist/index.js;
 *   2. the time from process start to the first AWS request: the bundle runs
 *      the way the runner starts it (tools/local-runner.ts: the runner's Node
 *      24, INPUT_* variables, GITHUB_* files), gets its OIDC token from
 *      tools/oidc-server.ts, and sends AWS requests (AWS_ENDPOINT_URL) to a
 *      local server that notes when the first one arrives, answers it with an
 *      error and ends the run. Repeated BENCH_RUNS times (default 10); median
 *      and p90 printed, next to a bare `node -e 0` start on the same Node for
 *      scale.
 *
 * Exit code 0 unless the bundle is missing or never reaches AWS.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { BUNDLE, ROOT, RUNNER_NODE, runnerFiles, startAction } from '../tools/local-runner';
import { startOidcServer } from '../tools/oidc-server';
import { VALID_INPUTS } from '../tools/test-inputs';

const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const DIST = join(ROOT, 'dist');
const RUN_TIMEOUT_MS = 30_000;

const mib = (bytes: number): string => (bytes / 1048576).toFixed(2);
const ms = (x: number): string => x.toFixed(0).padStart(5);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  // Nearest rank: the smallest value with at least q of the runs at or below it.
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

function files(dir: string): Array<{ path: string; bytes: number }> {
  return readdirSync(dir, { withFileTypes: true }).flatMap(e => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p) : [{ path: relative(ROOT, p), bytes: statSync(p).size }];
  });
}

/** What an AWS query API answers to a request it refuses: the run fails there, which is all this needs. */
const AWS_ERROR = '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>bench: refused on purpose</Message></Error><RequestId>bench</RequestId></ErrorResponse>';

interface Arrival {
  at: number;
  request: string;
}

async function awsStub(): Promise<{ url: string; next(): Promise<Arrival>; close(): Promise<void> }> {
  let waiting: ((a: Arrival) => void) | undefined;
  const server = createServer((req: IncomingMessage, res) => {
    const at = performance.now();
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const action = /(?:^|&)Action=([^&]+)/.exec(body)?.[1] ?? req.headers['x-amz-target'] ?? '';
      waiting?.({ at, request: `${req.method} ${req.url} ${action}`.trim() });
      waiting = undefined;
      res.writeHead(400, { 'content-type': 'text/xml' }).end(AWS_ERROR);
    });
  });
  await new Promise<void>(r => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    next: () => new Promise(r => (waiting = r)),
    close: () => new Promise(r => server.close(() => r()))
  };
}

/** Time from spawning the runner's Node with nothing to run to its exit: what starting a process costs at all. */
async function bareNodeMs(): Promise<number> {
  const t0 = performance.now();
  await new Promise<void>((resolve, reject) => {
    const child = spawn(RUNNER_NODE, ['-e', '0'], { stdio: 'ignore' });
    child.on('error', reject);
    child.on('close', () => resolve());
  });
  return performance.now() - t0;
}

async function main(): Promise<void> {
  if (!existsSync(BUNDLE)) {
    console.error(`${relative(ROOT, BUNDLE)} is missing: run npm run package first.`);
    process.exit(2);
  }
  const all = files(DIST);
  const total = all.reduce((a, f) => a + f.bytes, 0);
  const index = statSync(BUNDLE);
  console.log(`dist/ as built at ${index.mtime.toISOString()} (this script builds nothing)\n`);
  console.log('| file | bytes | MiB |');
  console.log('|---|--:|--:|');
  for (const f of all.sort((a, b) => b.bytes - a.bytes)) console.log(`| ${f.path} | ${f.bytes.toLocaleString('en-US')} | ${mib(f.bytes)} |`);
  console.log(`| **dist/ total (${all.length} files)** | ${total.toLocaleString('en-US')} | ${mib(total)} |`);
  console.log('');

  const oidc = await startOidcServer();
  const aws = await awsStub();
  const toToken: number[] = [];
  const toAws: number[] = [];
  const bare: number[] = [];
  let firstRequest = '';
  const node = await new Promise<string>(r => {
    const c = spawn(RUNNER_NODE, ['--version']);
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.on('close', () => r(out.trim()));
  });
  try {
    for (let i = 0; i < RUNS; i++) {
      bare.push(await bareNodeMs());
      const tokenRequestsBefore = oidc.requests.length;
      let tokenAt = NaN;
      const files = runnerFiles();
      const arrival = aws.next();
      const t0 = performance.now();
      const { child, done } = startAction({
        inputs: VALID_INPUTS,
        files,
        env: {
          AWS_ENDPOINT_URL: aws.url,
          ACTIONS_ID_TOKEN_REQUEST_URL: oidc.url,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: oidc.requestToken,
          AWS_ACCESS_KEY_ID: undefined,
          AWS_SECRET_ACCESS_KEY: undefined,
          AWS_PROFILE: undefined
        }
      });
      // The OIDC server records requests without times: poll its list cheaply while the run goes on.
      const watch = setInterval(() => {
        if (Number.isNaN(tokenAt) && oidc.requests.length > tokenRequestsBefore) tokenAt = performance.now();
      }, 1);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>(r => (timer = setTimeout(() => r('timeout'), RUN_TIMEOUT_MS)));
      const first = await Promise.race([arrival, done.then(() => 'exited' as const), timeout]);
      clearTimeout(timer);
      clearInterval(watch);
      child.kill('SIGKILL');
      const run = await done;
      if (typeof first === 'string') {
        console.error(`Run ${i + 1}: no AWS request (${first}); exit ${run.code}.\nstdout:\n${run.stdout.slice(-2000)}\nstderr:\n${run.stderr.slice(-2000)}`);
        process.exit(1);
      }
      firstRequest = first.request;
      toAws.push(first.at - t0);
      toToken.push(tokenAt - t0);
    }
  } finally {
    await aws.close();
    await oidc.close();
  }
  const row = (name: string, xs: number[]): string => `| ${name} | ${ms(quantile(xs, 0.5))} | ${ms(quantile(xs, 0.9))} | ${ms(Math.min(...xs))} | ${ms(Math.max(...xs))} |`;
  console.log(`Start-up: ${RUNS} runs of ${relative(ROOT, BUNDLE)} on ${RUNNER_NODE.startsWith(ROOT) ? relative(ROOT, RUNNER_NODE) : RUNNER_NODE} (${node}); first AWS request: ${firstRequest}\n`);
  console.log('| from process start to | median (ms) | p90 (ms) | min (ms) | max (ms) |');
  console.log('|---|--:|--:|--:|--:|');
  console.log(
    row(
      'OIDC token request (±1 ms)',
      toToken.filter(x => !Number.isNaN(x))
    )
  );
  console.log(row('first AWS request', toAws));
  console.log(row('exit of bare `node -e 0` (for scale)', bare));
  console.log('');
  console.log(
    `Summary: dist/ ${mib(total)} MiB (dist/index.js ${mib(index.size)} MiB); first AWS request ${quantile(toAws, 0.5).toFixed(0)} ms median, ${quantile(toAws, 0.9).toFixed(0)} ms p90 after process start, ` +
      `${(quantile(toAws, 0.5) / quantile(bare, 0.5)).toFixed(1)}x a bare Node start.`
  );
}

await main();
