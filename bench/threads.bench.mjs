// Threads (issue 18): GEMM n³ and the MLP 784-512-256-10 (train step at batch 128, predict at batch 256
// and 1) on one thread (the default build) and on two (init({ threads: 2 })), same build, and the ratio.
// Every case is validated first: two threads must give one thread's bits (and GEMM the float64 products).
// Then a sweep for the work threshold (src/threads/gemm_parallel.ts MIN_MACS_PER_THREAD): dense forward
// at small batches with the threshold off, split or not; the smallest M·N·K/2 where two threads are not
// slower is the threshold. SIMDNN_BENCH_SMOKE=1 runs tiny sizes briefly (checks the bench, times nothing).
import { backendSupport, denseForwardRaw, init, packWeights } from "../dist/index.js";
import { assertClose, fmtTime, mlp, results, time } from "./harness.mjs";

const smoke = process.env.SIMDNN_BENCH_SMOKE === "1";
const opts = smoke ? { maxTime: 0.01, minSamples: 2 } : { maxTime: 1, minSamples: 10 };
const backend = ["relaxed-simd", "simd", "scalar"].find((b) => backendSupport(b).ok);
const one = await init({ backend });
const two = await init({ backend, threads: 2 });

function rand(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}
const bits = (f32) => new Uint32Array(Float32Array.from(f32).buffer);
function sameBits(a, b, what) {
  const x = bits(a), y = bits(b);
  const i = x.findIndex((v, j) => v !== y[j]);
  if (x.length !== y.length || i >= 0) throw new Error(`${what}: two threads differ from one at index ${i} (${a[i]} vs ${b[i]})`);
}

console.log(`\n## Threads: ${backend}, 1 thread vs ${two.threads}${two.threadsReason ? ` (fell back: ${two.threadsReason})` : ""}\n`);
console.log("| case | 1 thread | 2 threads | 2/1 |");
console.log("|---|---|---|---|");

/** Times setup(nn).run on both instances after validate(one's state, two's state); prints one row. */
function row(name, { flops, setup, validate }) {
  const s1 = setup(one), s2 = setup(two);
  s1.run();
  s2.run();
  validate(s1, s2);
  const t1 = time(s1.run, opts), t2 = time(s2.run, opts);
  s1.teardown?.();
  s2.teardown?.();
  const cell = (t) => (flops ? `${(flops / t / 1e9).toFixed(2)} GFLOP/s` : fmtTime(t));
  console.log(`| ${name} | ${cell(t1)} | ${cell(t2)} | ${(t1 / t2).toFixed(2)}× |`);
  results.push({ suite: "threads", case: name, seconds: { one: t1, two: t2 }, flops });
}

for (const n of smoke ? [32, 64] : [256, 512, 1024]) {
  const a = rand(n * n, 1), b = rand(n * n, 2);
  row(`GEMM ${n}³`, {
    flops: 2 * n ** 3,
    setup: (nn) => {
      const A = nn.tensor(a, [n, n]), B = nn.tensor(b, [n, n]), C = nn.zeros([n, n]);
      return { C, run: () => nn.gemm(C, A, B), teardown: () => nn.dispose(A, B, C) };
    },
    validate: (s1, s2) => {
      sameBits(s1.C.data, s2.C.data, `GEMM ${n}³`);
      const got = [], want = [];
      for (let s = 0; s < 64; s++) {
        const i = (s * 7919) % n, j = (s * 104729) % n;
        let e = 0;
        for (let p = 0; p < n; p++) e += a[i * n + p] * b[p * n + j];
        got.push(s2.C.data[i * n + j]);
        want.push(e);
      }
      assertClose(got, want, 1e-4 * Math.sqrt(n), 1e-4, `GEMM ${n}³`);
    },
  });
}

const oneHot = (rows) => Float32Array.from({ length: rows * 10 }, (_, i) => (i % 10 === (Math.floor(i / 10) * 7) % 10 ? 1 : 0));
{
  const batch = smoke ? 16 : 128;
  row(`MLP 784-512-256-10 train step, batch ${batch}`, {
    setup: (nn) => {
      const model = mlp(nn), x = nn.tensor(rand(batch * 784, 3), [batch, 784]), y = nn.tensor(oneHot(batch), [batch, 10]);
      return { model, run: () => model.trainOnBatch(x, y), teardown: () => nn.dispose(x, y) };
    },
    // one step each so far: the same weights, bit for bit
    validate: (s1, s2) => s1.model.getWeights().forEach((w, i) => sameBits(w.data, s2.model.getWeights()[i].data, `weight ${i} after a train step`)),
  });
}
for (const batch of smoke ? [8, 1] : [256, 1]) {
  row(`MLP 784-512-256-10 predict, batch ${batch}`, {
    setup: (nn) => {
      const model = mlp(nn), x = nn.tensor(rand(batch * 784, 4), [batch, 784]), out = nn.zeros([batch, 10]);
      return { out, run: () => model.predict(x, { out, batchSize: batch }), teardown: () => nn.dispose(x, out) };
    },
    validate: (s1, s2) => sameBits(s1.out.data, s2.out.data, `predict batch ${batch}`),
  });
}

// The threshold sweep: dense forward X[M×784]·W (packed, 784×512) with the threshold off (every M ≥ 2 split)
console.log("\n| dense 784→512, threshold off | M·N·K/2 | 1 thread | 2 threads | 2/1 |\n|---|---|---|---|---|");
const pool = two.rt.pool;
const saved = pool?.minMacsPerThread;
if (pool) pool.minMacsPerThread = 0;
for (const m of smoke ? [2, 4] : [2, 4, 8, 16, 32, 64]) {
  const k = 784, n = 512;
  const make = (nn) => {
    const X = nn.tensor(rand(m * k, 5), [m, k]), W = nn.tensor(rand(k * n, 6), [k, n]), Y = nn.zeros([m, n]);
    const P = packWeights(nn.rt, W.ptr, k, n);
    return { Y, run: () => denseForwardRaw(nn.rt, Y.ptr, X.ptr, P, 0, m, n, k), teardown: () => { P.dispose(); nn.dispose(X, W, Y); } };
  };
  const s1 = make(one), s2 = make(two);
  s1.run();
  s2.run();
  sameBits(s1.Y.data, s2.Y.data, `dense M=${m}`);
  const t1 = time(s1.run, opts), t2 = time(s2.run, opts);
  s1.teardown();
  s2.teardown();
  console.log(`| M = ${m} | ${(m * n * k) / 2} | ${fmtTime(t1)} | ${fmtTime(t2)} | ${(t1 / t2).toFixed(2)}× |`);
  results.push({ suite: "threads threshold", case: `dense M=${m}`, seconds: { one: t1, two: t2 } });
}
if (pool) pool.minMacsPerThread = saved;

// Pointwise passes (src/threads/pointwise_parallel.ts): sigmoid forward and gelu backward over n elements with the
// threshold off, so the rows from small n show where splitting starts to pay (MIN_ELEMENTS_PER_THREAD)
console.log("\n| pointwise, threshold off | elements | 1 thread | 2 threads | 2/1 |\n|---|---|---|---|---|");
const savedEl = pool?.minElementsPerThread;
if (pool) pool.minElementsPerThread = 0;
for (const [name, grad] of [["sigmoid", false], ["gelu", true]]) {
  for (const n of smoke ? [1024] : [16384, 65536, 262144, 1048576]) {
    const make = (nn) => {
      const X = nn.tensor(rand(n, 7)), D = nn.tensor(rand(n, 8)), Y = nn.zeros([n]);
      const run = grad ? () => nn.activationBackward(name, X, D, undefined, { out: Y }) : () => nn.activation(name, X, undefined, { out: Y });
      return { Y, run, teardown: () => nn.dispose(X, D, Y) };
    };
    const s1 = make(one), s2 = make(two);
    s1.run();
    s2.run();
    sameBits(s1.Y.data, s2.Y.data, `${name} ${n}`);
    const t1 = time(s1.run, opts), t2 = time(s2.run, opts);
    s1.teardown();
    s2.teardown();
    const what = `${name}${grad ? " backward" : ""}`;
    console.log(`| ${what} | ${n} | ${fmtTime(t1)} | ${fmtTime(t2)} | ${(t1 / t2).toFixed(2)}× |`);
    results.push({ suite: "threads pointwise", case: `${what} ${n}`, seconds: { one: t1, two: t2 } });
  }
}
if (pool) pool.minElementsPerThread = savedEl;
two.dispose();
