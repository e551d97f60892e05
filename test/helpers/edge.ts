/** Sizes that hit every SIMD tail (below, at and above 4, 8, 16, a block) and the empty case. */
export const SIZES = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 1023, 1024, 1025] as const;

/** The extreme inputs every elementwise kernel is tested at. */
export const EDGE_VALUES: readonly number[] = [
  0, -0, 1e-8, -1e-8, 1e-3, -1e-3, 0.5, -0.5, 1, -1, 2, -2, 3, -3, 6, -6, 20, -20, 50, -50, 88, -88, 89, -89,
  100, -100, 1e4, -1e4, 3.4e38, -3.4e38, Infinity, -Infinity, NaN,
];

/** Deterministic uniform values in [lo, hi) (mulberry32), as float32-representable numbers. */
export function uniform(n: number, lo: number, hi: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  }
  return out;
}

/** `values` repeated/cut to length n, so edge values land in the SIMD body and in the tail. */
export function cycle(values: ArrayLike<number>, n: number, shift = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = values[(i + shift) % values.length];
  return out;
}
