// Model files: loading the 784-512-256-10 classifier (2.1 MB of float32 weights) from memory
// as a layers model (float32, float16, uint8) and as ONNX, and saving it. Each path is validated first
// (the loaded model predicts what the saved one did). Async calls, so timed here as medians of awaited
// runs, builds interleaved round by round. Peers (tfjs-layers, onnxruntime-web): bench/peers/load.bench.mjs.
import { BACKENDS, backendSupport } from "../dist/index.js";
import { assertClose, fmtTime, instance, results } from "./harness.mjs";
import { mlpToOnnx } from "./onnx_writer.mjs";

const BUILDS = [...BACKENDS].reverse().filter((b) => backendSupport(b).ok);
const ROUNDS = 41;
const X = Array.from({ length: 4 }, (_, i) => Array.from({ length: 784 }, (_, j) => ((i * 784 + j) % 17) / 17));

async function fixture(nn) {
  const model = nn.sequential({ seed: 1, layers: [
    nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }),
    nn.layers.dense({ units: 256, activation: "relu" }),
    nn.layers.dense({ units: 10, activation: "softmax" }),
  ] });
  const save = async (quantize) => {
    let a;
    await model.save(nn.io.withSaveHandler(async (x) => void (a = x)), quantize ? { quantize } : {});
    return { json: JSON.stringify({ modelTopology: a.modelTopology, format: a.format, weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }] }), data: a.weightData };
  };
  const w = model.getWeights().map((t) => (t.data.slice()));
  const dims = [[784, 512, "relu"], [512, 256, "relu"], [256, 10, "softmax"]];
  const onnx = mlpToOnnx(dims.map(([i, o, activation], k) => ({ kernel: w[2 * k], bias: w[2 * k + 1], in: i, out: o, activation })));
  const y = model.predict(X);
  const expected = y.data.slice();
  y.dispose();
  return { model, expected, f32: await save(), f16: await save("float16"), u8: await save("uint8"), onnx };
}

const CASES = [
  { name: "loadLayersModel from memory, float32 (2.1 MB)", tol: 0, run: (nn, f) => nn.loadLayersModel(nn.io.fromMemory(f.f32.json, f.f32.data)) },
  { name: "loadLayersModel from memory, float16", tol: 2e-3, run: (nn, f) => nn.loadLayersModel(nn.io.fromMemory(f.f16.json, f.f16.data)) },
  { name: "loadLayersModel from memory, uint8", tol: 5e-2, run: (nn, f) => nn.loadLayersModel(nn.io.fromMemory(f.u8.json, f.u8.data)) },
  { name: "loadOnnx from bytes (Gemm + Relu + Softmax)", tol: 1e-6, run: (nn, f) => nn.loadOnnx(f.onnx) },
  { name: "model.save to memory, float32", save: true, run: async (nn, f) => f.model.save(nn.io.withSaveHandler(async () => {})) },
];

const fixtures = new Map();
for (const b of BUILDS) fixtures.set(b, await fixture(await instance(b)));
const times = new Map(CASES.map((c) => [c, Object.fromEntries(BUILDS.map((b) => [b, []]))]));
// validate every case on every build before timing anything
for (const c of CASES) {
  for (const b of BUILDS) {
    const nn = await instance(b), f = fixtures.get(b);
    const m = await c.run(nn, f);
    if (!c.save) {
      const y = m.predict(X);
      assertClose(y.data, f.expected, c.tol, c.tol, `${c.name} (${b})`);
      y.dispose();
      m.dispose();
    }
  }
}
for (let r = 0; r < ROUNDS; r++) {
  for (const c of CASES) {
    for (const b of BUILDS) {
      const nn = await instance(b), f = fixtures.get(b);
      const t0 = performance.now();
      const m = await c.run(nn, f);
      times.get(c)[b].push((performance.now() - t0) / 1e3);
      if (!c.save) m.dispose();
    }
  }
}
const median = (t) => [...t].sort((a, b) => a - b)[t.length >> 1];
console.log(`\n## Model files: the 784-512-256-10 classifier (median of ${ROUNDS} interleaved rounds)\n`);
console.log(`| case | ${BUILDS.join(" | ")} |\n|---|${BUILDS.map(() => "---").join("|")}|`);
for (const c of CASES) {
  const secs = Object.fromEntries(BUILDS.map((b) => [b, median(times.get(c)[b])]));
  console.log(`| ${c.name} | ${BUILDS.map((b) => fmtTime(secs[b])).join(" | ")} |`);
  results.push({ suite: "model files", case: c.name, seconds: secs });
}
for (const f of fixtures.values()) f.model.dispose();
