// Threads (issue 18): every threaded kernel gives the bits of one thread (the default build of the same
// backend), on every build; the pool's options, fallback, errors and lifetime.
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTIVATION_NAMES, ACTIVATIONS, type BackendName, init, ThreadError, ValueError } from "../src/index.js";
import "../src/threads.js"; // registers the threads code (the main entry imports it beside dist only when unbundled)
import { denseEpilogue, denseForwardRaw, gemmRaw, packWeights } from "../src/gemm.js";
import type { NN } from "../src/nn.js";
import { MIN_MACS_PER_THREAD } from "../src/threads/gemm_parallel.js";
import { MAX_AUTO_THREADS } from "../src/threads/options.js";
import { BUILDS, instance } from "./helpers/backends.js";

/** Deterministic values with a spread of magnitudes and signs (no two products alike). */
function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(seed * 12.9898 + i * 78.233) * (1 + ((i * 7 + seed) % 5));
  return out;
}

/** Copies `v` into a fresh allocation of nn's memory. */
function put(nn: NN, v: Float32Array): number {
  const p = nn.rt.alloc(v.length);
  nn.rt.f32.set(v, p >> 2);
  return p;
}
const read = (nn: NN, p: number, n: number) => new Uint32Array(nn.rt.f32.buffer, p, n).slice();

/** First index where two results differ in any bit, with both values, or null. */
function firstDiff(a: Uint32Array, b: Uint32Array): string | null {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return `index ${i}: ${new Float32Array(a.buffer)[i]} vs ${new Float32Array(b.buffer)[i]}`;
  }
  return null;
}

interface Case { m: number; n: number; k: number; tA: boolean; tB: boolean; alpha: number; beta: number; pad: number }

/** gemmRaw on nn with op(A), op(B) stored with row padding `pad`; returns C's bits. */
function runGemm(nn: NN, c: Case, seed: number): Uint32Array {
  const { m, n, k, tA, tB, pad } = c;
  const lda = (tA ? m : k) + pad, ldb = (tB ? k : n) + pad, ldc = n + pad;
  const a = put(nn, values((tA ? k : m) * lda, seed)), b = put(nn, values((tB ? n : k) * ldb, seed + 1)), cc = put(nn, values(m * ldc, seed + 2));
  gemmRaw(nn.rt, cc, a, b, m, n, k, { transA: tA, transB: tB, alpha: c.alpha, beta: c.beta, lda, ldb, ldc });
  const out = read(nn, cc, m * ldc);
  nn.rt.free(a, (tA ? k : m) * lda);
  nn.rt.free(b, (tB ? n : k) * ldb);
  nn.rt.free(cc, m * ldc);
  return out;
}

// shapes around the tile (4×8 scalar, 5×8 SIMD), the 120-row and 512-column blocks and the balanced K blocks
const SHAPES: [number, number, number][] = [
  [2, 8, 3], [3, 17, 5], [5, 9, 16], [9, 33, 1], [8, 16, 257], [13, 100, 300], [17, 7, 64], [64, 520, 33],
  [130, 24, 40], [131, 1, 9], [6, 1030, 12], [257, 15, 513], [11, 40, 20], [121, 33, 17], [243, 16, 9],
  // one row (batch 1, the GEMV path): split at multiples of 16 columns, with 8-column and scalar tails
  [1, 17, 5], [1, 33, 300], [1, 100, 64], [1, 40, 7], [1, 16, 9], [1, 520, 33],
];
const FORMS: Omit<Case, "m" | "n" | "k">[] = [
  { tA: false, tB: false, alpha: 1, beta: 0, pad: 0 },
  { tA: true, tB: false, alpha: 1, beta: 0, pad: 3 },
  { tA: false, tB: true, alpha: -0.75, beta: 0.5, pad: 1 },
  { tA: true, tB: true, alpha: 2, beta: 1, pad: 0 },
];

const threaded = new Map<BackendName, NN>();
beforeAll(async () => {
  for (const b of BUILDS) {
    const nn = await init({ backend: b, threads: 2 });
    nn.rt.pool!.minMacsPerThread = 0; // split every product, however small
    nn.rt.pool!.takeBack = false; // the workers run their shares (a share a sleeping worker had not started would run here)
    nn.rt.pool!.sleepAware = false;
    threaded.set(b, nn);
  }
});
afterAll(() => {
  for (const nn of threaded.values()) nn.dispose();
});

describe.each(BUILDS)("%s: two threads give the bits of one", (backend) => {
  it("runs two threads over a shared memory", async () => {
    const nn = threaded.get(backend)!;
    expect(nn.backend).toBe(backend);
    expect(nn.threads).toBe(2);
    expect(nn.threadsReason).toBeUndefined();
    expect(nn.rt.k.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  });

  it.each(FORMS.map((f) => [`${f.tA ? "Aᵀ" : "A"}·${f.tB ? "Bᵀ" : "B"} alpha ${f.alpha} beta ${f.beta} pad ${f.pad}`, f] as const))("gemm %s at every shape", async (_, form) => {
    const nn = threaded.get(backend)!, one = await instance(backend);
    for (const [m, n, k] of SHAPES) {
      const runs = nn.rt.pool!.runs;
      const c = { m, n, k, ...form };
      expect(firstDiff(runGemm(nn, c, m + n), runGemm(one, c, m + n)), `${m}×${n}×${k}`).toBeNull();
      // split unless neither side has two units: MR-row groups (m ≥ 2·MR) or 8-column panels (n ≥ 9), 16-column
      // blocks for one row (n ≥ 17); every shape here but [1, 16, 9] has one
      expect(nn.rt.pool!.runs, `${m}×${n}×${k} split`).toBe(runs + (m === 1 ? (n >= 17 ? 1 : 0) : m >= 8 || n >= 9 ? 1 : 0));
    }
  });

  // every pointwise activation of the registry, forward and backward, over tails of 4-float quads, in place
  // and out of place: a pass cut at multiples of 4 floats gives one thread's bits (pointwise_parallel.ts)
  it("pointwise activations and their derivatives, every tail, in place and not", async () => {
    const nn = threaded.get(backend)!, one = await instance(backend);
    const pool = nn.rt.pool!, saved = pool.minElementsPerThread;
    pool.minElementsPerThread = 0; // split every pass, however short
    try {
      // linear runs no kernel (nn.activation copies); the others run theirs through activationForwardRaw
      const names = ACTIVATION_NAMES.filter((a) => ACTIVATIONS[a].kind === "pointwise" && a !== "linear");
      expect(names.length).toBeGreaterThan(15);
      for (const name of names) for (const n of [8, 9, 10, 11, 1023, 4099]) {
        const x = values(n, n).map((v) => v * 4), dy = values(n, n + 1);
        const result = (z: NN) => {
          const X = z.tensor(x), D = z.tensor(dy), X2 = z.tensor(x);
          const y = z.activation(name, X), back = z.activationBackward(name, X, D);
          z.activation(name, X2, undefined, { out: X2 }); // in place
          const out = [...y.data, ...back.data, ...X2.data];
          z.dispose(X, D, X2, y, back);
          return new Uint32Array(Float32Array.from(out).buffer);
        };
        const runs = pool.runs;
        expect(firstDiff(result(nn), result(one)), `${name} n = ${n}`).toBeNull();
        expect(pool.runs - runs, `${name} n = ${n} split`).toBeGreaterThanOrEqual(2); // forward and in place at least
      }
    } finally {
      pool.minElementsPerThread = saved;
    }
  });

  it("dense forward with packed and raw weights, bias and every epilogue", async () => {
    const nn = threaded.get(backend)!, one = await instance(backend);
    for (const [m, n, k] of [[4, 24, 10], [37, 130, 75], [200, 10, 64], [3, 1025, 17], [1, 24, 10], [1, 130, 75], [1, 1025, 17], [1, 512, 784]]) {
      for (const ep of [denseEpilogue("linear"), denseEpilogue("relu"), denseEpilogue("gelu", { approximate: "tanh" }), denseEpilogue("leakyRelu", { alpha: 0.2 })]) {
        for (const packed of [false, true]) {
          const result = (x: NN) => {
            const X = put(x, values(m * k, 1)), W = put(x, values(k * n, 2)), bias = put(x, values(n, 3)), Y = x.rt.alloc(m * n);
            const w = packed ? packWeights(x.rt, W, k, n) : W;
            denseForwardRaw(x.rt, Y, X, w, bias, m, n, k, ep);
            const out = read(x, Y, m * n);
            if (typeof w !== "number") w.dispose();
            for (const [p, f] of [[X, m * k], [W, k * n], [bias, n], [Y, m * n]]) x.rt.free(p, f);
            return out;
          };
          expect(firstDiff(result(nn), result(one)), `${m}×${n}×${k} ${ep.activation} packed ${packed}`).toBeNull();
        }
      }
    }
  });

  it("an MLP's predictions and its weights after a few fit steps", async () => {
    const nn = threaded.get(backend)!, one = await instance(backend);
    const train = async (x: NN) => {
      const model = x.sequential({ seed: 11, layers: [
        x.layers.dense({ units: 40, activation: "relu", inputShape: [30] }), x.layers.dense({ units: 24, activation: "tanh" }), x.layers.dense({ units: 5, activation: "softmax" }),
      ] });
      model.compile({ optimizer: x.optimizers.adam({ learningRate: 0.01 }), loss: "categoricalCrossentropy" });
      const X = x.tensor(values(96 * 30, 4), [96, 30]);
      const Y = x.tensor(Float32Array.from({ length: 96 * 5 }, (_, i) => (i % 5 === Math.floor(i / 5) % 5 ? 1 : 0)), [96, 5]);
      await model.fit(X, Y, { epochs: 2, batchSize: 32, shuffle: false, verbose: 0 });
      const p = model.predict(X) as import("../src/tensor.js").Tensor;
      const bits = [new Uint32Array(Float32Array.from(p.data).buffer), ...model.getWeights().map((w) => new Uint32Array(Float32Array.from(w.data).buffer))];
      p.dispose();
      X.dispose();
      Y.dispose();
      return bits;
    };
    const runs = nn.rt.pool!.runs;
    const [a, b] = [await train(nn), await train(one)];
    expect(nn.rt.pool!.runs).toBeGreaterThan(runs + 10);
    expect(a.length).toBe(b.length);
    a.forEach((bits, i) => expect(firstDiff(bits, b[i]), i === 0 ? "predictions" : `weight ${i - 1}`).toBeNull());
  });
});

describe("the pool", () => {
  it("keeps small products on the calling thread and splits large ones, batch-1 products included; asleep, only the larger", async () => {
    const nn = await init({ threads: 2 });
    const pool = nn.rt.pool!;
    expect(pool.minMacsPerThread).toBe(MIN_MACS_PER_THREAD);
    const gemm = (m: number, n: number, k: number) => runGemm(nn, { m, n, k, tA: false, tB: false, alpha: 1, beta: 0, pad: 0 }, 1);
    pool.sleepAware = false; // the thresholds of spinning workers
    let runs = pool.runs;
    gemm(1, 64, 512);
    gemm(8, 16, 16);
    expect(pool.runs).toBe(runs);
    gemm(64, 256, 256);
    gemm(1, 512, 784);
    expect(pool.runs).toBe(runs + 2);
    // workers asleep (past their 0.2 ms spin): a share must be ASLEEP_FACTOR.gemm times larger to be worth waking one
    pool.sleepAware = true;
    await new Promise((r) => setTimeout(r, 5));
    runs = pool.runs;
    gemm(1, 512, 784); // 2 × 200k multiply-adds: a batch-1 layer stays here
    expect(pool.runs).toBe(runs);
    gemm(128, 256, 256); // 2 × 4.2M
    expect(pool.runs).toBe(runs + 1);
    nn.dispose();
  });

  it("nn.threads: 1 by default and for threads: 1 (the default build), n for n, 'auto' the host's cores up to 8", async () => {
    for (const options of [{}, { threads: 1 }]) {
      const nn = await init(options);
      expect([nn.threads, nn.threadsReason, nn.rt.pool]).toEqual([1, undefined, null]);
      expect(nn.rt.k.memory.buffer).toBeInstanceOf(ArrayBuffer);
    }
    const three = await init({ backend: "simd", threads: 3 });
    expect(three.threads).toBe(3);
    three.dispose();
    const { availableParallelism } = await import("node:os");
    const auto = await init({ threads: "auto" });
    expect(auto.threads).toBe(Math.min(availableParallelism(), MAX_AUTO_THREADS));
    auto.dispose();
  });

  it.each([0, -1, "many", 1.5, NaN, Infinity, 65, null, true])("refuses threads: %s naming the value and what is accepted", async (bad) => {
    const err = await init({ threads: bad as never }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValueError);
    expect((err as Error).message).toMatch(/threads must be a whole number from 1 to 64, or 'auto'; received /);
    expect((err as Error).message).toContain(typeof bad === "string" ? `"${bad}"` : String(bad));
  });

  it("falls back to one thread, with the reason, where SharedArrayBuffer is missing or the page is not cross-origin isolated", async () => {
    const g = globalThis as { SharedArrayBuffer?: unknown; crossOriginIsolated?: boolean };
    const sab = g.SharedArrayBuffer;
    try {
      g.SharedArrayBuffer = undefined;
      const nn = await init({ threads: 2 });
      expect(nn.threads).toBe(1);
      expect(nn.threadsReason).toMatch(/no SharedArrayBuffer/);
      const t = nn.matmul(nn.ones([4, 4]), nn.ones([4, 4]));
      expect(t.data[0]).toBe(4);
    } finally {
      g.SharedArrayBuffer = sab;
    }
    try {
      g.crossOriginIsolated = false;
      const nn = await init({ threads: "auto" });
      expect(nn.threads).toBe(1);
      expect(nn.threadsReason).toMatch(/not cross-origin isolated/);
    } finally {
      delete g.crossOriginIsolated;
    }
  });

  it("init({ module }) runs a threads build it is handed; a default build handed in runs on one thread and says why", async () => {
    const root = new URL("../src/wasm/", import.meta.url);
    const { readFileSync } = await import("node:fs");
    const mod = new WebAssembly.Module(readFileSync(new URL("simd-threads.wasm", root)));
    const nn = await init({ module: mod, threads: 2 });
    expect([nn.backend, nn.threads]).toEqual(["simd", 2]);
    nn.dispose();
    const single = await init({ module: mod });
    expect(single.threads).toBe(1);
    expect(single.matmul(single.ones([2, 3]), single.ones([3, 2])).toArray()).toEqual([[3, 3], [3, 3]]);
    const plain = await init({ module: readFileSync(new URL("simd.wasm", root)), threads: 2 });
    expect(plain.threads).toBe(1);
    expect(plain.threadsReason).toMatch(/not a threads build/);
  });

  it("a kernel that fails on a worker throws a ThreadError naming it, and the pool keeps working", async () => {
    const nn = await init({ threads: 2 });
    const pool = nn.rt.pool!;
    let ownRan = false;
    expect(() => pool.run([{ kernel: "mem_fill", args: [0xfffffff0, 1, 100] }], () => (ownRan = true))).toThrow(ThreadError);
    expect(ownRan).toBe(true);
    try {
      pool.run([{ kernel: "mem_fill", args: [0xfffffff0, 1, 100] }], () => {});
    } catch (e) {
      expect((e as Error).message).toMatch(/worker 1(?: failed in|'s share of) mem_fill.*RuntimeError: memory access out of bounds/);
    }
    expect(nn.threads).toBe(2);
    const one = await instance(nn.backend);
    const c = { m: 64, n: 256, k: 256, tA: false, tB: false, alpha: 1, beta: 0, pad: 0 };
    const runs = pool.runs;
    expect(firstDiff(runGemm(nn, c, 5), runGemm(one, c, 5))).toBeNull();
    expect(pool.runs).toBe(runs + 1);
    nn.dispose();
  });

  it("a share whose worker is still asleep runs on the calling thread, with the same bits; with takeBack off the worker runs it", async () => {
    const nn = await init({ threads: 2 });
    const pool = nn.rt.pool!, one = await instance(nn.backend);
    pool.sleepAware = false; // split even while the worker sleeps: the case take-back is for
    const c = { m: 1, n: 512, k: 784, tA: false, tB: false, alpha: 1, beta: 0, pad: 0 };
    const want = runGemm(one, c, 9);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    let taken = 0;
    for (let i = 0; i < 20 && taken === 0; i++) {
      await sleep(3); // past the worker's 0.2 ms spin: it sleeps in Atomics.wait
      const before = pool.takenBack;
      expect(firstDiff(runGemm(nn, c, 9), want)).toBeNull();
      taken += pool.takenBack - before;
    }
    expect(taken).toBeGreaterThan(0);
    pool.takeBack = false;
    const before = pool.takenBack;
    for (let i = 0; i < 5; i++) {
      await sleep(3);
      expect(firstDiff(runGemm(nn, c, 9), want)).toBeNull();
    }
    expect(pool.takenBack).toBe(before);
    nn.dispose();
  });

  it("nn.dispose() ends the workers and frees the pool's memory; the instance goes on on one thread", async () => {
    const nn = await init({ threads: 2 });
    const before = nn.memory().bytesInUse;
    runGemm(nn, { m: 64, n: 256, k: 256, tA: false, tB: false, alpha: 1, beta: 0, pad: 0 }, 1); // allocates the workspaces
    const workers = nn.rt.pool!.workers as unknown as { once(ev: string, f: (code: number) => void): void }[];
    const exited = Promise.all(workers.map((w) => new Promise((r) => w.once("exit", r))));
    nn.dispose();
    await exited;
    expect(nn.threads).toBe(1);
    expect(nn.threadsReason).toMatch(/nn.dispose\(\) ended the worker threads/);
    expect(nn.memory().bytesInUse).toBeLessThan(before);
    expect(nn.matmul(nn.ones([2, 3]), nn.ones([3, 2])).toArray()).toEqual([[3, 3], [3, 3]]);
  });

  it("memory stays flat across repeated threaded products", async () => {
    const nn = await init({ threads: 2 });
    const c = { m: 64, n: 256, k: 256, tA: true, tB: false, alpha: 1, beta: 0, pad: 0 };
    runGemm(nn, c, 1);
    const after = nn.memory();
    for (let i = 0; i < 5; i++) runGemm(nn, c, i);
    expect(nn.memory()).toEqual(after);
    nn.dispose();
  });

  it("a script that never calls dispose() exits by itself (the workers are unref'd)", () => {
    const dist = new URL("../dist/index.js", import.meta.url).href;
    const script = `import { init } from ${JSON.stringify(dist)};
      const nn = await init({ threads: 2 });
      const a = nn.ones([256, 256]);
      console.log(nn.threads, nn.matmul(a, a).data[0]);`;
    const t0 = Date.now();
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", timeout: 30_000, cwd: fileURLToPath(new URL("..", import.meta.url)) });
    expect(out.trim()).toBe("2 256");
    expect(Date.now() - t0).toBeLessThan(15_000);
  });
});
