/**
 * What a run tells the person reading the job: timed steps, outputs, annotated
 * errors and the job summary.
 */
import * as core from '@actions/core';
import { runPageUrl } from './context';

export type StepResult = 'ok' | 'skipped' | 'failed';

export interface StepRecord {
  name: string;
  result: StepResult;
  durationMs: number;
  detail?: string;
}

/** An annotated problem: a title, the message, and the remediation (JSON to add, as text). */
export interface Diagnostic {
  title: string;
  message: string;
  /** Statements or commands that fix it, shown verbatim in the summary. */
  fix?: string;
  /** 'error' fails the job; 'warning' and 'notice' do not. */
  severity?: 'error' | 'warning' | 'notice';
}

export class Report {
  readonly steps: StepRecord[] = [];
  readonly diagnostics: Diagnostic[] = [];
  readonly facts: Array<[string, string]> = [];
  readonly outputs: Record<string, string> = {};
  private readonly started = Date.now();

  constructor(private readonly clock: () => number = Date.now) {}

  /**
   * Run one step inside a log group, timing it and recording its result.
   * group: false for a step that opens log groups of its own (the runner does not nest groups).
   */
  async step<T>(name: string, fn: () => Promise<T>, detail?: (value: T) => string | undefined, options: { group?: boolean } = {}): Promise<T> {
    const t0 = this.clock();
    const group = options.group ?? true;
    if (group) core.startGroup(name);
    try {
      const value = await fn();
      this.steps.push({ name, result: 'ok', durationMs: this.clock() - t0, detail: detail?.(value) });
      return value;
    } catch (e) {
      this.steps.push({ name, result: 'failed', durationMs: this.clock() - t0, detail: (e as Error).message });
      throw e;
    } finally {
      if (group) core.endGroup();
    }
  }

  skip(name: string, why: string): void {
    this.steps.push({ name, result: 'skipped', durationMs: 0, detail: why });
    core.info(`${name}: skipped (${why})`);
  }

  fact(name: string, value: string): void {
    this.facts.push([name, value]);
  }

  /** Set an action output (declared in action.yml) and keep it for the summary. */
  output(name: string, value: string | number | boolean): void {
    this.outputs[name] = String(value);
    core.setOutput(name, String(value));
  }

  /** Annotate the job (error, warning or notice with a title) and keep it for the summary. */
  diagnose(d: Diagnostic): void {
    this.diagnostics.push(d);
    const text = d.fix ? `${d.message}\n\nFix:\n${d.fix}` : d.message;
    const severity = d.severity ?? 'error';
    if (severity === 'error') core.error(text, { title: d.title });
    else if (severity === 'warning') core.warning(text, { title: d.title });
    else core.notice(text, { title: d.title });
  }

  elapsedMs(): number {
    return this.clock() - this.started;
  }

  /** Write the job summary when the runner gives a summary file. */
  async writeSummary(heading: string, outcome: 'succeeded' | 'failed'): Promise<void> {
    if (!process.env.GITHUB_STEP_SUMMARY) return;
    const s = core.summary;
    s.addHeading(heading, 2);
    s.addRaw(`<p><b>${outcome === 'succeeded' ? '✅ Succeeded' : '❌ Failed'}</b> in ${formatDuration(this.elapsedMs())}</p>`, true);
    // Loaded here, not at start: @actions/github (with Octokit) stays out of the startup path.
    const by = runByLine((await import('@actions/github')).context);
    if (by) s.addRaw(`<p>${by}</p>`, true);
    if (this.steps.length > 0) {
      s.addTable([
        [
          { data: 'Step', header: true },
          { data: 'Result', header: true },
          { data: 'Duration', header: true },
          { data: 'Detail', header: true }
        ],
        ...this.steps.map(st => [escape(st.name), st.result, formatDuration(st.durationMs), escape(st.detail ?? '')])
      ]);
    }
    if (this.facts.length > 0) {
      s.addTable([
        [
          { data: 'What', header: true },
          { data: 'Value', header: true }
        ],
        ...this.facts.map(([k, v]) => [escape(k), escape(v)])
      ]);
    }
    for (const d of this.diagnostics) {
      s.addHeading(escape(d.title), 3);
      s.addRaw(`<p>${escape(d.message)}</p>`, true);
      if (d.fix) s.addCodeBlock(d.fix, d.fix.trimStart().startsWith('{') ? 'json' : undefined);
    }
    await s.write();
  }
}

/** What the summary reads of @actions/github's `context` (the runner's GITHUB_* variables). */
export interface RunContext {
  actor?: string;
  serverUrl: string;
  runId: number;
  runAttempt: number;
  /** Throws without GITHUB_REPOSITORY (and no repository in the event payload). */
  readonly repo: { owner: string; repo: string };
}

/** "Run by <actor> in <link to the run's page>", or undefined outside a workflow run. */
export function runByLine(c: RunContext): string | undefined {
  if (!Number.isSafeInteger(c.runId) || c.runId <= 0) return undefined;
  let repository: string;
  try {
    repository = `${c.repo.owner}/${c.repo.repo}`;
  } catch {
    return undefined;
  }
  const attempt = Number.isSafeInteger(c.runAttempt) && c.runAttempt > 0 ? c.runAttempt : 1;
  const url = runPageUrl(c.serverUrl, repository, c.runId, attempt);
  const link = `<a href="${escape(url).replace(/"/g, '&quot;')}">${escape(repository)} run ${c.runId}, attempt ${attempt}</a>`;
  return c.actor ? `Run by ${escape(c.actor)} in ${link}` : `In ${link}`;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
