// The loss spec table: for each registry loss (and parameter variants) a float64 per-sample
// reference written from the Keras 3 definition, and an input generator away from kinks so central
// differences of the reference are the true gradient. Drives test/losses.test.ts.
import { uniform } from "./helpers/edge.js";
import type { LossName, LossParams } from "../src/index.js";

type Row = (t: Float64Array, p: Float64Array, ctx: { binary: boolean }) => number;
export interface LossCase {
  name: LossName;
  params?: LossParams;
  ref: Row;
  /** yTrue and yPred for [batch, dim] (yTrue [batch] for sparse). */
  gen(batch: number, dim: number, seed: number): { yt: Float32Array; yp: Float32Array };
  dims?: readonly number[];
}

const EPS = 1e-7;
const clip = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), hi);
const sum = (f: (i: number) => number, n: number) => { let s = 0; for (let i = 0; i < n; i++) s += f(i); return s; };
const mean = (f: (i: number) => number, n: number) => sum(f, n) / n;
const sig = (x: number) => 1 / (1 + Math.exp(-x));

const real = (lo = -2, hi = 2) => (b: number, d: number, s: number) => ({ yt: uniform(b * d, lo, hi, s), yp: uniform(b * d, lo, hi, s + 1) });
const signs = (n: number, s: number) => uniform(n, 0, 1, s).map((v) => (v < 0.5 ? -1 : 1));
const bits = (n: number, s: number) => uniform(n, 0, 1, s).map((v) => (v < 0.5 ? 0 : 1));
const rowNormalize = (x: Float32Array, b: number, d: number) => {
  for (let r = 0; r < b; r++) { let s = 0; for (let j = 0; j < d; j++) s += x[r * d + j]; for (let j = 0; j < d; j++) x[r * d + j] /= s; }
  return x;
};
const oneHot = (b: number, d: number, s: number) => {
  const ids = uniform(b, 0, d, s).map(Math.floor);
  const t = new Float32Array(b * d);
  ids.forEach((c, r) => (t[r * d + c] = 1));
  return { t, ids };
};

function bce(z: number, p: number): number {
  const pc = clip(p, EPS, 1 - EPS);
  return -(z * Math.log(pc) + (1 - z) * Math.log(1 - pc));
}
function focal(z: number, p: number, gamma: number, alpha: number, bal: boolean, ce: number): number {
  const pt = z * p + (1 - z) * (1 - p);
  const a = bal ? z * alpha + (1 - z) * (1 - alpha) : 1;
  return a * Math.pow(1 - pt, gamma) * ce;
}
const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
/**
 * Binary focal cross-entropy from logits per element in float64, value and ∂/∂x: torchvision's
 * sigmoid_focal_loss (= tf.keras 2's from_logits form), f = a·(1 − p_t)^γ·CE, CE the unclipped BCE with logits
 * max(x, 0) − x·z + log1p(e^−|x|), p_t = σ(x)·z + σ(−x)·(1 − z), a = α_t with class balancing, else 1. The
 * same numbers written so float64 loses nothing at any finite x: 1 − p_t as z·σ(−x) + (1 − z)·σ(x), its log
 * for a 0/1 label as −softplus(±x) (so b^γ and b^(γ−1)·σ(x)σ(−x) never see an underflowed b), p − z as
 * σ(x)·(1 − z) − σ(−x)·z. ∂f/∂x = a·(γ·b^(γ−1)·(1 − 2z)·σ(x)σ(−x)·CE + b^γ·(p − z)), b = 1 − p_t.
 */
export function focalLogits64(z: number, x: number, gamma: number, alpha: number, bal: boolean): { v: number; g: number; scale: number; lnb: number } {
  const p = sig(x), q = sig(-x);
  const ce = Math.max(x, 0) - x * z + Math.log1p(Math.exp(-Math.abs(x)));
  const lnb = z === 1 ? -softplus(x) : z === 0 ? -softplus(-x) : Math.log(z * q + (1 - z) * p);
  const F = gamma === 0 ? 1 : Math.exp(gamma * lnb);
  const dFpq = gamma === 0 ? 0 : gamma * Math.exp((gamma - 1) * lnb - softplus(x) - softplus(-x)); // γ·b^(γ−1)·σ(x)σ(−x)
  const a = bal ? z * alpha + (1 - z) * (1 - alpha) : 1;
  const slope = dFpq * (1 - 2 * z) * ce, pull = F * (p * (1 - z) - q * z);
  // scale: the gradient's terms in magnitude, what its error bound is relative to (they may cancel for soft labels)
  return { v: a * F * ce, g: a * (slope + pull), scale: a * (Math.abs(slope) + F * (p * (1 - z) + q * z)), lnb };
}
export const softmax = (x: ArrayLike<number>) => {
  const m = Math.max(...Array.from(x));
  const e = Array.from(x, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
};
const cceRow = (z: ArrayLike<number>, p: Float64Array) => {
  const s = p.reduce((a, b) => a + b, 0);
  return -sum((j) => z[j] * Math.log(clip(p[j] / s, EPS, 1 - EPS)), p.length);
};
const smooth = (t: ArrayLike<number>, ls: number, k: number) => Array.from(t, (v) => v * (1 - ls) + ls / k);
const hingeT = (t: number, binary: boolean) => (binary ? 2 * t - 1 : t);
const kld = (t: Float64Array, p: Float64Array) => sum((j) => { const tc = clip(t[j], EPS, 1); return tc * Math.log(tc / clip(p[j], EPS, 1)); }, t.length);
const probs = (b: number, d: number, s: number) => ({ yt: uniform(b * d, 0, 1, s), yp: uniform(b * d, 0.02, 0.98, s + 1) });
const binaryProbs = (b: number, d: number, s: number) => ({ yt: bits(b * d, s), yp: uniform(b * d, 0.02, 0.98, s + 1) });

export const CASES: LossCase[] = [
  { name: "meanSquaredError", ref: (t, p) => mean((i) => (p[i] - t[i]) ** 2, t.length), gen: real() },
  { name: "mse", ref: (t, p) => mean((i) => (p[i] - t[i]) ** 2, t.length), gen: real() },
  { name: "mae", ref: (t, p) => mean((i) => Math.abs(p[i] - t[i]), t.length), gen: real(-1, 1) },
  { name: "meanAbsoluteError", ref: (t, p) => mean((i) => Math.abs(p[i] - t[i]), t.length), gen: real() },
  { name: "huber", ref: (t, p) => mean((i) => { const d = Math.abs(p[i] - t[i]); return d <= 1 ? 0.5 * d * d : d - 0.5; }, t.length), gen: real() },
  {
    name: "huber", params: { delta: 0.3 },
    ref: (t, p) => mean((i) => { const d = Math.abs(p[i] - t[i]); return d <= 0.3 ? 0.5 * d * d : 0.3 * d - 0.045; }, t.length), gen: real(),
  },
  { name: "logCosh", ref: (t, p) => mean((i) => Math.log(Math.cosh(p[i] - t[i])), t.length), gen: real(-3, 3) },
  { name: "logCosh", ref: (t, p) => mean((i) => Math.log(Math.cosh(p[i] - t[i])), t.length), gen: real(-0.15, 0.15) },
  { name: "quantile", ref: (t, p) => mean((i) => { const e = t[i] - p[i]; return Math.max(0.5 * e, -0.5 * e); }, t.length), gen: real() },
  {
    name: "quantile", params: { quantile: 0.9 },
    ref: (t, p) => mean((i) => { const e = t[i] - p[i]; return Math.max(0.9 * e, -0.1 * e); }, t.length), gen: real(),
  },
  {
    name: "poisson", ref: (t, p) => mean((i) => p[i] - t[i] * Math.log(p[i] + EPS), t.length),
    gen: (b, d, s) => ({ yt: uniform(b * d, 0, 3, s), yp: uniform(b * d, 0.1, 3, s + 1) }),
  },
  {
    name: "cosineSimilarity",
    ref: (t, p) => { const n = (x: Float64Array) => Math.sqrt(Math.max(sum((i) => x[i] ** 2, x.length), 1e-14)); return -sum((i) => t[i] * p[i], t.length) / (n(t) * n(p)); },
    gen: real(),
  },
  { name: "binaryCrossentropy", ref: (t, p) => mean((i) => bce(t[i], p[i]), t.length), gen: probs },
  { name: "binaryCrossentropy", params: { labelSmoothing: 0.2 }, ref: (t, p) => mean((i) => bce(t[i] * 0.8 + 0.1, p[i]), t.length), gen: binaryProbs },
  {
    name: "binaryCrossentropy", params: { fromLogits: true, labelSmoothing: 0.1 },
    ref: (t, x) => mean((i) => { const z = t[i] * 0.9 + 0.05; return -(z * Math.log(sig(x[i])) + (1 - z) * Math.log(1 - sig(x[i]))); }, t.length),
    gen: (b, d, s) => ({ yt: bits(b * d, s), yp: uniform(b * d, -8, 8, s + 1) }),
  },
  { name: "binaryFocalCrossentropy", ref: (t, p) => mean((i) => focal(t[i], p[i], 2, 0.25, false, bce(t[i], p[i])), t.length), gen: probs },
  {
    name: "binaryFocalCrossentropy", params: { gamma: 1.5, alpha: 0.3, applyClassBalancing: true, labelSmoothing: 0.1 },
    ref: (t, p) => mean((i) => { const z = t[i] * 0.9 + 0.05; return focal(z, p[i], 1.5, 0.3, true, bce(z, p[i])); }, t.length),
    gen: binaryProbs,
  },
  // from logits: the unclipped BCE term (torchvision, tf.keras 2), logits past Keras 3's clip at |x| ≈ 16
  {
    name: "binaryFocalCrossentropy", params: { fromLogits: true, gamma: 0.5, applyClassBalancing: true },
    ref: (t, x) => mean((i) => focalLogits64(t[i], x[i], 0.5, 0.25, true).v, t.length),
    gen: (b, d, s) => ({ yt: bits(b * d, s), yp: uniform(b * d, -30, 30, s + 1) }),
  },
  {
    name: "binaryFocalCrossentropy", params: { fromLogits: true },
    ref: (t, x) => mean((i) => focalLogits64(t[i], x[i], 2, 0.25, false).v, t.length),
    gen: (b, d, s) => ({ yt: uniform(b * d, 0, 1, s), yp: uniform(b * d, -24, 24, s + 1) }),
  },
  {
    name: "hinge", ref: (t, p, c) => mean((i) => Math.max(1 - hingeT(t[i], c.binary) * p[i], 0), t.length),
    gen: (b, d, s) => ({ yt: signs(b * d, s), yp: uniform(b * d, -2, 2, s + 1) }),
  },
  {
    name: "hinge", ref: (t, p, c) => mean((i) => Math.max(1 - hingeT(t[i], c.binary) * p[i], 0), t.length),
    gen: (b, d, s) => ({ yt: bits(b * d, s), yp: uniform(b * d, -2, 2, s + 1) }),
  },
  {
    name: "squaredHinge", ref: (t, p, c) => mean((i) => Math.max(1 - hingeT(t[i], c.binary) * p[i], 0) ** 2, t.length),
    gen: (b, d, s) => ({ yt: signs(b * d, s), yp: uniform(b * d, -2, 2, s + 1) }),
  },
  {
    name: "categoricalCrossentropy", ref: (t, p) => cceRow(t, p),
    gen: (b, d, s) => ({ yt: rowNormalize(uniform(b * d, 0.1, 1, s), b, d), yp: uniform(b * d, 0.05, 1, s + 1) }),
  },
  {
    name: "categoricalCrossentropy", params: { labelSmoothing: 0.1 }, ref: (t, p) => cceRow(smooth(t, 0.1, t.length), p),
    gen: (b, d, s) => ({ yt: oneHot(b, d, s).t, yp: rowNormalize(uniform(b * d, 0.05, 1, s + 1), b, d) }),
  },
  {
    name: "categoricalCrossentropy", params: { fromLogits: true, labelSmoothing: 0.2 },
    ref: (t, x) => { const q = softmax(x); const z = smooth(t, 0.2, t.length); return -sum((j) => z[j] * Math.log(q[j]), x.length); },
    gen: (b, d, s) => ({ yt: oneHot(b, d, s).t, yp: uniform(b * d, -5, 5, s + 1) }),
  },
  {
    // soft labels whose rows do not sum to 1 (T = Σ z ≠ 1): the gradient is T·softmax − z
    name: "categoricalCrossentropy", params: { fromLogits: true },
    ref: (t, x) => { const q = softmax(x); return -sum((j) => t[j] * Math.log(q[j]), x.length); },
    gen: (b, d, s) => ({ yt: uniform(b * d, 0, 1, s), yp: uniform(b * d, -6, 6, s + 1) }),
  },
  {
    name: "sparseCategoricalCrossentropy", ref: (t, p) => { const z = new Float64Array(p.length); z[t[0]] = 1; return cceRow(z, p); },
    gen: (b, d, s) => ({ yt: oneHot(b, d, s).ids, yp: uniform(b * d, 0.05, 1, s + 1) }),
  },
  {
    name: "sparseCategoricalCrossentropy", params: { fromLogits: true }, ref: (t, x) => -Math.log(softmax(x)[t[0]]),
    gen: (b, d, s) => ({ yt: oneHot(b, d, s).ids, yp: uniform(b * d, -5, 5, s + 1) }),
  },
  {
    name: "categoricalHinge",
    ref: (t, p) => Math.max(Math.max(...Array.from(p, (v, j) => (1 - t[j]) * v)) - sum((j) => t[j] * p[j], p.length) + 1, 0),
    gen: (b, d, s) => ({ yt: oneHot(b, d, s).t, yp: uniform(b * d, 0, 1, s + 1) }),
  },
  // predictions strictly below 1 (p = 1 is the clip's edge, where central differences straddle the kink)
  { name: "kullbackLeiblerDivergence", ref: kld, gen: (b, d, s) => ({ yt: rowNormalize(uniform(b * d, 0.05, 1, s), b, d), yp: rowNormalize(uniform(b * d, 0.05, 1, s + 1), b, d).map((v) => 0.95 * v) }) },
  { name: "kld", ref: kld, gen: (b, d, s) => ({ yt: rowNormalize(uniform(b * d, 0.05, 1, s), b, d), yp: uniform(b * d, 0.05, 1, s + 1) }) },
  {
    name: "iou", dims: [4],
    ref: (t, p) => {
      const iw = Math.max(Math.min(t[2], p[2]) - Math.max(t[0], p[0]), 0), ih = Math.max(Math.min(t[3], p[3]) - Math.max(t[1], p[1]), 0);
      const I = iw * ih;
      const U = Math.max(t[2] - t[0], 0) * Math.max(t[3] - t[1], 0) + Math.max(p[2] - p[0], 0) * Math.max(p[3] - p[1], 0) - I + EPS;
      return 1 - I / U;
    },
    gen: (b, _d, s) => {
      const yt = new Float32Array(b * 4), yp = new Float32Array(b * 4);
      const u = uniform(b * 8, 0, 1, s);
      for (let r = 0; r < b; r++) {
        const x = 5 * u[8 * r], y = 5 * u[8 * r + 1], w = 1 + 3 * u[8 * r + 2], h = 1 + 3 * u[8 * r + 3];
        yt.set([x, y, x + w, y + h], 4 * r);
        yp.set([x + u[8 * r + 4] - 0.5, y + u[8 * r + 5] - 0.5, x + w + u[8 * r + 6] - 0.4, y + h + u[8 * r + 7] - 0.6], 4 * r);
      }
      return { yt, yp };
    },
  },
  { name: "wasserstein", ref: (t, p) => mean((i) => t[i] * p[i], t.length), gen: (b, d, s) => ({ yt: signs(b * d, s), yp: uniform(b * d, -2, 2, s + 1) }) },
  { name: "leastSquaresGan", ref: (t, p) => mean((i) => (p[i] - t[i]) ** 2, t.length), gen: (b, d, s) => ({ yt: bits(b * d, s), yp: uniform(b * d, 0, 1, s + 1) }) },
];
