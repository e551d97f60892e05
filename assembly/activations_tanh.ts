// tanh as an odd rational, the forward of Tanh (activations_ops.ts); its gradient is sech2 (activations_math.ts).
import { kv, madd, sel } from "./vec";

// Vector constants in static memory (see kv in vec.ts).
// @ts-ignore: decorator
@lazy const K_1P0 = memory.data<f32>([1.0, 1.0, 1.0, 1.0]);
// @ts-ignore: decorator
@lazy const K_TP1 = memory.data<f32>([TP1, TP1, TP1, TP1]);
// @ts-ignore: decorator
@lazy const K_TP2 = memory.data<f32>([TP2, TP2, TP2, TP2]);
// @ts-ignore: decorator
@lazy const K_TP3 = memory.data<f32>([TP3, TP3, TP3, TP3]);
// @ts-ignore: decorator
@lazy const K_TP4 = memory.data<f32>([TP4, TP4, TP4, TP4]);
// @ts-ignore: decorator
@lazy const K_TQ1 = memory.data<f32>([TQ1, TQ1, TQ1, TQ1]);
// @ts-ignore: decorator
@lazy const K_TQ2 = memory.data<f32>([TQ2, TQ2, TQ2, TQ2]);
// @ts-ignore: decorator
@lazy const K_TQ3 = memory.data<f32>([TQ3, TQ3, TQ3, TQ3]);
// @ts-ignore: decorator
@lazy const K_TQ4 = memory.data<f32>([TQ4, TQ4, TQ4, TQ4]);
// @ts-ignore: decorator
@lazy const K_TANH_CLAMP = memory.data<f32>([TANH_CLAMP, TANH_CLAMP, TANH_CLAMP, TANH_CLAMP]);
// @ts-ignore: decorator
@lazy const K_NEG_TANH_CLAMP = memory.data<f32>([-TANH_CLAMP, -TANH_CLAMP, -TANH_CLAMP, -TANH_CLAMP]);

// tanh(x) = x·P(x²)/Q(x²) on |x| ≤ TANH_CLAMP, an odd rational of degrees 9/8 (P and Q quartic in x²,
// both with constant term 1): minimax for relative error over [0, 9] (Lawson-weighted least squares,
// fitted here), 2.1e-8 in float64. The float32 evaluation adds up to 8 ulp near ±1, and P3 and Q4 sit a
// few ulp off their rounded values so that it never exceeds 1. Checked over every float32 in
// [2^−30, TANH_CLAMP], with and without fused multiply-adds: relative error ≤ 4.9e-7, |y| ≤ 1. Below
// 2^−13, P = Q = 1 and tanh(x) = x exactly (−0 kept). TANH_CLAMP (0x41104A8C) is a float where
// P/Q·x gives exactly 1 in both evaluations, above tanh's float32 rounding to 1 at 9.011: tanh(±20)
// = ±1 and ±Inf give ±1. The clamp is pmin/pmax, so NaN stays NaN.
// Why: 21 vector operations in the plain SIMD build against 25 for the exponential form
// ((1 − s) − s·q)/((1 + s) + s·q), with no sign handling (the rational is odd): 1.2× the throughput.
// Its 8 ulp near ±1 would spoil 1 − y² for the backward pass, so Tanh's gradient reads x instead
// (sech2 in activations_math.ts, from one exponential).
// Bit patterns: P 0x3E0903D3, 0x3B65090D, 0x37ACC5A9, 0x32651E21; Q 0x3EEF2C8E, 0x3CD3F5B5, 0x39AC31BC, 0x35508D1A.
// @ts-ignore: decorator
@inline const TP1: f32 = 0.13380365073680878;
// @ts-ignore: decorator
@inline const TP2: f32 = 0.003494802163913846;
// @ts-ignore: decorator
@inline const TP3: f32 = 2.05960404855432e-05;
// @ts-ignore: decorator
@inline const TP4: f32 = 1.3336404869335183e-08;
// @ts-ignore: decorator
@inline const TQ1: f32 = 0.46713680028915405;
// @ts-ignore: decorator
@inline const TQ2: f32 = 0.025873998180031776;
// @ts-ignore: decorator
@inline const TQ3: f32 = 0.00032843451481312513;
// @ts-ignore: decorator
@inline const TQ4: f32 = 7.769136800561682e-07;
// @ts-ignore: decorator
@inline const TANH_CLAMP: f32 = 9.018199920654297;

/** tanh(x) for any x (see above). Horner's scheme, the order madd gives the vector form. */
@inline export function tanhRational(x: f32): f32 {
  const xc = sel(-TANH_CLAMP, sel(TANH_CLAMP, x, x > TANH_CLAMP), x < -TANH_CLAMP);
  const s = xc * xc;
  const p = (((TP4 * s + TP3) * s + TP2) * s + TP1) * s + <f32>1.0;
  const q = (((TQ4 * s + TQ3) * s + TQ2) * s + TQ1) * s + <f32>1.0;
  return (xc * p) / q;
}
@inline export function tanhRational4(x: v128): v128 {
  const xc = f32x4.pmax(f32x4.pmin(x, kv(K_TANH_CLAMP)), kv(K_NEG_TANH_CLAMP));
  const s = f32x4.mul(xc, xc);
  const p = madd(madd(madd(madd(kv(K_TP4), s, kv(K_TP3)), s, kv(K_TP2)), s, kv(K_TP1)), s, kv(K_1P0));
  const q = madd(madd(madd(madd(kv(K_TQ4), s, kv(K_TQ3)), s, kv(K_TQ2)), s, kv(K_TQ1)), s, kv(K_1P0));
  return f32x4.div(f32x4.mul(xc, p), q);
}
