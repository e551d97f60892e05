// fast-check arbitraries shared by the property tests (test/properties_*.test.ts).
// A long input is described by a small recipe: its length, a seed for the bulk of the values (drawn with
// edge.ts' mulberry32 `uniform`, so a failure reproduces from the recipe alone) and a short list of
// "planted" values that fast-check picks and shrinks itself, placed alternately at the end (the SIMD tail)
// and at the start of the array. A counterexample then reads as { n, seed, planted: [the culprit] }.
import fc from "fast-check";
import { EDGE_VALUES, SIZES, uniform } from "./edge.js";

const f32 = Math.fround;

/** Seeds are fixed so every run checks the same cases; change one to explore, and keep it if it finds something. */
export const SEEDS = { activations: 1701, softmax: 1702, losses: 1703, lossParams: 1704, gemm: 1705, tensors: 1706 } as const;

/**
 * fast-check options of one property: its fixed seed and run count. FC_SEED=<n> and FC_RUNS_SCALE=<x> in the
 * environment explore beyond them (e.g. FC_RUNS_SCALE=20 before a release); a failure prints the seed to keep.
 */
export function runs(which: keyof typeof SEEDS, numRuns: number): { seed: number; numRuns: number } {
  const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : SEEDS[which];
  return { seed, numRuns: Math.max(1, Math.round(numRuns * Number(process.env.FC_RUNS_SCALE ?? 1))) };
}

/** A size in [0, max]: the tail sizes of edge.ts (below, at and above 4, 8, 16, a block) or any size. */
export function sizeArb(max: number): fc.Arbitrary<number> {
  return fc.oneof(fc.constantFrom(...SIZES.filter((s) => s <= max)), fc.integer({ min: 0, max }));
}

/** One float32 value: an edge value, any float32 (NaN, ±Inf, ±0, subnormals included), or a moderate one. */
export const valueArb: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(...EDGE_VALUES),
  fc.float(),
  fc.float({ min: f32(-20), max: f32(20), noNaN: true }),
);

/** Domains the bulk of a recipe's values come from. */
export interface Mix {
  /** Share of values taken from EDGE_VALUES. */
  edge: number;
  /** Share of values uniform in [-narrow, narrow]. */
  narrow: number;
  /** Share of values uniform in [-wide, wide]; the rest are log-uniform magnitudes 10^[-38, 38.5] with a random sign. */
  wide: number;
  range: { narrow: number; wide: number };
}

/** The activations test's mix: uniform on ±8 and ±100 as its 12k points, plus edge values and every magnitude. */
export const ACTIVATION_MIX: Mix = { edge: 0.15, narrow: 0.35, wide: 0.25, range: { narrow: 8, wide: 100 } };

export interface Recipe {
  n: number;
  seed: number;
  planted: number[];
}

/** A recipe of length in [0, maxN] with up to `maxPlanted` values chosen by fast-check from `planted`. */
export function recipeArb(maxN: number, planted: fc.Arbitrary<number> = valueArb, maxPlanted = 12): fc.Arbitrary<Recipe> {
  return fc.record({ n: sizeArb(maxN), seed: fc.integer({ min: 0, max: 0x7fffffff }), planted: fc.array(planted, { maxLength: maxPlanted }) });
}

/** The float32 values a recipe describes. */
export function realize(r: Recipe, mix: Mix = ACTIVATION_MIX): Float32Array {
  const { n, seed } = r;
  const kind = uniform(n, 0, 1, seed), pick = uniform(n, 0, 1, seed + 1);
  const narrow = uniform(n, -mix.range.narrow, mix.range.narrow, seed + 2), wide = uniform(n, -mix.range.wide, mix.range.wide, seed + 3);
  const exponent = uniform(n, -38, 38.5, seed + 4);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const k = kind[i];
    if (k < mix.edge) out[i] = EDGE_VALUES[Math.floor(pick[i] * EDGE_VALUES.length)];
    else if (k < mix.edge + mix.narrow) out[i] = narrow[i];
    else if (k < mix.edge + mix.narrow + mix.wide) out[i] = wide[i];
    else out[i] = (pick[i] < 0.5 ? -1 : 1) * 10 ** exponent[i];
  }
  for (let j = 0; j < r.planted.length && j < n; j++) out[j % 2 === 0 ? n - 1 - (j >> 1) : j >> 1] = r.planted[j];
  return out;
}

/** A finite float32 number in [lo, hi] (the kernels take their parameters as f32, so a float64 alpha of 5e-324 would be 0 there). */
export function between(lo: number, hi: number): fc.Arbitrary<number> {
  return fc.float({ min: f32(lo), max: f32(hi), noNaN: true, noDefaultInfinity: true });
}
