// Property tests for every loss: random batch (0…40) and class axis (the SIMD tails and up to 70), random
// values from each spec row's generator (test/losses_cases.ts) under a random seed, random reduction and
// sample weights; then random parameters across their valid ranges for the losses that take any, with
// large logits planted where the logits form is the stable one. Value and gradient of every build against
// the float64 per-sample reference (gradient: its float64 central differences) within the tolerances of
// test/losses.test.ts, the builds' gradients against the scalar build's within that file's bound, memory flat.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BackendName, LOSSES, type LossName, type LossParams, type Tensor } from "../src/index.js";
import type { NN } from "../src/nn.js";
import { between, runs, sizeArb } from "./helpers/arbitraries.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { numericGradient } from "./helpers/reference.js";
import { CASES, type LossCase } from "./losses_cases.js";

const RUNS = 10;
const PARAM_RUNS = 40;
type Ref = LossCase["ref"];
type Reduction = "mean" | "sum" | "none";

const dimArb = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 16, 17), fc.integer({ min: 1, max: 70 }));
const shared = { batch: sizeArb(40), dim: dimArb, seed: fc.integer({ min: 0, max: 0x7fffffff }), reduction: fc.constantFrom<Reduction>("mean", "sum", "none"), weighted: fc.boolean() };

interface Call {
  name: LossName;
  params?: LossParams;
  ref: Ref;
  yt: Float32Array;
  yp: Float32Array;
  batch: number;
  dim: number;
  reduction: Reduction;
  weighted: boolean;
  seed: number;
}

/** The value (reduced, or per sample for 'none') and gradient on one build; memory checked. */
function run(nn: NN, c: Call, wts: Float32Array) {
  const before = nn.memory();
  const sparse = c.name === "sparseCategoricalCrossentropy";
  const yt = nn.tensor(c.yt, sparse ? [c.batch] : [c.batch, c.dim]), yp = nn.tensor(c.yp, [c.batch, c.dim]), w = nn.tensor(wts, [c.batch]);
  const { value, gradient } = nn.lossAndGradient(c.name, yt, yp, { ...c.params, reduction: c.reduction, sampleWeight: c.weighted ? w : undefined });
  const v = typeof value === "number" ? Float32Array.of(value) : value.data.slice();
  const g = gradient.data.slice();
  for (const t of [yt, yp, w, gradient, ...(typeof value === "number" ? [] : [value])] as Tensor[]) t.dispose();
  const after = nn.memory();
  expect([after.bytesInUse, after.allocations], `${nn.backend}: memory in use`).toEqual([before.bytesInUse, before.allocations]);
  return { v, g };
}

/** Every build against the float64 reference, then against the scalar build (test/losses.test.ts' tolerances). */
function check(all: Record<BackendName, NN>, c: Call): void {
  const { batch, dim } = c;
  const sparse = c.name === "sparseCategoricalCrossentropy";
  // weights in [0.2, 2], and 0 (Keras' masking) for about one sample in five
  const wts = uniform(batch, -0.3, 2, c.seed + 5).map((v) => (v < 0.2 ? 0 : v));
  const w = (r: number) => (c.weighted ? wts[r] : 1);
  const ctx = { binary: c.yt.every((v) => v === 0 || v === 1) };
  const rowT = (r: number) => Float64Array.from(sparse ? c.yt.subarray(r, r + 1) : c.yt.subarray(r * dim, (r + 1) * dim));
  const rowP = (r: number) => Float64Array.from(c.yp.subarray(r * dim, (r + 1) * dim));
  const perSample = Array.from({ length: batch }, (_, r) => w(r) * c.ref(rowT(r), rowP(r), ctx));
  const sum = perSample.reduce((a, b) => a + b, 0);
  const scale = c.reduction === "mean" ? 1 / batch : 1;
  const grad = new Float64Array(batch * dim);
  for (let r = 0; r < batch; r++) numericGradient((p) => c.ref(rowT(r), p, ctx), rowP(r), 1e-7).forEach((v, j) => (grad[r * dim + j] = v * w(r) * scale));
  const value = c.reduction === "none" ? perSample : [c.reduction === "sum" ? sum : batch ? sum / batch : 0];
  const vtol = { atol: 2e-6 * (c.reduction === "sum" ? Math.max(1, batch) : 1), rtol: 2e-5 };
  const got = {} as Record<BackendName, { v: Float32Array; g: Float32Array }>;
  for (const b of BUILDS) {
    const r = (got[b] = run(all[b], c, wts));
    expect(r.v, `${b} value`).toBeCloseArray(value, vtol);
    expect(r.g, `${b} gradient`).toBeCloseArray(grad, { atol: 2e-5 * scale, rtol: 2e-4 });
  }
  for (const b of ["simd", "relaxed-simd"] as const) {
    expect(got[b].v, `${b} value vs scalar`).toBeCloseArray(got.scalar.v, vtol);
    // float32 sums of C terms in another order (losses.test.ts): (C + 6)·2^−24 relative to the row's scale
    expect(got[b].g, `${b} gradient vs scalar`).toBeCloseArray(got.scalar.g, { atol: 1e-6 * (1 + dim / 100), rtol: 2e-5 + 1e-7 * dim });
  }
}

const label = (c: LossCase) => `${c.name}${c.params ? " " + JSON.stringify(c.params) : ""}`;

describe("every row of the spec table on random shapes, seeds, reductions and weights", async () => {
  const all = await instances();
  it("the table covers the registry", () => {
    const covered = new Set(CASES.map((c) => c.name));
    expect(Object.keys(LOSSES).filter((n) => !covered.has(n as LossName))).toEqual([]);
  });
  it.each(CASES.map((c) => [label(c), c] as const))("%s", (_, lc) => {
    const dim = lc.dims ? fc.constant(lc.dims[0]) : shared.dim;
    fc.assert(fc.property(fc.record({ ...shared, dim }), (s) => {
      const { yt, yp } = lc.gen(s.batch, s.dim, s.seed);
      check(all, { name: lc.name, params: lc.params, ref: lc.ref, yt, yp, ...s });
    }), runs("losses", RUNS));
  });
});

// ---- random parameters: float64 per-sample references written from the same Keras 3 definitions as
// losses_cases.ts, with the parameter as an argument instead of a constant ----

const EPS = 1e-7;
const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const mean = (n: number, f: (i: number) => number) => { let s = 0; for (let i = 0; i < n; i++) s += f(i); return s / n; };
const sig = (x: number) => 1 / (1 + Math.exp(-x));
const bce = (z: number, p: number) => { const pc = clip(p, EPS, 1 - EPS); return -(z * Math.log(pc) + (1 - z) * Math.log(1 - pc)); };
/** BCE from logits in its stable form, max(x, 0) − x·z + log1p(e^−|x|) (the kernel's, exact for large |x|). */
const bceLogits = (z: number, x: number) => Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
const focal = (z: number, p: number, g: number, a: number, bal: boolean) => {
  const pt = z * p + (1 - z) * (1 - p);
  return (bal ? z * a + (1 - z) * (1 - a) : 1) * Math.pow(1 - pt, g) * bce(z, p);
};
/** −Σ z·log softmax(x) with log-softmax taken stably (x − max − log Σ e^(x − max)). */
const cceLogits = (z: ArrayLike<number>, x: Float64Array) => {
  const m = Math.max(...x);
  let s = 0;
  for (const v of x) s += Math.exp(v - m);
  let out = 0;
  for (let j = 0; j < x.length; j++) out -= z[j] * (x[j] - m - Math.log(s));
  return out;
};
const cce = (z: ArrayLike<number>, p: Float64Array) => {
  const s = p.reduce((a, b) => a + b, 0);
  let out = 0;
  for (let j = 0; j < p.length; j++) out -= z[j] * Math.log(clip(p[j] / s, EPS, 1 - EPS));
  return out;
};
const smooth = (t: ArrayLike<number>, ls: number) => Array.from(t, (v) => v * (1 - ls) + ls / t.length);

const bits = (n: number, s: number) => uniform(n, 0, 1, s).map((v) => (v < 0.5 ? 0 : 1));
const oneHot = (b: number, d: number, s: number) => {
  const t = new Float32Array(b * d);
  uniform(b, 0, d, s).forEach((c, r) => (t[r * d + Math.floor(c)] = 1));
  return t;
};
/** Large logits the stable forms must take exactly (the kernels' clamps sit far beyond these). */
const LARGE_LOGITS = [20, -20, 30, -30, 50, -50, 88, -88, 0, -0];
const plant = (x: Float32Array, planted: readonly number[]) => {
  planted.forEach((v, j) => { if (x.length) x[(j * 7919) % x.length] = v; });
  return x;
};

interface ParamLoss {
  name: LossName;
  params: fc.Arbitrary<LossParams>;
  ref: (p: LossParams) => Ref;
  gen: (b: number, d: number, s: number, p: LossParams, planted: readonly number[]) => { yt: Float32Array; yp: Float32Array };
}
const ls = between(0, 0.5);
const real = (b: number, d: number, s: number) => ({ yt: uniform(b * d, -2, 2, s), yp: uniform(b * d, -2, 2, s + 1) });

const PARAM_LOSSES: ParamLoss[] = [
  {
    name: "huber", params: fc.record({ delta: between(0.05, 3) }), gen: real,
    ref: ({ delta: d = 1 }) => (t, p) => mean(t.length, (i) => { const a = Math.abs(p[i] - t[i]); return a <= d ? 0.5 * a * a : d * a - 0.5 * d * d; }),
  },
  {
    name: "quantile", params: fc.record({ quantile: between(0.01, 0.99) }), gen: real,
    ref: ({ quantile: q = 0.5 }) => (t, p) => mean(t.length, (i) => { const e = t[i] - p[i]; return Math.max(q * e, (q - 1) * e); }),
  },
  {
    name: "binaryCrossentropy", params: fc.record({ labelSmoothing: ls, fromLogits: fc.boolean() }),
    ref: ({ labelSmoothing: e = 0, fromLogits }) => (t, p) => mean(t.length, (i) => { const z = t[i] * (1 - e) + e / 2; return fromLogits ? bceLogits(z, p[i]) : bce(z, p[i]); }),
    gen: (b, d, s, p, planted) => ({
      yt: s % 2 ? bits(b * d, s) : uniform(b * d, 0, 1, s),
      yp: p.fromLogits ? plant(uniform(b * d, -8, 8, s + 1), planted) : uniform(b * d, 0.02, 0.98, s + 1),
    }),
  },
  {
    // logits within ±6, as losses_cases.ts' focal rows: there σ then the clipped BCE (Keras 3) and the
    // unclipped BCE from logits (tf.keras 2, torchvision) agree, so the reference holds for either form
    name: "binaryFocalCrossentropy",
    params: fc.record({ gamma: between(0, 4), alpha: between(0, 1), applyClassBalancing: fc.boolean(), labelSmoothing: ls, fromLogits: fc.boolean() }),
    ref: ({ gamma = 2, alpha = 0.25, applyClassBalancing = false, labelSmoothing: e = 0, fromLogits }) => (t, p) =>
      mean(t.length, (i) => { const z = t[i] * (1 - e) + e / 2; return focal(z, fromLogits ? sig(p[i]) : p[i], gamma, alpha, applyClassBalancing); }),
    gen: (b, d, s, p) => ({ yt: s % 2 ? bits(b * d, s) : uniform(b * d, 0, 1, s), yp: p.fromLogits ? uniform(b * d, -6, 6, s + 1) : uniform(b * d, 0.02, 0.98, s + 1) }),
  },
  {
    name: "categoricalCrossentropy", params: fc.record({ labelSmoothing: ls, fromLogits: fc.boolean() }),
    ref: ({ labelSmoothing: e = 0, fromLogits }) => (t, p) => (fromLogits ? cceLogits(smooth(t, e), p) : cce(smooth(t, e), p)),
    gen: (b, d, s, p, planted) => ({
      yt: oneHot(b, d, s),
      yp: p.fromLogits ? plant(uniform(b * d, -6, 6, s + 1), planted) : uniform(b * d, 0.05, 1, s + 1),
    }),
  },
];

describe("random parameters across their valid ranges", async () => {
  const all = await instances();
  it.each(PARAM_LOSSES.map((l) => [l.name, l] as const))("%s", (_, pl) => {
    const arb = fc.record({ ...shared, params: pl.params, planted: fc.array(fc.constantFrom(...LARGE_LOGITS), { maxLength: 4 }) });
    fc.assert(fc.property(arb, ({ params, planted, ...s }) => {
      const { yt, yp } = pl.gen(s.batch, s.dim, s.seed, params, planted);
      check(all, { name: pl.name, params, ref: pl.ref(params), yt, yp, ...s });
    }), runs("lossParams", PARAM_RUNS));
  });
});
