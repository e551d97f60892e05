// Threads (issue 18), the row-wise passes: every loss of the registry (value and gradient, each reduction,
// with and without sample weights, accumulated by a combined loss) and softmax / logSoftmax (forward and
// backward, in place and not) split over two and three threads give the bits of one thread (the default
// build of the same backend), on every build; a fit through them; the work thresholds; a large case where
// threads sharing a scratch block would show; memory flat across repeated passes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BackendName, type CanonicalLossName, init, LOSSES, type LossParams, sigmoidCrossentropyRaw, softmaxCrossentropyRaw } from "../src/index.js";
import "../src/threads.js"; // registers the threads code (the main entry imports it beside dist only when unbundled)
import type { NN } from "../src/nn.js";
import type { Tensor } from "../src/tensor.js";
import { MIN_LOSS_ELEMENTS_PER_THREAD } from "../src/threads/loss_parallel.js";
import { MIN_ROW_ELEMENTS_PER_THREAD } from "../src/threads/rows_parallel.js";
import { BUILDS, instance } from "./helpers/backends.js";

/** Deterministic values with a spread of magnitudes and signs. */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed * 12.9898 + i * 78.233) * (1 + ((i * 7 + seed) % 5));
  return out;
}
/** Deterministic values in (0, 1). */
const unit = (n: number, seed: number) => values(n, seed).map((v) => 0.5 + v / 10.5);
const bits = (v: ArrayLike<number>) => new Uint32Array(Float32Array.from(v).buffer);

/** A result: numbers (float64 loss values, compared with Object.is) and float32 arrays (compared bit for bit). */
type Result = (number | Uint32Array)[];
function expectSame(got: Result, want: Result, what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((g, k) => {
    const w = want[k];
    if (typeof g === "number") {
      expect(g, `${what}, result ${k}`).toBe(w);
      return;
    }
    const a = g, b = w as Uint32Array;
    expect(a.length, `${what}, result ${k}`).toBe(b.length);
    const i = a.findIndex((v, j) => v !== b[j]);
    const f = (u: Uint32Array) => new Float32Array(u.buffer)[i];
    expect(i < 0 ? null : `index ${i}: ${f(a)} vs ${f(b)}`, `${what}, result ${k}`).toBeNull();
  });
}

// ---- the instances: per build one with two threads and one with three (more threads than this host's two
// cores is allowed), every split threshold off so that short passes split too
const threaded = new Map<BackendName, NN[]>();
beforeAll(async () => {
  for (const b of BUILDS) {
    const list: NN[] = [];
    for (const threads of [2, 3]) {
      const nn = await init({ backend: b, threads });
      expect(nn.threads).toBe(threads);
      nn.rt.pool!.minLossElementsPerThread = 0;
      nn.rt.pool!.minRowElementsPerThread = 0;
      nn.rt.pool!.takeBack = false; // the workers run their shares (a share a sleeping worker had not started would run here)
      list.push(nn);
    }
    threaded.set(b, list);
  }
});
afterAll(() => {
  for (const list of threaded.values()) for (const nn of list) nn.dispose();
});

// ---- losses: every registry row, with its logits form, and the hinge losses under each label convention
type Hinge = "01" | "pm1" | "mixed";
interface Variant { name: CanonicalLossName; params: Omit<LossParams, "reduction" | "sampleWeight">; hinge?: Hinge }
const VARIANTS: Variant[] = [];
for (const [key, row] of Object.entries(LOSSES)) {
  if ("alias" in row) continue;
  const name = key as CanonicalLossName;
  const params: Variant["params"] = "labelSmoothing" in row.params ? { labelSmoothing: 0.1 } : {};
  if ("batchLabels" in row) for (const hinge of ["01", "pm1", "mixed"] as const) VARIANTS.push({ name, params, hinge });
  else VARIANTS.push({ name, params });
  if ("logits" in row) VARIANTS.push({ name, params: { ...params, fromLogits: true } });
}

/** yTrue (with its shape) and yPred [batch, dim] valid for the variant. */
function lossData(v: Variant, batch: number, dim: number, seed: number): { yt: Float32Array; ytShape: number[]; yp: Float32Array } {
  const row = LOSSES[v.name] as { label: string; pred: string };
  const n = batch * dim;
  let yt: Float32Array, ytShape = [batch, dim];
  if (row.label === "classId") {
    yt = Float32Array.from({ length: batch }, (_, r) => (r * 7 + seed) % dim);
    ytShape = [batch];
  } else if (row.label === "box") {
    yt = new Float32Array(n);
    const u = unit(n, seed);
    for (let i = 0; i < n; i += 4) yt.set([u[i], u[i + 1], u[i] + u[i + 2], u[i + 1] + u[i + 3]], i);
  } else if (v.hinge === "01") yt = unit(n, seed).map((u) => (u < 0.5 ? 0 : 1));
  else if (v.hinge === "pm1") yt = unit(n, seed).map((u) => (u < 0.5 ? -1 : 1));
  else if (row.label === "probability") yt = unit(n, seed);
  else if (row.label === "nonnegative") yt = values(n, seed).map(Math.abs);
  else yt = values(n, seed);
  const yp = v.params.fromLogits ? values(n, seed + 1) : row.pred === "probability" ? unit(n, seed + 1).map((u) => 0.02 + 0.96 * u)
    : row.pred === "nonnegative" ? values(n, seed + 1).map((x) => Math.abs(x) + 0.01) : values(n, seed + 1);
  return { yt, ytShape, yp };
}

/**
 * Every route a loss takes through the kernels on nn: value and gradient ('mean': the pointwise losses' flat
 * run; 'none' with weights: per-sample values), the value alone ('sum' weighted, 'mean'), and a combined loss
 * of two terms (the second accumulates into the gradient), unweighted and weighted.
 */
function lossRoutes(nn: NN, v: Variant, batch: number, dim: number, seed: number): Result {
  const { yt, ytShape, yp } = lossData(v, batch, dim, seed);
  const T = nn.tensor(yt, ytShape), P = nn.tensor(yp, [batch, dim]), W = nn.tensor(unit(batch, seed + 2).map((u) => 2 * u), [batch]);
  const G = nn.zeros([batch, dim]);
  const out: Result = [];
  const a = nn.lossAndGradient(v.name, T, P, v.params);
  out.push(a.value, bits(a.gradient.data));
  const b = nn.lossAndGradient(v.name, T, P, { ...v.params, reduction: "none", sampleWeight: W }, G);
  out.push(bits(b.value.data), bits(G.data));
  out.push(nn.loss(v.name, T, P, { ...v.params, reduction: "sum", sampleWeight: W }), nn.loss(v.name, T, P, v.params));
  const combined = nn.losses.combine([{ loss: v.name, params: v.params }, { loss: v.name, weight: 0.5, params: v.params }]);
  combined.gradient(T, P, undefined, G);
  out.push(bits(G.data), combined.value(T, P));
  combined.gradient(T, P, { sampleWeight: W, reduction: "sum" }, G);
  out.push(bits(G.data), combined.value(T, P, { sampleWeight: W }));
  nn.dispose(T, P, W, G, a.gradient, b.value);
  return out;
}

// tails of the four-row blocks (1, 2, 3, 5, 7, 9, 17 rows), lane gathers (3, 7 classes), the flat run cut at whole
// 1024-element blocks that are whole rows (256: 4 rows, 96: 32 rows, 1: 1024 rows; 130 × 256 ends in a part
// block), past the rows-in-lanes class limit (1030)
const SHAPES: [number, number][] = [[1, 10], [2, 10], [3, 10], [5, 7], [7, 3], [8, 10], [9, 10], [17, 10], [9, 256], [130, 256], [70, 96], [9, 1030], [2100, 1]];

describe.each(BUILDS)("%s: losses on two and three threads give the bits of one", (backend) => {
  it.each(VARIANTS.map((v) => [`${v.name}${v.params.fromLogits ? " (logits)" : ""}${v.hinge ? ` labels ${v.hinge}` : ""}`, v] as const))("%s", async (_, v) => {
    const one = await instance(backend);
    for (const [batch, d] of SHAPES) {
      const dim = v.name === "iou" ? 4 : d;
      const want = lossRoutes(one, v, batch, dim, batch + dim);
      for (const nn of threaded.get(backend)!) {
        const pool = nn.rt.pool!, runs = pool.runs;
        expectSame(lossRoutes(nn, v, batch, dim, batch + dim), want, `${batch}×${dim} on ${nn.threads} threads`);
        // every route splits from two four-row blocks on (the weighted ones at least), and nothing splits below
        if (batch >= 8) expect(pool.runs - runs, `${batch}×${dim} split`).toBeGreaterThanOrEqual(4);
        else expect(pool.runs, `${batch}×${dim} not split`).toBe(runs);
      }
    }
  });

  it("the fused softmax and sigmoid cross-entropies fit trains through", async () => {
    const one = await instance(backend);
    for (const [batch, dim] of SHAPES) {
      const run = (nn: NN): Result => {
        const logits = nn.tensor(values(batch * dim, 3), [batch, dim]), G = nn.zeros([batch, dim]);
        const onehot = nn.tensor(Float32Array.from({ length: batch * dim }, (_, i) => (i % dim === Math.floor(i / dim) % dim ? 1 : 0)), [batch, dim]);
        const ids = nn.tensor(Float32Array.from({ length: batch }, (_, r) => r % dim));
        const out: Result = [];
        for (const [labels, sparse, ls] of [[onehot, false, 0.1], [ids, true, 0]] as const) {
          out.push(softmaxCrossentropyRaw(nn.rt, G.ptr, labels.ptr, logits.ptr, batch, dim, ls, sparse), bits(G.data));
          out.push(softmaxCrossentropyRaw(nn.rt, 0, labels.ptr, logits.ptr, batch, dim, ls, sparse));
        }
        const z = nn.tensor(unit(batch * dim, 4).map((u) => (u < 0.5 ? 0 : 1)), [batch, dim]);
        out.push(sigmoidCrossentropyRaw(nn.rt, G.ptr, z.ptr, logits.ptr, batch, dim, 0.1), bits(G.data));
        nn.dispose(logits, G, onehot, ids, z);
        return out;
      };
      const want = run(one);
      for (const nn of threaded.get(backend)!) expectSame(run(nn), want, `${batch}×${dim} on ${nn.threads} threads`);
    }
  });
});

// ---- softmax and logSoftmax: rows-in-lanes (SIMD builds: forward up to 64 classes, backward up to 10) and row at a time
describe.each(BUILDS)("%s: softmax and logSoftmax on two and three threads give the bits of one", (backend) => {
  it.each(["softmax", "logSoftmax"] as const)("%s forward and backward, every tail of the four-row blocks, in place and not", async (name) => {
    const one = await instance(backend);
    const run = (nn: NN, rows: number, cols: number): Result => {
      const x = values(rows * cols, rows + cols).map((v) => v * 4), dy = values(rows * cols, rows - cols);
      const X = nn.tensor(x, [rows, cols]), D = nn.tensor(dy, [rows, cols]), X2 = nn.tensor(x, [rows, cols]), D2 = nn.tensor(dy, [rows, cols]);
      const y = nn.activation(name, X), back = nn.activationBackward(name, X, D);
      nn.activation(name, X2, undefined, { out: X2 }); // in place
      nn.activationBackward(name, X, D2, undefined, { out: D2 }); // dx over dy
      const out = [bits(y.data), bits(back.data), bits(X2.data), bits(D2.data)];
      nn.dispose(X, D, X2, D2, y, back);
      return out;
    };
    for (const rows of [1, 2, 3, 5, 7, 8, 9, 17, 33]) {
      for (const cols of [1, 3, 4, 10, 11, 16, 64, 65, 100]) {
        const want = run(one, rows, cols);
        for (const nn of threaded.get(backend)!) {
          const pool = nn.rt.pool!, runs = pool.runs;
          expectSame(run(nn, rows, cols), want, `${rows}×${cols} on ${nn.threads} threads`);
          // forward, backward and its forward of y, in place, backward over dy and its y: split from two four-row blocks on
          expect(pool.runs - runs, `${rows}×${cols} split`).toBe(rows >= 8 ? 6 : 0);
        }
      }
    }
  });
});

// ---- training through the split passes
describe.each(BUILDS)("%s: fit on two and three threads trains to the bits of one", (backend) => {
  it.each(["softmax + categoricalCrossentropy", "linear + meanSquaredError"] as const)("%s head, with and without sample weights", async (head) => {
    const one = await instance(backend);
    const softmax = head.startsWith("softmax");
    // 64 outputs for MSE: its flat run splits at whole 1024-element blocks, 16 rows of 64
    const outputs = softmax ? 10 : 64;
    const train = async (nn: NN): Promise<Result> => {
      const model = nn.sequential({ seed: 5, layers: [
        nn.layers.dense({ units: 32, activation: "relu", inputShape: [20] }),
        nn.layers.dense({ units: outputs, activation: softmax ? "softmax" : "linear" }),
      ] });
      model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: softmax ? "categoricalCrossentropy" : "meanSquaredError" });
      const X = nn.tensor(values(96 * 20, 1), [96, 20]);
      const Y = nn.tensor(softmax ? Float32Array.from({ length: 96 * 10 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 3) % 10 ? 1 : 0)) : values(96 * 64, 2), [96, outputs]);
      const plain = await model.fit(X, Y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
      const weighted = await model.fit(X, Y, { epochs: 1, batchSize: 32, shuffle: false, verbose: 0, sampleWeight: unit(96, 6) });
      const evaluated = model.evaluate(X, Y, { batchSize: 48 });
      const p = model.predict(X) as Tensor;
      const out: Result = [...plain.history.loss, ...weighted.history.loss, evaluated.loss, bits(p.data), ...model.getWeights().map((w) => bits(w.data))];
      nn.dispose(X, Y, p);
      model.dispose();
      return out;
    };
    const want = await train(one);
    for (const nn of threaded.get(backend)!) {
      const pool = nn.rt.pool!, runs = pool.runs;
      expectSame(await train(nn), want, `${nn.threads} threads`);
      expect(pool.runs).toBeGreaterThan(runs + 8);
    }
  });
});

// ---- at the real thresholds
describe("the row-wise passes at the default thresholds", () => {
  it("start at 2^15 elements a thread for losses and 2^12 for softmax rows (measured: bench/RESULTS.md)", () => {
    expect([MIN_LOSS_ELEMENTS_PER_THREAD, MIN_ROW_ELEMENTS_PER_THREAD]).toEqual([2 ** 15, 2 ** 12]);
  });

  // two threads writing one scratch block would give wrong bits here: 16384 four-row blocks of softmax and of
  // the cross-entropy's lanes through each thread's transposed rows
  it.each(BUILDS)("%s: 65536×10 softmax, CCE and MSE split and match one thread bit for bit; 256×10 stays on one thread", async (backend) => {
    const one = await instance(backend);
    const nn = await init({ backend, threads: 2 });
    const pool = nn.rt.pool!;
    expect([pool.minLossElementsPerThread, pool.minRowElementsPerThread]).toEqual([MIN_LOSS_ELEMENTS_PER_THREAD, MIN_ROW_ELEMENTS_PER_THREAD]);
    pool.sleepAware = false; // the spinning workers' thresholds, whether or not they sleep between these calls
    const run = (x: NN, rows: number): Result => {
      const n = rows * 10;
      const X = x.tensor(values(n, 7).map((v) => v * 3), [rows, 10]), D = x.tensor(values(n, 8), [rows, 10]);
      const Y = x.tensor(Float32Array.from({ length: n }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0)), [rows, 10]);
      const ids = x.tensor(Float32Array.from({ length: rows }, (_, r) => (r * 7) % 10));
      const out: Result = [];
      const s = x.activation("softmax", X), ls = x.activation("logSoftmax", X), back = x.activationBackward("softmax", X, D);
      out.push(bits(s.data), bits(ls.data), bits(back.data));
      for (const [name, labels] of [["categoricalCrossentropy", Y], ["sparseCategoricalCrossentropy", ids], ["meanSquaredError", Y]] as const) {
        const r = x.lossAndGradient(name, labels, name === "meanSquaredError" ? s : X, name === "meanSquaredError" ? {} : { fromLogits: true });
        out.push(r.value, bits(r.gradient.data));
        r.gradient.dispose();
      }
      x.dispose(X, D, Y, ids, s, ls, back);
      return out;
    };
    let runs = pool.runs;
    expectSame(run(nn, 65536), run(one, 65536), "65536×10");
    expect(pool.runs - runs, "65536×10 split").toBe(7);
    runs = pool.runs;
    expectSame(run(nn, 256), run(one, 256), "256×10");
    expect(pool.runs, "256×10 not split").toBe(runs);
    nn.dispose();
  });

  it("repeated threaded loss and softmax passes allocate nothing", async () => {
    const nn = await init({ threads: 2 });
    const pool = nn.rt.pool!;
    pool.sleepAware = false; // split at the spinning thresholds, whether or not the workers sleep between passes
    const rows = 16384, X = nn.tensor(values(rows * 10, 1), [rows, 10]), Y = nn.tensor(unit(rows * 10, 2), [rows, 10]);
    const W = nn.tensor(unit(rows, 3), [rows]), G = nn.zeros([rows, 10]), S = nn.zeros([rows, 10]);
    const pass = () => {
      nn.lossAndGradient("categoricalCrossentropy", Y, X, { fromLogits: true }, G);
      nn.lossAndGradient("meanSquaredError", Y, X, { sampleWeight: W }, G);
      nn.lossAndGradient("binaryCrossentropy", Y, X, { fromLogits: true }, G);
      nn.activation("softmax", X, undefined, { out: S });
      nn.activationBackward("softmax", X, Y, undefined, { out: G });
    };
    pass(); // grows the pool's reduction buffer to this batch
    const after = nn.memory(), runs = pool.runs;
    for (let i = 0; i < 5; i++) pass();
    expect(nn.memory()).toEqual(after);
    expect(pool.runs - runs).toBe(5 * 6); // the backward runs softmax forward into its output first
    nn.dispose(X, Y, W, G, S);
    nn.dispose();
  });
});
