// exp, log and log1p in float32, one algorithm written twice: `expf` for one lane and `exp4`
// for four. The scalar build calls the first, the SIMD builds the second, so their difference
// measures vectorisation alone. Coefficients are the classic Cephes single-precision minimax
// polynomials (public domain, S. Moshier); argument reduction as in Cephes, scaling split in two
// steps so that denormal results and the overflow to +Inf come out right.
//
// Error bounds (checked in test/math.test.ts against float64 over 2^20 points each):
//   exp:   ≤ 2 ulp relative for results ≥ 2^-126; absolute ≤ 2^-149 below.  exp(-Inf) = 0, exp(+Inf) = +Inf.
//   log:   ≤ 2 ulp relative away from 1, ≤ 2^-24 absolute near 1. log(0) = -Inf, log(x<0) = NaN.
//   log1p: ≤ 3 ulp relative for x > -1 (Goldberg: log(u)·x/(u−1) with u = 1+x cancels u's rounding).
// NaN propagates through all three in both forms.
import { kv, madd, select4, splat } from "./vec";

// Vector constants in static memory (see kv in vec.ts).
// @ts-ignore: decorator
@lazy const K_1P0 = memory.data<f32>([1.0, 1.0, 1.0, 1.0]);
// @ts-ignore: decorator
@lazy const K_E0 = memory.data<f32>([E0, E0, E0, E0]);
// @ts-ignore: decorator
@lazy const K_E1 = memory.data<f32>([E1, E1, E1, E1]);
// @ts-ignore: decorator
@lazy const K_E2 = memory.data<f32>([E2, E2, E2, E2]);
// @ts-ignore: decorator
@lazy const K_E3 = memory.data<f32>([E3, E3, E3, E3]);
// @ts-ignore: decorator
@lazy const K_E4 = memory.data<f32>([E4, E4, E4, E4]);
// @ts-ignore: decorator
@lazy const K_E5 = memory.data<f32>([E5, E5, E5, E5]);
// @ts-ignore: decorator
@lazy const K_EXP_HI = memory.data<f32>([EXP_HI, EXP_HI, EXP_HI, EXP_HI]);
// @ts-ignore: decorator
@lazy const K_EXP_LO = memory.data<f32>([EXP_LO, EXP_LO, EXP_LO, EXP_LO]);
// @ts-ignore: decorator
@lazy const K_INFINITY = memory.data<f32>([Infinity, Infinity, Infinity, Infinity]);
// @ts-ignore: decorator
@lazy const K_L0 = memory.data<f32>([L0, L0, L0, L0]);
// @ts-ignore: decorator
@lazy const K_L1 = memory.data<f32>([L1, L1, L1, L1]);
// @ts-ignore: decorator
@lazy const K_L2 = memory.data<f32>([L2, L2, L2, L2]);
// @ts-ignore: decorator
@lazy const K_L3 = memory.data<f32>([L3, L3, L3, L3]);
// @ts-ignore: decorator
@lazy const K_L4 = memory.data<f32>([L4, L4, L4, L4]);
// @ts-ignore: decorator
@lazy const K_L5 = memory.data<f32>([L5, L5, L5, L5]);
// @ts-ignore: decorator
@lazy const K_L6 = memory.data<f32>([L6, L6, L6, L6]);
// @ts-ignore: decorator
@lazy const K_L7 = memory.data<f32>([L7, L7, L7, L7]);
// @ts-ignore: decorator
@lazy const K_L8 = memory.data<f32>([L8, L8, L8, L8]);
// @ts-ignore: decorator
@lazy const K_LN2_HI = memory.data<f32>([LN2_HI, LN2_HI, LN2_HI, LN2_HI]);
// @ts-ignore: decorator
@lazy const K_LN2_LO = memory.data<f32>([LN2_LO, LN2_LO, LN2_LO, LN2_LO]);
// @ts-ignore: decorator
@lazy export const K_LOG2E = memory.data<f32>([LOG2E, LOG2E, LOG2E, LOG2E]);
// @ts-ignore: decorator
@lazy const K_MIN_NORMAL = memory.data<f32>([MIN_NORMAL, MIN_NORMAL, MIN_NORMAL, MIN_NORMAL]);
// @ts-ignore: decorator
@lazy const K_NAN = memory.data<f32>([NaN, NaN, NaN, NaN]);
// @ts-ignore: decorator
@lazy const K_NEG0P5 = memory.data<f32>([-0.5, -0.5, -0.5, -0.5]);
// @ts-ignore: decorator
@lazy const K_NEGINFINITY = memory.data<f32>([-Infinity, -Infinity, -Infinity, -Infinity]);
// @ts-ignore: decorator
@lazy export const K_NEGLN2_HI = memory.data<f32>([-LN2_HI, -LN2_HI, -LN2_HI, -LN2_HI]);
// @ts-ignore: decorator
@lazy export const K_NEGLN2_LO = memory.data<f32>([-LN2_LO, -LN2_LO, -LN2_LO, -LN2_LO]);
// @ts-ignore: decorator
@lazy const K_SQRTHF = memory.data<f32>([SQRTHF, SQRTHF, SQRTHF, SQRTHF]);
// @ts-ignore: decorator
@lazy const K_TWO23 = memory.data<f32>([TWO23, TWO23, TWO23, TWO23]);

// @ts-ignore: decorator
@inline export const LOG2E: f32 = 1.44269504088896341;
// ln 2 split so that n·LN2_HI is exact for |n| < 2^9 (0x3f318000 = 0.693359375).
// @ts-ignore: decorator
@inline export const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline export const LN2_LO: f32 = -2.12194440e-4;
// Inputs are clamped to [EXP_LO, EXP_HI]: e^-104 rounds to 0 and e^89 overflows to +Inf.
// @ts-ignore: decorator
@inline const EXP_LO: f32 = -104.0;
// @ts-ignore: decorator
@inline const EXP_HI: f32 = 89.0;
// e^r ≈ 1 + r + r²·P(r) on |r| ≤ ln2/2.
// @ts-ignore: decorator
@inline const E0: f32 = 1.9875691500e-4;
// @ts-ignore: decorator
@inline const E1: f32 = 1.3981999507e-3;
// @ts-ignore: decorator
@inline const E2: f32 = 8.3334519073e-3;
// @ts-ignore: decorator
@inline const E3: f32 = 4.1665795894e-2;
// @ts-ignore: decorator
@inline const E4: f32 = 1.6666665459e-1;
// @ts-ignore: decorator
@inline const E5: f32 = 5.0000001201e-1;

/**
 * e^r − 1 = r + r²·P(r) for |r| ≤ ln2/2, without cancellation (shared with activations_math.ts). P by
 * Estrin's scheme with r² shared with the final step: chain three deep instead of five at no extra
 * operation (as log's; the bounds in the header are tested).
 */
@inline export function expm1Core(r: f32): f32 {
  const r2 = r * r;
  const p = (E4 * r + E5) + r2 * ((E2 * r + E3) + r2 * (E0 * r + E1));
  return p * r2 + r;
}

@inline export function expm1Core4(r: v128): v128 {
  const r2 = f32x4.mul(r, r);
  const p = madd(madd(madd(kv(K_E0), r, kv(K_E1)), r2, madd(kv(K_E2), r, kv(K_E3))), r2, madd(kv(K_E4), r, kv(K_E5)));
  return madd(p, r2, r);
}

/** e^x, one lane. */
@inline export function expf(x: f32): f32 {
  x = min<f32>(max<f32>(x, EXP_LO), EXP_HI);
  const n = nearest<f32>(x * LOG2E);
  let r = x - n * LN2_HI;
  r = r - n * LN2_LO;
  const y = expm1Core(r) + 1.0;
  const ni = <i32>n; // nontrapping-f2i (on by default): NaN → 0
  const h = ni >> 1;
  return y * reinterpret<f32>((h + 127) << 23) * reinterpret<f32>((ni - h + 127) << 23);
}

/** e^x, four lanes; same steps as expf. */
@inline export function exp4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, kv(K_EXP_LO)), kv(K_EXP_HI)); // pmin/pmax: one instruction each, NaN kept
  const n = f32x4.nearest(f32x4.mul(x, kv(K_LOG2E)));
  let r = madd(n, kv(K_NEGLN2_HI), x);
  r = madd(n, kv(K_NEGLN2_LO), r);
  const y = f32x4.add(expm1Core4(r), kv(K_1P0));
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const h = i32x4.shr_s(ni, 1);
  const bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(h, bias), 23);
  const s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, h), bias), 23);
  return f32x4.mul(f32x4.mul(y, s1), s2);
}

// log(m) for m in [√½, √2): log(1+f) ≈ f − f²/2 + f³·Q(f).
// @ts-ignore: decorator
@inline const SQRTHF: f32 = 0.707106781186547524;
// @ts-ignore: decorator
@inline const L0: f32 = 7.0376836292e-2;
// @ts-ignore: decorator
@inline const L1: f32 = -1.1514610310e-1;
// @ts-ignore: decorator
@inline const L2: f32 = 1.1676998740e-1;
// @ts-ignore: decorator
@inline const L3: f32 = -1.2420140846e-1;
// @ts-ignore: decorator
@inline const L4: f32 = 1.4249322787e-1;
// @ts-ignore: decorator
@inline const L5: f32 = -1.6668057665e-1;
// @ts-ignore: decorator
@inline const L6: f32 = 2.0000714765e-1;
// @ts-ignore: decorator
@inline const L7: f32 = -2.4999993993e-1;
// @ts-ignore: decorator
@inline const L8: f32 = 3.3333331174e-1;
// 2^23 (0x4b000000) lifts a denormal into the normal range before the exponent is read.
// @ts-ignore: decorator
@inline const TWO23: f32 = 8388608.0;
// @ts-ignore: decorator
@inline const MIN_NORMAL: f32 = 1.17549435e-38;

// Cephes' P(f) = L0·f^8 + … + L8 by Estrin's scheme, not Horner's: the dependency chain is five
// multiply-adds instead of eight, which is what bounds loops whose iterations each take a log (BCE from
// logits at 256 × 10 spent 6 of its 9.4 µs in the Horner chain: the out-of-order window holds about two
// iterations). Same coefficients, one more product; every partial sum is dominated by its constant
// term (|f| < 0.415), so the rounding stays within Horner's (the bounds in the header hold, tested).
@inline function logPoly(f: f32, f2: f32): f32 {
  const f4 = f2 * f2;
  const r0 = (L8 + L7 * f) + f2 * (L6 + L5 * f);
  const r1 = (L4 + L3 * f) + f2 * ((L2 + L1 * f) + f2 * L0);
  return r0 + f4 * r1;
}
@inline function logPoly4(f: v128, f2: v128): v128 {
  const f4 = f32x4.mul(f2, f2);
  const r0 = madd(madd(kv(K_L5), f, kv(K_L6)), f2, madd(kv(K_L7), f, kv(K_L8)));
  const r1 = madd(madd(kv(K_L0), f2, madd(kv(K_L1), f, kv(K_L2))), f2, madd(kv(K_L3), f, kv(K_L4)));
  return madd(r1, f4, r0);
}

/** Natural log, one lane. */
@inline export function logf(x: f32): f32 {
  const tiny = x < MIN_NORMAL;
  const xs = tiny ? x * TWO23 : x;
  const bits = reinterpret<i32>(xs);
  let e = (bits >> 23) - 126 - (tiny ? 23 : 0);
  let m = reinterpret<f32>((bits & 0x007fffff) | 0x3f000000);
  if (m < SQRTHF) { e -= 1; m = m + m - 1.0; } else m = m - 1.0;
  const z = m * m;
  const p = logPoly(m, z);
  const fe = <f32>e;
  let y = p * m * z + fe * LN2_LO - 0.5 * z;
  let r = m + y + fe * LN2_HI;
  if (!(x > 0)) r = x == 0 ? -Infinity : NaN;
  if (x == Infinity) r = Infinity;
  return r;
}

// log4's integer constants, also from static memory: V8 rebuilds a v128.const inside every loop trip.
// @ts-ignore: decorator
@lazy const K_I126 = memory.data<i32>([126, 126, 126, 126]);
// @ts-ignore: decorator
@lazy const K_I23 = memory.data<i32>([23, 23, 23, 23]);
// @ts-ignore: decorator
@lazy const K_MANT_MASK = memory.data<i32>([0x007fffff, 0x007fffff, 0x007fffff, 0x007fffff]);
// 0x3f000000 = 0.5: the mantissa is set into [0.5, 1)
// @ts-ignore: decorator
@lazy const K_HALF_BITS = memory.data<i32>([0x3f000000, 0x3f000000, 0x3f000000, 0x3f000000]);
// @ts-ignore: decorator
@lazy const K_ZERO = memory.data<f32>([0, 0, 0, 0]);

/**
 * log(2^fe·(1 + f)) for f ∈ [√½ − 1, √2 − 1), fe an integer as f32: Cephes' f − f²/2 + f³·P(f) plus
 * fe·ln2 in two parts (≤ 1 ulp, as logf). log4 and callers that reduce their argument more cheaply
 * (a u known to lie in [1, 2]) share it.
 */
@inline export function logReduced4(f: v128, fe: v128): v128 {
  const z = f32x4.mul(f, f);
  const p = logPoly4(f, z);
  let y = madd(f32x4.mul(p, f), z, f32x4.mul(fe, kv(K_LN2_LO)));
  y = madd(kv(K_NEG0P5), z, y);
  return madd(fe, kv(K_LN2_HI), f32x4.add(f, y));
}

/**
 * log x for a normal, finite x > 0, with `shift` (an i32 per lane) taken off its exponent: log4's
 * reduction and polynomial without its special cases. Callers whose argument is known to be such a
 * number (a softmax sum s ≥ 1) skip log4's dozen blends; anything else in gives a finite wrong value.
 */
@inline export function logNormal4(x: v128, shift: v128): v128 {
  let e = i32x4.sub(i32x4.sub(i32x4.shr_s(x, 23), kv(K_I126)), shift);
  let m = v128.or(v128.and(x, kv(K_MANT_MASK)), kv(K_HALF_BITS));
  const lo = f32x4.lt(m, kv(K_SQRTHF));
  e = i32x4.add(e, lo); // lo lanes are -1
  m = f32x4.sub(f32x4.add(m, v128.and(m, lo)), kv(K_1P0));
  return logReduced4(m, f32x4.convert_i32x4_s(e));
}

/** Natural log, four lanes; same steps as logf, special cases blended in at the end. */
@inline export function log4(x: v128): v128 {
  const tiny = f32x4.lt(x, kv(K_MIN_NORMAL));
  const xs = select4(f32x4.mul(x, kv(K_TWO23)), x, tiny);
  let r = logNormal4(xs, v128.and(tiny, kv(K_I23)));
  const zero = kv(K_ZERO);
  const special = f32x4.le(x, zero); // x ≤ 0: -Inf at 0, NaN below
  r = select4(select4(kv(K_NEGINFINITY), kv(K_NAN), f32x4.eq(x, zero)), r, special);
  r = select4(x, r, f32x4.ne(x, x)); // NaN in, NaN out
  return select4(kv(K_INFINITY), r, f32x4.eq(x, kv(K_INFINITY)));
}

// log u on u ∈ [1, 2] (u = 1 + e, e = e^−|x| ∈ [0, 1]): log4 without its exponent extraction and special cases.
// u ≥ √2 is halved (exponent 1), so f = u' − 1 ∈ [√½ − 1, √2 − 1) is exact, then logReduced4
// (≤ 1 ulp as logf). NaN in, NaN out (every compare is false, the polynomial carries it). Constants as
// static vectors (kv): log4's reduction costs more than this one (measured: BCE 256×10 17.4 → 12.9 µs, simd).
// @ts-ignore: decorator
@lazy const K_SQRT2_HALF = memory.data<f32>([1.4142135623730951, 1.4142135623730951, 1.4142135623730951, 1.4142135623730951, 0.5, 0.5, 0.5, 0.5]);
@inline function log12_4(u: v128): v128 {
  const one = kv(K_1P0);
  const hi = f32x4.ge(u, kv(K_SQRT2_HALF));
  const f = f32x4.sub(select4(f32x4.mul(u, kv(K_SQRT2_HALF + 16)), u, hi), one);
  return logReduced4(f, v128.and(hi, one)); // the exponent, 0 or 1
}

/**
 * log1p(e) for e ∈ [0, 1] given u = fl(1 + e) and ρ = 1/u, which callers need anyway (σ from logits,
 * tanh): log u + δ·ρ, δ = e − (u − 1) the exact rounding error of 1 + e (Fast2Sum; u − 1 is exact for
 * u ∈ [1, 2]); the dropped (δ·ρ)²/2 is below 2^−49. Within 2 ulp + 2^−49. BCE and focal from logits, log-cosh.
 */
@inline export function log1pFromU1(e: f32, u: f32, rho: f32): f32 { return logf(u) + (e - (u - 1.0)) * rho; }
@inline export function log1pFromU4(e: v128, u: v128, rho: v128): v128 {
  return madd(f32x4.sub(e, f32x4.sub(u, kv(K_1P0))), rho, log12_4(u));
}

/** log(1 + x), one lane. */
@inline export function log1pf(x: f32): f32 {
  const u: f32 = 1.0 + x;
  if (u == 1.0) return x;
  if (u == Infinity) return logf(u);
  return logf(u) * (x / (u - <f32>1.0));
}

/** log(1 + x), four lanes. */
@inline export function log1p4(x: v128): v128 {
  const one = kv(K_1P0);
  const u = f32x4.add(one, x);
  const lu = log4(u);
  let r = f32x4.mul(lu, f32x4.div(x, f32x4.sub(u, one)));
  r = select4(x, r, f32x4.eq(u, one));
  return select4(lu, r, f32x4.eq(u, kv(K_INFINITY)));
}
