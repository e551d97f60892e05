// Binary focal cross-entropy from logits (focalLogits1/4 in assembly/losses_binary.ts): the unclipped
// BCE-with-logits form of torchvision's sigmoid_focal_loss and tf.keras 2, element by element against the
// float64 reference focalLogits64 (test/losses_cases.ts), through the one-lane and the four-lane core of every
// build, at extreme, infinite and random logits, within the bound stated beside the kernel. The spec table
// (test/losses.test.ts) adds every reduction, weights, tails and central differences.
import { describe, expect, it } from "vitest";
import type { NN } from "../src/nn.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { EDGE_VALUES, uniform } from "./helpers/edge.js";
import { focalLogits64 } from "./losses_cases.js";

const ULP = 2 ** -24;
// The kernel's bound: value within (24 + 2·γ·|ln b|)·2^−24 of itself, gradient within as much of the sum of
// its terms' magnitudes (they can cancel for soft labels), b = 1 − p_t; plus 2^−124 absolute near underflow.
const bound = (gamma: number, lnb: number, size: number) => (24 + 2 * gamma * Math.abs(lnb)) * ULP * size + 2 ** -124;

interface Setting { gamma: number; alpha: number; bal: boolean; ls: number }
const SETTINGS: Setting[] = [
  { gamma: 2, alpha: 0.25, bal: false, ls: 0 }, // Keras' defaults
  { gamma: 2, alpha: 0.25, bal: true, ls: 0 }, // torchvision's defaults
  { gamma: 0.5, alpha: 0.4, bal: true, ls: 0 },
  { gamma: 1, alpha: 0.25, bal: false, ls: 0.1 },
  { gamma: 0, alpha: 0.25, bal: false, ls: 0 },
  { gamma: 3.5, alpha: 0.75, bal: true, ls: 0.2 },
  { gamma: 1.5, alpha: 0.25, bal: false, ls: 0 },
];
const params = (s: Setting) => ({ fromLogits: true, gamma: s.gamma, alpha: s.alpha, applyClassBalancing: s.bal, labelSmoothing: s.ls });
/** The smoothed label as the kernel forms it in float32, z = t·(1 − ε) + ε/2 (exact products for t = 0, 1). */
const z32 = (t: number, ls: number) => {
  const l = Math.fround(ls);
  return Math.fround(Math.fround(t * Math.fround(1 - l)) + Math.fround(0.5 * l));
};
const ref = (t: number, x: number, s: Setting) => focalLogits64(z32(t, s.ls), x, s.gamma, s.alpha, s.bal);

/**
 * Per-element value and ∂f/∂x for labels t and logits x through the one-lane core ([n, 1], reduction 'none' runs
 * row by row) and, in the SIMD builds, the four-lane core ([n, 4], each row four copies of one element: the row's
 * mean is that element exactly, unless four of them overflow, and its gradient a quarter of it).
 */
function perElement(nn: NN, backend: string, t: ArrayLike<number>, x: ArrayLike<number>, s: Setting) {
  const n = t.length;
  const out: { path: string; v: Float32Array; g: Float32Array }[] = [];
  for (const lanes of backend === "scalar" ? [1] : [1, 4]) {
    const rep = (a: ArrayLike<number>) => Float32Array.from({ length: n * lanes }, (_, i) => a[Math.floor(i / lanes)]);
    const tt = nn.tensor(rep(t), [n, lanes]), xt = nn.tensor(rep(x), [n, lanes]);
    const { value, gradient } = nn.lossAndGradient("binaryFocalCrossentropy", tt, xt, { ...params(s), reduction: "none" });
    out.push({ path: `${lanes} lane${lanes > 1 ? "s" : ""}`, v: value.data.slice(), g: Float32Array.from({ length: n }, (_, i) => gradient.data[i * lanes] * lanes) });
    for (const u of [tt, xt, value, gradient]) u.dispose();
  }
  return out;
}

/** Largest error in units of the bound (value, gradient) and the element where the last maximum was. */
function worst(t: ArrayLike<number>, x: ArrayLike<number>, s: Setting, v: Float32Array, g: Float32Array, lanes: number) {
  let wv = 0, wg = 0, at = "";
  for (let i = 0; i < t.length; i++) {
    const r = ref(t[i], x[i], s);
    const ev = 4 * Math.abs(r.v) > 3.4e38 && lanes > 1 ? 0 : Math.abs(v[i] - r.v) / bound(s.gamma, r.lnb, Math.abs(r.v));
    const eg = Math.abs(g[i] - r.g) / bound(s.gamma, r.lnb, r.scale);
    if (!(ev <= wv && eg <= wg)) at = `t = ${t[i]}, x = ${x[i]}: value ${v[i]} vs ${r.v}, gradient ${g[i]} vs ${r.g}`;
    wv = Number.isNaN(ev) || Number.isNaN(wv) ? NaN : Math.max(wv, ev);
    wg = Number.isNaN(eg) || Number.isNaN(wg) ? NaN : Math.max(wg, eg);
  }
  return { wv, wg, at };
}

// float32 edge values (EDGE_VALUES without ±Inf and NaN, tested below), Keras 3's clip edges and confident answers
const FINITE_EDGES = EDGE_VALUES.filter(Number.isFinite).concat([16, -16, 16.5, -16.5, 30, -30, 15.9, -16.2]);

describe.each(BUILDS)("focal cross-entropy from logits (%s)", async (backend) => {
  const nn = (await instances())[backend];

  it.each(SETTINGS.map((s) => [JSON.stringify(s), s] as const))("within the stated bound at edge and random logits, labels 0, 1 and soft: %s", (_, s) => {
    const before = nn.memory().bytesInUse;
    const t: number[] = [], x: number[] = [];
    for (const z of s.ls ? [0, 1] : [0, 1, 0.3, 0.9, 0.5]) for (const v of FINITE_EDGES) { t.push(z); x.push(v); }
    // random logits of every magnitude from 1e-6 to 200, both signs; soft labels only unsmoothed (a smoothed soft
    // label is rounded differently where the relaxed build fuses t·(1 − ε) + ε/2, a change of input, not of error)
    const u = uniform(3000, 0, 1, 7), m = uniform(3000, -6, 2.3, 8), lt = uniform(3000, 0, 1, 9);
    for (let i = 0; i < 3000; i++) { x.push((u[i] < 0.5 ? -1 : 1) * 10 ** m[i]); t.push(i % 3 === 2 && !s.ls ? lt[i] : i % 2); }
    const xs = Float32Array.from(x);
    for (const { path, v, g } of perElement(nn, backend, t, xs, s)) {
      const w = worst(t, xs, s, v, g, path === "1 lane" ? 1 : 4);
      expect(w.wv, `${path} value, worst at ${w.at}`).toBeLessThanOrEqual(1);
      expect(w.wg, `${path} gradient, worst at ${w.at}`).toBeLessThanOrEqual(1);
    }
    expect(nn.memory().bytesInUse).toBe(before);
  });

  it("a confidently wrong logit keeps its gradient (z = 1, x = −30: ≈ −α_t, as torchvision's sigmoid_focal_loss; Keras 3's clip left ≈ −1e-12)", () => {
    const s = { gamma: 2, alpha: 0.25, bal: true, ls: 0 }; // torchvision's defaults
    const xs = [-16.5, -20, -30, -50, -88, -1e4, 16.5, 20, 30, 50, 88, 1e4];
    const ts = xs.map((x) => (x < 0 ? 1 : 0)); // every logit on the wrong side of its label
    for (const { path, v, g } of perElement(nn, backend, ts, xs, s)) {
      xs.forEach((x, i) => {
        const r = ref(ts[i], x, s);
        // f = a·q^γ·CE and ∂f/∂x = −a·q^γ·(q + γ·p·CE) for z = 1 (mirrored for z = 0): CE ≈ |x|, q ≈ 1, a = α_t
        expect(Math.abs(v[i] - r.v), `${path} value at x = ${x}`).toBeLessThanOrEqual(bound(2, r.lnb, r.v));
        expect(Math.abs(g[i] - r.g), `${path} gradient at x = ${x}`).toBeLessThanOrEqual(bound(2, r.lnb, r.scale));
        expect(Math.abs(g[i]), `${path} gradient at x = ${x}`).toBeGreaterThan(x < 0 ? 0.24 : 0.74); // α_t = 0.25 for z = 1, 0.75 for z = 0
      });
      const at30 = xs.indexOf(-30);
      expect(v[at30]).toBeCloseTo(0.25 * 30, 5);
      expect(g[at30]).toBeCloseTo(-0.25, 6);
    }
  });

  it("±Inf logits give the limits (value 0 infinitely right, +Inf infinitely wrong; finite gradient), NaN gives NaN", () => {
    for (const s of SETTINGS) {
      const ts = [1, 1, 0, 0, 0.3, 0.3, 1, 0.3], xs = [Infinity, -Infinity, Infinity, -Infinity, Infinity, -Infinity, NaN, NaN];
      const usable = ts.map((t) => (s.ls ? t === Math.round(t) : true)); // soft labels unsmoothed, as above
      for (const { path, v, g } of perElement(nn, backend, ts, xs, s)) {
        ts.forEach((t, i) => {
          if (!usable[i]) return;
          const at = `${path} ${JSON.stringify(s)} t = ${t}, x = ${xs[i]}`;
          if (Number.isNaN(xs[i])) {
            expect([Number.isNaN(v[i]), Number.isNaN(g[i])], at).toEqual([true, true]);
            return;
          }
          const z = z32(t, s.ls), right = (xs[i] > 0 ? 1 - z : z) === 0;
          expect(v[i], `${at} value`).toBe(right ? 0 : Infinity);
          const lim = ref(t, Math.sign(xs[i]) * 1e30, s); // σ(±1e30) is saturated in float64: the limit
          expect(Number.isFinite(g[i]), `${at} gradient ${g[i]}`).toBe(true);
          expect(Math.abs(g[i] - lim.g), `${at} gradient ${g[i]} vs ${lim.g}`).toBeLessThanOrEqual(bound(s.gamma, 0, lim.scale));
        });
      }
    }
  });
});

describe("scalar = SIMD = relaxed SIMD within the bound, every lane and tail position", async () => {
  const nns = await instances();
  it.each([1, 2, 3, 4, 5, 7, 8, 9, 17, 33])("rows of %i elements", (dim) => {
    const rows = 37, n = rows * dim;
    const u = uniform(n, 0, 1, dim), m = uniform(n, -3, 2, dim + 1), lt = uniform(n, 0, 1, dim + 2);
    const xs = Float32Array.from({ length: n }, (_, i) => (u[i] < 0.5 ? -1 : 1) * 10 ** m[i]);
    const ts = Float32Array.from({ length: n }, (_, i) => (i % 3 === 2 ? lt[i] : i % 2));
    for (const s of [SETTINGS[0], SETTINGS[2], SETTINGS[6]]) {
      const grads = BUILDS.map((backend) => {
        const nn = nns[backend];
        const tt = nn.tensor(ts, [rows, dim]), xt = nn.tensor(xs, [rows, dim]);
        const g = nn.lossGradient("binaryFocalCrossentropy", tt, xt, { ...params(s), reduction: "sum" }); // gradient = ∂f/∂x / dim
        const out = Float64Array.from(g.data, (v) => v * dim);
        for (const q of [tt, xt, g]) q.dispose();
        return out;
      });
      for (let i = 0; i < n; i++) {
        const r = ref(ts[i], xs[i], s);
        const tol = bound(s.gamma, r.lnb, r.scale) + 2 * ULP * Math.abs(r.g); // + the rounding of the 1/dim scale
        BUILDS.forEach((backend, k) => expect(Math.abs(grads[k][i] - r.g), `${backend} ${JSON.stringify(s)} element ${i} (lane ${i % dim})`).toBeLessThanOrEqual(tol));
        expect(Math.abs(grads[1][i] - grads[0][i]), `simd vs scalar, element ${i}`).toBeLessThanOrEqual(2 * tol);
        expect(Math.abs(grads[2][i] - grads[0][i]), `relaxed vs scalar, element ${i}`).toBeLessThanOrEqual(2 * tol);
      }
    }
  });
});
