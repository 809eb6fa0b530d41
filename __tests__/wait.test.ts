import { describe, expect, it } from '@jest/globals';
import { MAX_DELAY_MS, MIN_DELAY_MS, nextDelayMs, remainingAtLeastMs, toleranceMs, waitFor, WaitFailedError, WaitTimeoutError, type Observation, type ProgressSample } from '../src/wait';
import { quietStdout } from './helpers/stdout';
import { testClock } from './fixtures/clock';

quietStdout();

const MIN = 60_000;
const HOUR = 3_600_000;

/** Samples of a steady operation of `durationMs` seen every `everyMs` up to `untilMs`, percent floored like RDS. */
function steady(durationMs: number, everyMs: number, untilMs: number, startMs = 0): ProgressSample[] {
  const out: ProgressSample[] = [];
  for (let t = 0; t <= untilMs; t += everyMs) out.push({ atMs: t, percent: t < startMs ? 0 : Math.floor((100 * (t - startMs)) / (durationMs - startMs)) });
  return out;
}

describe('toleranceMs', () => {
  it.each([
    [0, 15_000],
    [MIN, 15_000],
    [12.5 * MIN, 15_000],
    [HOUR, 72_000],
    [6 * HOUR, 432_000]
  ])('after %p ms the allowed lateness is %p ms', (elapsed, expected) => {
    expect(toleranceMs(elapsed)).toBe(expected);
  });
});

describe('nextDelayMs without usable progress: the allowed lateness', () => {
  it.each([
    // elapsed, percent, cap, expected
    [0, undefined, 0, MIN_DELAY_MS],
    [MIN, undefined, 0, MIN_DELAY_MS],
    [HOUR, undefined, 0, 72_000],
    [HOUR, 0, 0, 72_000],
    [HOUR, 100, 0, 72_000],
    [24 * HOUR, undefined, 0, MAX_DELAY_MS],
    [HOUR, undefined, 10_000, 10_000],
    [0, undefined, 500, 500]
  ])('elapsed %p ms, progress %p, cap %p -> %p', (elapsed, percent, cap, expected) => {
    expect(nextDelayMs(elapsed, percent, cap)).toBe(expected);
  });

  it('leaves room for the describe call itself, but polls no faster than half the tolerance', () => {
    expect(nextDelayMs(0, undefined, 0, { callMs: 400 })).toBe(14_600);
    expect(nextDelayMs(0, undefined, 0, { callMs: 60_000 })).toBe(7_500);
  });

  it('a single PercentProgress sample gives no rate: the allowed lateness', () => {
    expect(nextDelayMs(10 * MIN, 50, 0)).toBe(MIN_DELAY_MS);
  });
});

describe('nextDelayMs invariants over a table of situations', () => {
  const histories: Array<[string, ProgressSample[]]> = [
    ['none', []],
    ['steady 1 h, polled every minute for 20 min', steady(HOUR, MIN, 20 * MIN)],
    ['steady 6 h, polled every 5 min for 5 h', steady(6 * HOUR, 5 * MIN, 5 * HOUR)],
    ['late start 2 h, polled every minute', steady(2 * HOUR, MIN, 90 * MIN, 60 * MIN)],
    ['25 % jumps', [0, 25, 25, 50, 50].map((percent, i) => ({ atMs: i * 10 * MIN, percent }))],
    ['restart (percent fell)', [10, 40, 5, 6].map((percent, i) => ({ atMs: i * MIN, percent }))]
  ];
  const caps = [0, 500, 30_000, 10 * MIN];
  const cases = histories.flatMap(([name, samples]) => caps.map(cap => [name, cap, samples] as const));

  it.each(cases)('%s, cap %p: floor <= pause <= min(MAX_DELAY_MS, cap)', (_name, cap, samples) => {
    for (let i = 0; i < Math.max(1, samples.length); i++) {
      const last = samples[i] ?? { atMs: 0, percent: undefined };
      const d = nextDelayMs(last.atMs, last.percent, cap, { earlier: samples.slice(0, i), callMs: 300 });
      const ceiling = cap > 0 ? Math.min(MAX_DELAY_MS, cap) : MAX_DELAY_MS;
      expect(d).toBeLessThanOrEqual(ceiling);
      expect(d).toBeGreaterThanOrEqual(Math.min(ceiling, toleranceMs(last.atMs) / 2));
    }
  });
});

describe('remainingAtLeastMs: never more than the time really left while progress is steady', () => {
  it.each([
    // duration, poll every, last poll, progress starts at
    [5 * MIN, 15_000, 4 * MIN, 0],
    [HOUR, MIN, 50 * MIN, 0],
    [HOUR, 7 * MIN, 55 * MIN, 0],
    [6 * HOUR, 5 * MIN, 5 * HOUR, 0],
    [2 * HOUR, MIN, 100 * MIN, 48 * MIN],
    [30 * MIN, 15_000, 29 * MIN, 12 * MIN]
  ])('%p ms operation polled every %p ms until %p ms (starts moving at %p)', (duration, every, until, start) => {
    const samples = steady(duration, every, until, start);
    for (let n = 1; n <= samples.length; n++) {
      const left = remainingAtLeastMs(samples.slice(0, n));
      if (left !== undefined) expect(left).toBeLessThanOrEqual(duration - samples[n - 1].atMs);
    }
    // And it is informative: by the last sample the bound is within a few percent of the truth.
    const final = remainingAtLeastMs(samples)!;
    expect(final).toBeGreaterThan(0.5 * (duration - until) - 0.03 * duration);
  });

  it('learns the reporting step from the values: 25 % jumps leave nothing known past 75 %', () => {
    const samples = [0, 25, 50, 75].map((percent, i) => ({ atMs: i * 10 * MIN, percent }));
    expect(remainingAtLeastMs(samples)).toBe(0);
    // 25 % after 10 and 20 min: the rate is below 25 % per 10 min, so at least 20 min are left.
    expect(
      remainingAtLeastMs([
        { atMs: 0, percent: 0 },
        { atMs: 10 * MIN, percent: 25 },
        { atMs: 20 * MIN, percent: 25 }
      ])
    ).toBe(20 * MIN);
  });

  it.each<[string, ProgressSample[]]>([
    ['no percent', [{ atMs: 0 }, { atMs: MIN }]],
    [
      'stuck at 0 %',
      [
        { atMs: 0, percent: 0 },
        { atMs: MIN, percent: 0 }
      ]
    ],
    [
      'at 100 % but not done',
      [
        { atMs: 0, percent: 90 },
        { atMs: MIN, percent: 100 }
      ]
    ],
    [
      'one rising sample after 0 %',
      [
        { atMs: 0, percent: 0 },
        { atMs: MIN, percent: 10 }
      ]
    ],
    [
      'percent fell (restart)',
      [
        { atMs: 0, percent: 40 },
        { atMs: MIN, percent: 5 }
      ]
    ]
  ])('says nothing for %s', (_name, samples) => {
    expect(remainingAtLeastMs(samples)).toBeUndefined();
  });
});

describe('waitFor', () => {
  it('returns the value when done, after polling at the allowed lateness', async () => {
    const clock = testClock({ start: 0 });
    let n = 0;
    const value = await waitFor(async () => (++n < 4 ? { status: 'creating', done: false } : { status: 'available', done: true, value: 'ok' }), {
      what: 'restore',
      timeoutMs: HOUR,
      clock
    });
    expect(value).toBe('ok');
    expect(n).toBe(4);
    expect(clock.slept).toEqual([MIN_DELAY_MS, MIN_DELAY_MS, MIN_DELAY_MS]);
  });

  it('waits longer once steady PercentProgress shows much is left, and never past the end', async () => {
    const clock = testClock({ start: 0 });
    const duration = 2 * HOUR;
    let calls = 0;
    await waitFor(
      async (): Promise<Observation<true>> => {
        calls++;
        return clock.t >= duration ? { status: 'available', done: true, value: true } : { status: 'copying', done: false, percent: Math.floor((100 * clock.t) / duration) };
      },
      { what: 'copy', timeoutMs: 6 * HOUR, clock }
    );
    expect(clock.t - duration).toBeLessThanOrEqual(toleranceMs(duration));
    // Polling blind at the allowed lateness would take well over a hundred calls.
    expect(calls).toBeLessThan(60);
    expect(Math.max(...clock.slept)).toBeGreaterThan(toleranceMs(duration));
  });

  it('keeps to poll-interval-seconds when it is set', async () => {
    const clock = testClock({ start: 0 });
    let n = 0;
    await waitFor(async () => (++n < 20 ? { status: 'copying', done: false, percent: n * 5 } : { status: 'available', done: true }), {
      what: 'copy',
      timeoutMs: HOUR,
      maxIntervalMs: 200,
      clock
    });
    expect(Math.max(...clock.slept)).toBeLessThanOrEqual(200);
  });

  it('subtracts the time a describe call took from the pause', async () => {
    const clock = testClock({ start: 0 });
    let n = 0;
    await waitFor(
      async () => {
        clock.t += 2_000;
        return ++n < 3 ? { status: 'creating', done: false } : { status: 'available', done: true };
      },
      { what: 'instance', timeoutMs: HOUR, clock }
    );
    // Start to start: the 2 s call is part of the interval (15 s less the 2 s call margin).
    expect(clock.slept).toEqual([MIN_DELAY_MS - 4_000, MIN_DELAY_MS - 4_000]);
  });

  it('stops on a terminal failure status', async () => {
    const clock = testClock({ start: 0 });
    await expect(waitFor(async () => ({ status: 'failed', done: false, failed: 'failed' }), { what: 'copy', timeoutMs: 1000, clock })).rejects.toBeInstanceOf(WaitFailedError);
    expect(clock.slept).toEqual([]);
  });

  it.each([
    [60_000, undefined],
    [90_000, 1],
    [HOUR, 0]
  ])('gives up at the time limit %p ms (progress %p), naming what it waited for and the last status', async (timeoutMs, percent) => {
    const clock = testClock({ start: 0 });
    const e = (await waitFor(async () => ({ status: 'copying', done: false, percent }), { what: 'snapshot copy x', timeoutMs, clock }).catch((x: unknown) => x)) as Error;
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toMatch(/snapshot copy x.*copying.*wait-timeout-minutes/);
    expect(clock.t).toBeGreaterThanOrEqual(timeoutMs);
    expect(clock.t).toBeLessThanOrEqual(timeoutMs + 1);
  });
});
