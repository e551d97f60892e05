// layer.trainable = false (fine-tuning): frozen layers stay bit-identical through fit, a frozen
// BatchNormalization runs in inference mode, tfjs' trainable argument, and the flags in saved files.
import { describe, expect, it } from "vitest";
import { ValueError } from "../src/index.js";
import { instance } from "./helpers/backends.js";
import { data, mlp, sameBits, weightsOf } from "./helpers/small_models.js";

describe("layer.trainable = false freezes a layer (fine-tuning)", () => {
  it("fit leaves a frozen first layer bit-identical and trains the rest; unfreeze + compile trains it again", async () => {
    const nn = await instance("simd");
    const { x, y } = data(nn, 64);
    const m = mlp(nn, 7);
    m.layers[0].trainable = false;
    await expect(m.fit(x, y, { verbose: 0 })).rejects.toThrow(/layer 'first_7_none' was frozen \(trainable = false\) after the model was compiled; call model.compile/);
    m.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const w0 = weightsOf(m);
    const second = m.layers[1].name;
    expect(m.weights.map((w) => [w.name, w.trainable])).toEqual([[`${second}/kernel`, true], [`${second}/bias`, true], ["first_7_none/kernel", false], ["first_7_none/bias", false]]);
    const h = await m.fit(x, y, { epochs: 5, batchSize: 8, verbose: 0 });
    expect(h.loss[4]).toBeLessThan(h.loss[0]);
    const w1 = weightsOf(m);
    expect(sameBits(w1[2], w0[2]) && sameBits(w1[3], w0[3])).toBe(true); // the frozen kernel and bias
    expect(sameBits(w1[0], w0[0])).toBe(false); // the trained ones moved
    const summary = m.summary(() => {});
    expect(summary).toMatch(/Trainable params: 27 /);
    expect(summary).toMatch(/Non-trainable params: 40 /);
    expect(summary).toMatch(/first_7_none \(Dense\) \[frozen\]/);
    m.layers[0].trainable = true;
    m.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    await m.fit(x, y, { epochs: 1, batchSize: 8, verbose: 0 });
    const w2 = weightsOf(m);
    expect(sameBits(w2[0], w1[2])).toBe(false); // [0] is the first kernel again (trainable first)
    expect(m.summary(() => {})).toMatch(/Non-trainable params: 0 /);
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });

  it("a frozen BatchNormalization runs in inference mode in training (Keras 3): moving statistics unchanged, gradients flow through it", async () => {
    const nn = await instance("simd");
    const { x, y } = data(nn, 64);
    const m = mlp(nn, 8, "bn");
    await m.fit(x, y, { epochs: 1, batchSize: 16, verbose: 0 }); // moves the statistics away from 0 / 1
    const bn = m.layers[1];
    bn.trainable = false;
    m.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    const before = weightsOf(m);
    const names = m.weights.map((w) => w.name);
    await m.fit(x, y, { epochs: 2, batchSize: 16, verbose: 0 });
    const after = weightsOf(m);
    names.forEach((n, i) => {
      const frozen = n.startsWith(bn.name);
      expect(sameBits(after[i], before[i]), n).toBe(frozen);
    });
    // with the BN frozen, training-mode and inference-mode outputs are the same function: predict = the forward fit used
    const l1 = m.evaluate(x, y).loss;
    expect(Number.isFinite(l1)).toBe(true);
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });

  it("layers take tfjs' trainable argument; model.trainable freezes them all; a fully frozen model trains nothing", async () => {
    const nn = await instance("simd");
    const l = nn.layers.dense({ units: 3, inputShape: [4], trainable: false });
    expect(l.trainable).toBe(false);
    expect(() => nn.layers.dense({ units: 3, trainable: "no" as never })).toThrow(/trainable must be a boolean; received "no"/);
    expect(() => { l.trainable = 0 as never; }).toThrow(ValueError);
    const { x, y } = data(nn, 16);
    const m = mlp(nn, 11);
    m.trainable = false;
    expect(m.layers.map((k) => k.trainable)).toEqual([false, false]);
    m.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const w0 = weightsOf(m);
    expect(m.trainableFloats).toBe(0);
    const h = await m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(h.loss.every(Number.isFinite)).toBe(true);
    weightsOf(m).forEach((w, i) => expect(sameBits(w, w0[i])).toBe(true));
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });

  it("trainable flags round-trip through a saved model file, for every layer", async () => {
    const nn = await instance("simd");
    const m = nn.sequential({ seed: 2, layers: [nn.layers.dense({ units: 5, inputShape: [3] }), nn.layers.batchNormalization({}), nn.layers.prelu({}), nn.layers.dense({ units: 2 })] });
    m.layers[1].trainable = false;
    m.layers[2].trainable = false;
    let json: { modelTopology: unknown } | null = null;
    await m.save(nn.io.withSaveHandler(async (a) => {
      json = a as never;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }));
    const layers = (json!.modelTopology as { config: { layers: { config: { trainable: boolean } }[] } }).config.layers;
    expect(layers.map((l) => l.config.trainable)).toEqual([true, false, false, true]);
    const loaded = await nn.loadLayersModel({ load: async () => json as never });
    expect(loaded.layers.map((l) => l.trainable)).toEqual([true, false, false, true]);
    // with the optimizer state: saved for the weights trainable at compile, so a flag changed since is refused
    m.compile({ optimizer: "adam", loss: "meanSquaredError" });
    m.trainOnBatch([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1]]);
    const sink = nn.io.withSaveHandler(async () => ({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }));
    let withOptimizer: unknown = null;
    await m.save(nn.io.withSaveHandler(async (a) => {
      withOptimizer = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }), { includeOptimizer: true });
    const resumed = await nn.loadLayersModel({ load: async () => withOptimizer as never });
    expect(resumed.layers.map((l) => l.trainable)).toEqual([true, false, false, true]);
    expect(resumed.compiled!.optimizer.iterations).toBe(1);
    expect(resumed.trainOnBatch([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1]])).toBeCloseTo(m.trainOnBatch([[1, 2, 3], [4, 5, 6]], [[1, 0], [0, 1]]), 5);
    resumed.dispose();
    m.layers[0].trainable = false;
    await expect(m.save(sink, { includeOptimizer: true })).rejects.toThrow(/layer '.*' was frozen after compile, so the optimizer state no longer matches/);
    expect(loaded.weights.filter((w) => !w.trainable).map((w) => w.name.split("/")[1])).toEqual(["gamma", "beta", "moving_mean", "moving_variance", "alpha"]);
    m.dispose();
    loaded.dispose();
  });
});

