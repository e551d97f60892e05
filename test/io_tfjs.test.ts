// Layers-model files between tfjs-layers 4.22 and simdnn, both ways, on every build. tfjs → simdnn:
// models built with tf.layers, seeded, saved as tfjs' file writer would (model.json + weights.bin,
// also in 3 shards cut at odd byte offsets, also quantized as the python converter does), loaded by
// nn.loadLayersModel: predictions must equal tfjs' within 2e-5 relative + 1e-6 absolute. simdnn → tfjs:
// simdnn models saved with withSaveHandler load in tf.loadLayersModel and predict the same; activations
// tfjs lacks are refused by tfjs with its own error, never silently changed.
import { beforeAll, describe, expect, it } from "vitest";
import type { ModelArtifacts } from "../src/io/artifacts.js";
import type { NN } from "../src/nn.js";
import type { Sequential } from "../src/model/sequential.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { captureTf, joined, modelJson, quantizeArtifacts, savedInfo, seededValues, seedTf, shards, tf, tfl, tfPredict, tfReady } from "./helpers/tfjs_interop.js";

const TOL = { rtol: 2e-5, atol: 1e-6 };
const ROWS = 9; // not a multiple of 4: the SIMD tails run too
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const inputFor = (shape: readonly number[], seed = 99) => uniform(ROWS * size(shape), -3, 3, seed);

/** Every activation name tfjs-layers 4.22 registers (tfjs' spellings; logSoftmax is registered but not in its type). */
const TFJS_ACTIVATIONS = ["elu", "hardSigmoid", "linear", "relu", "relu6", "selu", "sigmoid", "softmax", "softplus", "softsign", "tanh", "swish", "mish", "gelu", "gelu_new", "logSoftmax"] as const;
type TfAct = NonNullable<Parameters<typeof tfl.layers.dense>[0]["activation"]>;
const L = tfl.layers;

interface TfCase {
  name: string;
  /** Per-sample input shape. */
  shape: number[];
  make: () => tfl.Sequential;
  /** Weight scale (wider pre-activations reach the clipped parts of hardSigmoid and relu6). */
  scale?: number;
  /** simdnn refuses this model with a message matching this (no kernel computes it). */
  refused?: RegExp;
}

const TF_CASES: TfCase[] = [
  ...TFJS_ACTIVATIONS.map((a): TfCase => ({ name: `Dense ${a}`, shape: [5], scale: 1.5, make: () => tfl.sequential({ layers: [L.dense({ units: 7, inputShape: [5], activation: a as TfAct })] }) })),
  ...TFJS_ACTIVATIONS.map((a): TfCase => ({ name: `Activation ${a}`, shape: [5], scale: 1.5, make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.activation({ activation: a as TfAct })] }) })),
  { name: "Dropout between Dense layers", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 8, inputShape: [5], activation: "tanh" }), L.dropout({ rate: 0.4 }), L.dense({ units: 3 })] }) },
  { name: "Flatten of a 3-D input", shape: [3, 4], make: () => tfl.sequential({ layers: [L.flatten({ inputShape: [3, 4] }), L.dense({ units: 5, activation: "sigmoid" })] }) },
  { name: "BatchNormalization with moving statistics", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.batchNormalization({ epsilon: 1e-3 }), L.dense({ units: 3, activation: "softmax" })] }) },
  { name: "BatchNormalization without center and scale", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.batchNormalization({ center: false, scale: false, epsilon: 0.01 }), L.dense({ units: 2 })] }) },
  { name: "LayerNormalization", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.layerNormalization({ epsilon: 1e-5 }), L.dense({ units: 3 })] }) },
  { name: "PReLU, one alpha per element", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.prelu({})] }) },
  { name: "PReLU sharedAxes [1] on [3,4] (alpha [1,4])", shape: [3, 4], make: () => tfl.sequential({ layers: [L.dense({ units: 4, inputShape: [3, 4] }), L.prelu({ sharedAxes: [1] }), L.flatten(), L.dense({ units: 2 })] }) },
  { name: "LeakyReLU default alpha 0.3", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.leakyReLU({})] }) },
  { name: "LeakyReLU alpha 0.05", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.leakyReLU({ alpha: 0.05 })] }) },
  { name: "ELU layer", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.elu({})] }) },
  { name: "ReLU layer maxValue 6", shape: [5], scale: 3, make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.reLU({ maxValue: 6 })] }) },
  { name: "ReLU layer maxValue 1.5 (reluMax)", shape: [5], scale: 3, make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.reLU({ maxValue: 1.5 })] }) },
  { name: "Softmax layer (tfjs writes axis 1)", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 6, inputShape: [5] }), L.softmax({})] }) },
  { name: "explicit InputLayer", shape: [5], make: () => tfl.sequential({ layers: [L.inputLayer({ inputShape: [5] }), L.dense({ units: 4, activation: "relu" }), L.dense({ units: 2 })] }) },
  { name: "Dense useBias false", shape: [5], make: () => tfl.sequential({ layers: [L.dense({ units: 4, inputShape: [5], useBias: false, activation: "tanh" }), L.dense({ units: 3, useBias: false })] }) },
];

interface Prepared {
  artifacts: ModelArtifacts;
  x: Float32Array;
  expected: Float32Array;
}
const prepared = new Map<string, Prepared>();
const tfModels = new Map<string, tfl.LayersModel>();

async function loadIntoSimdnn(nn: NN, json: object, weights: ArrayBuffer | ArrayBuffer[]): Promise<Sequential> {
  return nn.loadLayersModel(nn.io.fromMemory(json, weights));
}

function simdnnPredict(nn: NN, model: Sequential, x: Float32Array, shape: readonly number[]): Float32Array {
  const t = nn.tensor(x, [x.length / size(shape), ...shape]);
  const y = model.predict(t);
  const out = y.data.slice();
  nn.dispose(t, y);
  return out;
}

beforeAll(async () => {
  await tfReady();
  for (const [i, c] of TF_CASES.entries()) {
    const m = c.make();
    seedTf(m, 1000 + 31 * i, c.scale);
    const x = inputFor(c.shape);
    prepared.set(c.name, { artifacts: await captureTf(m), x, expected: tfPredict(m, x, c.shape) });
    tfModels.set(c.name, m);
  }
});

describe.each(BUILDS)("tfjs-layers → simdnn (%s)", (build) => {
  it.each(TF_CASES.map((c) => [c.name, c] as const))("%s", async (_name, c) => {
    const nn = await instance(build);
    const p = prepared.get(c.name)!;
    // a clip other than none or 6 has no simdnn kernel: refused by name, never computed as something else
    if (c.refused) return void (await expect(loadIntoSimdnn(nn, modelJson(p.artifacts), joined(p.artifacts.weightData))).rejects.toThrow(c.refused));
    const model = await loadIntoSimdnn(nn, modelJson(p.artifacts), joined(p.artifacts.weightData));
    try {
      expect(simdnnPredict(nn, model, p.x, c.shape)).toBeCloseArray(p.expected, TOL);
      // weights keep tfjs' names, shapes and order (trainable first, then moving statistics)
      expect(model.weights.map((w) => w.name)).toEqual(p.artifacts.weightSpecs!.map((s) => s.name));
      expect(model.weights.map((w) => w.shape)).toEqual(p.artifacts.weightSpecs!.map((s) => s.shape));
    } finally {
      model.dispose();
    }
  });

  it("non-trainable weights listed after every trainable one still load by name", async () => {
    const nn = await instance(build);
    const p = prepared.get("BatchNormalization with moving statistics")!;
    const names = p.artifacts.weightSpecs!.map((s) => s.name);
    const mean = names.findIndex((n) => n.endsWith("/moving_mean"));
    const lastKernel = names.map((n) => n.endsWith("/kernel")).lastIndexOf(true);
    expect(mean).toBeGreaterThan(lastKernel); // the order is tfjs', not layer order
    const model = await loadIntoSimdnn(nn, modelJson(p.artifacts), joined(p.artifacts.weightData));
    const byName = new Map(model.weights.map((w, i) => [w.name, model.getWeights()[i]]));
    const stored = new Float32Array(joined(p.artifacts.weightData));
    let at = 0;
    for (const s of p.artifacts.weightSpecs!) {
      expect(Array.from(byName.get(s.name)!.data), s.name).toEqual(Array.from(stored.subarray(at, at + size(s.shape))));
      at += size(s.shape);
    }
    expect(model.weights.filter((w) => !w.trainable).map((w) => w.name.split("/")[1])).toEqual(["moving_mean", "moving_variance"]);
    model.dispose();
  });

  it("weights split over 3 shards at byte offsets that cut through floats and weights", async () => {
    const nn = await instance(build);
    const p = prepared.get("BatchNormalization with moving statistics")!;
    const all = joined(p.artifacts.weightData);
    const parts = shards(all, [7, Math.floor(all.byteLength / 2) + 3]);
    expect(parts.map((b) => b.byteLength % 4)).not.toEqual([0, 0, 0]);
    const json = modelJson(p.artifacts, ["group1-shard1of3.bin", "group1-shard2of3.bin", "group1-shard3of3.bin"]);
    const model = await loadIntoSimdnn(nn, json, parts);
    expect(simdnnPredict(nn, model, p.x, [5])).toBeCloseArray(p.expected, TOL);
    model.dispose();
  });

  // Reference: tfjs loading the same quantized artifacts (it dequantizes as q·scale + min, or half → float).
  // Against the float32 model the error is bounded by the quantization step (uint8 ≈ 1e-2 of the range).
  it.each([["uint8", 0.3], ["uint16", 2e-3], ["float16", 1e-2]] as const)("weights quantized to %s per the converter's spec", async (dtype, stepTol) => {
    const nn = await instance(build);
    const p = prepared.get("BatchNormalization with moving statistics")!;
    const q = quantizeArtifacts(p.artifacts, dtype);
    const tfq = await tfl.loadLayersModel(tf.io.fromMemory(q as tf.io.ModelArtifacts));
    const reference = tfPredict(tfq, p.x, [5]);
    const model = await loadIntoSimdnn(nn, modelJson(q), joined(q.weightData));
    const got = simdnnPredict(nn, model, p.x, [5]);
    expect(got).toBeCloseArray(reference, TOL);
    const worst = Math.max(...got.map((v, i) => Math.abs(v - p.expected[i])));
    expect(worst).toBeGreaterThan(0); // the values really went through quantization
    expect(worst).toBeLessThan(stepTol);
    model.dispose();
  });
});

// Training state across libraries: Adam is the same update in both (Keras' ε outside the square root,
// bias correction folded into the step size), so tfjs' saved moments and iteration count must carry on.
describe.each(BUILDS)("tfjs-layers training state → simdnn (%s)", (build) => {
  it("a tfjs Adam fit saved with includeOptimizer continues in simdnn as it does in tfjs", async () => {
    await tfReady();
    const nn = await instance(build);
    const xs = uniform(8 * 3, -2, 2, 41), ys = uniform(8 * 2, -1, 1, 42);
    const tm = tfl.sequential({ layers: [L.dense({ units: 5, inputShape: [3], activation: "tanh" }), L.dense({ units: 2 })] });
    seedTf(tm, 300);
    tm.compile({ optimizer: tf.train.adam(0.05), loss: "meanSquaredError" });
    const [tx, ty] = [tf.tensor(xs, [8, 3]), tf.tensor(ys, [8, 2])];
    const fitOpts = { batchSize: 8, shuffle: false, verbose: 0 as const };
    await tm.fit(tx, ty, { ...fitOpts, epochs: 4 });
    const saved = await captureTf(tm, { includeOptimizer: true });
    expect(saved.weightSpecs!.filter((s) => s.group === "optimizer").map((s) => s.name)).toContain("iter");
    await tm.fit(tx, ty, { ...fitOpts, epochs: 3 });
    const reference = tm.getWeights().map((w) => w.dataSync() as Float32Array);

    const model = await loadIntoSimdnn(nn, modelJson(saved), joined(saved.weightData)); // compiled from tfjs' trainingConfig (camelCase optimizer keys)
    const [x, y] = [nn.tensor(xs, [8, 3]), nn.tensor(ys, [8, 2])];
    await model.fit(x, y, { ...fitOpts, epochs: 3 });
    model.getWeights().forEach((w, i) => expect(w.data, model.weights[i].name).toBeCloseArray(reference[i], { rtol: 1e-4, atol: 1e-5 }));

    // a fresh Adam (moments 0, step 1) lands elsewhere: the comparison above depends on the state
    const fresh = await loadIntoSimdnn(nn, modelJson(saved), joined(saved.weightData));
    fresh.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: "meanSquaredError" });
    await fresh.fit(x, y, { ...fitOpts, epochs: 3 });
    const far = fresh.getWeights().some((w, i) => w.data.some((v, j) => Math.abs(v - reference[i][j]) > 1e-3));
    expect(far).toBe(true);
    tf.dispose([tx, ty]);
    nn.dispose(x, y);
    model.dispose();
    fresh.dispose();
  });
});

// simdnn → tfjs. Layers are seeded one by one (each layer's own weight order) so the test does not
// depend on the model-level order.
type Make = (nn: NN) => Sequential;
const SHARED_DENSE = ["linear", "relu", "relu6", "sigmoid", "tanh", "elu", "selu", "softplus", "softsign", "swish", "silu", "mish", "gelu", "softmax", "logSoftmax"] as const;
const SIMDNN_CASES: [string, number[], Make][] = [
  ...SHARED_DENSE.map((a): [string, number[], Make] => [`Dense ${a}`, [5], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 7, inputShape: [5], activation: a })] })]),
  ["Activation layers tanh, leakyRelu 0.2, elu", [5], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 6, inputShape: [5] }), nn.layers.activation({ activation: "leakyRelu", activationParams: { alpha: 0.2 } }), nn.layers.activation({ activation: "tanh" }), nn.layers.activation({ activation: "elu" })] })],
  ["LeakyReLU 0.2, ELU, ReLU maxValue 6 layers", [5], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 6, inputShape: [5] }), nn.layers.leakyReLU({ alpha: 0.2 }), nn.layers.dense({ units: 6 }), nn.layers.elu(), nn.layers.dense({ units: 6 }), nn.layers.reLU({ maxValue: 6 })] })],
  ["ReLU maxValue 1.5 layer, Activation reluMax 0.75 (written as ReLU)", [5], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 6, inputShape: [5] }), nn.layers.reLU({ maxValue: 1.5 }), nn.layers.dense({ units: 6 }), nn.layers.activation({ activation: "reluMax", activationParams: { maxValue: 0.75 } })] })],
  ["Softmax layer", [5], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 6, inputShape: [5] }), nn.layers.softmax()] })],
  ["Flatten of [3,4], Dropout", [3, 4], (nn) => nn.sequential({ layers: [nn.layers.flatten({ inputShape: [3, 4] }), nn.layers.dense({ units: 6, activation: "relu" }), nn.layers.dropout({ rate: 0.3 }), nn.layers.dense({ units: 2 })] })],
  ["PReLU per element", [5], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 6, inputShape: [5] }), nn.layers.prelu()] })],
  ["PReLU sharedAxes [1] on [3,4]", [3, 4], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 4, inputShape: [3, 4] }), nn.layers.prelu({ sharedAxes: [1] }), nn.layers.flatten(), nn.layers.dense({ units: 2 })] })],
  ["BatchNormalization, LayerNormalization", [5], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 6, inputShape: [5] }), nn.layers.batchNormalization({ epsilon: 1e-3 }), nn.layers.layerNormalization({ epsilon: 1e-5 }), nn.layers.dense({ units: 3, activation: "softmax" })] })],
  ["Dense useBias false", [5], (nn) => nn.sequential({ layers: [nn.layers.dense({ units: 4, inputShape: [5], useBias: false })] })],
];

function seedSimdnn(model: Sequential, seed: number, scale = 1.5): void {
  for (const [i, l] of model.layers.entries()) {
    l.setWeights(l.weights.map((w, j) => seededValues(`${l.name}/${w.name}`, w.size, seed + 101 * i + 7 * j, scale)));
  }
}

async function capture(nn: NN, model: Sequential, options?: { quantize?: "float16" | "uint8" }): Promise<ModelArtifacts> {
  let got: ModelArtifacts | null = null;
  await model.save(nn.io.withSaveHandler(async (a) => ((got = a), savedInfo())), options);
  expect(got).not.toBeNull();
  const a: ModelArtifacts = got!;
  // the JSON part goes through text, as it would through a file
  return { ...a, modelTopology: JSON.parse(JSON.stringify(a.modelTopology)) as object, weightSpecs: JSON.parse(JSON.stringify(a.weightSpecs)) as ModelArtifacts["weightSpecs"] };
}

describe.each(BUILDS)("simdnn → tfjs-layers (%s)", (build) => {
  beforeAll(tfReady);

  it.each(SIMDNN_CASES)("%s", async (_name, shape, make) => {
    const nn = await instance(build);
    const model = make(nn);
    seedSimdnn(model, 7);
    const x = inputFor(shape, 5);
    const mine = simdnnPredict(nn, model, x, shape);
    const artifacts = await capture(nn, model);
    const theirs = await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts));
    expect(tfPredict(theirs, x, shape)).toBeCloseArray(mine, TOL);
    model.dispose();
  });

  it("gelu tanh form is written 'gelu_new', which tfjs 4.22 itself cannot read back (it camel-cases it to geluNew)", async () => {
    const nn = await instance(build);
    const model = nn.sequential({ layers: [nn.layers.dense({ units: 3, inputShape: [4], activation: "gelu", activationParams: { approximate: "tanh" } })] });
    const artifacts = await capture(nn, model);
    expect(JSON.stringify(artifacts.modelTopology)).toContain('"activation":"gelu_new"');
    await expect(tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts))).rejects.toThrow(/Unknown activation: geluNew/);
    model.dispose();
  });

  it.each([
    ["hardSwish", "simdnn.hardSwish"],
    ["hardSigmoid", "simdnn.hardSigmoid"], // slope 1/6 (PyTorch, Keras 3), not tfjs' 0.2: must not be written as hard_sigmoid
  ] as const)("simdnn-only %s is refused by tfjs with a clear error, not silently changed", async (act, written) => {
    const nn = await instance(build);
    const model = nn.sequential({ layers: [nn.layers.dense({ units: 3, inputShape: [4] }), nn.layers.activation({ activation: act })] });
    const artifacts = await capture(nn, model);
    expect(JSON.stringify(artifacts.modelTopology)).toContain(`"activation":"${written}"`);
    await expect(tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts))).rejects.toThrow(/Unknown activation: simdnn\./);
    model.dispose();
  });

  it.each([["float16", 5e-3], ["uint8", 0.15]] as const)("a %s-quantized save loads in tfjs within the quantization step", async (quantize, stepTol) => {
    const nn = await instance(build);
    const model = nn.sequential({ layers: [nn.layers.dense({ units: 8, inputShape: [5], activation: "tanh" }), nn.layers.batchNormalization(), nn.layers.dense({ units: 3 })] });
    seedSimdnn(model, 21, 1);
    const x = inputFor([5], 6);
    const mine = simdnnPredict(nn, model, x, [5]);
    const artifacts = await capture(nn, model, { quantize });
    expect(artifacts.weightSpecs!.every((s) => s.quantization?.dtype === quantize)).toBe(true);
    const theirs = tfPredict(await tfl.loadLayersModel(tf.io.fromMemory(artifacts as tf.io.ModelArtifacts)), x, [5]);
    const worst = Math.max(...theirs.map((v, i) => Math.abs(v - mine[i])));
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(stepTol);
    // and simdnn reads its own quantized file exactly as tfjs does
    const back = await nn.loadLayersModel({ load: async () => artifacts });
    expect(simdnnPredict(nn, back, x, [5])).toBeCloseArray(theirs, TOL);
    model.dispose();
    back.dispose();
  });
});
