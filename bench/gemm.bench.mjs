// GEMM: square products, the dense-layer backprop shapes with each transpose, and batch-1 GEMV.
// Each result is validated on 256 sampled elements against float64 dot products before timing.
import { denseEpilogue, denseForwardRaw, packWeights } from "../dist/index.js";
import { assertClose, suite } from "./harness.mjs";

function rand(n, seed) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}

/** Sampled check: C[i,j] against the float64 dot of row i of op(A) and column j of op(B). */
function sampledCheck(c, a, b, m, n, k, tA, tB, what) {
  const got = [], want = [];
  for (let s = 0; s < 256; s++) {
    const i = (s * 7919) % m, j = (s * 104729) % n;
    let e = 0;
    for (let p = 0; p < k; p++) e += a[tA ? p * m + i : i * k + p] * b[tB ? j * k + p : p * n + j];
    got.push(c[i * n + j]); want.push(e);
  }
  assertClose(got, want, 1e-4 * Math.sqrt(k), 1e-4, what);
}

/** The plain-JS baseline: i-p-j loop order over Float32Arrays (the fast naive order). */
function jsMatmul(a, b, c, m, n, k) {
  c.fill(0);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
    const v = a[i * k + p], row = p * n, out = i * n;
    for (let j = 0; j < n; j++) c[out + j] += v * b[row + j];
  }
}

function gemmCase(m, n, k, { tA = false, tB = false, js = false } = {}) {
  const a = rand(m * k, 1), b = rand(k * n, 2);
  const label = `${m}×${k}×${n}${tA ? " Aᵀ·B" : tB ? " A·Bᵀ" : ""}`;
  return {
    name: `matmul ${label}`,
    flops: 2 * m * n * k,
    js: js && !tA && !tB ? () => {
      const c = new Float32Array(m * n);
      jsMatmul(a, b, c, m, n, k); // the harness checks js results before timing them
      return { run: () => jsMatmul(a, b, c, m, n, k), check: () => sampledCheck(c, a, b, m, n, k, false, false, "js") };
    } : undefined,
    setup(nn) {
      const A = nn.tensor(a, tA ? [k, m] : [m, k]), B = nn.tensor(b, tB ? [n, k] : [k, n]), C = nn.zeros([m, n]);
      return {
        run: () => nn.gemm(C, A, B, { transposeA: tA, transposeB: tB }),
        check: () => sampledCheck(C.data, a, b, m, n, k, tA, tB, label),
        teardown: () => nn.dispose(A, B, C),
      };
    },
  };
}

function gemvCase(k, n) {
  const x = rand(k, 3), w = rand(k * n, 4);
  return {
    name: `dense GEMV 1×${k}×${n} (packed W)`,
    flops: 2 * n * k,
    js: () => {
      const y = new Float32Array(n);
      jsMatmul(x, w, y, 1, n, k);
      return { run: () => jsMatmul(x, w, y, 1, n, k), check: () => sampledCheck(y, x, w, 1, n, k, false, false, "js") };
    },
    setup(nn) {
      const X = nn.tensor(x), W = nn.tensor(w), Y = nn.zeros([n]);
      const p = packWeights(nn.rt, W.ptr, k, n), linear = denseEpilogue("linear");
      return {
        run: () => denseForwardRaw(nn.rt, Y.ptr, X.ptr, p, 0, 1, n, k, linear),
        check: () => sampledCheck(Y.data, x, w, 1, n, k, false, false, "gemv"),
        teardown: () => { p.dispose(); nn.dispose(X, W, Y); },
      };
    },
  };
}

await suite("GEMM (GFLOP/s)", [
  gemmCase(512, 512, 512, { js: true }),
  gemmCase(128, 512, 784, { js: true }),
  gemmCase(128, 512, 784, { tA: true }),
  gemmCase(128, 512, 784, { tB: true }),
  gemmCase(1, 512, 784, {}),
  gemvCase(784, 512),
], { maxTime: 0.4, minSamples: 8 });

await suite("GEMM 1024³ (GFLOP/s)", [gemmCase(1024, 1024, 1024)], { maxTime: 0.3, minSamples: 5 });
