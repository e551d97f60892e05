// npm run demo: the same workloads on the scalar, SIMD and relaxed-SIMD builds, side by side,
// each result checked against the scalar build before it is timed.
import { backendSupport, init } from "../dist/index.js";

const N = 1 << 20;
const x = Float32Array.from({ length: N }, (_, i) => Math.sin(i) * 8);
const M = 256, K = 256, P = 256;
const a = Float32Array.from({ length: M * K }, (_, i) => Math.cos(i) / 8);
const b = Float32Array.from({ length: K * P }, (_, i) => Math.sin(i * 3) / 8);
const logits = Float32Array.from({ length: 256 * 10 }, (_, i) => Math.sin(i * 7) * 4);
const labels = Float32Array.from({ length: 256 * 10 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0));

function time(f) {
  for (let i = 0; i < 3; i++) f();
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) f();
    best = Math.min(best, (performance.now() - t0) / 10);
  }
  return best; // ms
}

const rows = [];
let reference;
for (const backend of ["scalar", "simd", "relaxed-simd"]) {
  const support = backendSupport(backend);
  if (!support.ok) { rows.push([backend, `unavailable: ${support.reason}`]); continue; }
  const nn = await init({ backend });
  const xt = nn.tensor(x), A = nn.tensor(a, [M, K]), B = nn.tensor(b, [K, P]);
  const yt = nn.tensor(labels, [256, 10]), lt = nn.tensor(logits, [256, 10]);
  const sig = nn.activation("sigmoid", xt);
  const gelu = nn.activation("gelu", xt, { approximate: "tanh" });
  const C = nn.matmul(A, B);
  const loss = nn.loss("categoricalCrossentropy", yt, lt, { fromLogits: true });
  const result = { s: sig.data[12345], g: gelu.data[777], c: C.data[4242], loss };
  if (!reference) reference = result;
  for (const k of Object.keys(result)) {
    if (Math.abs(result[k] - reference[k]) > 1e-4 * Math.max(1, Math.abs(reference[k]))) throw new Error(`${backend} disagrees with scalar on ${k}`);
  }
  const tSig = time(() => nn.activation("sigmoid", xt, undefined, { out: sig }));
  const tGelu = time(() => nn.activation("gelu", xt, { approximate: "tanh" }, { out: gelu }));
  const tMm = time(() => nn.gemm(C, A, B));
  const tLoss = time(() => nn.loss("categoricalCrossentropy", yt, lt, { fromLogits: true }));
  rows.push([
    backend,
    `${(N / tSig / 1e3).toFixed(0)} Melem/s`,
    `${(N / tGelu / 1e3).toFixed(0)} Melem/s`,
    `${((2 * M * K * P) / tMm / 1e6).toFixed(1)} GFLOP/s`,
    `${(tLoss * 1e3).toFixed(1)} µs (loss ${loss.toFixed(4)})`,
  ]);
  nn.dispose(xt, A, B, yt, lt, sig, gelu, C);
}
console.log("simdnn demo: one core, best of 5 × 10 calls; every build's results match the scalar build\n");
const head = ["build", "sigmoid 1M", "gelu(tanh) 1M", "matmul 256³", "softmax CE 256×10"];
console.log(head.join(" | "));
for (const r of rows) console.log(r.join(" | "));
console.log("\nThe training demo (UCI digits) arrives with the layers API; see README.");
