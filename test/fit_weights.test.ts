// fit's and trainOnBatch's sampleWeight and classWeight (Keras sample_weight / class_weight, tfjs
// classWeight): a weighted step against a manual step through nn.lossAndGradient with sampleWeight,
// class weights from one-hot, sparse and binary labels, shuffling and validationSplit, the unweighted
// path unchanged, bad input, and memory flat after fit.
import { describe, expect, it } from "vitest";
import { ShapeError, ValueError } from "../src/errors.js";
import type { NN } from "../src/nn.js";
import type { Sequential } from "../src/model/sequential.js";
import type { Tensor } from "../src/tensor.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";

const N = 12, F = 4, C = 3;

function data(nn: NN, seed = 1): { x: Tensor; onehot: Tensor; ids: Tensor; bin: Tensor; reg: Tensor } {
  const xs = uniform(N * F, -1, 1, seed), oh = new Float32Array(N * C), ids = new Float32Array(N), bin = new Float32Array(N), reg = uniform(N, -1, 1, seed + 7);
  for (let i = 0; i < N; i++) {
    const c = (i * 7) % C;
    ids[i] = c;
    oh[i * C + c] = 1;
    bin[i] = i % 4 === 0 ? 1 : 0;
  }
  return { x: nn.tensor(xs, [N, F]), onehot: nn.tensor(oh, [N, C]), ids: nn.tensor(ids, [N]), bin: nn.tensor(bin, [N, 1]), reg: nn.tensor(reg, [N, 1]) };
}

const WEIGHTS = Float32Array.from({ length: N }, (_, i) => [0, 0.5, 1, 2, 3.25][i % 5]);

/** One dense layer: the manual step is xᵀ·dz by hand. */
function model(nn: NN, units: number, activation: "linear" | "softmax" | "sigmoid", loss: string): Sequential {
  const m = nn.sequential({ seed: 3, layers: [nn.layers.dense({ units, activation, inputShape: [F] })] });
  m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5 }), loss: loss as "meanSquaredError" });
  return m;
}

function params(m: Sequential): Float32Array {
  return m.snapshot().slice();
}

/**
 * The step by hand: logits z = x·W + b (float64 here), value and dL/dz from nn.lossAndGradient with the
 * weights (on logits for the fused pairs: fromLogits), then W −= lr·xᵀ·dz, b −= lr·Σ dz.
 */
function manualStep(nn: NN, m: Sequential, x: Tensor, y: Tensor, loss: string, fromLogits: boolean, w: Float32Array): { value: number; after: Float32Array } {
  const p = params(m), units = m.outputShape![0], xs = x.data;
  const W = p.subarray(0, F * units), B = p.subarray(F * units, F * units + units);
  const z = new Float32Array(N * units);
  for (let i = 0; i < N; i++) for (let u = 0; u < units; u++) {
    let s = B[u];
    for (let f = 0; f < F; f++) s += xs[i * F + f] * W[f * units + u];
    z[i * units + u] = s;
  }
  const zt = nn.tensor(z, [N, units]), wt = nn.tensor(w, [N]);
  const r = nn.lossAndGradient(loss as "meanSquaredError", y, zt, fromLogits ? { fromLogits: true, sampleWeight: wt } : { sampleWeight: wt });
  const dz = r.gradient.data.slice();
  r.gradient.dispose(); zt.dispose(); wt.dispose();
  const after = p.slice();
  for (let f = 0; f < F; f++) for (let u = 0; u < units; u++) {
    let g = 0;
    for (let i = 0; i < N; i++) g += xs[i * F + f] * dz[i * units + u];
    after[f * units + u] -= 0.5 * g;
  }
  for (let u = 0; u < units; u++) {
    let g = 0;
    for (let i = 0; i < N; i++) g += dz[i * units + u];
    after[F * units + u] -= 0.5 * g;
  }
  return { value: r.value, after };
}

describe.each(BUILDS)("fit sampleWeight / classWeight (%s)", (backend) => {
  // float32 GEMM against float64 sums here: |Δ| ≤ 1e-5 on O(1) weights, 1e-6 relative on the loss
  const TOL = 1e-5;
  const cases = [
    { name: "mse on a linear output", units: 1, act: "linear", loss: "meanSquaredError", y: "reg", logits: false },
    { name: "softmax + categorical CE (fused)", units: C, act: "softmax", loss: "categoricalCrossentropy", y: "onehot", logits: true },
    { name: "softmax + sparse CE (fused)", units: C, act: "softmax", loss: "sparseCategoricalCrossentropy", y: "ids", logits: true },
    { name: "sigmoid + binary CE (fused)", units: 1, act: "sigmoid", loss: "binaryCrossentropy", y: "bin", logits: true },
  ] as const;

  it.each(cases)("a weighted fit step is the manual nn.lossAndGradient step with sampleWeight: $name", async (c) => {
    const nn = await instance(backend);
    const d = data(nn);
    const m = model(nn, c.units, c.act, c.loss);
    const y = d[c.y];
    const manual = manualStep(nn, m, d.x, y, c.loss, c.logits, WEIGHTS);
    const h = await m.fit(d.x, y, { epochs: 1, batchSize: N, shuffle: false, verbose: 0, sampleWeight: WEIGHTS });
    expect(h.history.loss[0]).toBeCloseTo(manual.value, 5);
    const got = params(m);
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - manual.after[i])).toBeLessThan(TOL);
    // trainOnBatch weighs alike
    const m2 = model(nn, c.units, c.act, c.loss);
    expect(m2.trainOnBatch(d.x, y, { sampleWeight: Array.from(WEIGHTS) })).toBeCloseTo(manual.value, 5);
    expect(params(m2)).toEqual(got);
    m.dispose(); m2.dispose();
    Object.values(d).forEach((t) => t.dispose());
  });

  it("all-ones weights train to the same bits as no weights, and a fit after a weighted one is a fresh unweighted fit", async () => {
    const nn = await instance(backend);
    const d = data(nn);
    for (const c of cases) {
      const y = d[c.y];
      const a = model(nn, c.units, c.act, c.loss), b = model(nn, c.units, c.act, c.loss), w = model(nn, c.units, c.act, c.loss);
      const opts = { epochs: 2, batchSize: 5, verbose: 0, seed: 4 } as const;
      const ha = await a.fit(d.x, y, opts);
      const hb = await b.fit(d.x, y, { ...opts, sampleWeight: new Float32Array(N).fill(1) });
      expect(params(b)).toEqual(params(a));
      // the weighted kernels sum the value w·L in another order: the reported loss agrees to float32 rounding
      hb.history.loss.forEach((v, i) => expect(v).toBeCloseTo(ha.history.loss[i], 6));
      await w.fit(d.x, y, { ...opts, sampleWeight: WEIGHTS });
      w.setWeights(a.getWeights().map((t) => { const v = t.data.slice(); t.dispose(); return v; }));
      const c2 = model(nn, c.units, c.act, c.loss);
      c2.setWeights(a.getWeights().map((t) => { const v = t.data.slice(); t.dispose(); return v; }));
      await w.fit(d.x, y, opts);
      await c2.fit(d.x, y, opts);
      expect(params(w)).toEqual(params(c2));
      [a, b, w, c2].forEach((m) => m.dispose());
    }
    Object.values(d).forEach((t) => t.dispose());
  });

  it("classWeight equals the per-sample weights it stands for: one-hot, sparse and binary labels, maps and arrays, times sampleWeight", async () => {
    const nn = await instance(backend);
    const d = data(nn);
    const ids = d.ids.data, bin = d.bin.data;
    const check = async (units: number, act: "softmax" | "sigmoid", loss: string, y: Tensor, classWeight: Record<number, number> | number[], expected: Float32Array, sampleWeight?: Float32Array) => {
      const a = model(nn, units, act, loss), b = model(nn, units, act, loss);
      const opts = { epochs: 2, batchSize: 5, verbose: 0 as const, seed: 9 };
      const ha = await a.fit(d.x, y, { ...opts, classWeight, sampleWeight });
      const hb = await b.fit(d.x, y, { ...opts, sampleWeight: expected });
      expect(params(a)).toEqual(params(b));
      expect(ha.history.loss).toEqual(hb.history.loss);
      a.dispose(); b.dispose();
    };
    const cw = { 0: 1, 1: 20, 2: 0.5 };
    const byId = Float32Array.from(ids, (c) => cw[c as 0 | 1 | 2]);
    await check(C, "softmax", "categoricalCrossentropy", d.onehot, cw, byId);
    await check(C, "softmax", "sparseCategoricalCrossentropy", d.ids, [1, 20, 0.5], byId);
    // a class missing from the map weighs 1
    await check(C, "softmax", "categoricalCrossentropy", d.onehot, { 1: 4 }, Float32Array.from(ids, (c) => (c === 1 ? 4 : 1)));
    // binary: y ≥ 0.5 is class 1; both options multiply
    const binW = Float32Array.from(bin, (v) => (v >= 0.5 ? 7 : 0.25));
    await check(1, "sigmoid", "binaryCrossentropy", d.bin, { 0: 0.25, 1: 7 }, binW);
    await check(1, "sigmoid", "binaryCrossentropy", d.bin, { 0: 0.25, 1: 7 }, binW.map((v, i) => v * WEIGHTS[i]), WEIGHTS);
    // probabilities: the argmax of the row
    const soft = nn.tensor(Float32Array.from({ length: N * C }, (_, k) => (k % C === ids[Math.floor(k / C)] ? 0.6 : 0.2)), [N, C]);
    await check(C, "softmax", "categoricalCrossentropy", soft, cw, byId);
    soft.dispose();
    Object.values(d).forEach((t) => t.dispose());
  });

  it("shuffling keeps each weight with its row, and validationSplit validates unweighted on the last rows", async () => {
    const nn = await instance(backend);
    const d = data(nn);
    // zero weight on every row but row 5: a shuffled epoch in batches of 1 moves the weights exactly as one step on row 5 alone
    const only5 = new Float32Array(N);
    only5[5] = 1;
    const a = model(nn, 1, "linear", "meanSquaredError");
    await a.fit(d.x, d.reg, { epochs: 1, batchSize: 1, shuffle: true, seed: 11, verbose: 0, sampleWeight: only5 });
    const b = model(nn, 1, "linear", "meanSquaredError");
    const x5 = nn.tensor(d.x.data.slice(5 * F, 6 * F), [1, F]), y5 = nn.tensor(d.reg.data.slice(5, 6), [1, 1]);
    b.trainOnBatch(x5, y5);
    expect(params(a)).toEqual(params(b));
    // validationSplit 0.25: rows 9..11 validate with no weights (their zero weights change nothing); training rows keep theirs
    const wv = Float32Array.from(WEIGHTS);
    wv.fill(0, 9);
    const c = model(nn, 1, "linear", "meanSquaredError"), e = model(nn, 1, "linear", "meanSquaredError");
    const hc = await c.fit(d.x, d.reg, { epochs: 2, batchSize: 4, validationSplit: 0.25, seed: 2, verbose: 0, sampleWeight: wv });
    const he = await e.fit(d.x, d.reg, { epochs: 2, batchSize: 4, validationSplit: 0.25, seed: 2, verbose: 0, sampleWeight: WEIGHTS });
    expect(params(c)).toEqual(params(e));
    expect(hc.history.val_loss).toEqual(he.history.val_loss);
    const xv = nn.tensor(d.x.data.slice(9 * F), [3, F]), yv = nn.tensor(d.reg.data.slice(9), [3, 1]);
    expect(hc.history.val_loss[1]).toBeCloseTo(c.evaluate(xv, yv).loss, 6);
    [a, b, c, e].forEach((m) => m.dispose());
    [x5, y5, xv, yv, ...Object.values(d)].forEach((t) => t.dispose());
  });

  it("outputs with several rows per sample ([n, 2, 1]): each sample's weight covers all its rows; classWeight is refused", async () => {
    const nn = await instance(backend);
    const xs = uniform(N * 2 * F, -1, 1, 5), ys = uniform(N * 2, -1, 1, 6);
    const x = nn.tensor(xs, [N, 2, F]), y = nn.tensor(ys, [N, 2, 1]);
    const make = () => {
      const m = nn.sequential({ seed: 3, layers: [nn.layers.dense({ units: 1, inputShape: [2, F] })] });
      m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 0.5 }), loss: "meanSquaredError" });
      return m;
    };
    // nn.lossAndGradient on the outputs with the weights repeated per row is the gradient fit must follow
    const a = make(), b = make();
    const before = a.predict(x), wRows = nn.tensor(Float32Array.from({ length: N * 2 }, (_, k) => WEIGHTS[k >> 1]), [N, 2]);
    const r = nn.lossAndGradient("meanSquaredError", y, before, { sampleWeight: wRows });
    expect(a.trainOnBatch(x, y, { sampleWeight: WEIGHTS })).toBeCloseTo(r.value, 6);
    // the same step from the kept rows only: zero weights drop rows, and 1/n scales the mean back
    const kept = [...WEIGHTS.keys()].filter((i) => WEIGHTS[i] > 0);
    const xk = nn.tensor(Float32Array.from(kept.flatMap((i) => Array.from(xs.subarray(i * 2 * F, (i + 1) * 2 * F)))), [kept.length, 2, F]);
    const yk = nn.tensor(Float32Array.from(kept.flatMap((i) => [ys[2 * i], ys[2 * i + 1]])), [kept.length, 2, 1]);
    b.trainOnBatch(xk, yk, { sampleWeight: kept.map((i) => (WEIGHTS[i] * kept.length) / N) });
    const pa = params(a), pb = params(b);
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(1e-5);
    expect(() => a.trainOnBatch(x, y, { classWeight: { 0: 2 } })).toThrow(/classWeight needs one label per sample/);
    [a, b].forEach((m) => m.dispose());
    [x, y, before, wRows, r.gradient, xk, yk].forEach((t) => t.dispose());
  });

  it("bad weights are refused naming the option, the value and what was expected, and allocate nothing", async () => {
    const nn = await instance(backend);
    const d = data(nn);
    const m = model(nn, C, "softmax", "categoricalCrossentropy");
    const before = nn.memory().bytesInUse;
    const bad = async (opts: Record<string, unknown>, type: typeof ValueError | typeof ShapeError, text: RegExp) => {
      await expect(m.fit(d.x, d.onehot, { verbose: 0, ...opts })).rejects.toThrow(type);
      await expect(m.fit(d.x, d.onehot, { verbose: 0, ...opts })).rejects.toThrow(text);
    };
    await bad({ sampleWeight: WEIGHTS.map((v, i) => (i === 3 ? -1 : v)) }, ValueError, /sampleWeight.*-1 at index 3/);
    await bad({ sampleWeight: WEIGHTS.map((v, i) => (i === 2 ? NaN : v)) }, ValueError, /sampleWeight.*NaN at index 2/);
    await bad({ sampleWeight: [1, 2, Infinity, ...new Array(N - 3).fill(1)] }, ValueError, /Infinity at index 2/);
    await bad({ sampleWeight: new Float32Array(N - 1) }, ShapeError, /11 weights but x has 12 samples/);
    await bad({ sampleWeight: "heavy" }, ValueError, /sampleWeight must be.*"heavy"/);
    const wrong = nn.tensor(new Float32Array(N * 2), [N, 2]);
    await bad({ sampleWeight: wrong }, ShapeError, /sampleWeight \[12,2\].*\[12\] or \[12,1\]/);
    wrong.dispose();
    await bad({ classweight: { 0: 1 } }, ValueError, /no option 'classweight'.*classWeight/);
    await bad({ classWeight: { 0: -2 } }, ValueError, /classWeight\[0\].*-2/);
    await bad({ classWeight: { 1: NaN } }, ValueError, /classWeight\[1\].*NaN/);
    await bad({ classWeight: { a: 1 } }, ValueError, /key "a".*0 to 2/);
    await bad({ classWeight: { 3: 1 } }, ValueError, /key "3".*0 to 2/);
    await bad({ classWeight: [1, 2, 3, 4] }, ValueError, /4 weights.*3 classes/);
    await bad({ classWeight: 5 }, ValueError, /classWeight must be an object.*5/);
    expect(() => m.trainOnBatch(d.x, d.onehot, { classWeight: { 0: -1 } })).toThrow(/classWeight\[0\]/);
    expect(() => m.trainOnBatch(d.x, d.onehot, { sampleweight: WEIGHTS } as never)).toThrow(/sampleweight/);
    expect(nn.memory().bytesInUse).toBe(before);
    m.dispose();
    Object.values(d).forEach((t) => t.dispose());
  });

  it("memory returns to where it was after a weighted fit and trainOnBatch", async () => {
    const nn = await instance(backend);
    const d = data(nn);
    const m = model(nn, C, "softmax", "categoricalCrossentropy");
    // plans (the largest batch, 12) and gradients exist from here on
    await m.fit(d.x, d.onehot, { epochs: 1, batchSize: N, verbose: 0 });
    m.trainOnBatch(d.x, d.onehot);
    const start = nn.memory();
    await m.fit(d.x, d.onehot, { epochs: 3, batchSize: 5, verbose: 0, sampleWeight: WEIGHTS, classWeight: { 1: 3 }, validationSplit: 0.25 });
    m.trainOnBatch(d.x, d.onehot, { classWeight: [1, 2, 3] });
    await m.fit(d.x, d.onehot, { epochs: 1, verbose: 0, sampleWeight: d.ids }); // a Tensor [n]
    expect(nn.memory().bytesInUse).toBe(start.bytesInUse);
    expect(nn.memory().allocations).toBe(start.allocations);
    m.dispose();
    Object.values(d).forEach((t) => t.dispose());
  });
});

describe.each(BUILDS)("evaluate sampleWeight / classWeight (%s)", (backend) => {
  it("weighs the loss as Σ wᵢ·Lᵢ / n against a float64 reference, in one batch or several; metrics stay unweighted", async () => {
    const nn = await instance(backend);
    const d = data(nn);
    const m = model(nn, 1, "linear", "meanSquaredError");
    m.compile({ optimizer: "sgd", loss: "meanSquaredError", metrics: ["mae"] });
    const p = (m.predict(d.x) as Tensor).data.slice(), y = d.reg.data;
    let want = 0, mae = 0;
    for (let i = 0; i < N; i++) {
      want += WEIGHTS[i] * (p[i] - y[i]) ** 2;
      mae += Math.abs(p[i] - y[i]);
    }
    want /= N;
    for (const batchSize of [N, 5, 1]) {
      const r = m.evaluate(d.x, d.reg, { batchSize, sampleWeight: WEIGHTS });
      expect(Math.abs(r.loss - want), `batchSize ${batchSize}`).toBeLessThanOrEqual(1e-6 * want);
      expect(Math.abs(r.mae - mae / N)).toBeLessThanOrEqual(1e-6);
    }
    // all-ones weights: the weighted kernel path (per-row values summed in float64) against the unweighted one
    const ones = m.evaluate(d.x, d.reg, { sampleWeight: new Float32Array(N).fill(1) }), plain = m.evaluate(d.x, d.reg);
    expect(Math.abs(ones.loss - plain.loss)).toBeLessThanOrEqual(1e-6 * plain.loss);
    expect(ones.mae).toBe(plain.mae);
    m.dispose();
    Object.values(d).forEach((t) => t.dispose());
  });

  it("classWeight equals the per-sample weights it stands for; bad weights are refused and allocate nothing", async () => {
    const nn = await instance(backend);
    const d = data(nn);
    const m = model(nn, C, "softmax", "categoricalCrossentropy");
    const ids = d.ids.data, table = [1, 4, 0.5];
    const perSample = Float32Array.from(ids, (c, i) => table[c] * WEIGHTS[i]);
    const a = m.evaluate(d.x, d.onehot, { batchSize: 5, classWeight: table, sampleWeight: WEIGHTS });
    const b = m.evaluate(d.x, d.onehot, { batchSize: 5, sampleWeight: perSample });
    expect(a.loss).toBe(b.loss);
    // batches of 5 ran through plans that may hold more rows (predict's 12): the weights buffer must fit those
    // (it once did not, and the allocator's heap was overwritten); the heap still serves and answers the same
    nn.zeros([50000]).dispose();
    expect(m.evaluate(d.x, d.onehot, { batchSize: 5, sampleWeight: perSample }).loss).toBe(b.loss);
    m.evaluate(d.x, d.onehot); // the plan of the default batch (kept, as predict's are)
    const before = nn.memory();
    expect(() => m.evaluate(d.x, d.onehot, { sampleWeight: new Float32Array(N - 1) })).toThrow(ShapeError);
    expect(() => m.evaluate(d.x, d.onehot, { sampleWeight: WEIGHTS.map((v, i) => (i === 4 ? -1 : v)) })).toThrow(/evaluate sampleWeight.*-1 at index 4/);
    expect(() => m.evaluate(d.x, d.onehot, { classWeight: { 7: 1 } })).toThrow(/evaluate classWeight has key "7"/);
    expect(() => m.evaluate(d.x, d.onehot, { sampleweight: WEIGHTS } as never)).toThrow(/unknown option "sampleweight".*sampleWeight/);
    expect(nn.memory()).toEqual(before);
    m.evaluate(d.x, d.onehot, { sampleWeight: WEIGHTS });
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
    m.dispose();
    Object.values(d).forEach((t) => t.dispose());
  });
});

describe("the lab's class-weighted BCE", () => {
  it("is BCE trained with fit's balanced classWeight n / (2·n_class): runLabRun's first epoch is that fit's", async () => {
    const { digitsSet, prepareLabData } = await import("../src/lab.js");
    const { buildLabModel, findVariant, runLabRun } = await import("../src/lab/run.js");
    const { balancedClassWeight, LAB_TASKS } = await import("../src/lab/tasks.js");
    const nn = await instance("simd");
    const data = prepareLabData("imbalanced", { digits: await digitsSet() }, true, { train: 400, test: 100 });
    const p = data.positiveRate!;
    const cw = balancedClassWeight(data);
    expect(cw[1] * p + cw[0] * (1 - p)).toBeCloseTo(1, 12); // balanced: the weights sum to n over the training set
    expect(cw[1] / cw[0]).toBeCloseTo((1 - p) / p, 12);
    const variant = findVariant("imbalanced", "bceWeighted");
    expect(variant.loss).toEqual({ name: "binaryCrossentropy" });
    const run = await runLabRun(nn, { task: "imbalanced", activation: "relu", loss: "bceWeighted", seed: 2, epochs: 1, data }, { builds: {} });
    expect(run.lossConfig).toEqual({ name: "binaryCrossentropy" });
    const task = LAB_TASKS.imbalanced;
    const fitOnce = async (classWeight?: Record<number, number>) => {
      const m = buildLabModel(nn, task, "relu", "heNormal", variant, data, 2);
      const x = nn.tensor(data.train.x, [data.train.n, data.features]), y = nn.tensor(data.train.targets!, [data.train.n, 1]);
      const h = await m.fit(x, y, { epochs: 1, batchSize: task.batchSize, verbose: 0, seed: 2, classWeight });
      [m, x, y].forEach((t) => t.dispose());
      return h.history.loss[0];
    };
    expect(run.curve[0]).toBe(await fitOnce(cw));
    expect(run.curve[0]).not.toBe(await fitOnce());
  });
});
