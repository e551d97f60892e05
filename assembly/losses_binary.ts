// Element cores of the binary / multi-label cross-entropies and KL divergence, same contract as
// assembly/losses_regression.ts: return f(t, p), and when G store gs·∂f/∂p at g[i] (written or added).
// Label smoothing arrives as (ls1, ls0): z = t·ls1 + ls0, i.e. ls1 = 1 − ε, ls0 = ε/2 (Keras).
import { exp4, expf, log1pFromU1, log1pFromU4, log4, logf } from "./math";
import { EPS } from "./losses_regression";
import { put1, put4 } from "./losses_util";
import { expNeg, expNeg4 } from "./activations_math";
import { kv, madd, nmadd, select4, splat } from "./vec";

// @ts-ignore: decorator
@lazy const K_ONE = memory.data<f32>([1.0, 1.0, 1.0, 1.0]);

// @ts-ignore: decorator
@inline const ONE_MINUS_EPS: f32 = 0.99999988; // float32(1 − 1e-7), Keras' upper clip

// Binary cross-entropy on probabilities (Keras): pc = clip(p, ε, 1 − ε), f = −(z·log pc + (1−z)·log(1−pc)).
// ∂f/∂p = (pc − z)/(pc·(1 − pc)) inside the clip and 0 where p was clipped (the gradient of Keras'
// clip op), so a saturated probability stops learning exactly as in Keras. 1 − pc is exact for
// pc ≥ ½ (Sterbenz), so log(1 − pc) loses nothing.
@inline export function bceCore1(z: f32, p: f32): f32 {
  const pc = min(max(p, EPS), ONE_MINUS_EPS);
  return -(z * logf(pc) + (1 - z) * logf(1 - pc));
}
@inline export function bceGrad1(z: f32, p: f32): f32 {
  const pc = min(max(p, EPS), ONE_MINUS_EPS);
  return p < EPS || p > ONE_MINUS_EPS ? 0 : (pc - z) / (pc * (1 - pc));
}
@inline export function bceCore4(z: v128, p: v128): v128 {
  const pc = f32x4.pmin(f32x4.pmax(p, splat(EPS)), splat(ONE_MINUS_EPS));
  return f32x4.neg(madd(z, log4(pc), f32x4.mul(f32x4.sub(splat(1), z), log4(f32x4.sub(splat(1), pc)))));
}
@inline export function bceGrad4(z: v128, p: v128): v128 {
  const pc = f32x4.pmin(f32x4.pmax(p, splat(EPS)), splat(ONE_MINUS_EPS));
  const inside = v128.and(f32x4.ge(p, splat(EPS)), f32x4.le(p, splat(ONE_MINUS_EPS)));
  return v128.and(f32x4.div(f32x4.sub(pc, z), f32x4.mul(pc, f32x4.sub(splat(1), pc))), inside);
}

@inline export function bce1(G: bool, t: f32, p: f32, ls1: f32, ls0: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const z = t * ls1 + ls0;
  if (G) put1(g, i, gs * bceGrad1(z, p), accum);
  return bceCore1(z, p);
}
@inline export function bce4(G: bool, t: v128, p: v128, ls1: f32, ls0: f32, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const z = madd(t, splat(ls1), splat(ls0));
  if (G) put4(g, i, f32x4.mul(gs, bceGrad4(z, p)), accum);
  return bceCore4(z, p);
}

// Binary cross-entropy on logits x: f = max(x, 0) − x·z + log1p(e^−|x|) (= −z·log σ(x) − (1−z)·log σ(−x)
// without overflow: the exponent is never positive); ∂f/∂x = σ(x) − z. Finite for every finite x;
// unclipped, as tf.nn.sigmoid_cross_entropy_with_logits, which Keras uses for from_logits.
// One division: with e = e^−|x| (expNeg, argument ≤ 0), u = fl(1 + e) and ρ = 1/u, σ(|x|) = ρ,
// σ(−|x|) = e·ρ, and log1p(e) = log u + δ·ρ where δ = e − (u − 1) is the exact rounding error of 1 + e
// (Fast2Sum; u − 1 is exact for u ∈ [1, 2]); the dropped term (δ·ρ)²/2 is below 2^−49.
// The gradient σ(x) − z is formed as σ(x)·(1 − z) − σ(−x)·z, so at confident logits (z = 1, x = 16:
// 1 − σ ≈ 1e-7) it stays relative instead of being a rounded 1 − σ.
// Bound: log1p(e) within 2 ulp + 2^−49, σ(±x) within 4 ulp relative; f within 2 ulp of the largest of its
// terms; the gradient within 5 ulp of max(σ(x)·(1 − z), σ(−x)·z).
@inline export function bceLogits1(G: bool, t: f32, x: f32, ls1: f32, ls0: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const z = t * ls1 + ls0;
  const e = expNeg(-abs(x));
  const u: f32 = 1.0 + e;
  const rho: f32 = 1.0 / u;
  const er = e * rho;
  if (G) put1(g, i, gs * ((x >= 0 ? rho : er) * (1 - z) - (x >= 0 ? er : rho) * z), accum); // σ(x)·(1 − z) − σ(−x)·z: no 1 − σ cancellation
  return max<f32>(x, 0) - x * z + log1pFromU1(e, u, rho);
}
@inline export function bceLogits4(G: bool, t: v128, x: v128, ls1: f32, ls0: f32, g: usize, i: i32, gs: v128, accum: i32): v128 {
  return bceLogitsE4(G, t, x, bceExp4(x), ls1, ls0, g, i, gs, accum);
}
/** e^−|x|, the first half of bceLogits4 (losses_pointwise.ts runs it as its own pass over a block). */
@inline export function bceExp4(x: v128): v128 {
  return expNeg4(f32x4.neg(f32x4.abs(x)));
}
/** bceLogits4 with e = e^−|x| given. */
@inline export function bceLogitsE4(G: bool, t: v128, x: v128, e: v128, ls1: f32, ls0: f32, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const z = madd(t, splat(ls1), splat(ls0));
  const one = kv(K_ONE);
  const u = f32x4.add(one, e);
  const rho = f32x4.div(one, u);
  if (G) {
    const er = f32x4.mul(e, rho), pos = f32x4.ge(x, splat(0));
    put4(g, i, f32x4.mul(gs, nmadd(select4(er, rho, pos), z, f32x4.mul(select4(rho, er, pos), f32x4.sub(one, z)))), accum); // σ(x)·(1 − z) − σ(−x)·z
  }
  return f32x4.sub(f32x4.pmax(x, splat(0)), f32x4.sub(f32x4.mul(x, z), log1pFromU4(e, u, rho)));
}

// Binary focal cross-entropy (Keras): with b = 1 − p_t = z·(1 − p) + (1 − z)·p (p unclipped, as
// Keras forms p_t) and the focal factor F = b^γ, f = a·F·BCE, a = z·α + (1 − z)·(1 − α) when class
// balancing, else 1. ∂F/∂p = γ·b^(γ−1)·(1 − 2z), so ∂f/∂p = a·(∂F/∂p·BCE + F·∂BCE/∂p).
// b^γ = exp(γ·log b) except γ = 2 (b², exact) and b = 0 (0^γ: 1 for γ = 0, else 0);
// γ·b^(γ−1) likewise (at b = 0: 0 for γ = 0 or γ > 1, 1 for γ = 1, +Inf for 0 < γ < 1).
@inline function fpow1(b: f32, gamma: f32): f32 {
  if (gamma == 2) return b * b;
  return b == 0 ? (gamma == 0 ? 1 : 0) : expf(gamma * logf(b));
}
@inline function fdpow1(b: f32, gamma: f32): f32 {
  if (gamma == 2) return b + b;
  if (gamma == 1) return 1;
  if (gamma == 0) return 0;
  return b == 0 ? (gamma < 1 ? Infinity : 0) : gamma * expf((gamma - 1) * logf(b));
}
@inline function fpow4(b: v128, gamma: f32): v128 {
  if (gamma == 2) return f32x4.mul(b, b);
  const at0 = splat(gamma == 0 ? 1 : 0);
  return select4(at0, exp4(f32x4.mul(splat(gamma), log4(b))), f32x4.eq(b, splat(0)));
}
@inline function fdpow4(b: v128, gamma: f32): v128 {
  if (gamma == 2) return f32x4.add(b, b);
  if (gamma == 1) return splat(1);
  if (gamma == 0) return splat(0);
  const at0 = splat(gamma < 1 ? Infinity : 0);
  return select4(at0, f32x4.mul(splat(gamma), exp4(f32x4.mul(splat(gamma - 1), log4(b)))), f32x4.eq(b, splat(0)));
}

/** Probability form; params (γ, α, balance ≠ 0, ε). */
@inline export function focal1(G: bool, t: f32, p: f32, gamma: f32, alpha: f32, bal: f32, ls: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const z = t * (1 - ls) + 0.5 * ls;
  const a: f32 = bal != 0 ? z * alpha + (1 - z) * (1 - alpha) : 1;
  const b = z * (1 - p) + (1 - z) * p;
  const F = fpow1(b, gamma);
  const ce = bceCore1(z, p);
  if (G) put1(g, i, gs * a * (fdpow1(b, gamma) * (1 - 2 * z) * ce + F * bceGrad1(z, p)), accum);
  return a * F * ce;
}
@inline export function focal4(G: bool, t: v128, p: v128, gamma: f32, alpha: f32, bal: f32, ls: f32, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const one = splat(1);
  const z = madd(t, splat(1 - ls), splat(0.5 * ls));
  const zc = f32x4.sub(one, z);
  const a = bal != 0 ? madd(z, splat(alpha), f32x4.mul(zc, splat(1 - alpha))) : one;
  const b = madd(z, f32x4.sub(one, p), f32x4.mul(zc, p));
  const F = fpow4(b, gamma);
  const ce = bceCore4(z, p);
  if (G) {
    const dF = f32x4.mul(fdpow4(b, gamma), f32x4.sub(one, f32x4.add(z, z)));
    put4(g, i, f32x4.mul(f32x4.mul(gs, a), madd(dF, ce, f32x4.mul(F, bceGrad4(z, p)))), accum);
  }
  return f32x4.mul(a, f32x4.mul(F, ce));
}

// Logits form, Keras 3's: p = σ(x), then the probability form above, so the BCE term sees p clipped to
// [ε, 1 − ε] (float32 bounds, as bceCore1) and the logits and probability forms agree everywhere.
// p = σ(x) and q = σ(−x) from one e^−|x| and one division (as bceLogits1). Clipping p is clamping x to
// [X_LO, X_HI] = [logit ε, logit(1 − ε)] inside the stable BCE-from-logits, max(x, 0) − x·z + log1p(e^−|x|);
// its log1p term is kept from the unclamped x, which moves a clipped loss (about 16) by under 1.2e-7. Where x
// was clamped the BCE term has no gradient (Keras' clip op); elsewhere dBCE/dx = p − z. ±Inf give the clip's
// finite loss. ∂f/∂x = a·(γ·b^(γ−1)·(1 − 2z)·p·q·BCE + F·dBCE/dx), b = 1 − p_t from the unclipped p.
// @ts-ignore: decorator
@inline const X_LO: f32 = -16.118095; // log(ε/(1 − ε)), ε = float32(1e-7)
// @ts-ignore: decorator
@inline const X_HI: f32 = 15.942385; // log((1 − ε')/ε'), 1 − ε' = float32(1 − 1e-7) = 1 − 2^−23
@inline export function focalLogits1(G: bool, t: f32, x: f32, gamma: f32, alpha: f32, bal: f32, ls: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const z = t * (1 - ls) + 0.5 * ls;
  const a: f32 = bal != 0 ? z * alpha + (1 - z) * (1 - alpha) : 1;
  const e = expNeg(-abs(x));
  const u: f32 = 1.0 + e;
  const rho: f32 = 1.0 / u;
  const er = e * rho;
  const p = x >= 0 ? rho : er, q = x >= 0 ? er : rho;
  const b = z * q + (1 - z) * p;
  const F = fpow1(b, gamma);
  const xc = x < X_LO ? X_LO : x > X_HI ? X_HI : x; // as pmax then pmin: NaN stays NaN
  const ce = max<f32>(xc, 0) - xc * z + log1pFromU1(e, u, rho);
  if (G) put1(g, i, gs * a * (fdpow1(b, gamma) * (1 - 2 * z) * (p * q) * ce + F * (xc == x ? p - z : 0)), accum);
  return a * F * ce;
}
@inline export function focalLogits4(G: bool, t: v128, x: v128, gamma: f32, alpha: f32, bal: f32, ls: f32, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const one = splat(1);
  const z = madd(t, splat(1 - ls), splat(0.5 * ls));
  const zc = f32x4.sub(one, z);
  const a = bal != 0 ? madd(z, splat(alpha), f32x4.mul(zc, splat(1 - alpha))) : one;
  const e = bceExp4(x);
  const u = f32x4.add(one, e);
  const rho = f32x4.div(one, u);
  const er = f32x4.mul(e, rho), pos = f32x4.ge(x, splat(0));
  const p = select4(rho, er, pos), q = select4(er, rho, pos);
  const b = madd(z, q, f32x4.mul(zc, p));
  const F = fpow4(b, gamma);
  const xc = f32x4.pmin(f32x4.pmax(x, splat(X_LO)), splat(X_HI));
  const ce = f32x4.sub(f32x4.pmax(xc, splat(0)), f32x4.sub(f32x4.mul(xc, z), log1pFromU4(e, u, rho)));
  if (G) {
    const dce = v128.and(f32x4.sub(p, z), f32x4.eq(xc, x)); // NaN x: 0 here, NaN through the first term
    const dF = f32x4.mul(f32x4.mul(fdpow4(b, gamma), f32x4.sub(one, f32x4.add(z, z))), f32x4.mul(p, q));
    put4(g, i, f32x4.mul(f32x4.mul(gs, a), madd(dF, ce, f32x4.mul(F, dce))), accum);
  }
  return f32x4.mul(a, f32x4.mul(F, ce));
}

// Kullback–Leibler divergence (Keras): tc = clip(t, ε, 1), pc = clip(p, ε, 1), f = tc·log(tc/pc)
// (one log of a ratio: no cancellation between two logs when tc ≈ pc); ∂f/∂p = −tc/pc inside the
// clip, 0 where p was clipped. Summed (not averaged) over the last axis.
@inline export function kld1(G: bool, t: f32, p: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const tc = min<f32>(max(t, EPS), 1), pc = min<f32>(max(p, EPS), 1);
  if (G) put1(g, i, gs * (p < EPS || p > 1 ? 0 : -tc / pc), accum);
  return tc * logf(tc / pc);
}
@inline export function kld4(G: bool, t: v128, p: v128, g: usize, i: i32, gs: v128, accum: i32): v128 {
  const lo = splat(EPS), one = splat(1);
  const tc = f32x4.pmin(f32x4.pmax(t, lo), one), pc = f32x4.pmin(f32x4.pmax(p, lo), one);
  if (G) {
    const inside = v128.and(f32x4.ge(p, lo), f32x4.le(p, one));
    put4(g, i, f32x4.mul(gs, v128.and(f32x4.neg(f32x4.div(tc, pc)), inside)), accum);
  }
  return f32x4.mul(tc, log4(f32x4.div(tc, pc)));
}
