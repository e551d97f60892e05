// Rows in lanes: four rows of a row-major [rows, cols] block transposed so that each f32x4 holds one
// column of four rows, and back. Row-wise kernels over short rows (softmax over 10 classes, softmax
// cross-entropy) then run whole vectors with no horizontal sums or scalar tails. Shared by
// losses_cce_lanes.ts and activations_softmax_lanes.ts; the transposed rows live in the calling thread's
// scratch block (scratch.ts: one per thread, so the pool's threads may run these kernels at once).
import { SCRATCH_LANES, SCRATCH_LANES_BYTES } from "./scratch";

// Rows up to this length (1024) fit the scratch region scratch.ts sizes (2·16·LANES_MAX_DIM = 32 KiB: the
// columns of four rows and one more array of them, within L1). Softmax cross-entropy in lanes measured
// faster than row at a time at every C up to 1000 (256 rows, simd: C = 10 12.2 → 7.3 µs, C = 128 173 → 64
// µs, C = 1000 1400 → 478 µs).
// @ts-ignore: decorator
@inline export const LANES_MAX_DIM: i32 = <i32>(SCRATCH_LANES_BYTES / 32);
// Four rows transposed, one column per f32x4: at scratch() + SX, 16·j holds column j; + SZ_OFF a second array.
// @ts-ignore: decorator
@inline export const SX: usize = SCRATCH_LANES;
// @ts-ignore: decorator
@inline export const SZ_OFF: usize = 16 * <usize>LANES_MAX_DIM;

/** Lanes i = 0..3 ← f32 at p + i·stride: four rows of one column (the last C mod 4 columns, outside the 4×4 groups). */
@inline export function gather4(p: usize, stride: usize): v128 {
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + stride, v, 1);
  v = v128.load32_lane(p + 2 * stride, v, 2);
  return v128.load32_lane(p + 3 * stride, v, 3);
}
/** f32 at p + i·stride ← lane i. */
@inline export function scatter4(p: usize, stride: usize, v: v128): void {
  v128.store32_lane(p, v, 0);
  v128.store32_lane(p + stride, v, 1);
  v128.store32_lane(p + 2 * stride, v, 2);
  v128.store32_lane(p + 3 * stride, v, 3);
}

/**
 * 4×4 transpose: the four vectors at p, p + stride, p + 2·stride, p + 3·stride (rows) are stored as
 * columns at q, q + 16, q + 32, q + 48 (interleave 32-bit lanes, then 64-bit halves: 8 shuffles).
 * Returns the lane-wise max of the four columns (per-row max of the four elements).
 */
@inline export function transposeIn(p: usize, stride: usize, q: usize): v128 {
  const a = v128.load(p), b = v128.load(p + stride), c = v128.load(p + 2 * stride), d = v128.load(p + 3 * stride);
  const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5), t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(c, d, 0, 4, 1, 5), t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  const c0 = i64x2.shuffle(t0, t2, 0, 2), c1 = i64x2.shuffle(t0, t2, 1, 3);
  const c2 = i64x2.shuffle(t1, t3, 0, 2), c3 = i64x2.shuffle(t1, t3, 1, 3);
  v128.store(q, c0); v128.store(q, c1, 16); v128.store(q, c2, 32); v128.store(q, c3, 48);
  return f32x4.pmax(f32x4.pmax(c0, c1), f32x4.pmax(c2, c3));
}

/** Inverse of transposeIn for four given columns: row i (lanes = columns) stored at p + i·stride, or added to what is there when accum. */
@inline export function transposeOut(c0: v128, c1: v128, c2: v128, c3: v128, p: usize, stride: usize, accum: i32): void {
  const t0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5), t1 = i32x4.shuffle(c0, c1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(c2, c3, 0, 4, 1, 5), t3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  let a = i64x2.shuffle(t0, t2, 0, 2), b = i64x2.shuffle(t0, t2, 1, 3);
  let c = i64x2.shuffle(t1, t3, 0, 2), d = i64x2.shuffle(t1, t3, 1, 3);
  if (accum) {
    a = f32x4.add(v128.load(p), a);
    b = f32x4.add(v128.load(p + stride), b);
    c = f32x4.add(v128.load(p + 2 * stride), c);
    d = f32x4.add(v128.load(p + 3 * stride), d);
  }
  v128.store(p, a); v128.store(p + stride, b); v128.store(p + 2 * stride, c); v128.store(p + 3 * stride, d);
}

