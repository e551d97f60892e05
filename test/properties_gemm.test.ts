// Property test of nn.matmul and nn.gemm: random M, N, K in 0…200 (the tile and blocking tails of
// test/gemm.test.ts drawn often), all four transposes, random alpha and beta (0 and 1 included), values in
// [-1, 1] (C in [-2, 2]), NaN-free except C's old contents when beta is 0, which must be ignored. Each build
// against the float64 triple loop (gemmReference) within test/gemm.test.ts' tolerances — the bound of
// assembly/gemm.ts, (K + 2)·2^-24·max Σ|a·b|, and with alpha/beta |alpha|·bound + 1e-6 absolute and 1e-6
// relative — the builds within twice that of each other, inputs untouched and memory back where it was.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { gemmReference } from "../src/gemm.js";
import type { BackendName } from "../src/index.js";
import { runs } from "./helpers/arbitraries.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";

const RUNS = 100;
const TAILS = [0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 127, 128, 129, 200];
const dim = fc.oneof(fc.constantFrom(...TAILS), fc.integer({ min: 0, max: 200 }));
const scale = fc.oneof(fc.constantFrom(0, 1, -1), fc.float({ min: -3, max: 3, noNaN: true }));

const caseArb = fc.record({
  m: dim, n: dim, k: dim,
  transposeA: fc.boolean(), transposeB: fc.boolean(),
  api: fc.constantFrom("matmul", "gemm"),
  alpha: scale, beta: scale,
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
});
type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** assembly/gemm.ts' bound from the reference's per-element Σ|a·b| (test/gemm.test.ts' `bound`). */
function bound(absSum: Float64Array, k: number): number {
  let worst = 0;
  for (const v of absSum) worst = Math.max(worst, v);
  return (k + 2) * 2 ** -24 * worst + 1e-30;
}

function expected(c: Case) {
  const { m, n, k, transposeA: transA, transposeB: transB } = c;
  const a = uniform(m * k, -1, 1, c.seed), b = uniform(k * n, -1, 1, c.seed + 1), c0 = uniform(m * n, -2, 2, c.seed + 2);
  const alpha = c.api === "matmul" ? 1 : c.alpha, beta = c.api === "matmul" ? 0 : c.beta;
  // stored shapes: a is [K, M] when transposed, b is [N, K]
  const o = { transA, transB, lda: transA ? m : k, ldb: transB ? k : n, ldc: n };
  const ref = gemmReference(c0, a, b, m, n, k, { ...o, alpha, beta });
  const abs = gemmReference(null, a.map(Math.abs), b.map(Math.abs), m, n, k, o);
  const tol = alpha === 1 && beta === 0 ? { atol: bound(abs, k), rtol: 0 } : { atol: Math.abs(alpha) * bound(abs, k) + 1e-6, rtol: 1e-6 };
  return { a, b, c0, alpha, beta, ref, tol, aShape: transA ? [k, m] : [m, k], bShape: transB ? [n, k] : [k, n] };
}

describe("matmul and gemm on random shapes: every build vs float64 and vs each other", async () => {
  const all = await instances();
  // the packing workspace is allocated on first use and kept: allocate it before memory is compared
  for (const b of BUILDS) {
    const z = all[b].zeros([1, 1]);
    all[b].dispose(z, all[b].matmul(z, z));
  }

  it("C = alpha·op(A)·op(B) + beta·C within the bound; a and b untouched; nothing leaks", () => {
    fc.assert(fc.property(caseArb, (c) => {
      const e = expected(c);
      const got: Partial<Record<BackendName, Float32Array>> = {};
      for (const build of BUILDS) {
        const nn = all[build];
        const before = nn.memory();
        const A = nn.tensor(e.a, e.aShape), B = nn.tensor(e.b, e.bShape);
        let C;
        if (c.api === "matmul") C = nn.matmul(A, B, { transposeA: c.transposeA, transposeB: c.transposeB });
        else {
          // beta 0 ignores C's contents, NaN included (BLAS)
          C = e.beta === 0 ? nn.fill([c.m, c.n], NaN) : nn.tensor(e.c0, [c.m, c.n]);
          expect(nn.gemm(C, A, B, { alpha: e.alpha, beta: e.beta, transposeA: c.transposeA, transposeB: c.transposeB })).toBe(C);
        }
        expect(C.shape).toEqual([c.m, c.n]);
        expect(C.data, `${build} vs float64`).toBeCloseArray(e.ref, e.tol);
        expect(Array.from(A.data), `${build}: a changed`).toEqual(Array.from(e.a));
        expect(Array.from(B.data), `${build}: b changed`).toEqual(Array.from(e.b));
        got[build] = C.data.slice();
        nn.dispose(A, B, C);
        const after = nn.memory();
        expect([after.bytesInUse, after.allocations], `${build}: memory in use`).toEqual([before.bytesInUse, before.allocations]);
      }
      const agree = { atol: 2 * e.tol.atol, rtol: 2 * e.tol.rtol };
      expect(got.simd, "simd vs scalar").toBeCloseArray(got.scalar!, agree);
      expect(got["relaxed-simd"], "relaxed-simd vs scalar").toBeCloseArray(got.scalar!, agree);
    }), runs("gemm", RUNS));
  });
});
