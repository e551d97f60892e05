// GEMM microkernels: one MR×NR tile of C (6×8 in the relaxed-SIMD build, 5×8 in the SIMD build, 4×8 scalar)
// from a packed A panel (kc×MR, the MR rows of each k contiguous) and a packed B panel (kc×8, the 8 columns of
// each k contiguous); see gemm_pack.ts. Registers: 2·MR f32x4 accumulators + 2 B vectors + 1 broadcast A
// value, + a mul temporary where madd is not fused: relaxed 12 + 3 = 15, SIMD 10 + 3 + 1 = 14, of the 15 xmm
// registers V8 allocates, so nothing spills (6×8 unfused would need 16). More independent accumulators keep
// both FP pipes busy past the add/FMA latency, and each trip's fixed cost (pointer steps, the loop's interrupt
// check) is spread over more madds: GEMM 512³ 38.6 → 46.7 GFLOP/s SIMD (4×8 → 5×8) and 46.2 → 49.2 relaxed
// (5×8 → 6×8; bench/RESULTS.md, 2026-12-07). A values are broadcast straight from memory
// (v128.load32_splat → vbroadcastss), which keeps the shuffle port free. Scalar: the 4×8 tile in 2×4
// sub-tiles (8 accumulators, 11 live registers), so the scalar build also runs from registers.
import { madd } from "./vec";

// @ts-ignore: decorator
@inline export const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : ASC_FEATURE_SIMD ? 5 : 4;
// @ts-ignore: decorator
@inline export const NR: i32 = 8;

/**
 * C tile (mr ≤ 4 rows × nr ≤ 8 columns at c, row stride ldc floats) = alpha·Apanel·Bpanel + beta·C
 * + bias[col]. beta = 0 never reads C (NaN garbage there does not propagate, as BLAS). bias = 0: none.
 * scratch: 32 floats for partial tiles. Packed panels are zero-padded, so the k loop is branch-free.
 */
export function tile(c: usize, ldc: i32, a: usize, b: usize, kc: i32, mr: i32, nr: i32, alpha: f32, beta: f32, bias: usize, scratch: usize): void {
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0);
    let c00 = z, c01 = z, c10 = z, c11 = z, c20 = z, c21 = z, c30 = z, c31 = z, c40 = z, c41 = z, c50 = z, c51 = z;
    // Not unrolled: with the k loop unrolled, V8 hoists the B loads of later steps and spills
    // accumulators (seen in --print-wasm-code); one step per iteration keeps all 11 in registers.
    for (let p = 0; p < kc; p++) {
      const b0 = v128.load(b), b1 = v128.load(b, 16);
      let av = v128.load32_splat(a);
      c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
      av = v128.load32_splat(a, 4);
      c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
      av = v128.load32_splat(a, 8);
      c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
      av = v128.load32_splat(a, 12);
      c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
      av = v128.load32_splat(a, 16);
      c40 = madd(av, b0, c40); c41 = madd(av, b1, c41);
      if (MR == 6) {
        av = v128.load32_splat(a, 20);
        c50 = madd(av, b0, c50); c51 = madd(av, b1, c51);
      }
      a += MR << 2; b += 32;
    }
    const ldb = <usize>ldc << 2;
    if (mr == MR && nr == NR) {
      storeRow(c, c00, c01, alpha, beta, bias);
      storeRow(c + ldb, c10, c11, alpha, beta, bias);
      storeRow(c + 2 * ldb, c20, c21, alpha, beta, bias);
      storeRow(c + 3 * ldb, c30, c31, alpha, beta, bias);
      storeRow(c + 4 * ldb, c40, c41, alpha, beta, bias);
      if (MR == 6) storeRow(c + 5 * ldb, c50, c51, alpha, beta, bias);
      return;
    }
    v128.store(scratch, c00); v128.store(scratch, c01, 16);
    v128.store(scratch, c10, 32); v128.store(scratch, c11, 48);
    v128.store(scratch, c20, 64); v128.store(scratch, c21, 80);
    v128.store(scratch, c30, 96); v128.store(scratch, c31, 112);
    v128.store(scratch, c40, 128); v128.store(scratch, c41, 144);
    if (MR == 6) { v128.store(scratch, c50, 160); v128.store(scratch, c51, 176); }
  } else {
    for (let i = 0; i < MR; i += 2) {
      for (let j = 0; j < NR; j += 4) {
        let s00: f32 = 0, s01: f32 = 0, s02: f32 = 0, s03: f32 = 0;
        let s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0;
        let ap = a + (<usize>i << 2), bp = b + (<usize>j << 2);
        for (let p = 0; p < kc; p++) {
          const a0 = load<f32>(ap), a1 = load<f32>(ap, 4);
          let v = load<f32>(bp); s00 += a0 * v; s10 += a1 * v;
          v = load<f32>(bp, 4); s01 += a0 * v; s11 += a1 * v;
          v = load<f32>(bp, 8); s02 += a0 * v; s12 += a1 * v;
          v = load<f32>(bp, 12); s03 += a0 * v; s13 += a1 * v;
          ap += 16; bp += 32;
        }
        const s = scratch + (<usize>(i * NR + j) << 2);
        store<f32>(s, s00); store<f32>(s, s01, 4); store<f32>(s, s02, 8); store<f32>(s, s03, 12);
        store<f32>(s, s10, 32); store<f32>(s, s11, 36); store<f32>(s, s12, 40); store<f32>(s, s13, 44);
      }
    }
  }
  storeScalar(c, ldc, scratch, mr, nr, alpha, beta, bias);
}

@inline function storeRow(p: usize, x0: v128, x1: v128, alpha: f32, beta: f32, bias: usize): void {
  const va = f32x4.splat(alpha);
  let y0 = f32x4.mul(x0, va), y1 = f32x4.mul(x1, va);
  if (beta != 0) {
    const vb = f32x4.splat(beta);
    y0 = madd(vb, v128.load(p), y0);
    y1 = madd(vb, v128.load(p, 16), y1);
  }
  if (bias != 0) {
    y0 = f32x4.add(y0, v128.load(bias));
    y1 = f32x4.add(y1, v128.load(bias, 16));
  }
  v128.store(p, y0);
  v128.store(p, y1, 16);
}

/** The partial-tile (and scalar-build) store: the same formula one element at a time. */
function storeScalar(c: usize, ldc: i32, s: usize, mr: i32, nr: i32, alpha: f32, beta: f32, bias: usize): void {
  for (let i = 0; i < mr; i++) {
    const row = c + (<usize>(i * ldc) << 2);
    const acc = s + (<usize>(i * NR) << 2);
    for (let j = 0; j < nr; j++) {
      const q = row + (<usize>j << 2);
      let y = alpha * load<f32>(acc + (<usize>j << 2));
      if (beta != 0) y += beta * load<f32>(q);
      if (bias != 0) y += load<f32>(bias + (<usize>j << 2));
      store<f32>(q, y);
    }
  }
}
