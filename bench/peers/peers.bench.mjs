// simdnn vs tfjs-backend-wasm vs onnxruntime-web on the GEMM shapes of bench/gemm.bench.mjs, one
// thread each, in one run. Outside the root dependency set: `cd bench/peers && npm install && npm run bench`
// (after `npm run build` at the root). Peers' timings include reading the result back (dataSync /
// the ORT output tensor), because that is what a caller of their API pays; simdnn's writes into a
// preallocated tensor. Medians of wall-clock samples.
import { init } from "../../dist/index.js";
import { holdBenchLock, machine, time } from "../harness.mjs";
import { onnxruntimeWeb, tfjsWasm } from "./peers.mjs";

await holdBenchLock();

const tf = await tfjsWasm({ withGradients: false });
const ort = await onnxruntimeWeb();

const SHAPES = [
  { m: 512, k: 512, n: 512 },
  { m: 1024, k: 1024, n: 1024 },
  { m: 128, k: 784, n: 512 },
  { m: 128, k: 784, n: 512, tA: true },
  { m: 128, k: 784, n: 512, tB: true },
  { m: 1, k: 784, n: 512 },
];

// ---- a one-node ONNX Gemm model, protobuf written by hand (fields from onnx.proto3) ----
const varint = (v) => { const o = []; while (v > 127) { o.push((v & 127) | 128); v >>>= 7; } o.push(v); return o; };
const field = (n, wire, bytes) => [...varint((n << 3) | wire), ...(wire === 2 ? varint(bytes.length) : []), ...bytes];
const str = (n, s) => field(n, 2, [...Buffer.from(s)]);
const int = (n, v) => field(n, 0, varint(v));
const msg = (n, bytes) => field(n, 2, bytes);
const valueInfo = (n, name, dims) =>
  msg(n, [...str(1, name), ...msg(2, msg(1, [...int(1, 1), ...msg(2, dims.flatMap((d) => msg(1, int(1, d))))]))]);
function gemmModel(aShape, bShape, cShape, tA, tB) {
  const attr = (name, v) => msg(5, [...str(1, name), ...int(3, v), ...int(20, 2)]);
  const node = msg(1, [...str(1, "A"), ...str(1, "B"), ...str(2, "C"), ...str(4, "Gemm"), ...attr("transA", tA ? 1 : 0), ...attr("transB", tB ? 1 : 0)]);
  const graph = [...node, ...str(2, "g"), ...valueInfo(11, "A", aShape), ...valueInfo(11, "B", bShape), ...valueInfo(12, "C", cShape)];
  return Uint8Array.from([...int(1, 8), ...msg(8, [...str(1, ""), ...int(2, 13)]), ...msg(7, graph)]);
}

const rand = (n) => Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
const nn = await init(); // best build this host runs (relaxed-simd under --experimental-wasm-relaxed-simd)
console.log(`# GEMM vs peers\n\n${machine()}\nsimdnn build: ${nn.backend}; tfjs-backend-wasm ${tf.version_core} (1 thread); onnxruntime-web ${ort.env.versions?.web ?? ""} (1 thread)\n`);
console.log("| shape (M×K×N) | simdnn | tfjs-backend-wasm | onnxruntime-web |");
console.log("|---|---|---|---|");
for (const { m, k, n, tA = false, tB = false } of SHAPES) {
  const aShape = tA ? [k, m] : [m, k], bShape = tB ? [n, k] : [k, n];
  const a = rand(m * k), b = rand(k * n), flops = 2 * m * n * k;
  const opts = { maxTime: m * n * k > 1e8 ? 0.3 : 0.5, minSamples: 5 };
  const rate = (s) => `${(flops / s / 1e9).toFixed(2)} GFLOP/s`;

  const A = nn.tensor(a, aShape), B = nn.tensor(b, bShape), C = nn.zeros([m, n]);
  const ours = time(() => nn.gemm(C, A, B, { transposeA: tA, transposeB: tB }), opts);
  const mine = C.data.slice(0, 4);
  nn.dispose(A, B, C);

  const ta = tf.tensor2d(a, aShape), tb = tf.tensor2d(b, bShape);
  const theirs = time(() => { const c = tf.matMul(ta, tb, tA, tB); c.dataSync(); c.dispose(); }, opts);
  const tfOut = tf.matMul(ta, tb, tA, tB);
  const tfFirst = tfOut.dataSync().slice(0, 4);
  tf.dispose([ta, tb, tfOut]);

  const session = await ort.InferenceSession.create(gemmModel(aShape, bShape, [m, n], tA, tB), { executionProviders: ["wasm"], intraOpNumThreads: 1 });
  const feeds = { A: new ort.Tensor("float32", a, aShape), B: new ort.Tensor("float32", b, bShape) };
  // ORT's run() is async; time a batch of sequential runs and take the median per run
  const samples = [];
  let ortFirst;
  for (let s = 0; s < 7; s++) {
    const reps = Math.max(1, Math.round(2e8 / flops));
    const t0 = performance.now();
    for (let r = 0; r < reps; r++) ortFirst = (await session.run(feeds)).C.data;
    samples.push((performance.now() - t0) / 1e3 / reps);
  }
  samples.sort((x, y) => x - y);
  await session.release();
  for (let i = 0; i < 4; i++) {
    if (Math.abs(mine[i] - tfFirst[i]) > 1e-3 * Math.sqrt(k) || Math.abs(mine[i] - ortFirst[i]) > 1e-3 * Math.sqrt(k)) {
      throw new Error(`results differ at ${i}: simdnn ${mine[i]}, tfjs ${tfFirst[i]}, ort ${ortFirst[i]}`);
    }
  }
  const label = `${m}×${k}×${n}${tA ? " Aᵀ·B" : tB ? " A·Bᵀ" : ""}`;
  console.log(`| ${label} | ${rate(ours)} | ${rate(theirs)} | ${rate(samples[3])} |`);
}
