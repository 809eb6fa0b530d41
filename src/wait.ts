/**
 * Waiting for long AWS operations (snapshot copies, restores, instance
 * creation): polls with progress in the log, an overall time limit, and a
 * schedule that notices completion soon without flooding the API.
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
  /** Upper bound for one pause; 0 means the adaptive schedule alone decides. */
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

/** Shortest pause between two polls, and the floor for the adaptive schedule. */
export const MIN_DELAY_MS = 5_000;
/** Longest pause: never more than this much late however long the operation. */
export const MAX_DELAY_MS = 5 * 60_000;

/**
 * The pause before the next poll. Pure, so tests and the polling benchmark
 * can drive it from tables.
 *
 * - Without progress: 2 % of the time already waited (an operation that has
 *   run for an hour is not expected to end in the next ten seconds), at least
 *   MIN_DELAY_MS.
 * - With progress: aim at the predicted completion, but never further than
 *   2 % of the elapsed time past it.
 */
export function nextDelayMs(elapsedMs: number, percent: number | undefined, maxIntervalMs = 0): number {
  let delay = Math.max(MIN_DELAY_MS, elapsedMs * 0.02);
  if (percent !== undefined && percent > 0 && percent < 100 && elapsedMs > 0) {
    const remaining = (elapsedMs * (100 - percent)) / percent;
    delay = Math.max(delay, Math.min(remaining * 0.9, elapsedMs * 0.5));
  }
  delay = Math.min(delay, MAX_DELAY_MS);
  if (maxIntervalMs > 0) delay = Math.min(delay, maxIntervalMs);
  return Math.round(delay);
}

export async function waitFor<T>(check: () => Promise<Observation<T>>, options: WaitOptions): Promise<T | undefined> {
  const clock = options.clock ?? realClock;
  const start = clock.now();
  const logEvery = options.logEveryMs ?? 30_000;
  let lastLog = -Infinity;
  let lastStatus = 'unknown';
  let lastPercent: number | undefined;
  for (;;) {
    const obs = await check();
    const elapsed = clock.now() - start;
    lastStatus = obs.status;
    if (obs.failed) throw new WaitFailedError(options.what, obs.failed);
    if (obs.done) {
      core.info(`${options.what}: ${obs.status} after ${Math.round(elapsed / 1000)} s`);
      return obs.value;
    }
    if (clock.now() - lastLog >= logEvery || obs.percent !== lastPercent) {
      if (clock.now() - lastLog >= logEvery) {
        const pct = obs.percent !== undefined ? `, ${obs.percent}%` : '';
        core.info(`${options.what}: ${obs.status}${pct} (${Math.round(elapsed / 1000)} s)`);
        lastLog = clock.now();
      }
      lastPercent = obs.percent;
    }
    if (elapsed >= options.timeoutMs) throw new WaitTimeoutError(options.what, elapsed, lastStatus);
    const delay = Math.min(nextDelayMs(elapsed, obs.percent, options.maxIntervalMs ?? 0), Math.max(0, options.timeoutMs - elapsed));
    await clock.sleep(Math.max(delay, 1));
  }
}
