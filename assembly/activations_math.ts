// Fast exponentials for activations, whose arguments are ≤ 0 after symmetry (e^-|x|): only the
// underflow side needs handling, so the magic-bias trick replaces float→int conversion.
// vn = z·log2e + (1.5·2^23 + 127) rounds n = round(z·log2e) into the low mantissa bits already
// biased by 127, so `vn << 23` is the bit pattern of 2^n (valid for n in [-126, 127]).
// Reduction r = z − n·ln2 (two-part ln2) and e^r − 1 = r + r²·P(r) are shared with math.ts (Cephes).
//
// Bounds (tested in test/activations_math.test.ts over 2^18 points per build against float64):
//   expNeg(z), z ∈ [-87.3, 88]: ≤ 2 ulp relative; 0 for z < -87.33654 (e^z < 2^-126 flushed).
//   expm1Neg(z) = e^z − 1 for the same z: ≤ 2 ulp relative + 2^-24 absolute; exact cancellation-free
//     for |z| < ln2/2 because it is computed as s·q + (s − 1) with q = e^r − 1 (s = 1 there).
//   erfcPos(z), z ≥ 0: ≤ 4e-7 relative (Numerical Recipes' Chebyshev fit, 1.2e-7, plus float32 rounding).
import { expm1Core, expm1Core4, K_LOG2E, K_NEGLN2_HI, K_NEGLN2_LO, LN2_HI, LN2_LO, LOG2E } from "./math";
import { madd, select4, splat, kv } from "./vec";

// Vector constants in static memory (see kv in vec.ts).
// @ts-ignore: decorator
@lazy const K_0P5 = memory.data<f32>([0.5, 0.5, 0.5, 0.5]);
// @ts-ignore: decorator
@lazy const K_1P0 = memory.data<f32>([1.0, 1.0, 1.0, 1.0]);
// @ts-ignore: decorator
@lazy const K_C0 = memory.data<f32>([C0, C0, C0, C0]);
// @ts-ignore: decorator
@lazy const K_C1 = memory.data<f32>([C1, C1, C1, C1]);
// @ts-ignore: decorator
@lazy const K_C2 = memory.data<f32>([C2, C2, C2, C2]);
// @ts-ignore: decorator
@lazy const K_C3 = memory.data<f32>([C3, C3, C3, C3]);
// @ts-ignore: decorator
@lazy const K_C4 = memory.data<f32>([C4, C4, C4, C4]);
// @ts-ignore: decorator
@lazy const K_C5 = memory.data<f32>([C5, C5, C5, C5]);
// @ts-ignore: decorator
@lazy const K_C6 = memory.data<f32>([C6, C6, C6, C6]);
// @ts-ignore: decorator
@lazy const K_C7 = memory.data<f32>([C7, C7, C7, C7]);
// @ts-ignore: decorator
@lazy const K_C8 = memory.data<f32>([C8, C8, C8, C8]);
// @ts-ignore: decorator
@lazy const K_C9 = memory.data<f32>([C9, C9, C9, C9]);
// @ts-ignore: decorator
@lazy const K_MAGIC = memory.data<f32>([MAGIC, MAGIC, MAGIC, MAGIC]);
// @ts-ignore: decorator
@lazy const K_NEG1P0 = memory.data<f32>([-1.0, -1.0, -1.0, -1.0]);
// @ts-ignore: decorator
@lazy const K_Z_MIN = memory.data<f32>([Z_MIN, Z_MIN, Z_MIN, Z_MIN]);

// 0x4B40007F: 1.5·2^23 + 127
// @ts-ignore: decorator
@inline const MAGIC: f32 = 12583039.0;
// ln(2^-126): below it e^z is not a normal float and is flushed to 0.
// @ts-ignore: decorator
@inline const Z_MIN: f32 = -87.33654;

/** e^z for z ≤ 88 (activations call it with z ≤ 0); NaN in, NaN out. */
@inline export function expNeg(z: f32): f32 {
  const zc = z < Z_MIN ? Z_MIN : z; // as pmax: NaN stays NaN
  const vn = zc * LOG2E + MAGIC;
  const s = reinterpret<f32>(reinterpret<i32>(vn) << 23);
  const n = vn - MAGIC;
  const r = zc - n * LN2_HI - n * LN2_LO;
  const e = s * expm1Core(r) + s;
  return z < Z_MIN ? 0 : e;
}

@inline export function expNeg4(z: v128): v128 {
  const zc = f32x4.pmax(z, kv(K_Z_MIN));
  const vn = madd(zc, kv(K_LOG2E), kv(K_MAGIC));
  const s = i32x4.shl(vn, 23);
  const n = f32x4.sub(vn, kv(K_MAGIC));
  const r = madd(n, kv(K_NEGLN2_LO), madd(n, kv(K_NEGLN2_HI), zc));
  const e = madd(s, expm1Core4(r), s);
  return v128.andnot(e, f32x4.lt(z, kv(K_Z_MIN)));
}

/** e^z − 1 for z ≤ 88, accurate near 0 (elu, selu). */
@inline export function expm1Neg(z: f32): f32 {
  const zc = z < Z_MIN ? Z_MIN : z; // as pmax: NaN stays NaN
  const vn = zc * LOG2E + MAGIC;
  const s = reinterpret<f32>(reinterpret<i32>(vn) << 23);
  const n = vn - MAGIC;
  const r = zc - n * LN2_HI - n * LN2_LO;
  const e = s * expm1Core(r) + (s - 1.0);
  return z < Z_MIN ? -1.0 : e;
}

@inline export function expm1Neg4(z: v128): v128 {
  const zc = f32x4.pmax(z, kv(K_Z_MIN));
  const vn = madd(zc, kv(K_LOG2E), kv(K_MAGIC));
  const s = i32x4.shl(vn, 23);
  const n = f32x4.sub(vn, kv(K_MAGIC));
  const r = madd(n, kv(K_NEGLN2_LO), madd(n, kv(K_NEGLN2_HI), zc));
  const e = madd(s, expm1Core4(r), f32x4.sub(s, kv(K_1P0)));
  return select4(kv(K_NEG1P0), e, f32x4.lt(z, kv(K_Z_MIN)));
}

// erfc(z) = t·exp(−z² + C(t)), t = 1/(1 + z/2): Numerical Recipes' erfcc, fractional error < 1.2e-7
// for all z ≥ 0, so the tail Φ(x) = erfc(−x/√2)/2 of GELU keeps its relative precision.
// @ts-ignore: decorator
@inline const C0: f32 = -1.26551223;
// @ts-ignore: decorator
@inline const C1: f32 = 1.00002368;
// @ts-ignore: decorator
@inline const C2: f32 = 0.37409196;
// @ts-ignore: decorator
@inline const C3: f32 = 0.09678418;
// @ts-ignore: decorator
@inline const C4: f32 = -0.18628806;
// @ts-ignore: decorator
@inline const C5: f32 = 0.27886807;
// @ts-ignore: decorator
@inline const C6: f32 = -1.13520398;
// @ts-ignore: decorator
@inline const C7: f32 = 1.48851587;
// @ts-ignore: decorator
@inline const C8: f32 = -0.82215223;
// @ts-ignore: decorator
@inline const C9: f32 = 0.17087277;

/** erfc(z) for z ≥ 0 (and +Inf → 0). */
@inline export function erfcPos(z: f32): f32 {
  const t: f32 = 1.0 / (1.0 + 0.5 * z);
  let c = C9 * t + C8;
  c = c * t + C7;
  c = c * t + C6;
  c = c * t + C5;
  c = c * t + C4;
  c = c * t + C3;
  c = c * t + C2;
  c = c * t + C1;
  c = c * t + C0;
  return t * expNeg(c - z * z);
}

@inline export function erfcPos4(z: v128): v128 {
  const t = f32x4.div(kv(K_1P0), madd(kv(K_0P5), z, kv(K_1P0)));
  let c = madd(kv(K_C9), t, kv(K_C8));
  c = madd(c, t, kv(K_C7));
  c = madd(c, t, kv(K_C6));
  c = madd(c, t, kv(K_C5));
  c = madd(c, t, kv(K_C4));
  c = madd(c, t, kv(K_C3));
  c = madd(c, t, kv(K_C2));
  c = madd(c, t, kv(K_C1));
  c = madd(c, t, kv(K_C0));
  return f32x4.mul(t, expNeg4(f32x4.sub(c, f32x4.mul(z, z))));
}
