// Core layers (dense, activation, softmax, flatten, prelu) one at a time against float64
// references: forward values, and backward (dx and every weight gradient) against float64 central
// differences of L = Σ r·y, on every build, at sizes that hit the SIMD tails.
import { describe, expect, it } from "vitest";
import type { Layer } from "../src/model/layer.js";
import { Activation, Dense, Flatten, PReLU, Softmax } from "../src/model/layers_core.js";
import { ReLU } from "../src/model/layers_activation.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { kernelParam, POINTWISE, ROWS } from "./helpers/activation_spec.js";
import { standalone } from "./helpers/layer_harness.js";
import { numericGradient } from "./helpers/reference.js";

type Ref = (x: Float64Array, weights: Float64Array[]) => Float64Array;

/** act over rows × cols in float64 (softmax/logSoftmax per row). */
function act64(name: string, v: Float64Array, cols: number, alpha = 0): Float64Array {
  if (name === "softmax" || name === "logSoftmax") {
    const out = new Float64Array(v.length);
    for (let r = 0; r < v.length / cols; r++) out.set(ROWS[name](Array.from(v.subarray(r * cols, (r + 1) * cols))), r * cols);
    return out;
  }
  const spec = POINTWISE[name];
  return v.map((t) => spec.f(t, alpha || kernelParam(spec)));
}

function denseRef(k: number, n: number, act: string, bias: boolean): Ref {
  return (x, [W, b]) => {
    const rows = x.length / k;
    const z = new Float64Array(rows * n);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < n; j++) {
        let s = bias ? b[j] : 0;
        for (let p = 0; p < k; p++) s += x[r * k + p] * W[p * n + j];
        z[r * n + j] = s;
      }
    }
    return act64(act, z, n);
  };
}

/** Forward against ref; backward dx and weight grads against float64 central differences of Σ r·ref. */
async function check(build: (typeof BUILDS)[number], layer: Layer, inputShape: number[], batch: number, ref: Ref, tol = 2e-4) {
  const nn = await instance(build);
  const h = standalone(nn, layer, inputShape, batch);
  try {
    const x = uniform(batch * h.inF, -2, 2, 3);
    h.write(h.x, x);
    const weights = layer.weights.map((w) => h.read(w.ptr, w.size));
    const x64 = Float64Array.from(x);
    const want = ref(x64, weights);
    const scale = Math.max(1, ...want.map(Math.abs));
    expect(h.forward(false)).toBeCloseArray(want, { atol: 1e-5 * scale, rtol: 1e-5 });
    expect(h.forward(true)).toBeCloseArray(want, { atol: 1e-5 * scale, rtol: 1e-5 });
    const r = uniform(batch * h.outF, -1, 1, 5);
    const loss = (xv: Float64Array, ws: Float64Array[]) => ref(xv, ws).reduce((s, v, i) => s + v * r[i], 0);
    const dx = h.backward(r);
    const gx = numericGradient((xv) => loss(xv, weights), x64);
    const gscale = Math.max(1, ...gx.map(Math.abs));
    expect(dx).toBeCloseArray(gx, { atol: tol * gscale, rtol: tol });
    layer.weights.forEach((w, i) => {
      const g = numericGradient((wv) => loss(x64, weights.map((o, j) => (j === i ? wv : o))), weights[i]);
      expect(h.read(w.grad, w.size), `${layer.name} ${w.name}`).toBeCloseArray(g, { atol: tol * Math.max(1, ...g.map(Math.abs)), rtol: tol });
    });
  } finally {
    h.free();
  }
}

const DENSE_SHAPES: [number, number, number][] = [[1, 1, 1], [3, 5, 2], [8, 4, 1], [17, 9, 3], [33, 16, 5]];
const DENSE_ACTS = ["linear", "relu", "sigmoid", "tanh", "gelu", "elu", "silu", "leakyRelu", "softmax", "logSoftmax"] as const;

describe.each(BUILDS)("dense (%s)", (build) => {
  it.each(DENSE_ACTS)("%s: forward and backward at every tail shape", async (act) => {
    for (const [k, n, batch] of DENSE_SHAPES) await check(build, new Dense({ units: n, activation: act }), [k], batch, denseRef(k, n, act, true));
  });

  it("without bias, and on rank-3 input (acts on the last axis)", async () => {
    await check(build, new Dense({ units: 6, useBias: false, activation: "tanh" }), [5], 3, denseRef(5, 6, "tanh", false));
    await check(build, new Dense({ units: 7, activation: "relu" }), [2, 9], 3, denseRef(9, 7, "relu", true));
  });
});

describe.each(BUILDS)("activation, softmax, flatten, prelu (%s)", (build) => {
  it.each(["relu", "sigmoid", "gelu", "softplus", "mish", "softmax", "logSoftmax"] as const)("activation %s", async (act) => {
    for (const [shape, batch] of [[[1], 1], [[7], 3], [[4, 9], 2]] as [number[], number][]) {
      const cols = shape[shape.length - 1];
      await check(build, new Activation({ activation: act }), shape, batch, (x) => act64(act, x, cols));
    }
  });

  it("ReLU layer: none is relu, 6 is relu6, any other maxValue ≥ 0 is reluMax (gradient checked)", async () => {
    const clip = (m: number) => (x: Float64Array) => x.map((v) => Math.min(Math.max(v, 0), m));
    for (const [maxValue, name] of [[null, "relu"], [6, "relu6"], [1.5, "reluMax"], [0, "reluMax"]] as const) {
      const layer = new ReLU({ maxValue });
      expect([layer.act.name, layer.maxValue]).toEqual([name, maxValue]);
      await check(build, layer, [7], 3, clip(maxValue ?? Infinity));
    }
    expect(() => new ReLU({ maxValue: -1 })).toThrow(/reLU maxValue must be null \(no clip\) or a finite number ≥ 0; received -1/);
    expect(() => new ReLU({ maxValue: NaN })).toThrow(/received NaN/);
    expect(() => new ReLU({ maxValue: "6" as never })).toThrow(/received "6"/);
  });

  it("softmax layer equals softmax activation", async () => {
    await check(build, new Softmax(), [17], 3, (x) => act64("softmax", x, 17));
  });

  it("flatten copies forward and backward", async () => {
    const f = new Flatten();
    await check(build, f, [3, 5], 2, (x) => x);
    expect(f.outputShape).toEqual([15]);
  });

  it("prelu learns one alpha per element, or per channel with sharedAxes", async () => {
    const ref = (cols: number) => (x: Float64Array, [a]: Float64Array[]) => x.map((v, i) => (v > 0 ? v : a[i % cols] * v));
    await check(build, new PReLU(), [9], 3, ref(9));
    await check(build, new PReLU({ sharedAxes: [1] }), [2, 5], 3, ref(5));
    await check(build, new PReLU(), [2, 5], 2, ref(10));
  });
});

describe("layer configs are checked", () => {
  it("names the bad option and the expected values", () => {
    expect(() => new Dense({ units: 0 })).toThrow(/units must be an integer in \[1/);
    expect(() => new Dense({ units: 3, activation: "nope" as never })).toThrow(/Unknown activation "nope"; expected one of: linear/);
    expect(() => new Dense({ units: 3, activation: "prelu" })).toThrow(/nn.layers.prelu/);
    expect(() => new Dense({ units: 3, unit: 4 } as never)).toThrow(/dense has no option 'unit'/);
    expect(() => new Dense({ units: 3, kernelInitializer: "glorot" as never })).toThrow(/Unknown kernelInitializer "glorot"/);
    expect(() => new Dense({ units: 3, kernelRegularizer: 0.01 as never })).toThrow(/kernelRegularizer must be a regularizer/);
    expect(() => new Dense({ units: 3, inputShape: [0] })).toThrow(/inputShape must be an array of positive integers/);
    expect(() => new Softmax({ axis: 1 })).toThrow(/axis must be -1/);
    expect(() => new PReLU({ sharedAxes: [0] })).toThrow(/sharedAxes must be an array of axis numbers ≥ 1/);
  });

  it("gives layers unique default names", () => {
    const a = new Dense({ units: 1 }), b = new Dense({ units: 1 });
    expect(a.name).not.toBe(b.name);
    expect(b.name).toMatch(/^dense_\d+$/);
  });
});
