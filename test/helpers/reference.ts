/** float64 references and numeric helpers for tests. */

/** Central difference of a float64 scalar function: (f(x+h) − f(x−h)) / 2h. */
export function centralDiff(f: (x: number) => number, x: number, h = 1e-6): number {
  return (f(x + h) - f(x - h)) / (2 * h);
}

/** Gradient of f: R^n → R by central differences, in float64. */
export function numericGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, h = 1e-6): Float64Array {
  const p = Float64Array.from(x);
  const g = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i];
    p[i] = v + h;
    const fp = f(p);
    p[i] = v - h;
    const fm = f(p);
    p[i] = v;
    g[i] = (fp - fm) / (2 * h);
  }
  return g;
}

/** Applies a float64 function elementwise. */
export function map64(x: ArrayLike<number>, f: (v: number) => number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
  return out;
}

/** Distance in float32 units in the last place between two numbers (0 when both NaN or equal). */
export function ulpDiff(a: number, b: number): number {
  if (Number.isNaN(a) && Number.isNaN(b)) return 0;
  if (a === b) return 0;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  const f = new Float32Array(2);
  const i = new Int32Array(f.buffer);
  f[0] = a;
  f[1] = b;
  const ord = (v: number) => (v < 0 ? 0x80000000 - v : v);
  return Math.abs(ord(i[0]) - ord(i[1]));
}

/** erf in float64 (≤ 1e-14 absolute): Taylor series below 3, continued fraction for erfc above. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = ax;
    let sum = ax;
    for (let n = 1; n < 80; n++) {
      term *= (-ax * ax) / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(ax));
}

/** erfc for x ≥ 3 by Lentz's continued fraction; keeps relative precision in the far tail. */
export function erfcLarge(x: number): number {
  if (x === Infinity) return 0;
  // erfc x = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …)))))
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = x + a * d;
    d = 1 / d;
    c = x + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** Φ(x), the standard normal CDF, with relative precision in the lower tail. */
export function normalCdf(x: number): number {
  if (x < -3 * Math.SQRT2) return 0.5 * erfcLarge(-x / Math.SQRT2);
  return 0.5 * (1 + erf(x / Math.SQRT2));
}
