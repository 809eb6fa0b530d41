/**
 * Waiting for long AWS operations (snapshot copies, restores, instance
 * creation): polls with progress in the log, an overall time limit, and a
 * schedule that notices completion soon without flooding the API.
 *
 * The schedule (issue 8): notice completion at most max(15 s, 2 % of the
 * operation) late, with as few describe calls as that allows.
 *
 * - Without usable progress (no PercentProgress, 0 % while queued, 100 % while
 *   still finishing) nothing tells when the operation ends, so the pause is the
 *   lateness we accept if it ended right now: max(15 s, 2 % of the time
 *   waited). That is the sparsest schedule that keeps the lateness goal for
 *   every possible duration; it costs 4 calls a minute for the first 12.5
 *   minutes.
 * - With PercentProgress rising, the samples bound how fast the operation can
 *   go: a reported n % means the true progress is in [n, n + q) where q is the
 *   reporting step (1 for RDS's integer percent, larger when reports jump),
 *   so between two samples the rate is below (p2 + q - p1) / (t2 - t1). That
 *   gives a lower bound on the time left; the pause is a fraction of it (or
 *   the tolerance above, whichever is longer), so each poll closes in on the
 *   end without passing it while progress is roughly steady.
 */
import * as core from '@actions/core';

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: ms => new Promise(resolve => setTimeout(resolve, ms))
};

/** One look at the resource. */
export interface Observation<T> {
  /** The resource's status word as AWS gives it (creating, available, ...). */
  status: string;
  done: boolean;
  /** Set when the resource reached a state it will not leave (failed, deleted, incompatible-...). */
  failed?: string;
  /** 0..100 where AWS reports it (PercentProgress). */
  percent?: number;
  value?: T;
}

export interface WaitOptions {
  /** What is awaited, for the log: "snapshot copy app-2026-11-28". */
  what: string;
  timeoutMs: number;
  /** Upper bound for one pause (poll-interval-seconds); 0 means the adaptive schedule alone decides. */
  maxIntervalMs?: number;
  clock?: Clock;
  /** Log progress at most this often (ms of clock time). */
  logEveryMs?: number;
}

export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly waitedMs: number,
    readonly lastStatus: string
  ) {
    super(`Gave up waiting for ${what} after ${Math.round(waitedMs / 60000)} min (last status: ${lastStatus}); raise wait-timeout-minutes if it is only slow.`);
    this.name = 'WaitTimeoutError';
  }
}

export class WaitFailedError extends Error {
  constructor(
    readonly what: string,
    readonly status: string
  ) {
    super(`${what} ended in status '${status}'`);
    this.name = 'WaitFailedError';
  }
}

/** Shortest pause the adaptive schedule chooses: the lateness accepted for short operations (15 s). */
export const MIN_DELAY_MS = 15_000;
/** Lateness accepted for long operations, as a share of the time waited so far (2 %). */
export const LATENESS_SHARE = 0.02;
/** Longest pause: never more than this much late however long the operation (5 min). */
export const MAX_DELAY_MS = 5 * 60_000;
/**
 * Share of the least possible time left that one pause may take. Below 1 so
 * that an operation speeding up (the bound assumes it does not) is still
 * caught close to its end: each poll halves the distance at most.
 */
export const PROGRESS_TRUST = 0.5;

/** PercentProgress seen at one poll, ms since the wait started. */
export interface ProgressSample {
  atMs: number;
  percent?: number;
}

/** The lateness the goal allows for an operation that has run `elapsedMs`: max(15 s, 2 %). */
export function toleranceMs(elapsedMs: number): number {
  return Math.max(MIN_DELAY_MS, elapsedMs * LATENESS_SHARE);
}

const informative = (p: number | undefined): p is number => p !== undefined && Number.isFinite(p) && p > 0 && p < 100;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** The step PercentProgress is reported in: gcd of every whole percentage seen, at least 1. */
function reportingStep(before: readonly ProgressSample[], run: readonly ProgressSample[]): number {
  let step = 0;
  for (const s of [...before, ...run]) {
    const p = s.percent;
    if (!informative(p)) continue;
    if (!Number.isInteger(p)) return 1;
    step = gcd(step, p);
  }
  return Math.max(1, step);
}

/**
 * The least time the operation can still need, from its PercentProgress
 * samples (oldest first), or undefined when they say nothing (no percent, 0 %,
 * 100 %, a single rising sample).
 *
 * Model: after it starts moving, progress is steady; reports are floored to a
 * step q (the greatest common divisor of the percentages seen: 1 for RDS's
 * integer percent once two values differ by one, 25 for 25/50/75 reports). A reported p
 * means the true value lies in [p, p + q), so from any earlier sample i the
 * rate is below (p + q - p_i) / (t - t_i); the smallest of those bounds (in
 * practice the longest window, where the step matters least) is used.
 * PROGRESS_TRUST covers operations that speed up, which the model excludes.
 */
export function remainingAtLeastMs(samples: readonly ProgressSample[]): number | undefined {
  const last = samples[samples.length - 1];
  if (!last || !informative(last.percent)) return undefined;
  // Only the current run of rising samples: a percent going down means a restart.
  let from = samples.length - 1;
  while (from > 0) {
    const prev = samples[from - 1].percent;
    if (!informative(prev) || prev > samples[from].percent!) break;
    from--;
  }
  const run = samples.slice(from);
  if (run.length < 2) return undefined;
  const step = reportingStep(samples.slice(0, from), run);
  const p = last.percent;
  let rate = Infinity;
  for (const s of run.slice(0, -1)) {
    const dt = last.atMs - s.atMs;
    if (dt > 0) rate = Math.min(rate, (p + step - s.percent!) / dt);
  }
  if (!Number.isFinite(rate) || rate <= 0) return undefined;
  return Math.max(0, (100 - p - step) / rate);
}

/** What waitFor knows beyond the poll just made. */
export interface PollHistory {
  /** The polls before the one just made, oldest first: what makes PercentProgress usable. */
  earlier?: readonly ProgressSample[];
  /** How long the last describe call took: the next one is assumed as slow, and its time counts as lateness. */
  callMs?: number;
}

/**
 * The pause from the start of one poll to the start of the next. Pure, so
 * tests and the polling benchmark can drive it from tables.
 *
 * `elapsedMs` and `percent` describe the poll just made. The pause is the
 * lateness tolerance (max(15 s, 2 % of the time waited)) less the time a call
 * takes (but at least half the tolerance), longer when progress shows that
 * much time must still pass, never more than MAX_DELAY_MS nor `maxIntervalMs`
 * when that is set (> 0, poll-interval-seconds).
 */
export function nextDelayMs(elapsedMs: number, percent: number | undefined, maxIntervalMs = 0, history: PollHistory = {}): number {
  const tolerance = toleranceMs(elapsedMs);
  let delay = Math.max(tolerance - Math.max(0, history.callMs ?? 0), tolerance / 2);
  const remaining = remainingAtLeastMs([...(history.earlier ?? []), { atMs: elapsedMs, percent }]);
  if (remaining !== undefined) delay = Math.max(delay, remaining * PROGRESS_TRUST);
  delay = Math.min(delay, MAX_DELAY_MS);
  if (maxIntervalMs > 0) delay = Math.min(delay, maxIntervalMs);
  return Math.round(delay);
}

/** Samples kept for the rate: enough for any wait, bounded for a runaway one. */
const MAX_SAMPLES = 500;

export async function waitFor<T>(check: () => Promise<Observation<T>>, options: WaitOptions): Promise<T | undefined> {
  const clock = options.clock ?? realClock;
  const start = clock.now();
  const logEvery = options.logEveryMs ?? 30_000;
  let lastLog = -Infinity;
  const samples: ProgressSample[] = [];
  for (;;) {
    // Pauses run from the start of one describe call to the start of the next,
    // so a slow call does not stretch the schedule.
    const polledAt = clock.now();
    const obs = await check();
    const now = clock.now();
    const elapsed = now - start;
    if (obs.failed) throw new WaitFailedError(options.what, obs.failed);
    if (obs.done) {
      core.info(`${options.what}: ${obs.status} after ${Math.round(elapsed / 1000)} s`);
      return obs.value;
    }
    if (now - lastLog >= logEvery) {
      const pct = obs.percent !== undefined ? `, ${obs.percent}%` : '';
      core.info(`${options.what}: ${obs.status}${pct} (${Math.round(elapsed / 1000)} s)`);
      lastLog = now;
    }
    if (elapsed >= options.timeoutMs) throw new WaitTimeoutError(options.what, elapsed, obs.status);
    const sample = { atMs: polledAt - start, percent: obs.percent };
    const delay = nextDelayMs(sample.atMs, sample.percent, options.maxIntervalMs ?? 0, { earlier: samples, callMs: now - polledAt });
    samples.push(sample);
    if (samples.length > MAX_SAMPLES) samples.shift();
    const pause = Math.min(delay - (now - polledAt), options.timeoutMs - elapsed);
    await clock.sleep(Math.max(pause, 1));
  }
}
