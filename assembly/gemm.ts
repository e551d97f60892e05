// GEMM: C[M×N] = act(alpha·op(A)·op(B) + beta·C + bias), row-major with leading dimensions.
// Goto/BLIS loop nest: jc over N (NC columns) → pc over K (KC) packs B → ic over M (MC) packs A →
// jr over 8-column B panels → ir over 4-row A panels → microkernel (gemm_kernel.ts). Sizes: a B
// micro-panel (KC·8·4 = 8 KB) stays in L1 while all MC/4 A panels stream past it from L2 (A block
// MC·KC·4 = 128 KB), and the packed B block (KC·NC·4 = 512 KB) sits in L2/L3.
// The epilogue (bias on the first K block, activation after the last) runs on each MC×NC block of C
// while it is still in cache. M = 1 (batch-1 inference) skips packing: a GEMV over the rows of B.
// Error: each C element is a float32 sum of K products in k order within a K block, blocks added in
// order, so |C − C_exact| ≤ ~K·2^-24·Σ|a·b| (+ one rounding per alpha/beta term); relaxed FMA only
// shrinks it. Pointers need 4-byte alignment only. C must not alias A or B.
import { Gelu, GeluTanh, LeakyRelu, Relu, Sigmoid, Silu, Tanh } from "./activations_ops";
import { packA, packB } from "./gemm_pack";
import { MR, NR, tile } from "./gemm_kernel";
import { gemvPacked, gemvRows, gemvRowsExact, gemvStore } from "./gemv";

// @ts-ignore: decorator
@inline const KC: i32 = 256;
// @ts-ignore: decorator
@inline const MC: i32 = 120; // a multiple of every build's MR (4, 5, 6): packA fills whole panels
// @ts-ignore: decorator
@inline const NC: i32 = 512;

/** Floats of workspace gemm_gemm needs (packed B block, packed A block, a 4×8 scratch tile). */
export function gemm_workspace_floats(): i32 {
  return KC * NC + MC * KC + MR * NR;
}

/** Rows of the microkernel's tile in this build (6 relaxed, 5 SIMD, 4 scalar): a thread's share of rows is a multiple of it. */
export function gemm_tile_rows(): i32 {
  return MR;
}

/** Floats a packed K×N weight matrix occupies: ceil(N/8) panels of K×8. */
export function gemm_packed_floats(k: i32, n: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k;
}

/**
 * Packs W[K×N] (row-major, leading dimension ldw) once into 8-column panels of K×8 floats, for
 * gemm_gemm with flags & 4 (weights reused across calls: inference, or a layer between optimizer
 * steps). out holds gemm_packed_floats(k, n) floats and must not alias w.
 */
export function gemm_pack_weights(out: usize, w: usize, k: i32, n: i32, ldw: i32): void {
  packB(out, k * NR, w, false, ldw, 0, 0, k, n);
}

/**
 * C = act(alpha·op(A)·op(B) + beta·C + bias). flags: 1 = A transposed (A stored K×M), 2 = B
 * transposed (B stored N×K), 4 = b is packed weights from gemm_pack_weights (ldb and bit 2 ignored).
 * bias: 0 or N floats added to every row. act: 0 linear, 1 relu, 2 leakyRelu (slope actA), 3 sigmoid,
 * 4 tanh, 5 gelu (erf), 6 gelu (tanh form), 7 silu. beta = 0 never reads C. work: gemm_workspace_floats()
 * floats, 16-byte aligned, reused across calls. C must not alias A, B or work; A, B are not written.
 */
export function gemm_gemm(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, flags: i32, alpha: f32, beta: f32,
  lda: i32, ldb: i32, ldc: i32, bias: usize, act: i32, actA: f32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  const transA = (flags & 1) != 0, transB = (flags & 2) != 0, packed = (flags & 4) != 0;
  const scratch = work + (<usize>(KC * NC + MC * KC) << 2);
  if (k <= 0) {
    for (let i = 0; i < m; i++) gemvStore(c + (<usize>(i * ldc) << 2), 0, 0, n, 0, beta, bias);
    applyAct(act, c, ldc, m, n, actA);
    return;
  }
  if (m == 1 && (packed || !transB)) {
    const xs = transA ? lda : 1;
    if (packed) gemvPacked(c, a, xs, b, n, k, alpha, beta, bias, scratch);
    else if (beta == 0) gemvRowsExact(c, a, xs, b, ldb, n, k, alpha, bias);
    else gemvRows(c, a, xs, b, ldb, n, k, alpha, beta, bias);
    applyAct(act, c, ldc, 1, n, actA);
    return;
  }
  // Balanced K blocks: 784 = 4 × 196 rather than 3 × 256 + 16 (a thin last block wastes the epilogue).
  const kblocks = (k + KC - 1) / KC;
  const kcMax = (k + kblocks - 1) / kblocks;
  const bpack = work, apack = work + (<usize>(KC * NC) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min(kcMax, k - pc);
      let bb: usize, stride: i32;
      if (packed) {
        stride = k * NR;
        bb = b + (<usize>((jc / NR) * stride + pc * NR) << 2);
      } else {
        stride = kc * NR;
        packB(bpack, stride, b, transB, ldb, pc, jc, kc, nc);
        bb = bpack;
      }
      const first = pc == 0, last = pc + kc >= k;
      const bt: f32 = first ? beta : 1;
      const bs: usize = first && bias != 0 ? bias + (<usize>jc << 2) : 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(apack, a, transA, lda, ic, pc, mc, kc);
        const cb = c + (<usize>(ic * ldc + jc) << 2);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = bb + (<usize>((jr / NR) * stride) << 2);
          const bj: usize = bs != 0 ? bs + (<usize>jr << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            tile(cb + (<usize>(ir * ldc + jr) << 2), ldc, apack + (<usize>(ir * kc) << 2), bp, kc, min(MR, mc - ir), nr, alpha, bt, bj, scratch);
          }
        }
        if (last) applyAct(act, cb, ldc, mc, nc, actA);
      }
    }
  }
}


// Epilogue activations: the activation family's own op classes (activations_ops.ts), so the fused
// dense forward gives the same values as a separate activation call.
@inline function actRows<Op>(op: Op, c: usize, ldc: i32, rows: i32, cols: i32, a: f32): void {
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>(r * ldc) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const va = f32x4.splat(a);
      for (; j + 4 <= cols; j += 4) v128.store(row + (<usize>j << 2), op.v(v128.load(row + (<usize>j << 2)), va));
    }
    for (; j < cols; j++) store<f32>(row + (<usize>j << 2), op.f(load<f32>(row + (<usize>j << 2)), a));
  }
}

function applyAct(act: i32, c: usize, ldc: i32, rows: i32, cols: i32, a: f32): void {
  switch (act) {
    case 1: actRows(changetype<Relu>(0), c, ldc, rows, cols, a); break;
    case 2: actRows(changetype<LeakyRelu>(0), c, ldc, rows, cols, a); break;
    case 3: actRows(changetype<Sigmoid>(0), c, ldc, rows, cols, a); break;
    case 4: actRows(changetype<Tanh>(0), c, ldc, rows, cols, a); break;
    case 5: actRows(changetype<Gelu>(0), c, ldc, rows, cols, a); break;
    case 6: actRows(changetype<GeluTanh>(0), c, ldc, rows, cols, a); break;
    case 7: actRows(changetype<Silu>(0), c, ldc, rows, cols, a); break;
    default: break;
  }
}
