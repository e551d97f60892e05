// Fast exponentials for activations and softmax, whose arguments are ≤ 0 after symmetry or after
// subtracting a row maximum: only the underflow side needs handling, and it needs no mask.
// vn = z·log2e + (1.5·2^23 + 127) rounds n = round(z·log2e) into the low mantissa bits already
// biased by 127, so `vn << 23` is the bit pattern of 2^n for n in [−127, 128]: n = −127 gives +0 and
// n = 128 gives +Inf. Clamping z at −88 (n = −127) therefore flushes e^z to exactly 0 below ≈ −87.68
// (where it is under 2^−126 anyway) with no compare-and-select, and e^−Inf = 0, e^NaN = NaN.
// Reduction r = z − n·ln2 (two-part ln2), then a polynomial in r:
//   expNeg uses a degree-5 fit (P cubic; Lawson-weighted least squares on |r| ≤ ln2/2, relative
//   error 1.1e-7 before rounding), two multiply-adds fewer than Cephes' degree 7;
//   expm1Neg keeps the Cephes core from math.ts, whose relative accuracy near 0 elu/selu rely on.
//
// Bounds (test/math.test.ts, 2^18 points per build against float64, scalar and SIMD):
//   expNeg(z), z ∈ [−87.3, 88.3]: ≤ 3 ulp relative; below, absolute ≤ 2^−126 (0 under ≈ −87.68).
//   expm1Neg(z) = e^z − 1, z ≤ 0: ≤ 2 ulp relative (no cancellation: s·q + (s − 1) with q = e^r − 1,
//     and s = 1 for |z| < ln2/2); −1 exactly below ≈ −87.68.
//   erfcPos(z), z ≥ 0: relative ≤ 1.2e-7 (Numerical Recipes' Chebyshev fit) + 3·(1.2e-7 + z²·2^−24) of float32
//     rounding, mostly that of the exponent c − z² (measured against the fit in float64 at 2·10^5 points per
//     range, z ≤ 9: the ratio to 1.2e-7 + z²·2^−24 stays ≤ 3.0; Estrin's scheme and Horner's alike). GELU's
//     tests hold its result to the activation bound.
//   expFast / expm1Fast: base-2 reduction, see the section "Base-2 reduction" below.
//   sech2(x): relative ≤ 1e-6 (measured 7.1e-7 on ±40; test/activations.test.ts). tanh's rational: activations_tanh.ts.
import { expm1Core, expm1Core4, K_LOG2E, K_NEGLN2_HI, K_NEGLN2_LO, LN2_HI, LN2_LO, LOG2E } from "./math";
import { madd, nmadd, kv, negAbs4 } from "./vec";

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
@lazy const K_Z_FLUSH = memory.data<f32>([Z_FLUSH, Z_FLUSH, Z_FLUSH, Z_FLUSH]);
// @ts-ignore: decorator
@lazy const K_Z_MAX = memory.data<f32>([Z_MAX, Z_MAX, Z_MAX, Z_MAX]);
// @ts-ignore: decorator
@lazy const K_D1 = memory.data<f32>([D1, D1, D1, D1]);
// @ts-ignore: decorator
@lazy const K_D2 = memory.data<f32>([D2, D2, D2, D2]);
// @ts-ignore: decorator
@lazy const K_D3 = memory.data<f32>([D3, D3, D3, D3]);
// @ts-ignore: decorator
@lazy const K_D4 = memory.data<f32>([D4, D4, D4, D4]);
// @ts-ignore: decorator
@lazy const K_D5 = memory.data<f32>([D5, D5, D5, D5]);
// @ts-ignore: decorator
@lazy const K_T_FLUSH = memory.data<f32>([T_FLUSH, T_FLUSH, T_FLUSH, T_FLUSH]);
// @ts-ignore: decorator
@lazy const K_T_MAX = memory.data<f32>([T_MAX, T_MAX, T_MAX, T_MAX]);
// @ts-ignore: decorator
@lazy const K_R1 = memory.data<f32>([R1, R1, R1, R1]);
// @ts-ignore: decorator
@lazy const K_R0 = memory.data<f32>([R0, R0, R0, R0]);
// @ts-ignore: decorator
@lazy const K_RL0 = memory.data<f32>([RL0, RL0, RL0, RL0]);
// @ts-ignore: decorator
@lazy const K_NRL1 = memory.data<f32>([NRL1, NRL1, NRL1, NRL1]);
// @ts-ignore: decorator
@lazy const K_4P0 = memory.data<f32>([4.0, 4.0, 4.0, 4.0]);
// @ts-ignore: decorator
@lazy const K_P2 = memory.data<f32>([P2, P2, P2, P2]);
// @ts-ignore: decorator
@lazy const K_P3 = memory.data<f32>([P3, P3, P3, P3]);
// @ts-ignore: decorator
@lazy const K_P4 = memory.data<f32>([P4, P4, P4, P4]);
// @ts-ignore: decorator
@lazy const K_P5 = memory.data<f32>([P5, P5, P5, P5]);


// 0x4B40007F: 1.5·2^23 + 127
// @ts-ignore: decorator
@inline const MAGIC: f32 = 12583039.0;
// n = round(−88·log2e) = −127: 2^n is built as +0 (see the header).
// @ts-ignore: decorator
@inline const Z_FLUSH: f32 = -88.0;
// n = round(89·log2e) = 128: 2^n is built as +Inf, so e^z saturates to +Inf rather than wrapping.
// @ts-ignore: decorator
@inline const Z_MAX: f32 = 89.0;
// e^r ≈ 1 + r·(1 + r·(P2 + r·(P3 + r·(P4 + r·P5)))) on |r| ≤ ln2/2 (fitted here; float32 values).
// @ts-ignore: decorator
@inline const P2: f32 = 0.499992311000824;
// @ts-ignore: decorator
@inline const P3: f32 = 0.16667114198207855;
// @ts-ignore: decorator
@inline const P4: f32 = 0.04189009591937065;
// @ts-ignore: decorator
@inline const P5: f32 = 0.008312505669891834;

// The polynomial by Estrin's scheme ((1 + r) + r²·((P2 + P3·r) + r²·(P4 + P5·r)): same operation count as
// Horner's, chain three deep instead of five; e^r within 1.98e-7 relative after float32 rounding, against
// 1.83e-7 by Horner, at 2·10^6 points; softplus +12 %, mish +10–19 %, BCE from logits 3 % in A/B runs), then
// one product s·e^r, so that s = +Inf (n = 128) gives +Inf even where r < 0 (s·q + s would be Inf − Inf
// there) and s = +0 gives 0.
@inline function fit1(r: f32): f32 {
  const r2 = r * r;
  return (<f32>1.0 + r) + r2 * ((P2 + P3 * r) + r2 * (P4 + P5 * r));
}
@inline function fit4(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  return madd(madd(madd(kv(K_P5), r, kv(K_P4)), r2, madd(kv(K_P3), r, kv(K_P2))), r2, f32x4.add(kv(K_1P0), r));
}

// What the ln2 reduction finishes with: e^z by fit1, e^z − 1 by the Cephes core, or (kind SECH2, for
// z = −2|x|) sech²x by the ratio of the section "2^−g as a ratio".
// @ts-ignore: decorator
@inline const LN2_EXP: i32 = 4;
// @ts-ignore: decorator
@inline const LN2_EXPM1: i32 = 5;
@inline function ln2Exp(kind: i32, z: f32): f32 {
  const zc = z < Z_FLUSH ? Z_FLUSH : z; // as pmax: NaN stays NaN
  const vn = zc * LOG2E + MAGIC;
  const s = reinterpret<f32>(reinterpret<i32>(vn) << 23);
  const n = vn - MAGIC;
  const r = zc - n * LN2_HI - n * LN2_LO;
  if (kind == LN2_EXP) return s * fit1(r);
  if (kind == LN2_EXPM1) return s * expm1Core(r) + (s - 1.0);
  return ratio2(kind, s, r, 0, RL0, NRL1);
}
@inline function ln2Exp4(kind: i32, z: v128): v128 {
  const zc = f32x4.pmax(z, kv(K_Z_FLUSH));
  const vn = madd(zc, kv(K_LOG2E), kv(K_MAGIC));
  const s = i32x4.shl(vn, 23);
  const n = f32x4.sub(vn, kv(K_MAGIC));
  const r = madd(n, kv(K_NEGLN2_LO), madd(n, kv(K_NEGLN2_HI), zc));
  if (kind == LN2_EXP) return f32x4.mul(s, fit4(r));
  if (kind == LN2_EXPM1) return madd(s, expm1Core4(r), f32x4.sub(s, kv(K_1P0)));
  return ratio2_4(kind, s, r, z, K_RL0, K_NRL1);
}

/** e^z for z ≤ 88.3 (0 below ≈ −87.68); NaN in, NaN out. */
@inline export function expNeg(z: f32): f32 { return ln2Exp(LN2_EXP, z); }
@inline export function expNeg4(z: v128): v128 { return ln2Exp4(LN2_EXP, z); }

/** e^z for any z: expNeg with z ≥ 89 mapped to +Inf (sigmoid-type callers need 1/(1 + e^z) → 0). */
@inline export function expSat(z: f32): f32 {
  return expNeg(z > Z_MAX ? Z_MAX : z);
}
@inline export function expSat4(z: v128): v128 {
  return expNeg4(f32x4.pmin(z, kv(K_Z_MAX)));
}

/** e^z − 1 for z ≤ 88, accurate near 0 (elu, selu); −1 below ≈ −87.68. */
@inline export function expm1Neg(z: f32): f32 { return ln2Exp(LN2_EXPM1, z); }
@inline export function expm1Neg4(z: v128): v128 { return ln2Exp4(LN2_EXPM1, z); }

// ---- Base-2 reduction, for the activations ----
// t = z·log2e, n = round(t) by the magic bias (as above), g = n − t, which is exact (|g| ≤ 1/2), and
// e^z = 2^n·2^−g = s·(1 + q(g)). Against the ln2 reduction above this saves the two-part n·ln2 (three
// operations of about twenty in the plain SIMD build, where each multiply-add is two), at the price of
// the rounding of t: e^z gets a relative error ≤ 1.5·|z|·2^−24 (t's rounding plus log2e's), on top of
// the polynomial's. That is harmless wherever e^z enters a result as it does in the activations:
//   σ(x) = 1/(1 + e^−x): a relative error δ of e moves σ by δ·σ(1 − σ) ≤ |x|·σ(1 − σ)·1.5·2^−24 + …,
//     at most 2e-8 absolute (max of |x|σ(1 − σ) is 0.224); relative to σ it is ≤ 1.5·|x|·2^−24 + 6e-7,
//     i.e. the far negative tail keeps 5 significant digits (σ(−80): 7e-6) where expNeg keeps 3 ulp.
//   softmax: p = e^z/Σ, z ≤ 0, moves by ≤ p·|z|·1.5·2^−24 ≤ e^z·|z|·9e-8 ≤ 3.3e-8 (max of |z|e^z is 1/e).
//   elu, selu: 1 − e^z with e^z's error scaled by e^z, again ≤ |z|e^z·9e-8 absolute.
// In the relaxed build t is never rounded (vn and g are fused multiply-adds), leaving only log2e's rounding.
// 2^−g itself comes from a ratio (section "2^−g as a ratio" below). expm1 needs q(g) = 2^−g − 1 relative-
// accurate as g → 0, so that tanh-like 1 − e^z need no small-argument branch: q(g) ≈ g·(D1 + g·(D2 + g·(D3
// + g·(D4 + g·D5)))) on |g| ≤ 1/2, minimax for relative error (linear programming over 4000 points, fitted
// here), 4.1e-7 in float64 and ≤ 6.1e-7 after float32 rounding by Estrin's scheme (5.9e-7 by Horner's,
// whose chain is a multiply-add deeper).
// Bounds (test/math.test.ts, 2^18 points per build against float64, with the flush and NaN cases of expNeg):
//   expFast(z), z ∈ [−87.3, 88.3]:  relative ≤ 6e-7 + 1.5·|z|·2^−24 (measured 5.3e-7 + …); 0 below ≈ −87.68.
//   div1pExp2(x, t) = x/(1 + 2^t): see its section below.
//   expm1Fast(z), z ≤ 0:            relative ≤ 6.5e-7 + 1.5·|z|·2^−24 (measured 4.8e-7 + …); −1 below ≈ −87.68.
// Bit patterns: 0xBF317217, 0x3E75FD28, 0xBD6359F7, 0x3C1E5FA0, 0xBAAE76D1.
// @ts-ignore: decorator
@inline const D1: f32 = -0.6931471228599548;
// @ts-ignore: decorator
@inline const D2: f32 = 0.24022352695465088;
// @ts-ignore: decorator
@inline const D3: f32 = -0.055505719035863876;
// @ts-ignore: decorator
@inline const D4: f32 = 0.009666353464126587;
// @ts-ignore: decorator
@inline const D5: f32 = -0.0013310556532815099;
// t = −127 gives n = −127, whose 2^n is built as +0 (z = −88 in expNeg).
// @ts-ignore: decorator
@inline const T_FLUSH: f32 = -127.0;
// @ts-ignore: decorator
@inline const T_MAX: f32 = 128.0;

/** 2^−g − 1 for |g| ≤ 1/2 (see above). */
@inline function q2(g: f32): f32 { const g2 = g * g; return g * ((D1 + D2 * g) + g2 * ((D3 + D4 * g) + g2 * D5)); }
@inline function q24(g: v128): v128 {
  const g2 = f32x4.mul(g, g);
  return f32x4.mul(madd(madd(kv(K_D5), g2, madd(kv(K_D4), g, kv(K_D3))), g2, madd(kv(K_D2), g, kv(K_D1))), g);
}

/** vn (2^n in its low bits) for t = zc·log2e; g = n − t from fastG. One lane. */
@inline function fastVn(zc: f32): f32 { return zc * LOG2E + MAGIC; }
@inline function fastG(zc: f32, vn: f32): f32 { return (vn - MAGIC) - zc * LOG2E; }
/** The same for four lanes: fused in the relaxed build, t = zc·log2e rounded once and shared otherwise. */
@inline function fastVn4(t: v128, zc: v128): v128 {
  return ASC_FEATURE_RELAXED_SIMD ? madd(zc, kv(K_LOG2E), kv(K_MAGIC)) : f32x4.add(t, kv(K_MAGIC));
}
@inline function fastG4(t: v128, zc: v128, vn: v128): v128 {
  const n = f32x4.sub(vn, kv(K_MAGIC));
  return ASC_FEATURE_RELAXED_SIMD ? nmadd(zc, kv(K_LOG2E), n) : f32x4.sub(n, t);
}
@inline function log2e4(zc: v128): v128 { return ASC_FEATURE_RELAXED_SIMD ? zc : f32x4.mul(zc, kv(K_LOG2E)); }

// ---- 2^−g as a ratio: expFast and x/(1 + 2^t) ----
// Where no expm1 accuracy is needed, 2^−g = (A − B)/(A + B) with A = R0 + g², B = R1·g, the form of
// e^r = (1 + tanh(r/2))/(1 − tanh(r/2)); R0, R1 are the minimax pair for relative error on |g| ≤ 1/2
// (fitted here: 4.7e-7, as close as a quintic polynomial's 4.1e-7), scaled so that A needs no product.
// Five operations and a division from g on, where the quintic takes eleven and the product by s:
//   e^z = s·(A − B)/(A + B)                                   (softmax rows of 1024 1.26× in simd A/B),
//   x/(1 + 2^t) = x·((A + B)/((A + B) + s·(A − B)))           (the caller's division absorbs the ratio's:
//                                                              sigmoid 1.41×, silu 1.32×, GELU-tanh 1.28×).
// The quotient in the second is in [0, 1] before the product by x, so no intermediate overflows: s = +0
// gives exactly x (g = 0 there), s·(A − B) = +Inf gives ±0, so σ(±Inf) = 1, 0 and silu(−Inf) = NaN as
// PyTorch's −Inf·0. e^z takes the ratio before the product by s (s·(A − B) overflows from s = 2^124), and
// s = +Inf gives +Inf (the ratio is > 0.7).
// Error (float32 evaluation simulated at 4·10^6 points, with and without fused multiply-adds): the
// quotient 1/(1 + 2^tc) within 6.4e-7 relative and 1.9e-7 absolute; e^z as in the bound above; plus the
// rounding of t. Bit patterns: R0 0x41C84EDA, R1 0x410AD793.
// @ts-ignore: decorator
@inline const R0: f32 = 25.038501739501953;
// @ts-ignore: decorator
@inline const R1: f32 = 8.677630424499512;

// What ratio2 returns, from s = 2^n and 2^−g = (A − B)/(A + B) (A = k0 + g², B = k1·g): e = s·2^−g, or
// x/(1 + e), or 1/(1 + e), or 4e/(1 + e)² (sech², see sech2).
// @ts-ignore: decorator
@inline const EXP: i32 = 0;
// @ts-ignore: decorator
@inline const X_OVER_1P: i32 = 1;
// @ts-ignore: decorator
@inline const ONE_OVER_1P: i32 = 2;
// @ts-ignore: decorator
@inline const SECH2: i32 = 3;
@inline function ratio2(kind: i32, s: f32, g: f32, x: f32, k0: f32, k1: f32): f32 {
  const a = g * g + k0, b = k1 * g;
  const apb = a + b, amb = a - b;
  if (kind == EXP) return s * (amb / apb); // the ratio first: s·(A − B) overflows from s = 2^124
  if (kind == SECH2) { const u = s * amb, d = u + apb; return (<f32>4.0 * (u * apb)) / (d * d); }
  const q = apb / (s * amb + apb);
  return kind == ONE_OVER_1P ? q : x * q;
}
@inline function ratio2_4(kind: i32, s: v128, g: v128, x: v128, k0: usize, k1: usize): v128 {
  const a = madd(g, g, kv(k0));
  let apb: v128, amb: v128;
  if (ASC_FEATURE_RELAXED_SIMD) {
    apb = madd(kv(k1), g, a);
    amb = nmadd(kv(k1), g, a);
  } else {
    const b = f32x4.mul(kv(k1), g);
    apb = f32x4.add(a, b);
    amb = f32x4.sub(a, b);
  }
  if (kind == EXP) return f32x4.mul(s, f32x4.div(amb, apb));
  if (kind == SECH2) {
    const u = f32x4.mul(s, amb), d = f32x4.add(u, apb);
    return f32x4.div(f32x4.mul(kv(K_4P0), f32x4.mul(u, apb)), f32x4.mul(d, d));
  }
  const q = f32x4.div(apb, madd(s, amb, apb));
  return kind == ONE_OVER_1P ? q : f32x4.mul(x, q);
}

/** e^z for z ≤ 88.3 (0 below ≈ −87.68); NaN in, NaN out. Base-2 reduction: see the bound above. */
@inline export function expFast(z: f32): f32 {
  const zc = z < Z_FLUSH ? Z_FLUSH : z; // as pmax: NaN stays NaN
  const vn = fastVn(zc);
  return ratio2(EXP, reinterpret<f32>(reinterpret<i32>(vn) << 23), fastG(zc, vn), 0, R0, R1);
}
@inline export function expFast4(z: v128): v128 {
  const zc = f32x4.pmax(z, kv(K_Z_FLUSH));
  const t = log2e4(zc);
  const vn = fastVn4(t, zc);
  return ratio2_4(EXP, i32x4.shl(vn, 23), fastG4(t, zc, vn), zc, K_R0, K_R1);
}

/**
 * x/(1 + 2^t) for any t, or 1/(1 + 2^t) when `one`: the same reduction from t itself (callers fold log2e
 * into their own constant: σ(x) needs 2^(x·−log2e)), t clamped to [−127, 128] so 2^n is built as +0 or
 * +Inf there; NaN kept.
 */
@inline export function div1pExp2(x: f32, t: f32, one: bool = false): f32 {
  const tc = t < T_FLUSH ? T_FLUSH : t > T_MAX ? T_MAX : t; // as pmax then pmin: NaN stays NaN
  const vn = tc + MAGIC;
  return ratio2(one ? ONE_OVER_1P : X_OVER_1P, reinterpret<f32>(reinterpret<i32>(vn) << 23), (vn - MAGIC) - tc, x, R0, R1);
}
@inline export function div1pExp2_4(x: v128, t: v128, one: bool = false): v128 {
  const tc = f32x4.pmin(f32x4.pmax(t, kv(K_T_FLUSH)), kv(K_T_MAX));
  const vn = f32x4.add(tc, kv(K_MAGIC));
  return ratio2_4(one ? ONE_OVER_1P : X_OVER_1P, i32x4.shl(vn, 23), f32x4.sub(f32x4.sub(vn, kv(K_MAGIC)), tc), x, K_R0, K_R1);
}

/** e^z − 1 for z ≤ 0 as s·q + (s − 1): relative-accurate near 0 (s = 1 there); −1 below ≈ −87.68. */
@inline export function expm1Fast(z: f32): f32 {
  const zc = z < Z_FLUSH ? Z_FLUSH : z;
  const vn = fastVn(zc);
  const s = reinterpret<f32>(reinterpret<i32>(vn) << 23);
  return s * q2(fastG(zc, vn)) + (s - <f32>1.0);
}
@inline export function expm1Fast4(z: v128): v128 {
  const zc = f32x4.pmax(z, kv(K_Z_FLUSH));
  const t = log2e4(zc);
  const vn = fastVn4(t, zc);
  const s = i32x4.shl(vn, 23);
  return madd(s, q24(fastG4(t, zc, vn)), f32x4.sub(s, kv(K_1P0)));
}

/**
 * sech²x = 4e/(1 + e)², e = e^(−2|x|) (Tanh's gradient, activations_tanh.ts): expNeg's exact reduction
 * r = z − n·ln2, then the ratio of the section "2^−g as a ratio" rescaled from g = −r/ln2 (A = RL0 + r²,
 * B = NRL1·r, 4.7e-7): e = s·(A − B)/(A + B), and sech²x = 4·u·(A + B)/(u + (A + B))² with u = s·(A − B),
 * one division for the ratio and the quotient. Relative-accurate for every x (z = −2|x| is exact, no
 * rounding of t), 0 for |x| ≥ 44 and ±Inf, NaN kept. Bit patterns: RL0 0x41407A28, NRL1 0xC0C079DB.
 */
@inline export function sech2(x: f32): f32 { return ln2Exp(SECH2, -2.0 * abs<f32>(x)); }
@inline export function sech2_4(x: v128): v128 { const n = negAbs4(x); return ln2Exp4(SECH2, f32x4.add(n, n)); }
// @ts-ignore: decorator
@inline const RL0: f32 = 12.029823303222656;
// @ts-ignore: decorator
@inline const NRL1: f32 = -6.0148749351501465;

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
  // Estrin's scheme (as erfcPos4): the chain after the division is four levels deep, not nine
  const t2 = t * t, t4 = t2 * t2;
  const q0 = (C1 * t + C0) + (C3 * t + C2) * t2, q1 = (C5 * t + C4) + (C7 * t + C6) * t2;
  const c = (q0 + q1 * t4) + (C9 * t + C8) * (t4 * t4);
  return t * expNeg(c - z * z);
}

@inline export function erfcPos4(z: v128): v128 {
  const t = f32x4.div(kv(K_1P0), madd(kv(K_0P5), z, kv(K_1P0)));
  const t2 = f32x4.mul(t, t), t4 = f32x4.mul(t2, t2);
  const q0 = madd(madd(kv(K_C3), t, kv(K_C2)), t2, madd(kv(K_C1), t, kv(K_C0)));
  const q1 = madd(madd(kv(K_C7), t, kv(K_C6)), t2, madd(kv(K_C5), t, kv(K_C4)));
  const c = madd(madd(kv(K_C9), t, kv(K_C8)), f32x4.mul(t4, t4), madd(q1, t4, q0));
  return f32x4.mul(t, expNeg4(f32x4.sub(c, f32x4.mul(z, z))));
}
