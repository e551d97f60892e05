// simdnn's own layers-model round trips on every build: save → load predicts bit for bit, the manifest
// is matched by name whatever its order, and a checkpoint with the optimizer resumes training exactly.
import { describe, expect, it } from "vitest";
import { FormatError, type ModelArtifacts, type NN } from "../src/index.js";
import { BUILDS, instance } from "./helpers/backends.js";

function mlp(nn: NN, seed = 3) {
  return nn.sequential({ seed, layers: [
    nn.layers.dense({ units: 6, activation: "gelu", inputShape: [5] }),
    nn.layers.batchNormalization(),
    nn.layers.dense({ units: 7, activation: "leakyRelu", activationParams: { alpha: 0.1 } }),
    nn.layers.prelu({ alphaInitializer: nn.initializers.constant(0.2) }),
    nn.layers.layerNormalization(),
    nn.layers.dropout({ rate: 0.3 }),
    nn.layers.dense({ units: 4, activation: "hardSigmoid" }),
    nn.layers.dense({ units: 3, activation: "softmax" }),
  ] });
}

async function capture(model: { save: (h: never) => Promise<unknown> }, nn: NN, options?: object): Promise<ModelArtifacts> {
  let saved: ModelArtifacts | undefined;
  await (model.save as (h: unknown, o?: object) => Promise<unknown>)(nn.io.withSaveHandler(async (a) => void (saved = a)), options);
  return saved!;
}

const X = Array.from({ length: 9 }, (_, i) => Array.from({ length: 5 }, (_, j) => Math.sin(i * 5 + j) * 2));

describe.each(BUILDS)("layers-model round trip (%s)", (backend) => {
  it("save → load predicts bit for bit, with layer classes, names and weights kept", async () => {
    const nn = await instance(backend);
    const model = mlp(nn);
    // moving statistics away from their initial values, so that a mix-up of names would show
    model.layers[1].setWeights([nn.tensor([1, 2, 0.5, 1, 1, 3]), nn.tensor([0, 0.1, 0, 0, -1, 0]), nn.tensor([0.5, -1, 0, 2, 0, 0]), nn.tensor([2, 1, 3, 1, 0.5, 1])]);
    const a = await capture(model, nn);
    const loaded = await nn.loadLayersModel(nn.io.fromMemory(a));
    expect(loaded.layers.map((l) => l.className)).toEqual(["Dense", "BatchNormalization", "Dense", "LeakyReLU", "PReLU", "LayerNormalization", "Dropout", "Dense", "Dense"]);
    expect(loaded.weights.map((w) => w.name)).toEqual(model.weights.map((w) => w.name));
    const p0 = model.predict(X), p1 = loaded.predict(X);
    expect(Array.from(p1.data)).toEqual(Array.from(p0.data));
    for (const t of [p0, p1]) t.dispose();
    // the manifest in reverse order loads the same (names, not positions)
    const specs = a.weightSpecs!.slice();
    const bytes = new Uint8Array(a.weightData as ArrayBuffer);
    const offsets: number[] = [];
    let off = 0;
    for (const s of specs) { offsets.push(off); off += s.shape.reduce((x, y) => x * y, 1) * 4; }
    const parts = specs.map((s, i) => bytes.slice(offsets[i], offsets[i] + s.shape.reduce((x, y) => x * y, 1) * 4)).reverse();
    const joined = new Uint8Array(off);
    let o = 0;
    for (const p of parts) { joined.set(p, o); o += p.length; }
    const reversed = await nn.loadLayersModel(nn.io.fromMemory({ ...a, weightSpecs: specs.reverse(), weightData: joined.buffer }));
    const p2 = reversed.predict(X), p3 = loaded.predict(X);
    expect(Array.from(p2.data)).toEqual(Array.from(p3.data));
    for (const t of [p2, p3]) t.dispose();
    for (const m of [model, loaded, reversed]) m.dispose();
  });

  it.each(["adam", "sgd", "rmsprop", "adagrad"] as const)("fit → save with the optimizer → load → fit continues as if never stopped (%s)", async (optimizer) => {
    const nn = await instance(backend);
    const make = () => {
      const m = nn.sequential({ seed: 11, layers: [nn.layers.dense({ units: 8, activation: "tanh", inputShape: [5] }), nn.layers.dense({ units: 3, activation: "softmax" })] });
      m.compile({ optimizer: optimizer === "sgd" ? nn.optimizers.sgd({ momentum: 0.9, learningRate: 0.05 }) : optimizer, loss: "sparseCategoricalCrossentropy", metrics: ["accuracy"] });
      return m;
    };
    const y = X.map((_, i) => i % 3);
    const straight = make(), stopped = make();
    await straight.fit(X, y, { epochs: 6, batchSize: 4, shuffle: false, verbose: 0 });
    await stopped.fit(X, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const a = await capture(stopped, nn, { includeOptimizer: true });
    expect(a.trainingConfig?.loss).toBe("sparse_categorical_crossentropy");
    const resumed = await nn.loadLayersModel(nn.io.fromMemory(a));
    await resumed.fit(X, y, { epochs: 3, batchSize: 4, shuffle: false, verbose: 0 });
    const w0 = straight.getWeights(), w1 = resumed.getWeights();
    w0.forEach((t, i) => expect(Array.from(w1[i].data)).toEqual(Array.from(t.data)));
    for (const t of [...w0, ...w1]) t.dispose();
    for (const m of [straight, stopped, resumed]) m.dispose();
  });

  it("a failed load leaves nothing allocated", async () => {
    const nn = await instance(backend);
    const model = mlp(nn);
    const a = await capture(model, nn);
    model.dispose();
    const before = nn.memory().bytesInUse;
    const bad = { ...a, weightSpecs: a.weightSpecs!.map((s) => (s.name.endsWith("dense_2/kernel") || s.name.endsWith("/kernel") && s.shape[1] === 4 ? { ...s, shape: [s.shape[1], s.shape[0]] } : s)) };
    await expect(nn.loadLayersModel(nn.io.fromMemory(bad))).rejects.toThrow(FormatError);
    expect(nn.memory().bytesInUse).toBe(before);
  });
});
