// Fused dense forward Y = act(X·W + bias) (packed and raw W, GEMM and GEMV paths) against float64
// references of each epilogue activation; packed weights repack and dispose.
import { describe, expect, it } from "vitest";
import { DENSE_ACTIVATIONS, type DenseActivation, denseEpilogue, denseForwardRaw, gemmRaw, gemmReference, packWeights } from "../src/gemm.js";
import { ValueError } from "../src/errors.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { normalCdf } from "./helpers/reference.js";

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const GK = Math.sqrt(2 / Math.PI);
/** Float64 references; leakyRelu uses slope 0.2 below, gelu both forms. */
const REF: Record<string, (x: number) => number> = {
  linear: (x) => x,
  relu: (x) => Math.max(x, 0),
  leakyRelu: (x) => (x > 0 ? x : 0.2 * x),
  sigmoid: sig,
  tanh: Math.tanh,
  gelu: (x) => x * normalCdf(x),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(GK * (x + 0.044715 * x ** 3))),
  silu: (x) => x * sig(x),
  swish: (x) => x * sig(x),
};
const EPILOGUES = [...(Object.keys(DENSE_ACTIVATIONS) as DenseActivation[]).map((a) => [a, a] as const), ["geluTanh", "gelu"] as const];

describe.each(BUILDS)("dense forward on %s", (build) => {
  it.each(EPILOGUES)("%s epilogue: packed and raw W, M = 1 (GEMV) and M > 1, with and without bias", async (refName, act) => {
    const nn = await instance(build);
    const ep = denseEpilogue(act, { alpha: 0.2, approximate: refName === "geluTanh" ? "tanh" : "none" });
    const f = REF[refName];
    for (const [m, n, k] of [[1, 37, 50], [1, 64, 784], [3, 9, 17], [33, 70, 300]] as const) {
      const x = uniform(m * k, -1, 1, 7), w = uniform(k * n, -0.3, 0.3, 8), bias = uniform(n, -1, 1, 9);
      const lin = gemmReference(null, x, w, m, n, k, { lda: k, ldb: n, ldc: n });
      const abs = gemmReference(null, x.map(Math.abs), w.map(Math.abs), m, n, k, { lda: k, ldb: n, ldc: n });
      const X = nn.tensor(x), W = nn.tensor(w), B = nn.tensor(bias), Y = nn.fill([m * n], NaN);
      const packed = packWeights(nn.rt, W.ptr, k, n);
      for (const useBias of [false, true]) {
        const e = lin.map((v, i) => f(v + (useBias ? bias[i % n] : 0)));
        // activations' own bound (a few ulp) on top of the GEMM's, propagated through slope ≤ 1.2
        let worst = 0;
        for (const v of abs) worst = Math.max(worst, v);
        const atol = 1.2 * (k + 4) * 2 ** -24 * (worst + 1) + 1e-6;
        for (const wArg of [packed, W.ptr]) {
          Y.data.fill(NaN);
          denseForwardRaw(nn.rt, Y.ptr, X.ptr, wArg, useBias ? B.ptr : 0, m, n, k, ep);
          expect(Y.data, `${m}×${n}×${k} bias ${useBias} ${typeof wArg === "number" ? "raw" : "packed"}`).toBeCloseArray(e, { atol, rtol: 4e-6 });
        }
      }
      packed.dispose();
      nn.dispose(X, W, B, Y);
    }
  });

  // A dense layer answers its first request from the raw kernel and packs it once it serves again
  // (layers_core.ts): both paths must give the same bits, or a model's first and second answers would differ.
  it("raw and packed W give the same bits: GEMV (every k and n tail) and GEMM", async () => {
    const nn = await instance(build);
    const exactCols = (n: number) => (build === "relaxed-simd" ? n & ~3 : n); // no scalar FMA for the tail lanes
    let compared = 0;
    for (const m of [1, 2, 5, 33]) for (const k of m === 1 ? [0, 1, 2, 3, 4, 5, 7, 8, 9, 17, 784] : [1, 5, 300]) for (const n of [1, 3, 4, 15, 16, 17, 33, 512]) {
      const X = nn.tensor(uniform(m * k || 1, -1, 1, k + n)), W = nn.tensor(uniform(k * n || 1, -3, 3, k * n)), B = nn.tensor(uniform(n, -1, 1, n));
      const Y1 = nn.zeros([m * n]), Y2 = nn.zeros([m * n]);
      const p = packWeights(nn.rt, W.ptr, k, n);
      for (const bias of [0, B.ptr]) {
        denseForwardRaw(nn.rt, Y1.ptr, X.ptr, W.ptr, bias, m, n, k);
        denseForwardRaw(nn.rt, Y2.ptr, X.ptr, p, bias, m, n, k);
        for (let r = 0; r < m; r++) for (let j = 0; j < (m === 1 ? exactCols(n) : n); j++, compared++) {
          if (!Object.is(Y1.data[r * n + j], Y2.data[r * n + j])) expect.fail(`${m}×${n}×${k} bias ${bias !== 0}: [${r}, ${j}] raw ${Y1.data[r * n + j]} packed ${Y2.data[r * n + j]}`);
        }
      }
      p.dispose();
      nn.dispose(X, W, B, Y1, Y2);
    }
    expect(compared).toBeGreaterThan(5000);
  });

  it("repack after W changes; dispose frees the buffer; GEMV with transposed x stride", async () => {
    const nn = await instance(build);
    const [k, n] = [40, 19];
    const W = nn.tensor(uniform(k * n, -1, 1, 3)), X = nn.tensor(uniform(k, -1, 1, 4)), Y = nn.zeros([n]), Z = nn.zeros([n]);
    const before = nn.memory().bytesInUse;
    const p = packWeights(nn.rt, W.ptr, k, n);
    W.data.set(uniform(k * n, -1, 1, 5));
    p.repack(W.ptr);
    denseForwardRaw(nn.rt, Y.ptr, X.ptr, p, 0, 1, n, k, denseEpilogue("linear"));
    expect(Y.data).toBeCloseArray(gemmReference(null, X.data, W.data, 1, n, k, { lda: k, ldb: n, ldc: n }), { atol: 1e-5, rtol: 1e-5 });
    p.dispose();
    p.dispose();
    expect(nn.memory().bytesInUse).toBe(before);
    // x as a column of a K×1 matrix stored transposed (stride lda = 3): the GEMV reads every third float
    const Xs = nn.tensor(uniform(3 * k, -1, 1, 6));
    gemmRaw(nn.rt, Z.ptr, Xs.ptr, W.ptr, 1, n, k, { transA: true, transB: false, alpha: 1, beta: 0, lda: 3, ldb: n, ldc: n });
    expect(Z.data).toBeCloseArray(gemmReference(null, Xs.data, W.data, 1, n, k, { transA: true, lda: 3, ldb: n, ldc: n }), { atol: 1e-5, rtol: 1e-5 });
    nn.dispose(W, X, Y, Z, Xs);
  });

  it("denseEpilogue validates names and parameters", () => {
    expect(() => denseEpilogue("softmax" as DenseActivation)).toThrow(ValueError);
    expect(() => denseEpilogue("softmax" as DenseActivation)).toThrow(/linear, relu, leakyRelu/);
    expect(() => denseEpilogue("leakyRelu", { alpha: NaN })).toThrow(/alpha/);
    expect(denseEpilogue("leakyRelu").alpha).toBe(0.01);
    expect(denseEpilogue("gelu", { approximate: "tanh" }).code).not.toBe(denseEpilogue("gelu").code);
  });
});
