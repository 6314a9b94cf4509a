import { backoffDelay } from './retry-policy';

const BASE = 1000;
const CAP = 60_000;
/** The largest value Math.random can return. */
const ALMOST_ONE = 1 - Number.EPSILON;

describe('backoffDelay (exponential backoff with full jitter)', () => {
  it('draws from [0, base × 2^(attempt-1)): the ceiling doubles with each attempt', () => {
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, BASE, CAP, () => ALMOST_ONE))).toEqual([
      999, 1999, 3999, 7999,
    ]);
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(attempt, BASE, CAP, () => 0))).toEqual([0, 0, 0, 0]);
    expect(backoffDelay(3, BASE, CAP, () => 0.5)).toBe(2000);
  });

  it('never waits longer than the cap', () => {
    expect(backoffDelay(7, BASE, CAP, () => ALMOST_ONE)).toBe(CAP - 1);
    expect(backoffDelay(40, BASE, CAP, () => ALMOST_ONE)).toBe(CAP - 1);
  });

  it('stays a finite number for any attempt count, however large or small', () => {
    for (const attempt of [0, -3, 1e6, Number.MAX_SAFE_INTEGER]) {
      const delay = backoffDelay(attempt, BASE, CAP, () => ALMOST_ONE);
      expect(Number.isFinite(delay)).toBe(true);
      expect(delay).toBeLessThan(CAP);
    }
    expect(backoffDelay(0, BASE, CAP, () => ALMOST_ONE)).toBe(BASE - 1);
  });

  it('spreads the delays over the whole range with the default random source', () => {
    const delays = Array.from({ length: 2000 }, () => backoffDelay(3, BASE, CAP));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(4000);
    // Full jitter: both halves of the range are used (P(no draw in one half) = 2^-2000).
    expect(delays.some((d) => d < 2000)).toBe(true);
    expect(delays.some((d) => d >= 2000)).toBe(true);
  });
});
