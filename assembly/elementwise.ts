// Element-wise maps: the pattern every kernel in simdnn follows. A scalar core handles one lane,
// a four-lane core runs the body when the build has SIMD, and the same scalar core always finishes
// the tail, so no size is special. `out` may alias an input (each element is read before written).
import { exp4, expf, log4, logf, log1p4, log1pf } from "./math";
import { ld, ld4, madd, splat, st, st4 } from "./vec";

/** out = e^x. */
export function ew_exp(out: usize, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st4(out, i, exp4(ld4(x, i)));
  for (; i < n; i++) st(out, i, expf(ld(x, i)));
}

/** out = ln x. */
export function ew_log(out: usize, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st4(out, i, log4(ld4(x, i)));
  for (; i < n; i++) st(out, i, logf(ld(x, i)));
}

/** out = ln(1 + x). */
export function ew_log1p(out: usize, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st4(out, i, log1p4(ld4(x, i)));
  for (; i < n; i++) st(out, i, log1pf(ld(x, i)));
}

/** out = a + b. */
export function ew_add(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st4(out, i, f32x4.add(ld4(a, i), ld4(b, i)));
  for (; i < n; i++) st(out, i, ld(a, i) + ld(b, i));
}

/** out = a ⊙ b. */
export function ew_mul(out: usize, a: usize, b: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) st4(out, i, f32x4.mul(ld4(a, i), ld4(b, i)));
  for (; i < n; i++) st(out, i, ld(a, i) * ld(b, i));
}

/** out = alpha·x. */
export function ew_scale(out: usize, x: usize, alpha: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = splat(alpha);
    for (; i + 4 <= n; i += 4) st4(out, i, f32x4.mul(va, ld4(x, i)));
  }
  for (; i < n; i++) st(out, i, alpha * ld(x, i));
}

/** y = alpha·x + y (BLAS saxpy). */
export function ew_axpy(y: usize, alpha: f32, x: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = splat(alpha);
    for (; i + 4 <= n; i += 4) st4(y, i, madd(va, ld4(x, i), ld4(y, i)));
  }
  for (; i < n; i++) st(y, i, alpha * ld(x, i) + ld(y, i));
}
