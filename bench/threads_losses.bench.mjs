// Threads (issue 18), the row-wise passes: loss value + gradient (MSE, whose unweighted pass is the pointwise
// losses' flat run, and the fused softmax cross-entropy from logits) over 256×784 and 65536×10, and softmax
// over 65536×10, on one thread (the default build) and on two (init({ threads: 2 })), same build, and the
// ratio. Every case is validated first: two threads must give one thread's bits, value and gradient, and the
// float64 value. Then a sweep for the work thresholds (src/threads/loss_parallel.ts MIN_LOSS_ELEMENTS_PER_THREAD,
// rows_parallel.ts MIN_ROW_ELEMENTS_PER_THREAD) with both off: the smallest elements/2 where two threads are
// not slower is the threshold. `npm run bench -- threads` runs it after threads.bench.mjs.
// SIMDNN_BENCH_SMOKE=1 runs tiny sizes briefly (checks the bench, times nothing).
import { backendSupport, init, lossRaw, resolveLoss, softmaxCrossentropyRaw } from "../dist/index.js";
import { assertClose, fmtTime, results, time } from "./harness.mjs";

const smoke = process.env.SIMDNN_BENCH_SMOKE === "1";
const opts = smoke ? { maxTime: 0.01, minSamples: 2 } : { maxTime: 1, minSamples: 10 };
const backend = ["relaxed-simd", "simd", "scalar"].find((b) => backendSupport(b).ok);
const one = await init({ backend });
const two = await init({ backend, threads: 2 });
const mse = resolveLoss("meanSquaredError");

function rand(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}
const oneHot = (rows, classes) => Float32Array.from({ length: rows * classes }, (_, i) => (i % classes === (Math.floor(i / classes) * 7) % classes ? 1 : 0));
const bits = (f32) => new Uint32Array(Float32Array.from(f32).buffer);
function sameBits(a, b, what) {
  const x = bits(a), y = bits(b);
  const i = x.findIndex((v, j) => v !== y[j]);
  if (x.length !== y.length || i >= 0) throw new Error(`${what}: two threads differ from one at index ${i} (${a[i]} vs ${b[i]})`);
}

/**
 * The passes, each on nn with its own tensors: run() returns the loss value (softmax: undefined), out is what
 * it writes (the gradient, or softmax's output). `check` validates one thread against a float64 reference.
 */
const PASSES = {
  "MSE value + gradient": (nn, rows, cols) => {
    const y = nn.tensor(rand(rows * cols, 1), [rows, cols]), p = nn.tensor(rand(rows * cols, 2), [rows, cols]), out = nn.zeros([rows, cols]);
    return {
      out, run: () => lossRaw(nn.rt, mse, out.ptr, y.ptr, p.ptr, rows, cols, "mean", 0), teardown: () => nn.dispose(y, p, out),
      check: (value) => {
        const t = y.data, q = p.data;
        let s = 0;
        for (let i = 0; i < t.length; i++) s += (q[i] - t[i]) ** 2;
        assertClose([value], [s / t.length], 1e-6, 1e-5, "MSE value");
      },
    };
  },
  "softmax CCE (logits) value + gradient": (nn, rows, cols) => {
    const y = nn.tensor(oneHot(rows, cols), [rows, cols]), z = nn.tensor(rand(rows * cols, 3).map((v) => 8 * v), [rows, cols]), out = nn.zeros([rows, cols]);
    return {
      out, run: () => softmaxCrossentropyRaw(nn.rt, out.ptr, y.ptr, z.ptr, rows, cols, 0, false), teardown: () => nn.dispose(y, z, out),
      check: (value) => {
        const x = z.data, t = y.data;
        let s = 0;
        for (let r = 0; r < rows; r++) {
          let m = -Infinity, e = 0, dot = 0;
          for (let j = 0; j < cols; j++) m = Math.max(m, x[r * cols + j]);
          for (let j = 0; j < cols; j++) { e += Math.exp(x[r * cols + j] - m); dot += t[r * cols + j] * x[r * cols + j]; }
          s += m + Math.log(e) - dot;
        }
        assertClose([value], [s / rows], 1e-6, 1e-5, "CCE value");
      },
    };
  },
  "softmax forward": (nn, rows, cols) => {
    const x = nn.tensor(rand(rows * cols, 4).map((v) => 8 * v), [rows, cols]), out = nn.zeros([rows, cols]);
    return {
      out, run: () => void nn.activation("softmax", x, undefined, { out }), teardown: () => nn.dispose(x, out),
      check: () => {
        const got = [], want = [];
        for (let r = 0; r < rows; r += Math.max(1, rows >> 6)) {
          const row = Array.from(x.data.subarray(r * cols, r * cols + cols)), m = Math.max(...row);
          const e = row.map((v) => Math.exp(v - m)), s = e.reduce((a, b) => a + b, 0);
          e.forEach((v, j) => { want.push(v / s); got.push(out.data[r * cols + j]); });
        }
        assertClose(got, want, 1e-7, 1e-5, "softmax");
      },
    };
  },
};

/** Sets up `pass` on both instances, validates (float64 reference, then two threads = one thread bit for bit), times. */
function compare(name, rows, cols) {
  const s1 = PASSES[name](one, rows, cols), s2 = PASSES[name](two, rows, cols);
  const v1 = s1.run(), v2 = s2.run();
  s1.check(v1);
  if (!Object.is(v1, v2)) throw new Error(`${name} ${rows}×${cols}: two threads' value ${v2} differs from one thread's ${v1}`);
  sameBits(s1.out.data, s2.out.data, `${name} ${rows}×${cols}`);
  const t1 = time(s1.run, opts), before = two.rt.pool?.runs ?? 0, t2 = time(s2.run, opts);
  // whether the timed calls split (while the workers sleep a call needs ASLEEP_FACTOR × the threshold: pool.ts)
  const split = (two.rt.pool?.runs ?? 0) > before;
  s1.teardown();
  s2.teardown();
  return { t1, t2, split };
}

console.log(`\n## Threads, losses and softmax: ${backend}, 1 thread vs ${two.threads}${two.threadsReason ? ` (fell back: ${two.threadsReason})` : ""}\n`);
console.log("| case | 1 thread | 2 threads | 2/1 |");
console.log("|---|---|---|---|");
const shapes = smoke ? [[16, 784], [4096, 10]] : [[256, 784], [65536, 10]];
for (const [name, list] of [["MSE value + gradient", shapes], ["softmax CCE (logits) value + gradient", shapes], ["softmax forward", shapes.slice(1)]]) {
  for (const [rows, cols] of list) {
    const { t1, t2, split } = compare(name, rows, cols);
    const what = `${name}, ${rows}×${cols}`;
    console.log(`| ${what}${split ? "" : " (stayed on one thread: below the threshold)"} | ${fmtTime(t1)} | ${fmtTime(t2)} | ${(t1 / t2).toFixed(2)}× |`);
    results.push({ suite: "threads losses", case: what, seconds: { one: t1, two: t2 } });
  }
}

// The threshold sweep: rows × 10 (a classifier's head) with both thresholds off, so every pass splits
console.log("\n| rows × 10, thresholds off | elements/2 | 1 thread | 2 threads | 2/1 |\n|---|---|---|---|---|");
const pool = two.rt.pool;
const saved = pool && [pool.minLossElementsPerThread, pool.minRowElementsPerThread];
if (pool) pool.minLossElementsPerThread = pool.minRowElementsPerThread = 0;
if (pool) pool.sleepAware = false;
for (const name of Object.keys(PASSES)) {
  for (const rows of smoke ? [1024] : [1024, 3072, 6144, 13107, 26214, 52429]) {
    const { t1, t2 } = compare(name, rows, 10);
    console.log(`| ${name} | ${(rows * 10) >> 1} | ${fmtTime(t1)} | ${fmtTime(t2)} | ${(t1 / t2).toFixed(2)}× |`);
    results.push({ suite: "threads losses threshold", case: `${name} ${rows}×10`, seconds: { one: t1, two: t2 } });
  }
}
if (pool) [pool.minLossElementsPerThread, pool.minRowElementsPerThread] = saved;
if (pool) pool.sleepAware = true;
two.dispose();
