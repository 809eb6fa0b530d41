/**
 * npx tsx bench/polling.ts   (npm run bench:polling)
 *
 * Issue 8 polling goal: for operations of 1 min .. 6 h, notice completion at
 * most max(15 s, 2 % of the operation) late, with under 2 describe calls a
 * minute on average.
 *
 * Drives the real waitFor (src/wait.ts) on a simulated clock (no sleeping).
 * Each describe call takes CALL_MS of simulated time; the operation's state is
 * read in the middle of the call and the action notices completion when the
 * response arrives. Each (duration, profile) cell is run RUNS times with the
 * end moved across one allowed lateness (max(15 s, 2 % of the duration)), so
 * that the lateness shown is the worst phase between polls and completion,
 * not a lucky one.
 *
 * Columns: calls = mean describe calls per run (the first look at t=0 and the
 * one that sees completion included); blind = those made while PercentProgress
 * said nothing usable (absent, 0 %, 100 %), when only polling at the allowed
 * lateness keeps the bound; calls/min = calls / operation minutes; late =
 * worst lateness over the runs; bound = max(15 s, 2 % of the duration);
 * late/bound = worst ratio over the runs (each against its own bound).
 * The "previous" columns run the schedule this replaced (5 s floor, 2 % of the
 * time waited, PercentProgress extrapolated linearly from t=0) on the same runs.
 *
 * Exit code 0 always: a benchmark, not a test.
 */
import { waitFor, type Clock, type Observation } from '../src/wait';

const CALL_MS = Number(process.env.BENCH_CALL_MS ?? 300);
const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const MINUTES = [1, 5, 15, 30, 60, 120, 240, 360];

interface Profile {
  name: string;
  describe: string;
  /** PercentProgress at fraction f (0..1) of the operation, or undefined when none is reported. */
  percent(f: number): number | undefined;
}

const PROFILES: Profile[] = [
  { name: 'linear', describe: 'PercentProgress rises steadily (integer, floored)', percent: f => Math.floor(100 * f) },
  {
    name: 'late-start',
    describe: '0 % for the first 40 % of the time (queued), then rises steadily',
    percent: f => (f < 0.4 ? 0 : Math.floor((100 * (f - 0.4)) / 0.6))
  },
  { name: 'jumps', describe: 'reported in 25 % jumps (0, 25, 50, 75) over steady work', percent: f => 25 * Math.floor(4 * f) },
  {
    name: 'speeds-up',
    describe: 'a third of the work in the first half, twice as fast in the second',
    percent: f => Math.floor(f < 0.5 ? (200 * f) / 3 : 100 / 3 + ((f - 0.5) * 400) / 3)
  },
  {
    name: 'stuck-100',
    describe: 'reaches 100 % at 85 % of the time, then stays copying at 100 %',
    percent: f => Math.min(100, Math.floor((100 * f) / 0.85))
  },
  { name: 'none', describe: 'no PercentProgress (cluster restore, instance creation)', percent: () => undefined }
];

interface Run {
  calls: number;
  blind: number;
  latenessMs: number;
  durationMs: number;
}

/** waitFor logs through @actions/core (stdout); the benchmark prints only its table. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write;
  process.stdout.write = (() => true) as typeof process.stdout.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = write;
  }
}

const usable = (p: number | undefined): boolean => p !== undefined && p > 0 && p < 100;

function simClock(): Clock & { t: number } {
  const c = {
    t: 0,
    now: () => c.t,
    sleep: async (ms: number) => {
      c.t += ms;
    }
  };
  return c;
}

/** One simulated operation of `durationMs`, awaited by the real waitFor. */
async function simulate(durationMs: number, profile: Profile): Promise<Run> {
  const clock = simClock();
  let calls = 0;
  let blind = 0;
  const check = async (): Promise<Observation<true>> => {
    calls++;
    const seenAt = clock.t + CALL_MS / 2;
    clock.t += CALL_MS;
    if (seenAt >= durationMs) return { status: 'available', done: true, value: true };
    const percent = profile.percent(seenAt / durationMs);
    if (!usable(percent)) blind++;
    return { status: 'copying', done: false, percent };
  };
  await quietly(() => waitFor(check, { what: 'bench', timeoutMs: 48 * 3_600_000, clock }));
  return { calls, blind, latenessMs: clock.t - durationMs, durationMs };
}

/** The schedule before issue 8, for comparison (copied from src/wait.ts at 3cf491a). */
function previousDelayMs(elapsedMs: number, percent: number | undefined): number {
  let delay = Math.max(5_000, elapsedMs * 0.02);
  if (percent !== undefined && percent > 0 && percent < 100 && elapsedMs > 0) {
    const remaining = (elapsedMs * (100 - percent)) / percent;
    delay = Math.max(delay, Math.min(remaining * 0.9, elapsedMs * 0.5));
  }
  return Math.round(Math.min(delay, 5 * 60_000));
}

function simulatePrevious(durationMs: number, profile: Profile): Run {
  let t = 0;
  let calls = 0;
  for (;;) {
    calls++;
    const seenAt = t + CALL_MS / 2;
    t += CALL_MS;
    if (seenAt >= durationMs) return { calls, blind: 0, latenessMs: t - durationMs, durationMs };
    t += previousDelayMs(t, profile.percent(seenAt / durationMs));
  }
}

const boundMs = (durationMs: number): number => Math.max(15_000, 0.02 * durationMs);
const label = (min: number): string => (min < 60 ? `${min} min` : `${min / 60} h`);
const pad = (s: string | number, n: number): string => String(s).padStart(n);

interface Cell {
  minutes: number;
  profile: string;
  calls: number;
  blind: number;
  perMin: number;
  lateS: number;
  boundS: number;
  ratio: number;
  lateOk: boolean;
  rateOk: boolean;
  prevPerMin: number;
  prevLateS: number;
  prevRatio: number;
  prevCalls: number;
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const worstRatio = (rs: Run[]): number => Math.max(...rs.map(r => r.latenessMs / boundMs(r.durationMs)));

function summarise(minutes: number, profile: Profile, runs: Run[], previous: Run[]): Cell {
  const perMin = mean(runs.map(r => r.calls / (r.durationMs / 60_000)));
  return {
    minutes,
    profile: profile.name,
    calls: mean(runs.map(r => r.calls)),
    blind: mean(runs.map(r => r.blind)),
    perMin,
    lateS: Math.max(...runs.map(r => r.latenessMs)) / 1000,
    boundS: boundMs(minutes * 60_000) / 1000,
    ratio: worstRatio(runs),
    lateOk: worstRatio(runs) <= 1,
    rateOk: perMin < 2,
    prevCalls: mean(previous.map(r => r.calls)),
    prevPerMin: mean(previous.map(r => r.calls / (r.durationMs / 60_000))),
    prevLateS: Math.max(...previous.map(r => r.latenessMs)) / 1000,
    prevRatio: worstRatio(previous)
  };
}

/** Why a cell misses the goal, from its own figures. */
function reason(c: Cell): string {
  const parts: string[] = [];
  if (!c.rateOk) {
    const minutes = (c.minutes * 60_000 + boundMs(c.minutes * 60_000) / 2) / 60_000;
    if (2 / c.minutes >= 2) parts.push('even knowing the end exactly takes 2 calls (the first look at t=0 and the one at the end): 2/min for a 1-min operation');
    else if (c.blind / minutes >= 2)
      parts.push(
        `${c.blind.toFixed(0)} of ${c.calls.toFixed(0)} calls were made with no usable PercentProgress, where only a poll every max(15 s, 2 % of the time waited) keeps the bound for every possible end: ${(c.blind / minutes).toFixed(2)}/min from those alone`
      );
    else
      parts.push(
        `${c.blind.toFixed(0)} calls with no usable PercentProgress and ${(c.calls - c.blind).toFixed(0)} closing in on the predicted end (rate bound from the samples, halving the least time left, then every 15 s at the end) are too many for ${c.minutes} min`
      );
  }
  if (!c.lateOk) parts.push(`late by up to ${c.ratio.toFixed(2)}x the bound: PercentProgress misled the schedule past the end`);
  return parts.join('; ');
}

async function main(): Promise<void> {
  console.log(`Polling benchmark: real waitFor on a simulated clock; describe call ${CALL_MS} ms; ${RUNS} runs per cell, end moved across one allowed lateness.`);
  console.log('Goal: late <= max(15 s, 2 % of the operation), calls/min < 2.\n');
  for (const p of PROFILES) console.log(`  ${p.name.padEnd(11)} ${p.describe}`);
  console.log('');
  const cells: Cell[] = [];
  for (const minutes of MINUTES) {
    for (const profile of PROFILES) {
      const base = minutes * 60_000;
      const durations = Array.from({ length: RUNS }, (_, j) => Math.round(base + (boundMs(base) * j) / RUNS));
      const runs: Run[] = [];
      for (const d of durations) runs.push(await simulate(d, profile));
      cells.push(
        summarise(
          minutes,
          profile,
          runs,
          durations.map(d => simulatePrevious(d, profile))
        )
      );
    }
  }
  console.log('| duration | profile | calls | blind | calls/min | late (s) | bound (s) | late/bound | goal met | previous: calls/min | previous: late/bound |');
  console.log('|--:|---|--:|--:|--:|--:|--:|--:|---|--:|--:|');
  for (const c of cells) {
    const met = c.lateOk && c.rateOk ? 'yes' : `NO (${[!c.lateOk && 'late', !c.rateOk && 'calls'].filter(Boolean).join(', ')})`;
    console.log(
      `| ${pad(label(c.minutes), 6)} | ${c.profile.padEnd(10)} | ${pad(c.calls.toFixed(1), 5)} | ${pad(c.blind.toFixed(1), 5)} | ${pad(c.perMin.toFixed(2), 5)} | ${pad(c.lateS.toFixed(1), 5)} | ${pad(c.boundS.toFixed(1), 5)} | ${pad(c.ratio.toFixed(2), 4)} | ${met.padEnd(14)} | ${pad(c.prevPerMin.toFixed(2), 5)} | ${pad(c.prevRatio.toFixed(2), 4)} |`
    );
  }
  const missed = cells.filter(c => !c.lateOk || !c.rateOk);
  const total = (f: (c: Cell) => number): number => cells.reduce((a, c) => a + f(c), 0);
  console.log('');
  console.log(
    `Summary: goal met in ${cells.length - missed.length} of ${cells.length} cells; lateness bound kept in ${cells.filter(c => c.lateOk).length} of ${cells.length} ` +
      `(previous schedule: ${cells.filter(c => c.prevRatio <= 1).length}); calls ${Math.round(total(c => c.calls))} vs ${Math.round(total(c => c.prevCalls))} with the previous schedule ` +
      `(ratio ${(total(c => c.calls) / total(c => c.prevCalls)).toFixed(2)}).`
  );
  if (missed.length) {
    console.log('Misses the goal:');
    for (const c of missed) console.log(`  ${label(c.minutes)} ${c.profile}: ${reason(c)}`);
  }
}

await main();
