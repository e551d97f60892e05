// Dropout, batch and layer normalisation one at a time: forward against float64 references,
// backward (dx, dγ, dβ) against float64 central differences of L = Σ r·y in training mode, moving
// statistics, inference mode, edge inputs, and the dropout mask's statistics and reproducibility.
import { describe, expect, it } from "vitest";
import { BatchNormalization, Dropout, LayerNormalization } from "../src/model/layers_norm.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { standalone } from "./helpers/layer_harness.js";
import { numericGradient } from "./helpers/reference.js";

/** Normalises groups of values (columns for BN, rows for LN) in float64. */
function norm64(x: Float64Array, rows: number, cols: number, perColumn: boolean, eps: number, gamma?: Float64Array, beta?: Float64Array): Float64Array {
  const y = new Float64Array(x.length);
  const groups = perColumn ? cols : rows, size = perColumn ? rows : cols;
  const at = (g: number, i: number) => (perColumn ? i * cols + g : g * cols + i);
  for (let g = 0; g < groups; g++) {
    let m = 0;
    for (let i = 0; i < size; i++) m += x[at(g, i)];
    m /= size;
    let v = 0;
    for (let i = 0; i < size; i++) v += (x[at(g, i)] - m) ** 2;
    v /= size;
    for (let i = 0; i < size; i++) {
      const c = perColumn ? g : i;
      y[at(g, i)] = ((x[at(g, i)] - m) / Math.sqrt(v + eps)) * (gamma ? gamma[c] : 1) + (beta ? beta[c] : 0);
    }
  }
  return y;
}

const SHAPES: [number, number][] = [[1, 1], [2, 3], [3, 4], [8, 5], [17, 7], [5, 9], [3, 16], [2, 17], [4, 33]];

describe.each(BUILDS)("normalisation (%s)", (build) => {
  it.each([["batch", true], ["layer", false]] as const)("%s norm: training forward and backward at every tail shape", async (_, perColumn) => {
    const nn = await instance(build);
    for (const [batch, cols] of SHAPES) {
      if (perColumn && batch === 1) continue; // one sample: the batch variance is 0, checked below
      for (const [center, scale] of [[true, true], [false, false], [true, false]]) {
        const layer = perColumn ? new BatchNormalization({ center, scale }) : new LayerNormalization({ center, scale });
        const h = standalone(nn, layer, [cols], batch);
        const x = uniform(batch * cols, -3, 3, batch * 31 + cols);
        h.write(h.x, x);
        const weights = layer.weights.filter((w) => w.trainable).map((w) => h.read(w.ptr, w.size));
        const gIdx = scale ? 0 : -1, bIdx = center ? (scale ? 1 : 0) : -1;
        const ref = (xv: Float64Array, ws: Float64Array[]) => norm64(xv, batch, cols, perColumn, 1e-3, ws[gIdx], ws[bIdx]);
        const x64 = Float64Array.from(x);
        expect(h.forward(true)).toBeCloseArray(ref(x64, weights), { atol: 2e-5, rtol: 2e-5 });
        const r = uniform(batch * cols, -1, 1, 9);
        const loss = (xv: Float64Array, ws: Float64Array[]) => ref(xv, ws).reduce((s, v, i) => s + v * r[i], 0);
        const dx = h.backward(r);
        const gx = numericGradient((xv) => loss(xv, weights), x64);
        expect(dx).toBeCloseArray(gx, { atol: 2e-4 * Math.max(1, ...gx.map(Math.abs)), rtol: 1e-3 });
        layer.weights.filter((w) => w.trainable).forEach((w, i) => {
          const g = numericGradient((wv) => loss(x64, weights.map((o, j) => (j === i ? wv : o))), weights[i]);
          expect(h.read(w.grad, w.size), `${w.name} ${batch}×${cols}`).toBeCloseArray(g, { atol: 2e-4 * Math.max(1, ...g.map(Math.abs)), rtol: 1e-3 });
        });
        h.free();
      }
    }
  });

  it("batch norm updates the moving statistics (biased variance, as Keras 3) and uses them at inference", async () => {
    const nn = await instance(build);
    const layer = new BatchNormalization({ momentum: 0.9 });
    const batch = 6, cols = 5;
    const h = standalone(nn, layer, [cols], batch);
    h.write(layer.gamma!.ptr, [1, 1, 1, 1, 1]);
    h.write(layer.beta!.ptr, [0, 0, 0, 0, 0]);
    const mm = new Float64Array(cols), mv = new Float64Array(cols).fill(1);
    h.write(layer.movingMean.ptr, mm);
    h.write(layer.movingVariance.ptr, mv);
    for (let step = 0; step < 3; step++) {
      const x = uniform(batch * cols, -2, 4, step + 1);
      h.write(h.x, x);
      h.forward(true);
      for (let c = 0; c < cols; c++) {
        let m = 0, v = 0;
        for (let r = 0; r < batch; r++) m += x[r * cols + c] / batch;
        for (let r = 0; r < batch; r++) v += (x[r * cols + c] - m) ** 2 / batch;
        mm[c] = 0.9 * mm[c] + 0.1 * m;
        mv[c] = 0.9 * mv[c] + 0.1 * v;
      }
    }
    expect(h.read(layer.movingMean.ptr, cols)).toBeCloseArray(mm, { atol: 1e-6, rtol: 1e-5 });
    expect(h.read(layer.movingVariance.ptr, cols)).toBeCloseArray(mv, { atol: 1e-6, rtol: 1e-5 });
    const y = h.forward(false);
    const x = h.read(h.x, batch * cols);
    expect(y).toBeCloseArray(x.map((v, i) => (v - mm[i % cols]) / Math.sqrt(mv[i % cols] + 1e-3)), { atol: 1e-5, rtol: 1e-5 });
    h.free();
  });

  it("constant inputs (variance 0) stay finite through epsilon; NaN propagates; ±1e4 normalises", async () => {
    const nn = await instance(build);
    for (const layer of [new BatchNormalization(), new LayerNormalization()]) {
      const h = standalone(nn, layer, [5], 4);
      h.write(layer.weights[0].ptr, [1, 1, 1, 1, 1]);
      h.write(layer.weights[1].ptr, [0, 0, 0, 0, 0]);
      h.write(h.x, new Float32Array(20).fill(3));
      const y = h.forward(true);
      expect(y.every((v) => v === 0)).toBe(true);
      expect(h.backward(uniform(20, -1, 1, 2)).every(Number.isFinite)).toBe(true);
      const big = uniform(20, -1e4, 1e4, 5);
      h.write(h.x, big);
      expect(h.forward(true).every((v) => Math.abs(v) < 5)).toBe(true);
      big[0] = NaN;
      h.write(h.x, big);
      expect(Number.isNaN(h.forward(true)[0])).toBe(true);
      h.free();
    }
  });
});

describe.each(BUILDS)("dropout (%s)", (build) => {
  it("keeps 1 − rate of the values scaled by 1/(1 − rate); inference and backward use the same mask", async () => {
    const nn = await instance(build);
    const n = 100_003;
    const layer = new Dropout({ rate: 0.3, seed: 5 });
    const h = standalone(nn, layer, [n], 1);
    const x = uniform(n, 0.5, 2, 3);
    h.write(h.x, x);
    const y = h.forward(true, 11);
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (y[i] !== 0) {
        kept++;
        expect(Math.abs(y[i] - x[i] / 0.7)).toBeLessThan(1e-5 * y[i]);
      }
    }
    expect(Math.abs(kept / n - 0.7)).toBeLessThan(0.01);
    const dx = h.backward(new Float32Array(n).fill(1));
    for (let i = 0; i < n; i += 997) expect(dx[i]).toBeCloseTo(y[i] === 0 ? 0 : 1 / 0.7, 5);
    expect(Array.from(h.forward(true, 11))).toEqual(Array.from(y));
    expect(Array.from(h.forward(true, 12))).not.toEqual(Array.from(y));
    expect(h.forward(false)).toEqual(Float64Array.from(x));
    h.free();
  });

  it("gives the same mask bit for bit on every build", async () => {
    const masks = await Promise.all(BUILDS.map(async (b) => {
      const nn = await instance(b);
      const layer = new Dropout({ rate: 0.5, seed: 9 });
      const h = standalone(nn, layer, [1027], 1);
      h.write(h.x, new Float32Array(1027).fill(1));
      const y = h.forward(true, 3);
      h.free();
      return Array.from(y);
    }));
    expect(masks[1]).toEqual(masks[0]);
    expect(masks[2]).toEqual(masks[0]);
  });
});

describe("normalisation and dropout configs are checked", () => {
  it("names the option, what was received and what is expected", () => {
    expect(() => new Dropout({ rate: 1 })).toThrow(/dropout rate must be in \[0, 1\); received 1/);
    expect(() => new Dropout({ rate: 0.1, ratio: 2 } as never)).toThrow(/dropout has no option 'ratio'/);
    expect(() => new BatchNormalization({ axis: 1 as never })).toThrow(/axis must be -1/);
    expect(() => new BatchNormalization({ momentum: 2 })).toThrow(/momentum must be a number in \[0, 1\]/);
    expect(() => new LayerNormalization({ epsilon: 0 })).toThrow(/epsilon must be > 0/);
    expect(() => new LayerNormalization({ center: "yes" as never })).toThrow(/center must be a boolean/);
  });
});
