// The issue's MLP 784-512-256-10 (relu, relu, softmax) in simdnn, tfjs-backend-wasm and
// onnxruntime-web, one thread each, in one run: a train step at batch 128 (forward + backward +
// Adam; tfjs from tfjs-core ops and tf.train.adam, ORT has no training in onnxruntime-web) and
// inference at batch 1 and 256. Every implementation gets the same weights; outputs are compared
// before timing. `cd bench/peers && npm run bench:mlp` after `npm run build` at the root.
import { init } from "../../dist/index.js";
import { holdBenchLock, machine, time } from "../harness.mjs";
import { onnxruntimeWeb, tfjsWasm } from "./peers.mjs";

await holdBenchLock();

const tf = await tfjsWasm({ withGradients: true });
const ort = await onnxruntimeWeb();

const SIZES = [784, 512, 256, 10];
const rand = (n, seed) => { let s = seed >>> 0; return Float32Array.from({ length: n }, () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5)); };

const nn = await init();
const model = nn.sequential({ seed: 1, layers: [
  nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }),
  nn.layers.dense({ units: 256, activation: "relu" }),
  nn.layers.dense({ units: 10, activation: "softmax" }),
] });
model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
const weights = model.getWeights().map((t) => { const d = t.data.slice(); const s = t.shape; t.dispose(); return { d, s }; });
const xs = { 1: rand(784, 3), 128: rand(128 * 784, 4), 256: rand(256 * 784, 5) };
const labels = Float32Array.from({ length: 1280 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0));

// ---- ORT: the MLP as an ONNX graph with the weights as initializers (protobuf by hand, onnx.proto3 fields) ----
const varint = (v) => { const o = []; while (v > 127) { o.push((v & 127) | 128); v = Math.floor(v / 128); } o.push(v); return Uint8Array.from(o); };
const cat = (...parts) => { const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0)); let o = 0; for (const p of parts) { out.set(p, o); o += p.length; } return out; };
const field = (n, wire, bytes) => cat(varint((n << 3) | wire), wire === 2 ? varint(bytes.length) : new Uint8Array(), bytes);
const str = (n, s) => field(n, 2, new TextEncoder().encode(s));
const int = (n, v) => field(n, 0, varint(v));
const msg = (n, ...parts) => field(n, 2, cat(...parts));
const dimsOf = (dims) => dims.map((d) => msg(1, d === null ? str(2, "N") : int(1, d)));
const valueInfo = (n, name, dims) => msg(n, str(1, name), msg(2, msg(1, int(1, 1), msg(2, ...dimsOf(dims)))));
const initializer = (name, dims, data) => msg(5, ...dims.map((d) => int(1, d)), int(2, 1), str(8, name), field(9, 2, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
const node = (op, inputs, output) => msg(1, ...inputs.map((i) => str(1, i)), str(2, output), str(4, op));
const graph = cat(
  node("Gemm", ["x", "w0", "b0"], "z0"), node("Relu", ["z0"], "h0"),
  node("Gemm", ["h0", "w1", "b1"], "z1"), node("Relu", ["z1"], "h1"),
  node("Gemm", ["h1", "w2", "b2"], "z2"), node("Softmax", ["z2"], "y"),
  str(2, "mlp"),
  ...weights.map((w, i) => initializer(`${i % 2 ? "b" : "w"}${i >> 1}`, w.s, w.d)),
  valueInfo(11, "x", [null, 784]), valueInfo(12, "y", [null, 10]),
);
const onnx = cat(int(1, 8), msg(8, str(1, ""), int(2, 13)), msg(7, graph));
const session = await ort.InferenceSession.create(onnx, { executionProviders: ["wasm"], intraOpNumThreads: 1 });

// ---- tfjs: the same weights as variables ----
const vars = weights.map((w) => tf.variable(tf.tensor(w.d, w.s)));
const tfForward = (x) => {
  let h = x;
  for (let l = 0; l < 3; l++) {
    const z = tf.add(tf.matMul(h, vars[2 * l]), vars[2 * l + 1]);
    h = l < 2 ? tf.relu(z) : z;
  }
  return h; // logits
};
const tfAdam = tf.train.adam(1e-3, 0.9, 0.999, 1e-7);

function close(a, b, what) {
  for (let i = 0; i < Math.min(a.length, 40); i++) if (Math.abs(a[i] - b[i]) > 1e-4) throw new Error(`${what} differs at ${i}: ${a[i]} vs ${b[i]}`);
}

async function ortTime(feeds, reps) {
  const samples = [];
  for (let s = 0; s < 9; s++) {
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) await session.run(feeds);
    samples.push((performance.now() - t0) / 1e3 / reps);
  }
  return samples.sort((a, b) => a - b)[4];
}

console.log(`# MLP 784-512-256-10 vs peers\n\n${machine()}\nsimdnn build: ${nn.backend}; tfjs-backend-wasm ${tf.version_core} (1 thread); onnxruntime-web (1 thread). Medians.\n`);
console.log("| case | simdnn | tfjs-backend-wasm | onnxruntime-web |");
console.log("|---|---|---|---|");
const fmt = (s, samples) => `${s < 1e-3 ? `${(s * 1e6).toFixed(1)} µs` : `${(s * 1e3).toFixed(2)} ms`} (${Math.round(samples / s).toLocaleString("en-US")} samples/s)`;
const json = {};
for (const batch of [1, 256]) {
  const X = nn.tensor(xs[batch], [batch, 784]), out = nn.zeros([batch, 10]);
  model.predict(X, { out, batchSize: batch });
  const tx = tf.tensor2d(xs[batch], [batch, 784]);
  const tfOut = tf.tidy(() => tf.softmax(tfForward(tx))).dataSync();
  const ortOut = (await session.run({ x: new ort.Tensor("float32", xs[batch], [batch, 784]) })).y.data;
  close(out.data, tfOut, "tfjs"); close(out.data, ortOut, "ort");
  const ours = time(() => model.predict(X, { out, batchSize: batch }));
  const theirs = time(() => { const y = tf.tidy(() => tf.softmax(tfForward(tx))); y.dataSync(); y.dispose(); });
  const feeds = { x: new ort.Tensor("float32", xs[batch], [batch, 784]) };
  const ortS = await ortTime(feeds, batch === 1 ? 200 : 5);
  console.log(`| predict, batch ${batch} | ${fmt(ours, batch)} | ${fmt(theirs, batch)} | ${fmt(ortS, batch)} |`);
  json[`predict${batch}`] = { simdnn: ours, tfjs: theirs, ort: ortS };
  nn.dispose(X, out); tx.dispose();
}
{
  const X = nn.tensor(xs[128], [128, 784]), Y = nn.tensor(labels, [128, 10]);
  const tx = tf.tensor2d(xs[128], [128, 784]), ty = tf.tensor2d(labels, [128, 10]);
  const tfStep = () => tfAdam.minimize(() => tf.losses.softmaxCrossEntropy(ty, tfForward(tx)), true).dataSync()[0];
  const ours0 = model.trainOnBatch(X, Y), theirs0 = tfStep();
  if (Math.abs(ours0 - theirs0) > 1e-4) throw new Error(`first-step losses differ: simdnn ${ours0}, tfjs ${theirs0}`);
  const ours = time(() => model.trainOnBatch(X, Y), { maxTime: 1 });
  const theirs = time(tfStep, { maxTime: 1 });
  console.log(`| train step, batch 128 | ${fmt(ours, 128)} | ${fmt(theirs, 128)} | – (no training in onnxruntime-web) |`);
  json.train128 = { simdnn: ours, tfjs: theirs };
}
console.log(`\n${JSON.stringify(json)}`);
await session.release();
