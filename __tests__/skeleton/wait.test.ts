import { describe, expect, it } from '@jest/globals';
import { MAX_DELAY_MS, MIN_DELAY_MS, nextDelayMs, waitFor, WaitFailedError, WaitTimeoutError, type Clock } from '../../src/wait';

function fakeClock(): Clock & { t: number; sleeps: number[] } {
  const c = {
    t: 0,
    sleeps: [] as number[],
    now: () => c.t,
    sleep: async (ms: number) => {
      c.sleeps.push(ms);
      c.t += ms;
    }
  };
  return c;
}

describe('nextDelayMs', () => {
  it.each([
    [0, undefined, 0, MIN_DELAY_MS],
    [60_000, undefined, 0, MIN_DELAY_MS],
    [3_600_000, undefined, 0, 72_000],
    [24 * 3_600_000, undefined, 0, MAX_DELAY_MS],
    [3_600_000, undefined, 10_000, 10_000]
  ])('elapsed %p ms, progress %p, cap %p -> %p', (elapsed, percent, cap, expected) => {
    expect(nextDelayMs(elapsed, percent, cap)).toBe(expected);
  });

  it('aims near the completion predicted by PercentProgress, never past it', () => {
    // 50 % after 10 minutes: about 10 minutes left; wait most of it but not more than half the elapsed time.
    const d = nextDelayMs(600_000, 50);
    expect(d).toBe(300_000);
    // 90 % after 9 minutes: 1 minute left.
    expect(nextDelayMs(540_000, 90)).toBe(54_000);
  });
});

describe('waitFor', () => {
  it('returns when done, after the polls the schedule asks for', async () => {
    const clock = fakeClock();
    let n = 0;
    const value = await waitFor(
      async () => (++n < 4 ? { status: 'copying', done: false, percent: n * 25 } : { status: 'available', done: true, value: 'ok' }),
      { what: 'copy', timeoutMs: 3_600_000, clock }
    );
    expect(value).toBe('ok');
    expect(n).toBe(4);
    expect(clock.sleeps).toHaveLength(3);
  });

  it('stops on a terminal failure status', async () => {
    const clock = fakeClock();
    await expect(waitFor(async () => ({ status: 'failed', done: false, failed: 'failed' }), { what: 'copy', timeoutMs: 1000, clock })).rejects.toBeInstanceOf(WaitFailedError);
  });

  it('gives up at the time limit, naming what it waited for and the last status', async () => {
    const clock = fakeClock();
    const e = await waitFor(async () => ({ status: 'copying', done: false, percent: 1 }), { what: 'snapshot copy x', timeoutMs: 60_000, clock }).catch(x => x);
    expect(e).toBeInstanceOf(WaitTimeoutError);
    expect(e.message).toMatch(/snapshot copy x.*copying.*wait-timeout-minutes/);
    expect(clock.t).toBeGreaterThanOrEqual(60_000);
    expect(clock.t).toBeLessThan(60_000 + MIN_DELAY_MS + 1);
  });
});
