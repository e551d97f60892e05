// Reductions. Within a block of BLOCK elements, four float32 lanes accumulate (s0..s3 in the
// scalar build, one f32x4 in the SIMD builds, same order, so both give the same bits unless the
// relaxed build fuses); block sums are added in float64. Relative error ≤ (BLOCK/4 + 2)·2^-24
// · Σ|x| / |Σx|, independent of n, where a flat f32 loop would grow with n.
import { ld, ld4, madd, off, st } from "./vec";

// @ts-ignore: decorator
@inline const BLOCK: i32 = 1024;

// op: 0 = Σx, 1 = Σx², 2 = Σx·y
@inline function blockSum(x: usize, y: usize, start: i32, end: i32, op: i32): f64 {
  let i = start;
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(0);
    for (; i + 4 <= end; i += 4) {
      const a = ld4(x, i);
      if (op == 0) acc = f32x4.add(acc, a);
      else if (op == 1) acc = madd(a, a, acc);
      else acc = madd(a, ld4(y, i), acc);
    }
    s0 = f32x4.extract_lane(acc, 0); s1 = f32x4.extract_lane(acc, 1);
    s2 = f32x4.extract_lane(acc, 2); s3 = f32x4.extract_lane(acc, 3);
  } else {
    for (; i + 4 <= end; i += 4) {
      const a0 = ld(x, i), a1 = ld(x, i + 1), a2 = ld(x, i + 2), a3 = ld(x, i + 3);
      if (op == 0) { s0 += a0; s1 += a1; s2 += a2; s3 += a3; }
      else if (op == 1) { s0 += a0 * a0; s1 += a1 * a1; s2 += a2 * a2; s3 += a3 * a3; }
      else { s0 += a0 * ld(y, i); s1 += a1 * ld(y, i + 1); s2 += a2 * ld(y, i + 2); s3 += a3 * ld(y, i + 3); }
    }
  }
  let t: f32 = (s0 + s1) + (s2 + s3);
  for (; i < end; i++) {
    const a = ld(x, i);
    t += op == 0 ? a : op == 1 ? a * a : a * ld(y, i);
  }
  return <f64>t;
}

@inline function reduce(x: usize, y: usize, n: i32, op: i32): f64 {
  let total: f64 = 0;
  for (let b = 0; b < n; b += BLOCK) total += blockSum(x, y, b, min(b + BLOCK, n), op);
  return total;
}

/** Σ x[i]. */
export function red_sum(x: usize, n: i32): f64 { return reduce(x, 0, n, 0); }

/** Σ x[i]². */
export function red_sum_squares(x: usize, n: i32): f64 { return reduce(x, 0, n, 1); }

/** Σ x[i]·y[i]. */
export function red_dot(x: usize, y: usize, n: i32): f64 { return reduce(x, y, n, 2); }

/** max x[i] (NaN if any is NaN; -Inf for n = 0). */
export function red_max(x: usize, n: i32): f32 {
  let i = 0;
  let m: f32 = -Infinity;
  if (ASC_FEATURE_SIMD) {
    let acc = f32x4.splat(-Infinity);
    for (; i + 4 <= n; i += 4) acc = f32x4.max(acc, ld4(x, i));
    m = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)),
            max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  }
  for (; i < n; i++) m = max(m, ld(x, i));
  return m;
}

/** out[r] = Σ_c x[r·cols + c] for each of rows rows (row sums, e.g. bias gradients of Xᵀ). */
export function red_row_sums(out: usize, x: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) st(out, r, <f32>reduce(x + (<usize>(r * cols) << 2), 0, cols, 0));
}

/** out[c] = Σ_r x[r·cols + c] (column sums: the bias gradient of a dense layer). out must not alias x. */
export function red_col_sums(out: usize, x: usize, rows: i32, cols: i32): void {
  memory.fill(out, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * cols) << 2);
    let c = 0;
    if (ASC_FEATURE_SIMD) for (; c + 4 <= cols; c += 4) v128.store(out + off(c), f32x4.add(ld4(out, c), ld4(row, c)));
    for (; c < cols; c++) st(out, c, ld(out, c) + ld(row, c));
  }
}
