// Element cores of the regression and hinge losses: f(t, p) for one element and its derivative
// ∂f/∂p. Each core returns f and, when G (a compile-time constant), stores gs·∂f/∂p at g[i]
// (written, or added when accum). assembly/losses_pointwise.ts runs them over rows; the scalar form
// `x1` and the four-lane form `x4` are the same formula.
import { log1pFromU1, log1pFromU4, log4, logf } from "./math";
import { expNeg, expNeg4 } from "./activations_math";
import { put1, put4 } from "./losses_util";
import { madd, sel, select4, splat } from "./vec";

/** ±1 by the sign of x, 0 at ±0 (the subgradient of |x| that tf.abs and torch.abs use). */
@inline export function sign1(x: f32): f32 { return sel(1, sel(-1, 0, x < 0), x > 0); }
@inline export function sign4(x: v128): v128 {
  return v128.and(v128.or(v128.and(x, i32x4.splat(0x80000000)), splat(1.0)), f32x4.ne(x, splat(0)));
}

// mean squared error: f = (p − t)², ∂f/∂p = 2(p − t). Also the least-squares GAN loss.
@inline export function mse1(G: bool, t: f32, p: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const d = p - t;
  if (G) put1(g, i, gs * (d + d), accum);
  return d * d;
}
@inline export function mse4(G: bool, t: v128, p: v128, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const d = f32x4.sub(p, t);
  if (G) put4(g, i, f32x4.mul(gs, f32x4.add(d, d)), accum);
  return f32x4.mul(d, d);
}

// mean absolute error: f = |p − t|, ∂f/∂p = sign(p − t) (0 at a tie).
@inline export function mae1(G: bool, t: f32, p: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const d = p - t;
  if (G) put1(g, i, gs * sign1(d), accum);
  return abs(d);
}
@inline export function mae4(G: bool, t: v128, p: v128, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const d = f32x4.sub(p, t);
  if (G) put4(g, i, f32x4.mul(gs, sign4(d)), accum);
  return f32x4.abs(d);
}

// Huber (Keras): f = ½d² for |d| ≤ δ, else δ·|d| − ½δ²; ∂f/∂p = d, else δ·sign(d). Continuous
// in value and slope at |d| = δ.
@inline export function huber1(G: bool, t: f32, p: f32, delta: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const d = p - t;
  const ad = abs(d);
  const inner = ad <= delta;
  if (G) put1(g, i, gs * sel(d, delta * sign1(d), inner), accum);
  return inner ? 0.5 * d * d : delta * ad - 0.5 * delta * delta;
}
@inline export function huber4(G: bool, t: v128, p: v128, delta: f32, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const d = f32x4.sub(p, t);
  const ad = f32x4.abs(d);
  const vd = splat(delta);
  const inner = f32x4.le(ad, vd);
  if (G) put4(g, i, f32x4.mul(gs, select4(d, f32x4.mul(vd, sign4(d)), inner)), accum);
  return select4(f32x4.mul(splat(0.5), f32x4.mul(d, d)), f32x4.sub(f32x4.mul(vd, ad), splat(0.5 * delta * delta)), inner);
}

// log-cosh: f = log cosh d = |d| + log1p(e^−2|d|) − log 2 (no overflow: cosh itself overflows at
// |d| ≈ 89), ∂f/∂p = tanh d = sign(d)·(1 − e)/(1 + e) with e = e^−2|d|. Below |d| = 1/4 both
// cancel (f ≈ d²/2 from terms ≈ 0.7), so there the Taylor series is used: f = d²/2 − d⁴/12 + d⁶/45
// − 17d⁸/2520, tanh d = d − d³/3 + 2d⁵/15 − 17d⁷/315 + 62d⁹/2835 (truncation < 1e-7 relative at 1/4).
// e by the ln2-reduced expNeg (≤ 3 ulp), and one division ρ = 1/(1 + e) serves both tanh = (1 − e)·ρ
// and log1p(e) (math.ts' log1pFromU; before: Cephes exp, log1p's log and division, and tanh's division).
// Error: ≤ 1e-6 relative for f at |d| < 1/4; above, ≤ 2^-23·(|d| + 1) absolute; tanh ≤ 4 ulp.
// @ts-ignore: decorator
@inline const LN2: f32 = 0.693147180559945;
// @ts-ignore: decorator
@inline const LC_SMALL: f32 = 0.25;
@inline function lcSeries(z: f32): f32 { return z * (0.5 - z * (<f32>(1.0 / 12) - z * (<f32>(1.0 / 45) - z * <f32>(17.0 / 2520)))); }
@inline function thSeries(d: f32, z: f32): f32 {
  return d * (1 - z * (<f32>(1.0 / 3) - z * (<f32>(2.0 / 15) - z * (<f32>(17.0 / 315) - z * <f32>(62.0 / 2835)))));
}
@inline export function logcosh1(G: bool, t: f32, p: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const d = p - t;
  const ad = abs(d);
  const z = d * d;
  const e = expNeg(-2 * ad);
  const u: f32 = 1.0 + e;
  const rho: f32 = 1.0 / u; // one division for tanh and log1p (math.ts' log1pFromU)
  const small = ad < LC_SMALL;
  if (G) put1(g, i, gs * (small ? thSeries(d, z) : sign1(d) * ((1 - e) * rho)), accum);
  return small ? lcSeries(z) : ad + log1pFromU1(e, u, rho) - LN2;
}
@inline export function logcosh4(G: bool, t: v128, p: v128, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const d = f32x4.sub(p, t);
  const ad = f32x4.abs(d);
  const z = f32x4.mul(d, d);
  const e = expNeg4(f32x4.mul(splat(-2), ad));
  const small = f32x4.lt(ad, splat(LC_SMALL));
  const one = splat(1);
  const u = f32x4.add(one, e);
  const rho = f32x4.div(one, u);
  if (G) {
    let th = madd(z, splat(-62.0 / 2835), splat(17.0 / 315));
    th = madd(f32x4.neg(z), th, splat(2.0 / 15));
    th = madd(f32x4.neg(z), th, splat(1.0 / 3));
    th = f32x4.mul(d, madd(f32x4.neg(z), th, one));
    const big = f32x4.mul(sign4(d), f32x4.mul(f32x4.sub(one, e), rho));
    put4(g, i, f32x4.mul(gs, select4(th, big, small)), accum);
  }
  let s = madd(z, splat(-17.0 / 2520), splat(1.0 / 45));
  s = madd(f32x4.neg(z), s, splat(1.0 / 12));
  s = f32x4.mul(z, madd(f32x4.neg(z), s, splat(0.5)));
  return select4(s, f32x4.sub(f32x4.add(ad, log1pFromU4(e, u, rho)), splat(LN2)), small);
}

// quantile (pinball), e = t − p: f = max(q·e, (q − 1)·e); ∂f/∂p = −q for e > 0, 1 − q for e < 0,
// 0 at a tie (as MAE: q = ½ gives ½·|e|).
@inline export function quantile1(G: bool, t: f32, p: f32, q: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const e = t - p;
  if (G) put1(g, i, gs * sel(-q, sel(1 - q, 0, e < 0), e > 0), accum);
  return max(q * e, (q - 1) * e);
}
@inline export function quantile4(G: bool, t: v128, p: v128, q: f32, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const e = f32x4.sub(t, p);
  const vq = splat(q);
  if (G) {
    const zero = splat(0);
    const dv = v128.and(select4(splat(-q), splat(1 - q), f32x4.gt(e, zero)), f32x4.ne(e, zero));
    put4(g, i, f32x4.mul(gs, dv), accum);
  }
  return f32x4.pmax(f32x4.mul(vq, e), f32x4.mul(splat(q - 1), e));
}

// Poisson (Keras): f = p − t·log(p + ε), ε = 1e-7 keeps p = 0 finite; ∂f/∂p = 1 − t/(p + ε).
// @ts-ignore: decorator
@inline export const EPS: f32 = 1e-7;
@inline export function poisson1(G: bool, t: f32, p: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const pe = p + EPS;
  if (G) put1(g, i, gs * (1 - t / pe), accum);
  return p - t * logf(pe);
}
@inline export function poisson4(G: bool, t: v128, p: v128, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const pe = f32x4.add(p, splat(EPS));
  if (G) put4(g, i, f32x4.mul(gs, f32x4.sub(splat(1), f32x4.div(t, pe))), accum);
  return f32x4.sub(p, f32x4.mul(t, log4(pe)));
}

// Wasserstein critic loss: f = t·p (labels ±1), ∂f/∂p = t.
@inline export function wass1(G: bool, t: f32, p: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  if (G) put1(g, i, gs * t, accum);
  return t * p;
}
@inline export function wass4(G: bool, t: v128, p: v128, g: usize, i: i32, gs: v128, accum: i32): v128 {
  if (G) put4(g, i, f32x4.mul(gs, t), accum);
  return f32x4.mul(t, p);
}

// hinge (sq = false) and squared hinge (sq = true), labels ±1 (t' = 2t − 1 when the kernel found the
// labels all in {0, 1}, as Keras): m = max(1 − t'·p, 0); f = m or m²; ∂f/∂p = −t'·[m > 0] or −2t'·m.
@inline export function hinge1(G: bool, sq: bool, t: f32, p: f32, convert: bool, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const tt: f32 = convert ? 2 * t - 1 : t;
  const m = max<f32>(1 - tt * p, 0);
  if (G) put1(g, i, gs * (sq ? -2 * tt * m : m > 0 ? -tt : 0), accum);
  return sq ? m * m : m;
}
@inline export function hinge4(G: bool, sq: bool, t: v128, p: v128, convert: bool, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const tt = convert ? f32x4.sub(f32x4.add(t, t), splat(1)) : t;
  const m = f32x4.pmax(f32x4.sub(splat(1), f32x4.mul(tt, p)), splat(0));
  if (G) {
    const dv = sq ? f32x4.mul(splat(-2), f32x4.mul(tt, m)) : v128.and(f32x4.neg(tt), f32x4.gt(m, splat(0)));
    put4(g, i, f32x4.mul(gs, dv), accum);
  }
  return sq ? f32x4.mul(m, m) : m;
}
