import { expect } from "vitest";

export interface CloseOptions {
  /** Absolute tolerance. */
  atol?: number;
  /** Relative tolerance (times |expected|). */
  rtol?: number;
}

/**
 * expect(actual).toBeCloseArray(expected, { atol, rtol }): |a − e| ≤ atol + rtol·|e| elementwise.
 * NaN matches only NaN, ±Inf only itself. On failure names the first failing index, the count and
 * the worst error, so a tail bug reads as "index 1023".
 */
expect.extend({
  toBeCloseArray(actual: ArrayLike<number>, expected: ArrayLike<number>, opts: CloseOptions = {}) {
    const atol = opts.atol ?? 1e-6;
    const rtol = opts.rtol ?? 1e-6;
    if (actual.length !== expected.length) {
      return { pass: false, message: () => `length ${actual.length} ≠ expected length ${expected.length}` };
    }
    let first = -1;
    let bad = 0;
    let worst = 0;
    let worstAt = -1;
    for (let i = 0; i < actual.length; i++) {
      const a = actual[i];
      const e = expected[i];
      let ok: boolean;
      let err = 0;
      if (Number.isNaN(e) || Number.isNaN(a)) ok = Number.isNaN(e) && Number.isNaN(a);
      else if (!Number.isFinite(e) || !Number.isFinite(a)) ok = a === e;
      else {
        err = Math.abs(a - e);
        ok = err <= atol + rtol * Math.abs(e);
      }
      if (!ok) {
        bad++;
        if (first < 0) first = i;
        const score = Number.isFinite(err) && err > 0 ? err : Infinity;
        if (score > worst || worstAt < 0) {
          worst = score;
          worstAt = i;
        }
      }
    }
    return {
      pass: bad === 0,
      message: () =>
        bad === 0
          ? `expected arrays to differ beyond atol ${atol}, rtol ${rtol}`
          : `${bad} of ${actual.length} elements differ (atol ${atol}, rtol ${rtol}); first at index ${first}: ` +
            `received ${actual[first]}, expected ${expected[first]}; worst at index ${worstAt}: received ` +
            `${actual[worstAt]}, expected ${expected[worstAt]}`,
    };
  },
});

declare module "vitest" {
  interface Assertion<T> {
    toBeCloseArray(expected: ArrayLike<number>, opts?: CloseOptions): T;
  }
  interface AsymmetricMatchersContaining {
    toBeCloseArray(expected: ArrayLike<number>, opts?: CloseOptions): void;
  }
}
