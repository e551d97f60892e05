// GEMM against the float64 naive triple loop: every size around the tile (4×8) and the blocking
// (MC 128, KC 256 balanced, NC 512), four transpose combinations, alpha/beta, leading dimensions,
// aliasing and shape errors, scalar vs SIMD. Error bound (assembly/gemm.ts): |c − exact| ≤
// (K + 2)·2^-24·Σ_p|a_ip·b_pj| + 2^-24·|beta·c|, checked with the per-element Σ|a·b| from the reference.
import { describe, expect, it } from "vitest";
import { gemmRaw, gemmReference } from "../src/gemm.js";
import type { NN } from "../src/nn.js";
import { ShapeError, ValueError } from "../src/errors.js";
import { BUILDS, instance, instances } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { watText } from "./helpers/wat.js";

const AXIS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 15, 16, 17, 31, 33, 64, 65, 119, 120, 121, 127, 129];
// Full cross product on the sizes that straddle the tile (4×8 scalar, 5×8 SIMD); every size on each axis
// (5-row tails 6, 10, 11; MC = 120) with the other two fixed.
const CROSS = [1, 3, 4, 5, 8, 9, 17];
const CASES: [number, number, number][] = [];
for (const m of CROSS) for (const n of CROSS) for (const k of CROSS) CASES.push([m, n, k]);
for (const s of AXIS) CASES.push([s, 33, 65], [65, s, 33], [33, 65, s]);
// Blocking edges: K above one KC block (balanced split), M above MC, N above NC.
CASES.push([9, 17, 300], [5, 9, 600], [130, 12, 40], [6, 520, 20], [129, 65, 257], [241, 9, 33], [11, 520, 300]);
const TRANSPOSES = [[false, false], [true, false], [false, true], [true, true]] as const;

/** The bound of assembly/gemm.ts from the reference's Σ|a·b| per element. */
function bound(absSum: Float64Array, k: number): number {
  let worst = 0;
  for (const v of absSum) worst = Math.max(worst, v);
  return (k + 2) * 2 ** -24 * worst + 1e-30;
}

/** Stores op(X) as the kernel expects: rows×cols logical, stored transposed when t, with leading dim ld ≥ width. */
function layout(rows: number, cols: number, t: boolean, seed: number, pad = 0) {
  const sr = t ? cols : rows, sc = t ? rows : cols, ld = sc + pad;
  const data = uniform(sr * ld, -1, 1, seed);
  return { data, ld, sr };
}

function reference(m: number, n: number, k: number, tA: boolean, tB: boolean, pad = 0) {
  const A = layout(m, k, tA, 11 + m + k, pad), B = layout(k, n, tB, 29 + n + k, pad);
  const o = { transA: tA, transB: tB, lda: A.ld, ldb: B.ld, ldc: n };
  const expected = gemmReference(null, A.data, B.data, m, n, k, o);
  const absSum = gemmReference(null, A.data.map(Math.abs), B.data.map(Math.abs), m, n, k, o);
  return { A, B, expected, tol: bound(absSum, k) };
}

/** Runs the kernel through the pointer-level API into a C full of NaN (beta 0 must ignore it). */
function run(nn: NN, m: number, n: number, k: number, tA: boolean, tB: boolean, r: ReturnType<typeof reference>, ldcPad = 0): Float32Array {
  const a = nn.tensor(r.A.data), b = nn.tensor(r.B.data), ldc = n + ldcPad;
  const c = nn.fill([Math.max(m * ldc, 1)], NaN);
  gemmRaw(nn.rt, c.ptr, a.ptr, b.ptr, m, n, k, { transA: tA, transB: tB, alpha: 1, beta: 0, lda: r.A.ld, ldb: r.B.ld, ldc });
  const out = new Float32Array(m * n);
  for (let i = 0; i < m; i++) out.set(c.data.subarray(i * ldc, i * ldc + n), i * n);
  if (ldcPad > 0) for (let i = 0; i < m; i++) for (let j = n; j < ldc; j++) expect(c.data[i * ldc + j]).toBeNaN(); // padding untouched
  nn.dispose(a, b, c);
  return out;
}

describe.each(BUILDS)("gemm on %s", (build) => {
  it.each(TRANSPOSES)(`every size combination, transposeA %s, transposeB %s (${CASES.length} shapes)`, async (tA, tB) => {
    const nn = await instance(build);
    for (const [m, n, k] of CASES) {
      const r = reference(m, n, k, tA, tB);
      expect(run(nn, m, n, k, tA, tB, r), `${m}×${n}×${k}`).toBeCloseArray(r.expected, { atol: r.tol, rtol: 0 });
    }
  });

  it.each(TRANSPOSES)("leading dimensions wider than the rows (A, B, C padded), transposeA %s, transposeB %s", async (tA, tB) => {
    const nn = await instance(build);
    for (const [m, n, k] of [[5, 9, 7], [33, 17, 65], [1, 40, 33], [17, 33, 300]] as const) {
      const r = reference(m, n, k, tA, tB, 3);
      expect(run(nn, m, n, k, tA, tB, r, 5), `${m}×${n}×${k}`).toBeCloseArray(r.expected, { atol: r.tol, rtol: 0 });
    }
  });

  it("alpha and beta: C = alpha·AB + beta·C; beta 0 ignores NaN in C; alpha 0 leaves beta·C", async () => {
    const nn = await instance(build);
    for (const [m, n, k] of [[7, 9, 5], [33, 65, 17], [1, 33, 40], [17, 9, 300]] as const) {
      const a = uniform(m * k, -1, 1, 3), b = uniform(k * n, -1, 1, 4), c0 = uniform(m * n, -2, 2, 5);
      for (const [alpha, beta] of [[1, 1], [-2, 0.5], [0.25, -3], [0, 2], [1.5, 0]]) {
        const A = nn.tensor(a, [m, k]), B = nn.tensor(b, [k, n]), C = nn.tensor(c0, [m, n]);
        const e = gemmReference(c0, a, b, m, n, k, { alpha, beta, lda: k, ldb: n, ldc: n });
        const abs = gemmReference(null, a.map(Math.abs), b.map(Math.abs), m, n, k, { lda: k, ldb: n, ldc: n });
        nn.gemm(C, A, B, { alpha, beta });
        expect(C.data, `alpha ${alpha} beta ${beta}`).toBeCloseArray(e, { atol: Math.abs(alpha) * bound(abs, k) + 1e-6, rtol: 1e-6 });
        if (beta === 0) {
          C.data.fill(NaN);
          nn.gemm(C, A, B, { alpha, beta });
          expect(C.data.every((v) => !Number.isNaN(v)), "NaN garbage propagated with beta 0").toBe(true);
        }
        nn.dispose(A, B, C);
      }
    }
  });

  it("matmul returns a new [M, N] tensor for each transpose option; K = 0 gives zeros", async () => {
    const nn = await instance(build);
    const a = nn.tensor([[1, 2, 3], [4, 5, 6]]), b = nn.tensor([[1, 0], [0, 1], [1, 1]]);
    expect(nn.matmul(a, b).toArray()).toEqual([[4, 5], [10, 11]]);
    expect(nn.matmul(a, a, { transposeB: true }).toArray()).toEqual([[14, 32], [32, 77]]);
    expect(nn.matmul(a, a, { transposeA: true }).toArray()).toEqual([[17, 22, 27], [22, 29, 36], [27, 36, 45]]);
    expect(nn.matmul(b, a, { transposeA: true, transposeB: true }).toArray()).toEqual([[4, 10], [5, 11]]);
    const empty = nn.matmul(nn.zeros([2, 0]), nn.zeros([0, 3]));
    expect(empty.shape).toEqual([2, 3]);
    expect([...empty.data]).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it("shape errors name both shapes; aliasing C with A or B is refused; failures allocate nothing", async () => {
    const nn = await instance(build);
    const a = nn.zeros([2, 3]), b = nn.zeros([4, 5]), sq = nn.zeros([3, 3]), c = nn.zeros([2, 5]), v = nn.zeros([3]);
    const before = nn.memory();
    expect(() => nn.matmul(a, b)).toThrow(ShapeError);
    expect(() => nn.matmul(a, b)).toThrow(/\[2,3\].*\[4,5\]/);
    expect(() => nn.matmul(a, b, { transposeA: true })).toThrow(/\[2,3\] \(transposed\)/);
    expect(() => nn.matmul(a, v)).toThrow(/2-D/);
    expect(() => nn.gemm(c, a, sq)).toThrow(/c \[2,5\] must be \[2,3\]/);
    expect(() => nn.gemm(sq, sq, sq)).toThrow(ValueError);
    expect(() => nn.gemm(sq, sq, sq)).toThrow(/must not alias a/);
    expect(() => nn.gemm(c, a, b, { transposeA: "yes" as unknown as boolean })).toThrow(/transposeA must be a boolean/);
    expect(() => nn.gemm(c, a, b, { alpha: NaN })).toThrow(/alpha/);
    expect(nn.memory()).toEqual(before);
  });

  it("memory is flat after warm-up (the packing workspace is allocated once)", async () => {
    const nn = await instance(build);
    const a = nn.randomUniform([40, 300], { seed: 1 }), b = nn.randomUniform([300, 70], { seed: 2 });
    nn.matmul(a, b).dispose();
    const before = nn.memory();
    for (let i = 0; i < 5; i++) nn.matmul(a, b, { transposeB: false }).dispose();
    expect(nn.memory()).toEqual(before);
  });
});

describe("scalar and SIMD builds agree within the bound", () => {
  it.each(TRANSPOSES)("transposeA %s, transposeB %s", async (tA, tB) => {
    const all = await instances();
    for (const [m, n, k] of [[33, 65, 17], [17, 9, 300], [65, 33, 129], [1, 129, 65]] as const) {
      const r = reference(m, n, k, tA, tB);
      const s = run(all.scalar, m, n, k, tA, tB, r);
      expect(run(all.simd, m, n, k, tA, tB, r), `simd ${m}×${n}×${k}`).toBeCloseArray(s, { atol: 2 * r.tol, rtol: 0 });
      expect(run(all["relaxed-simd"], m, n, k, tA, tB, r), `relaxed ${m}×${n}×${k}`).toBeCloseArray(s, { atol: 2 * r.tol, rtol: 0 });
    }
  });
});

describe("compiled text: the GEMM's inner loops are vector code", () => {
  /** Body of an internal function in a build's text. */
  const body = (wat: string, name: string) => {
    const start = wat.indexOf(`(func $assembly/${name} `);
    return start < 0 ? "" : wat.slice(start, wat.indexOf("\n (func ", start + 1));
  };
  // (The scalar build has no v128 at all: test/build.test.ts. Binaryen inlines differently there.)
  it.each(["gemm_kernel/tile", "gemm_pack/packA", "gemm_pack/packB", "gemv/gemvRows", "gemv/gemvRowsExact", "gemv/gemvPacked"])("%s", (fn) => {
    expect(body(watText("simd"), fn)).toMatch(/f32x4\.|v128\.load/);
    expect(body(watText("relaxed-simd"), fn)).toMatch(/f32x4\.|v128\.load/);
    if (!fn.startsWith("gemm_pack")) {
      expect(body(watText("relaxed-simd"), fn)).toMatch(/f32x4\.relaxed_madd/);
      expect(body(watText("simd"), fn)).not.toMatch(/relaxed/);
    }
  });
});
