// softmax and logSoftmax over short rows, four ROWS per f32x4 (lanes.ts), for the SIMD builds: a row
// of 10 is two and a half vectors, so the row-at-a-time kernels in activations.ts spend most of their
// time in scalar tails and horizontal sums. Same formulas and error bounds as there: m = max (pmax;
// a NaN it skips makes its own x − m and so its row NaN), e = expFast(x − m), s = Σ e; softmax e/s,
// logSoftmax (x − m) − log s.
import { expFast4, expNeg4 } from "./activations_math";
import { logNormal4 } from "./math";
import { gather4, scatter4, SX, SZ_OFF, transposeIn, transposeOut } from "./lanes";
import { scratch } from "./scratch";
import { madd, splat } from "./vec";

// Rows up to this length take the lanes path. Measured against row at a time (1024 rows, simd, Melem/s):
// softmax C = 3 170 → 662, 10 462 → 991, 16 751 → 999, 32 and 64 level (±4 %); logSoftmax C = 10
// 302 → 609, 64 825 → 1088, level from 128 on.
// @ts-ignore: decorator
@inline export const SOFTMAX_LANES_MAX: i32 = 64;

/** The last step: softmax e·(1/s), logSoftmax d − log s. */
@inline function finish(log: bool, v: v128, a: v128): v128 {
  return log ? f32x4.sub(v, a) : f32x4.mul(v, a);
}

/**
 * softmax (log false) or logSoftmax (log true) of the first rows − rows mod 4 rows of x [rows, cols]
 * into out (which may alias x: a block is read whole into the scratch before it is written). Returns
 * the number of rows done. Per block: transpose in (4×4 groups over the first cols − cols mod 4 columns,
 * lane gathers for the rest) with the row maxima; per column e (or d = x − m) back into the scratch and
 * s; then the finished columns transposed out (lane scatters for the last cols mod 4).
 */
@inline export function softmaxLanes(log: bool, out: usize, x: usize, rows: i32, cols: i32): i32 {
  const stride = <usize>cols << 2;
  const sx = scratch() + SX; // this thread's transposed rows
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o = <usize>(r * cols) << 2;
    const px = x + o, po = out + o;
    let vm = splat(-Infinity);
    const full = cols & ~3;
    for (let j = 0; j < full; j += 4) vm = f32x4.pmax(vm, transposeIn(px + (<usize>j << 2), stride, sx + (<usize>j << 4)));
    for (let j = full; j < cols; j++) { // the last cols mod 4 columns by lane gathers
      const xv = gather4(px + (<usize>j << 2), stride);
      v128.store(sx + (<usize>j << 4), xv);
      vm = f32x4.pmax(vm, xv);
    }
    let s0 = splat(0), s1 = s0;
    let j = 0;
    for (; j + 2 <= cols; j += 2) { // two columns per step: two exp chains and two sums in flight
      const q = sx + (<usize>j << 4);
      const d0 = f32x4.sub(v128.load(q), vm), d1 = f32x4.sub(v128.load(q, 16), vm);
      const e0 = expFast4(d0), e1 = expFast4(d1);
      v128.store(q, log ? d0 : e0);
      v128.store(q, log ? d1 : e1, 16);
      s0 = f32x4.add(s0, e0);
      s1 = f32x4.add(s1, e1);
    }
    if (j < cols) {
      const q = sx + (<usize>j << 4);
      const d = f32x4.sub(v128.load(q), vm);
      const e = expFast4(d);
      v128.store(q, log ? d : e);
      s0 = f32x4.add(s0, e);
    }
    const s = f32x4.add(s0, s1);
    // s ≥ 1 (the max term is e^0) or NaN: the log without log4's special cases, NaN blended back
    const a = log ? v128.bitselect(s, logNormal4(s, i32x4.splat(0)), f32x4.ne(s, s)) : f32x4.div(splat(1), s);
    for (let j = 0; j < full; j += 4) {
      const q = sx + (<usize>j << 4);
      transposeOut(finish(log, v128.load(q), a), finish(log, v128.load(q, 16), a), finish(log, v128.load(q, 32), a), finish(log, v128.load(q, 48), a),
        po + (<usize>j << 2), stride, 0);
    }
    for (let j = full; j < cols; j++) scatter4(po + (<usize>j << 2), stride, finish(log, v128.load(sx + (<usize>j << 4)), a));
  }
  return r;
}

// The backward's threshold: its row path has no exponentials to amortise the transposes, so lanes win
// only on short rows (measured, 1024 rows, simd, Melem/s, two A/B orders: softmax C = 10 2160 → 2403 and
// 2241 → 2343, logSoftmax C = 10 809 → 1121 and 835 → 1127; at C = 16, a tail-free row path, and at 32
// lanes lost 5–30 %).
// @ts-ignore: decorator
@inline export const SOFTMAX_GRAD_LANES_MAX: i32 = 10;

/** One column of the backward: softmax y·(dy − d), logSoftmax dy − e^y·d (q: the column of y, q + SZ_OFF: of dy). */
@inline function gradColumn(log: bool, q: usize, d: v128): v128 {
  const gy = v128.load(q, SZ_OFF);
  return log ? f32x4.sub(gy, f32x4.mul(expNeg4(v128.load(q)), d)) : f32x4.mul(v128.load(q), f32x4.sub(gy, d));
}

/**
 * The backward of softmax (log false: dx = y ⊙ (dy − Σ y·dy)) or logSoftmax (log true: dx = dy − e^y·Σ dy)
 * for the first rows − rows mod 4 rows, four per f32x4 as softmaxLanes; returns the rows done. y and dy are
 * read whole per block before dx is written, so dx may alias either.
 */
@inline export function softmaxGradLanes(log: bool, dx: usize, y: usize, dy: usize, rows: i32, cols: i32): i32 {
  const stride = <usize>cols << 2;
  const sx = scratch() + SX; // this thread's transposed rows
  const full = cols & ~3;
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o = <usize>(r * cols) << 2;
    const py = y + o, pg = dy + o, pd = dx + o;
    for (let j = 0; j < full; j += 4) {
      transposeIn(py + (<usize>j << 2), stride, sx + (<usize>j << 4));
      transposeIn(pg + (<usize>j << 2), stride, sx + SZ_OFF + (<usize>j << 4));
    }
    for (let j = full; j < cols; j++) {
      v128.store(sx + (<usize>j << 4), gather4(py + (<usize>j << 2), stride));
      v128.store(sx + (<usize>j << 4), gather4(pg + (<usize>j << 2), stride), SZ_OFF);
    }
    let d0 = splat(0), d1 = d0;
    let j = 0;
    for (; j + 2 <= cols; j += 2) { // d = Σ y·dy (or Σ dy) per row, two sums in flight
      const q = sx + (<usize>j << 4);
      d0 = log ? f32x4.add(d0, v128.load(q, SZ_OFF)) : madd(v128.load(q), v128.load(q, SZ_OFF), d0);
      d1 = log ? f32x4.add(d1, v128.load(q, SZ_OFF + 16)) : madd(v128.load(q, 16), v128.load(q, SZ_OFF + 16), d1);
    }
    if (j < cols) {
      const q = sx + (<usize>j << 4);
      d0 = log ? f32x4.add(d0, v128.load(q, SZ_OFF)) : madd(v128.load(q), v128.load(q, SZ_OFF), d0);
    }
    const d = f32x4.add(d0, d1);
    for (let j = 0; j < full; j += 4) {
      const q = sx + (<usize>j << 4);
      transposeOut(gradColumn(log, q, d), gradColumn(log, q + 16, d), gradColumn(log, q + 32, d), gradColumn(log, q + 48, d), pd + (<usize>j << 2), stride, 0);
    }
    for (let j = full; j < cols; j++) scatter4(pd + (<usize>j << 2), stride, gradColumn(log, sx + (<usize>j << 4), d));
  }
  return r;
}
