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

  it("a training_config whose loss reduction fit cannot resume ('sum', 'none') is refused by name", async () => {
    const nn = await instance(backend);
    const m = nn.sequential({ seed: 2, layers: [nn.layers.dense({ units: 2, inputShape: [3] })] });
    m.compile({ optimizer: "sgd", loss: "mse" });
    const a = await capture(m, nn, { includeOptimizer: true });
    m.dispose();
    const withReduction = (reduction: string) => ({ ...a, trainingConfig: { ...a.trainingConfig!, loss: { class_name: "MeanSquaredError", config: { name: "mse", reduction } } } });
    const before = nn.memory();
    await expect(nn.loadLayersModel(nn.io.fromMemory(withReduction("sum")))).rejects.toThrow(/loss 'MeanSquaredError' was compiled with reduction 'sum'/);
    expect(nn.memory()).toEqual(before);
    const ok = await nn.loadLayersModel(nn.io.fromMemory(withReduction("sum_over_batch_size")));
    expect(ok.compiled?.name).toBe("meanSquaredError");
    ok.dispose();
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

describe("hostile layers-model files", () => {
  it("every truncation and random byte change of model.json or weights.bin loads or is refused with a SimdnnError, leaking nothing", async () => {
    const fc = await import("fast-check");
    const { SimdnnError } = await import("../src/index.js");
    const nn = await instance("simd");
    const model = mlp(nn);
    const a = await capture(model, nn, {});
    model.dispose();
    const json = new TextEncoder().encode(JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }] }));
    const weights = new Uint8Array(a.weightData as ArrayBuffer);
    const before = nn.memory().bytesInUse;
    const attempt = async (text: Uint8Array, bin: Uint8Array) => {
      try {
        const m = await nn.loadLayersModel(nn.io.fromMemory(new TextDecoder().decode(text), bin.slice().buffer));
        m.dispose();
      } catch (error) {
        if (!(error instanceof SimdnnError)) throw error;
      }
      expect(nn.memory().bytesInUse).toBe(before);
    };
    const mutate = (bytes: Uint8Array) => fc.oneof(
      fc.nat(bytes.length - 1).map((n) => bytes.slice(0, n)),
      fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }).map((edits) => {
        const b = bytes.slice();
        for (const [i, v] of edits) b[i] = v;
        return b;
      }),
    );
    await fc.assert(fc.asyncProperty(mutate(json), async (text) => attempt(text, weights)), { numRuns: 300, seed: 15 });
    await fc.assert(fc.asyncProperty(mutate(weights), async (bin) => attempt(json, bin)), { numRuns: 150, seed: 16 });
  });
});

describe("weights survive memory.grow", () => {
  it("getWeights, save and load stay right when their own allocations grow WASM memory", async () => {
    const { init } = await import("../src/index.js");
    const nn = await init({ backend: "scalar" }); // a fresh instance: a small heap that must grow
    const model = nn.sequential({ seed: 5, layers: [nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }), nn.layers.dense({ units: 10 })] });
    const heap0 = nn.memory().heapBytes;
    const a = await capture(model, nn);
    const copies = model.getWeights();
    expect(nn.memory().heapBytes).toBeGreaterThan(heap0); // the copies did grow the memory
    const saved = new Float32Array(a.weightData as ArrayBuffer);
    expect(Array.from(copies[0].data.subarray(0, 64))).toEqual(Array.from(saved.subarray(0, 64)));
    const loaded = await nn.loadLayersModel(nn.io.fromMemory(a));
    const x = [Array.from({ length: 784 }, (_, i) => (i % 13) / 13)];
    const p0 = model.predict(x), p1 = loaded.predict(x);
    expect(Array.from(p1.data)).toEqual(Array.from(p0.data));
    nn.dispose(p0, p1, copies);
    model.dispose();
    loaded.dispose();
  });
});

describe("no leaks", () => {
  it("memory is back where it was after 200 save → load → predict → dispose cycles", async () => {
    const nn = await instance("simd");
    const model = mlp(nn);
    const a = await capture(model, nn);
    const x = nn.tensor(X);
    const cycle = async () => {
      const m = await nn.loadLayersModel(nn.io.fromMemory(a));
      const y = m.predict(x);
      y.dispose();
      m.dispose();
    };
    await cycle();
    const before = nn.memory();
    for (let i = 0; i < 200; i++) await cycle();
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
    expect(nn.memory().allocations).toBe(before.allocations);
    expect(nn.memory().heapBytes).toBe(before.heapBytes);
    x.dispose();
    model.dispose();
  });
});
