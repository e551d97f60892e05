// Lean inference (issue 16): a model built, loaded (layers-model without training_config, ONNX) or never
// compiled holds its weights, the packed kernels and the activation buffers of the batch sizes it has
// seen — no gradient block, no optimizer state, no training plan — and training adds those at its
// first step. Bytes are computed from the layer sizes and the allocator's 16-byte granules.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { init } from "../src/index.js";
import type { ModelArtifacts } from "../src/io/artifacts.js";
import type { Sequential } from "../src/model/sequential.js";
import type { NN } from "../src/nn.js";
import { uniform } from "./helpers/edge.js";
import { savedInfo } from "./helpers/tfjs_interop.js";

/** Bytes the allocator charges for `floats` floats (whole 16-byte granules, at least one). */
const granule = (floats: number) => Math.max(16, Math.ceil(floats / 4) * 16);
const SIZES = [784, 512, 256, 10];

function classifier(nn: NN): Sequential {
  return nn.sequential({ seed: 3, layers: [
    nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }),
    nn.layers.dense({ units: 256, activation: "relu" }),
    nn.layers.dense({ units: 10, activation: "softmax" }),
  ] });
}

/** Weights of 784-512-256-10, each weight padded to whole f32x4 in one block. */
const weightBytes = granule([784 * 512, 512, 512 * 256, 256, 256 * 10, 10].reduce((s, n) => s + Math.ceil(n / 4) * 4, 0));
/** Inference packs dense kernels into 8-column panels (gemm_packed_floats) once they serve a second time. */
const packedBytes = (nn: NN, shapes = [[784, 512], [512, 256], [256, 10]]) => shapes.reduce((s, [k, n]) => s + granule(nn.kernels.gemm_packed_floats(k, n)), 0);
/** The inference plan: the staged input and every layer's output, for `batch` rows. */
const planBytes = (batch: number) => SIZES.reduce((s, n) => s + granule(batch * n), 0);

async function artifactsOf(nn: NN, model: Sequential, includeOptimizer = false): Promise<ModelArtifacts> {
  let got: ModelArtifacts | null = null;
  await model.save(nn.io.withSaveHandler(async (a) => ((got = a), savedInfo())), { includeOptimizer });
  return got!;
}

function blobs(n: number, seed = 1): { x: Float32Array; y: Float32Array } {
  const x = uniform(n * 784, 0, 1, seed), y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + (i % 10)] = 1;
  return { x, y };
}

describe("lean inference: the 784-512-256-10 classifier", () => {
  it("built and used only for predict holds weights + packed kernels + batch buffers; compile adds nothing, fit adds its buffers and trains", async () => {
    const nn = await init({ backend: "simd" }); // its own instance: the GEMM workspace is allocated by this test's first predict
    const m0 = nn.memory().bytesInUse;
    const model = classifier(nn);
    expect(nn.memory().bytesInUse - m0).toBe(weightBytes); // was weights + gradients (2 × 2.14 MB)
    expect(model.grads).toBe(0);
    const row = uniform(784, 0, 1, 5);
    const out = new Float32Array(10);
    model.predict(row, { out });
    const workspace = granule(nn.kernels.gemm_workspace_floats());
    // the first answer comes from the raw kernels (same bits); only the 10-unit layer, whose batch-1 raw
    // GEMV has a scalar tail, packs at once
    expect(nn.memory().bytesInUse - m0).toBe(weightBytes + packedBytes(nn, [[256, 10]]) + planBytes(1) + workspace);
    const first = out.slice();
    model.predict(row, { out });
    expect(out).toEqual(first);
    expect(nn.memory().bytesInUse - m0).toBe(weightBytes + packedBytes(nn) + planBytes(1) + workspace);
    const { x, y } = blobs(40);
    const batch = model.predict(x, { output: "array" }); // 40 rows in batches of 32: the plan grows to 32 rows
    expect(nn.memory().bytesInUse - m0).toBe(weightBytes + packedBytes(nn) + planBytes(32) + workspace);
    // batch 32 runs the GEMM, batch 1 the GEMV: the same sums in another order
    expect(batch.subarray(0, 10)).toBeCloseArray(model.predict(x.subarray(0, 784), { output: "array" }), { atol: 1e-6, rtol: 1e-5 });
    const inference = nn.memory().bytesInUse;

    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    expect(nn.memory().bytesInUse).toBe(inference); // compile allocates nothing: gradients come with the first step
    expect(model.grads).toBe(0);
    const xt = nn.tensor(x, [40, 784]), yt = nn.tensor(y, [40, 10]);
    const before = Array.from(out);
    const h = await model.fit(xt, yt, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false });
    expect(h.history.loss.every(Number.isFinite)).toBe(true);
    expect(h.history.loss[1]).toBeLessThan(h.history.loss[0]);
    expect(model.grads).not.toBe(0);
    // on top: x and y, the gradient block and Adam's m and v (each the size of the weights: all train), and
    // the training plan (activations, saved pre-activations, two gradient buffers and labels for 8 rows)
    const training = nn.memory().bytesInUse - inference - granule(40 * 784) - granule(40 * 10) - 3 * weightBytes;
    expect(training).toBeGreaterThan(planBytes(8));
    expect(training).toBeLessThan(4 * planBytes(8));
    model.predict(row, { out });
    expect(Array.from(out)).not.toEqual(before); // the packed kernels follow the trained weights
    nn.dispose(xt, yt);
    model.dispose();
    expect(nn.memory().bytesInUse - m0).toBe(workspace);
  });

  it("loaded from a layers-model without training_config: weights only until predict, no gradients; compile + fit still train", async () => {
    const nn = await init({ backend: "simd" });
    const src = classifier(nn);
    const artifacts = await artifactsOf(nn, src);
    src.dispose();
    expect(artifacts.trainingConfig).toBeUndefined();
    const m0 = nn.memory().bytesInUse;
    const model = await nn.loadLayersModel({ load: async () => artifacts });
    expect(nn.memory().bytesInUse - m0).toBe(weightBytes);
    expect(model.compiled).toBeNull();
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    const { x, y } = blobs(1, 2);
    expect(model.trainOnBatch([Array.from(x.subarray(0, 784))], [Array.from(y.subarray(0, 10))])).toBeGreaterThan(0);
    expect(model.grads).not.toBe(0);
    model.dispose();
    expect(nn.memory().bytesInUse).toBe(m0 + granule(nn.kernels.gemm_workspace_floats())); // the instance's GEMM workspace stays
  });

  it("loaded with its training_config and optimizer state: no gradient block until fit, which resumes", async () => {
    const nn = await init({ backend: "simd" });
    const src = classifier(nn);
    src.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const { x, y } = blobs(16, 3);
    const xt = nn.tensor(x, [16, 784]), yt = nn.tensor(y, [16, 10]);
    await src.fit(xt, yt, { epochs: 1, batchSize: 8, verbose: 0 });
    const artifacts = await artifactsOf(nn, src, true);
    src.dispose();
    const m0 = nn.memory().bytesInUse;
    const model = await nn.loadLayersModel({ load: async () => artifacts });
    expect(model.compiled).not.toBeNull();
    expect(model.step).toBe(2);
    expect(model.grads).toBe(0);
    // weights and Adam's two slots of the trainable block (the same layout here: every weight trains)
    expect(nn.memory().bytesInUse - m0).toBe(weightBytes + 2 * weightBytes);
    await model.fit(xt, yt, { epochs: 1, batchSize: 8, verbose: 0 });
    expect(model.step).toBe(4);
    expect(model.grads).not.toBe(0);
    // and it saves its optimizer state again (the block is named by layout, not by allocated gradients)
    const again = await artifactsOf(nn, model, true);
    expect(again.weightSpecs!.filter((s) => s.group === "optimizer")).toHaveLength(1 + 2 * 6);
    nn.dispose(xt, yt);
    model.dispose();
  });

  it("an ONNX model holds its weights and nothing more", async () => {
    const nn = await init({ backend: "simd" });
    const m0 = nn.memory().bytesInUse;
    const model = await nn.loadOnnx(new Uint8Array(readFileSync(new URL("./fixtures/onnx/relu_softmax_op17.onnx", import.meta.url))));
    const floats = model.layers.flatMap((l) => l.weights).reduce((s, w) => s + Math.ceil(w.size / 4) * 4, 0);
    expect(nn.memory().bytesInUse - m0).toBe(granule(floats));
    expect(model.grads).toBe(0);
    model.dispose();
    expect(nn.memory().bytesInUse).toBe(m0);
  });

  it("a refused fit allocates no gradients; a compile that refreezes drops them and the next step allocates the new layout", async () => {
    const nn = await init({ backend: "simd" });
    const start = nn.memory().bytesInUse;
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 4, activation: "relu", inputShape: [3] }), nn.layers.dense({ units: 2, activation: "softmax" })] });
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    const m0 = nn.memory();
    await expect(model.fit([[1, 2, 3]], [[0, 2]], { verbose: 0 })).rejects.toThrow(/y/); // not probabilities
    await expect(model.fit([[1, 2, NaN]], [[0, 1]], { verbose: 0 })).rejects.toThrow(/finite/);
    expect(nn.memory()).toEqual(m0);
    expect(model.grads).toBe(0);
    await model.fit([[1, 2, 3]], [[0, 1]], { verbose: 0 });
    const full = model.grads;
    expect(full).not.toBe(0);
    model.layers[0].trainable = false;
    model.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    expect(model.grads).toBe(0);
    expect(model.layers[0].weights.every((w) => w.grad === 0 && !w.optimized)).toBe(true);
    const kernel0 = () => nn.tidy(() => Array.from(model.layers[0].getWeights()[0].data));
    const w0 = kernel0();
    await model.fit([[1, 2, 3]], [[0, 1]], { verbose: 0 });
    expect(model.layers[1].weights.every((w) => w.grad !== 0)).toBe(true);
    expect(model.layers[0].weights.every((w) => w.grad === 0)).toBe(true);
    expect(kernel0()).toEqual(w0);
    model.dispose();
    expect(nn.memory().bytesInUse).toBe(start + granule(nn.kernels.gemm_workspace_floats())); // the instance's GEMM workspace stays
  });
});
