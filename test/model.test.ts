// Whole models: gradients of every layer type against central differences, the fused output/loss
// pairs, training that learns, fit's Keras semantics (validation split, last partial batch,
// History, callbacks), memory planned once, and failed calls that change nothing.
import { describe, expect, it } from "vitest";
import type { NN } from "../src/nn.js";
import { computeGradients } from "../src/model/fit.js";
import type { Sequential } from "../src/model/sequential.js";
import type { Tensor } from "../src/tensor.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";

function blobs(nn: NN, n: number, features: number, classes: number, seed = 1): { x: Tensor; y: Tensor; ids: Tensor } {
  const noise = uniform(n * features, -0.5, 0.5, seed);
  const xs = new Float32Array(n * features), ys = new Float32Array(n * classes), ids = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    ids[i] = c;
    ys[i * classes + c] = 1;
    for (let f = 0; f < features; f++) xs[i * features + f] = noise[i * features + f] + (f % classes === c ? 1.5 : 0);
  }
  return { x: nn.tensor(xs, [n, features]), y: nn.tensor(ys, [n, classes]), ids: nn.tensor(ids, [n]) };
}

/** dL/dθ from the model against float32 central differences of the same model's loss (h 1e-2, smooth nets only). */
/** gradCheck with the case named in a failure; disposes the model either way. */
function gradCheckNamed(what: string, m: Sequential, x: Tensor, y: Tensor): void {
  try {
    gradCheck(m, x, y);
  } catch (e) {
    throw new Error(`${what}: ${(e as Error).message}`);
  } finally {
    m.dispose();
  }
}

function gradCheck(model: Sequential, x: Tensor, y: Tensor, tol = 2e-2): void {
  const rt = model.rt;
  const n = x.shape[0];
  const plan = model.plan(n, true, y.size / n);
  const loss = () => computeGradients(model, model.compiled!, plan, x.ptr, y.ptr, n, 3);
  loss();
  const analytic = rt.f32.slice(model.grads >> 2, (model.grads >> 2) + model.trainableFloats);
  const p = model.params >> 2;
  const h = 1e-2;
  let worst = 0;
  const scale = Math.max(1e-3, ...analytic.map(Math.abs));
  for (const seg of model.segments) {
    // every element of small weights, a spread of indices of large ones
    const stride = Math.max(1, Math.floor(seg.size / 24));
    for (let i = 0; i < seg.size; i += stride) {
      const at = p + seg.offset + i;
      const v = rt.f32[at];
      rt.f32[at] = v + h;
      const up = loss();
      rt.f32[at] = v - h;
      const down = loss();
      rt.f32[at] = v;
      const numeric = (up - down) / (2 * h);
      worst = Math.max(worst, Math.abs(numeric - analytic[seg.offset + i]) / scale);
    }
  }
  expect(worst).toBeLessThan(tol);
}

describe.each(BUILDS)("models (%s)", (build) => {
  it("gradients of every layer type agree with central differences", async () => {
    const nn = await instance(build);
    const { x, y } = blobs(nn, 6, 5, 3);
    const cases: [string, () => Sequential, string][] = [
      ["dense tanh + softmax CE (fused)", () => nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 7, activation: "tanh", inputShape: [5] }), nn.layers.dense({ units: 3, activation: "softmax" })] }), "categoricalCrossentropy"],
      ["prelu, gelu activation, logits", () => nn.sequential({ seed: 2, layers: [nn.layers.dense({ units: 6, inputShape: [5] }), nn.layers.prelu({ alphaInitializer: nn.initializers.constant(0.25) }), nn.layers.activation({ activation: "gelu" }), nn.layers.dense({ units: 3 })] }), "logitsCE"],
      ["softmax layer + l2 regulariser", () => nn.sequential({ seed: 3, layers: [nn.layers.dense({ units: 4, activation: "sigmoid", inputShape: [5], kernelRegularizer: nn.regularizers.l2(0.01) }), nn.layers.dense({ units: 3 }), nn.layers.softmax()] }), "categoricalCrossentropy"],
      ["sigmoid + binary CE (fused), leakyRelu hidden", () => nn.sequential({ seed: 5, layers: [nn.layers.dense({ units: 4, activation: "leakyRelu", activationParams: { alpha: 0.2 }, inputShape: [5] }), nn.layers.dense({ units: 3, activation: "sigmoid" })] }), "binaryCrossentropy"],
      ["batch norm, dropout, layer norm", () => nn.sequential({ seed: 6, layers: [nn.layers.dense({ units: 8, inputShape: [5] }), nn.layers.batchNormalization(), nn.layers.activation({ activation: "tanh" }), nn.layers.dropout({ rate: 0.25, seed: 1 }), nn.layers.layerNormalization(), nn.layers.dense({ units: 3, activation: "softmax" })] }), "categoricalCrossentropy"],
      ["mse regression through flatten", () => nn.sequential({ seed: 4, layers: [nn.layers.flatten({ inputShape: [5] }), nn.layers.dense({ units: 3, activation: "softplus" })] }), "meanSquaredError"],
    ];
    for (const [what, make, loss] of cases) {
      const m = make();
      m.compile({ optimizer: "sgd", loss: loss === "logitsCE" ? { name: "categoricalCrossentropy", fromLogits: true } : (loss as "meanSquaredError") });
      gradCheckNamed(what, m, x, y);
    }
    nn.dispose(x, y);
  });

  it("with frozen layers, gradients of the trainable weights still agree with central differences (frozen BN runs in inference mode; a frozen prefix gets no backward)", async () => {
    const nn = await instance(build);
    const { x, y } = blobs(nn, 6, 5, 3);
    const c = (v: number) => nn.initializers.constant(v);
    const cases: [string, () => Sequential, number[]][] = [
      ["frozen BN, PReLU and LN between two trained dense layers", () => nn.sequential({ seed: 7, layers: [
        nn.layers.dense({ units: 6, activation: "tanh", inputShape: [5] }),
        nn.layers.batchNormalization({ gammaInitializer: c(1.3), betaInitializer: c(0.2), movingMeanInitializer: c(0.1), movingVarianceInitializer: c(2) }),
        nn.layers.prelu({ alphaInitializer: c(0.25) }), nn.layers.layerNormalization(), nn.layers.dense({ units: 3, activation: "softmax" }),
      ] }), [1, 2, 3]],
      ["a frozen prefix of two dense layers", () => nn.sequential({ seed: 8, layers: [
        nn.layers.dense({ units: 6, activation: "tanh", inputShape: [5] }), nn.layers.dense({ units: 6, activation: "gelu" }), nn.layers.dense({ units: 3, activation: "softmax" }),
      ] }), [0, 1]],
    ];
    for (const [what, make, frozen] of cases) {
      const m = make();
      for (const i of frozen) m.layers[i].trainable = false;
      m.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
      const trainable = m.layers.flatMap((l) => l.weights).filter((w) => w.trainable).reduce((s, w) => s + Math.ceil(w.size / 4) * 4, 0);
      expect(m.trainableFloats, what).toBe(trainable);
      gradCheckNamed(what, m, x, y);
    }
    nn.dispose(x, y);
  });

  it("XOR: a 2-4-1 network learns what no linear model can", async () => {
    const nn = await instance(build);
    const x = nn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
    const y = nn.tensor([[0], [1], [1], [0]]);
    const model = nn.sequential({ seed: 3, layers: [nn.layers.dense({ units: 4, activation: "tanh", inputShape: [2] }), nn.layers.dense({ units: 1, activation: "sigmoid" })] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    const h = await model.fit(x, y, { epochs: 400, batchSize: 4, verbose: 0 });
    expect(h.history.accuracy.at(-1)).toBe(1);
    const p = model.predict(x).data;
    expect(Array.from(p).map((v) => Math.round(v))).toEqual([0, 1, 1, 0]);
    model.dispose();
    nn.dispose(x, y);
  });
});

describe("fit, evaluate, predict", () => {
  it("learns blobs; History holds loss, accuracy and their val_ forms per epoch", async () => {
    const nn = await instance("simd");
    const { x, ids } = blobs(nn, 200, 6, 3);
    const model = nn.sequential({ seed: 5, layers: [nn.layers.dense({ units: 16, activation: "relu", inputShape: [6] }), nn.layers.dense({ units: 3, activation: "softmax" })] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.01 }), loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
    const h = await model.fit(x, ids, { epochs: 15, batchSize: 32, validationSplit: 0.25, verbose: 0, seed: 1 });
    expect(h.epoch).toEqual([...Array(15).keys()]);
    for (const k of ["loss", "accuracy", "val_loss", "val_accuracy"]) expect(h.history[k]).toHaveLength(15);
    expect(h.history.loss[14]).toBeLessThan(h.history.loss[0]);
    expect(h.history.val_accuracy[14]).toBeGreaterThan(0.9);
    const ev = model.evaluate(x, ids);
    expect(ev.accuracy).toBeGreaterThan(0.9);
    model.dispose();
    nn.dispose(x, ids);
  });

  it("validationSplit holds out the LAST samples before shuffling (as Keras)", async () => {
    const nn = await instance("simd");
    const { x, y } = blobs(nn, 10, 4, 2);
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 2, activation: "softmax", inputShape: [4] })] });
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    const before = model.evaluate(nn.tensor(x.data.slice(32), [2, 4]), nn.tensor(y.data.slice(16), [2, 2]));
    const h = await model.fit(x, y, { epochs: 1, batchSize: 3, validationSplit: 0.2, verbose: 0 });
    // val_loss is computed after the epoch's updates, on samples 8 and 9 only
    const after = model.evaluate(nn.tensor(x.data.slice(32), [2, 4]), nn.tensor(y.data.slice(16), [2, 2]));
    expect(h.history.val_loss[0]).toBeCloseTo(after.loss, 5);
    expect(after.loss).not.toBeCloseTo(before.loss, 5);
    model.dispose();
  });

  it("runs the last partial batch: batch sizes seen add up to the sample count", async () => {
    const nn = await instance("scalar");
    const { x, y } = blobs(nn, 23, 3, 2);
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 2, activation: "softmax", inputShape: [3] })] });
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    let batches = 0;
    await model.fit(x, y, { epochs: 2, batchSize: 5, verbose: 0, callbacks: { onBatchEnd: () => void batches++ } });
    expect(batches).toBe(2 * 5);
    expect(model.step).toBe(10);
    model.dispose();
    nn.dispose(x, y);
  });

  it("memory is flat from epoch 2 to epoch 100, and a million batch-1 predictions allocate nothing after the first", async () => {
    const nn = await instance("simd");
    const { x, y } = blobs(nn, 100, 8, 4);
    const model = nn.sequential({ seed: 1, layers: [
      nn.layers.dense({ units: 16, activation: "relu", inputShape: [8] }),
      nn.layers.dense({ units: 4, activation: "softmax" }),
    ] });
    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const used: number[] = [], pages: number[] = [];
    const epoch = () => { used.push(nn.memory().bytesInUse); pages.push(nn.rt.k.memory.buffer.byteLength); };
    await model.fit(x, y, { epochs: 100, batchSize: 16, validationSplit: 0.1, verbose: 0, callbacks: { onEpochEnd: epoch } });
    expect(used).toHaveLength(100);
    expect(new Set(used.slice(1)).size).toBe(1);
    expect(new Set(pages.slice(1)).size).toBe(1); // and linear memory never grew
    const one = nn.tensor(x.data.slice(0, 8), [1, 8]);
    const out = nn.zeros([1, 4]);
    model.predict(one, { out });
    const before = nn.memory(), bytes = nn.rt.k.memory.buffer.byteLength;
    for (let i = 0; i < 1_000_000; i++) model.predict(one, { out });
    expect(nn.memory()).toEqual(before);
    expect(nn.rt.k.memory.buffer.byteLength).toBe(bytes);
    model.dispose();
    nn.dispose(x, y, one, out);
  });

  it("predictions survive memory.grow (views are rebuilt)", async () => {
    const nn = await instance("simd");
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 3, inputShape: [2] })] });
    const x = nn.tensor([[1, 2]]);
    const p = model.predict(x);
    const first = Array.from(p.data);
    const big = nn.zeros([nn.memory().heapBytes / 4]); // forces memory.grow
    expect(Array.from(p.data)).toEqual(first);
    expect(Array.from(model.predict(x).data)).toEqual(first);
    nn.dispose(big, x, p);
    model.dispose();
  });

  it("getWeights returns kernel [in, units] and bias [units]; setWeights round-trips and checks shapes", async () => {
    const nn = await instance("scalar");
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 3, inputShape: [2] })] });
    const [k, b] = model.layers[0].getWeights();
    expect(k.shape).toEqual([2, 3]);
    expect(b.shape).toEqual([3]);
    model.layers[0].setWeights([[[1, 0, 0], [0, 1, 0]], [0, 0, 5]]);
    expect(Array.from(model.predict(nn.tensor([[2, 3]])).data)).toEqual([2, 3, 5]);
    expect(() => model.layers[0].setWeights([[[1, 2]], [0, 0, 0]])).toThrow(/kernel must have shape \[2,3\]; received \[1,2\]/);
    expect(Array.from(model.predict(nn.tensor([[2, 3]])).data)).toEqual([2, 3, 5]);
    model.dispose();
  });

  it("summary lists layers, output shapes and parameter counts as Keras", async () => {
    const nn = await instance("scalar");
    const model = nn.sequential({ name: "mlp", layers: [nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }), nn.layers.dense({ units: 10, activation: "softmax" })] });
    const lines: string[] = [];
    const text = model.summary((l) => lines.push(l));
    expect(text).toContain('Model: "mlp"');
    expect(text).toMatch(/\(None, 512\)\s+401,920/);
    expect(text).toMatch(/Total params: 407,050/);
    expect(lines).toHaveLength(1);
    model.dispose();
  });
});

describe("compile checks the output activation against the loss", () => {
  it("errors say what to change", async () => {
    const nn = await instance("scalar");
    const make = (activation: "softmax" | "relu" | "sigmoid" | "linear") => nn.sequential({ layers: [nn.layers.dense({ units: 3, activation, inputShape: [2] })] });
    expect(() => make("softmax").compile({ optimizer: "adam", loss: { name: "categoricalCrossentropy", fromLogits: true } })).toThrow(/fromLogits: true but the output layer '.*' applies softmax.*not logits/);
    expect(() => make("sigmoid").compile({ optimizer: "adam", loss: { name: "binaryCrossentropy", fromLogits: true } })).toThrow(/applies sigmoid/);
    expect(() => make("relu").compile({ optimizer: "adam", loss: "categoricalCrossentropy" })).toThrow(/expects probabilities but the output layer '.*' applies relu.*fromLogits: true.*softmax/);
    expect(() => make("linear").compile({ optimizer: "adam", loss: "binaryCrossentropy" })).toThrow(/end the model with a sigmoid/);
    expect(() => make("softmax").compile({ optimizer: "adamm" as never, loss: "categoricalCrossentropy" })).toThrow(/adamm/);
    expect(() => make("softmax").compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["acuracy"] })).toThrow(/acuracy/);
    expect(() => make("linear").compile({ optimizer: "adam", loss: "mse", lr: 1 } as never)).toThrow(/compile has no option 'lr'/);
    // nn.loss's call options would be ignored by fit, which averages over each batch: refused, not dropped
    expect(() => make("linear").compile({ optimizer: "adam", loss: { name: "huber", reduction: "sum" } as never })).toThrow(/compile's loss takes no 'reduction' \(received "sum"\).*sum_over_batch_size/);
    expect(() => make("linear").compile({ optimizer: "adam", loss: { name: "mse", sampleWeight: 1 } as never })).toThrow(/compile's loss takes no 'sampleWeight'/);
  });

  it("labels that do not fit the loss get a hint, and the failed fit changes nothing", async () => {
    const nn = await instance("scalar");
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 3, activation: "softmax", inputShape: [2] })] });
    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const x = nn.tensor([[1, 2], [3, 4]]);
    const before = model.getWeights().map((t) => Array.from(t.data));
    await expect(model.fit(x, nn.tensor([0, 2]))).rejects.toThrow(/look like class ids: use loss 'sparseCategoricalCrossentropy'/);
    await expect(model.fit(x, nn.tensor([[0, 1, 0]]))).rejects.toThrow(/x \[2,2\] has 2 samples but y \[1,3\] has 1/);
    await expect(model.fit(x, nn.tensor([[0, 2, 0], [1, 0, 0]]))).rejects.toThrow(/probabilities in \[0, 1\].*received 2 at flat index 1/);
    await expect(model.fit(nn.tensor([[1, 2, 3]]), nn.tensor([[0, 1, 0]]))).rejects.toThrow(/x \[1,3\] does not fit model .* expects \[batch,2\]/);
    await expect(model.fit(x, nn.tensor([[0, 1, 0], [1, 0, 0]]), { epochs: 1, batchsize: 2 } as never)).rejects.toThrow(/fit has no option 'batchsize'/);
    expect(model.getWeights().map((t) => Array.from(t.data))).toEqual(before);
    const sparse = nn.sequential({ layers: [nn.layers.dense({ units: 3, activation: "softmax", inputShape: [2] })] });
    sparse.compile({ optimizer: "adam", loss: "sparseCategoricalCrossentropy" });
    await expect(sparse.fit(x, nn.tensor([[0, 1, 0], [1, 0, 0]]))).rejects.toThrow(/They look one-hot: use loss 'categoricalCrossentropy'/);
    await expect(sparse.fit(x, nn.tensor([0, 3]))).rejects.toThrow(/class ids in \[0, 2\].*received 3/);
    model.dispose();
    sparse.dispose();
  });
});
