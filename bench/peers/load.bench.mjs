// Loading the 784-512-256-10 classifier (2.1 MB of float32 weights) from memory, and loading it
// then answering one batch-1 request (what a serverless cold path pays after init): simdnn's layers
// model and ONNX readers, tfjs-layers on tfjs-backend-wasm (the same model.json and weights.bin), and
// onnxruntime-web (the same weights as ONNX). Every path's first prediction is checked against simdnn's
// before timing; medians of awaited runs, the peers interleaved round by round, one thread each.
// `cd bench/peers && npm run bench:load` after `npm run build` at the root.
import { init } from "../../dist/index.js";
import { holdBenchLock, machine } from "../harness.mjs";
import { mlpToOnnx } from "../onnx_writer.mjs";
import { onnxruntimeWeb, tfjsWasm } from "./peers.mjs";

await holdBenchLock();
const tf = await tfjsWasm({ withGradients: true }); // the union package also brings tfjs-layers
const ort = await onnxruntimeWeb();
const nn = await init();

const model = nn.sequential({ seed: 1, layers: [
  nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }),
  nn.layers.dense({ units: 256, activation: "relu" }),
  nn.layers.dense({ units: 10, activation: "softmax" }),
] });
let artifacts;
await model.save(nn.io.withSaveHandler(async (a) => void (artifacts = a)));
const modelJson = JSON.stringify({ modelTopology: artifacts.modelTopology, format: artifacts.format, weightsManifest: [{ paths: ["weights.bin"], weights: artifacts.weightSpecs }] });
const w = model.getWeights().map((t) => { const d = t.data.slice(); t.dispose(); return d; });
const onnx = mlpToOnnx([[784, 512, "relu"], [512, 256, "relu"], [256, 10, "softmax"]].map(([i, o, activation], k) => ({ kernel: w[2 * k], bias: w[2 * k + 1], in: i, out: o, activation })));
const x = Float32Array.from({ length: 784 }, (_, i) => (i % 17) / 17);
const expectedT = model.predict(nn.tensor(x, [1, 784]));
const expected = expectedT.data.slice();

const check = (what, y) => {
  const worst = Math.max(...Array.from(y, (v, i) => Math.abs(v - expected[i])));
  if (!(worst <= 1e-5)) throw new Error(`${what}: prediction differs from simdnn's by ${worst}`);
};

const tfl = (await import("@tensorflow/tfjs")).default ?? (await import("@tensorflow/tfjs"));
const PEERS = [
  {
    name: "simdnn nn.loadLayersModel (model.json + weights.bin)",
    load: () => nn.loadLayersModel(nn.io.fromMemory(modelJson, artifacts.weightData)),
    predict: (m) => { const t = nn.tensor(x, [1, 784]); const y = m.predict(t); const out = y.data.slice(); nn.dispose(t, y); return out; },
    dispose: (m) => m.dispose(),
  },
  {
    name: "simdnn nn.loadOnnx (the same weights as ONNX)",
    load: () => nn.loadOnnx(onnx),
    predict: (m) => { const t = nn.tensor(x, [1, 784]); const y = m.predict(t); const out = y.data.slice(); nn.dispose(t, y); return out; },
    dispose: (m) => m.dispose(),
  },
  {
    name: "tfjs-layers tf.loadLayersModel, wasm backend",
    load: () => tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs, weightData: artifacts.weightData })),
    predict: (m) => { const t = tf.tensor(x, [1, 784]); const y = m.predict(t); const out = y.dataSync().slice(); tf.dispose([t, y]); return out; },
    dispose: (m) => m.dispose(),
  },
  {
    name: "onnxruntime-web InferenceSession.create, wasm EP",
    load: () => ort.InferenceSession.create(onnx, { executionProviders: ["wasm"], intraOpNumThreads: 1 }),
    predict: async (s) => (await s.run({ input: new ort.Tensor("float32", x, [1, 784]) })).output.data.slice(),
    dispose: (s) => s.release(),
  },
];

for (const p of PEERS) {
  const m = await p.load();
  check(p.name, await p.predict(m));
  await p.dispose(m);
}
const ROUNDS = 31;
const load = PEERS.map(() => []), first = PEERS.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  for (const [i, p] of PEERS.entries()) {
    const t0 = performance.now();
    const m = await p.load();
    const t1 = performance.now();
    await p.predict(m);
    const t2 = performance.now();
    load[i].push(t1 - t0);
    first[i].push(t2 - t0);
    await p.dispose(m);
  }
}
const median = (t) => [...t].sort((a, b) => a - b)[t.length >> 1];
console.log(`# Loading a model: simdnn against tfjs-layers and onnxruntime-web\n\n${machine()}\nBuild: simdnn '${nn.backend}'. Medians of ${ROUNDS} interleaved rounds.\n`);
console.log("| path | load | load + first batch-1 prediction | vs simdnn layers model (load) |\n|---|---|---|---|");
PEERS.forEach((p, i) => console.log(`| ${p.name} | ${median(load[i]).toFixed(2)} ms | ${median(first[i]).toFixed(2)} ms | ${(median(load[i]) / median(load[0])).toFixed(1)}× |`));
