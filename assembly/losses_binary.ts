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

// Logits form: f = a·F·CE with CE the stable, unclipped BCE from logits, as tf.keras 2's
// binary_focal_crossentropy(from_logits=True) and torchvision's sigmoid_focal_loss compute it. (Keras 3 takes
// σ(x), then the clipped probability form: past |x| ≈ 16 the clip holds the BCE term constant, and a
// confidently wrong logit keeps only γ·σ(−|x|)·16 of gradient, zero in practice, on exactly the hard examples
// focal loss exists for. Probabilities keep that clip: focal1 above.)
//   p = σ(x), q = σ(−x) from one e = e^−|x| and one division, as bceLogits1.
//   b = 1 − p_t = z·q + (1 − z)·p: two terms ≥ 0, so a confident right answer (z = 1, x = 30: b = σ(−30)
//     ≈ 9.4e-14) keeps its relative accuracy where 1 − σ(x) would round to 0.
//   CE = max(x, 0) − x·z + log1p(e) = x·w + log1p(e), w = 1 − z for x ≥ 0 and −z below: one product, both
//     terms ≥ 0 (x − x·z loses x·2^−24 when z ≈ 1). x·w counts as 0 where w = 0, so an infinite logit gives
//     the limit (0 when infinitely right, +Inf when infinitely wrong) instead of 0·∞.
// Gradient: dp/dx = pq, dq/dx = −pq, so db/dx = (1 − 2z)·pq; dCE/dx = p − z = p·(1 − z) − q·z (no 1 − σ);
// dF/db = γ·b^(γ−1). With S = γ·b^(γ−1)·pq,
//   ∂f/∂x = a·(S·(1 − 2z)·CE + F·(p·(1 − z) − q·z)).
// b^(γ−1) is unbounded as b → 0 when γ < 1, so S is formed as γ·F·(pq/b): b lies between p and q, so
// pq/b ≤ max(p, q) ≤ 1 and S ≤ γ·F, finite for every γ ≥ 0 and → 0 with b. Where b = 0 (z = 1 and q underflowed,
// or z = 0 and p did) pq = 0 as well, and S = 0. γ = 2 (the default), 1 and 0 need no division: S = 2b·pq, pq, 0.
// CE enters the gradient clamped to FLT_MAX: it is +Inf only at an infinite logit, where pq = 0, so S·CE takes
// its limit 0 instead of 0·∞. Every non-NaN logit, ±Inf included, has a finite gradient (the limit at ±Inf);
// a NaN logit gives NaN. At z = 1, x = −30: ∂f/∂x = −a·q^γ·(q + γ·p·CE) ≈ −a (Keras 3's clip: −3e-12·a).
// Bound (test/losses_focal.test.ts: every build, both cores, against a float64 reference checked against torch's
// autograd of torchvision's definition): f within (24 + 2·γ·|ln b|)·2^−24 relative; ∂f/∂x within as much of
// a·(|S·(1 − 2z)·CE| + F·(p·(1 − z) + q·z)), its terms in magnitude (soft labels can cancel them); plus 2^−124
// absolute where F nears underflow. The γ·|ln b| part is b^γ's conditioning (exp(γ·log b) rounds γ·log b).
// Measured: 18·2^−24 at γ·|ln b| ≤ 1, 68·2^−24 at 64. (With class balancing at α = 0 or 1, a = 0, and an
// infinitely wrong logit's value is 0·∞ = NaN; its gradient is 0.)
// @ts-ignore: decorator
@inline const FLT_MAX: f32 = 3.4028234663852886e38; // 0x7f7fffff
/** S = γ·b^(γ−1)·pq as γ·F·(pq/b), F = b^γ: finite for every γ ≥ 0, 0 where b = 0 (see above). */
@inline function focalSlope1(b: f32, pq: f32, F: f32, gamma: f32): f32 {
  if (gamma == 2) return (b + b) * pq;
  if (gamma == 1) return pq;
  if (gamma == 0) return 0;
  return b == 0 ? 0 : gamma * F * (pq / b); // NaN b stays NaN
}
@inline function focalSlope4(b: v128, pq: v128, F: v128, gamma: f32): v128 {
  if (gamma == 2) return f32x4.mul(f32x4.add(b, b), pq);
  if (gamma == 1) return pq;
  if (gamma == 0) return splat(0);
  return v128.andnot(f32x4.mul(f32x4.mul(splat(gamma), F), f32x4.div(pq, b)), f32x4.eq(b, splat(0)));
}
@inline export function focalLogits1(G: bool, t: f32, x: f32, gamma: f32, alpha: f32, bal: f32, ls: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  const z = t * (1 - ls) + 0.5 * ls;
  const zc: f32 = 1 - z;
  const a: f32 = bal != 0 ? z * alpha + zc * (1 - alpha) : 1;
  const e = expNeg(-abs(x));
  const u: f32 = 1.0 + e;
  const rho: f32 = 1.0 / u;
  const er = e * rho;
  const p = x >= 0 ? rho : er, q = x >= 0 ? er : rho;
  const b = z * q + zc * p;
  const F = fpow1(b, gamma);
  const w = x >= 0 ? zc : -z;
  const ce = (w == 0 ? <f32>0 : x * w) + log1pFromU1(e, u, rho); // a NaN x keeps its NaN through log1p
  if (G) put1(g, i, gs * a * (focalSlope1(b, p * q, F, gamma) * (1 - 2 * z) * min<f32>(ce, FLT_MAX) + F * (p * zc - q * z)), accum);
  return a * (F * ce); // the SIMD order
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
  const w = select4(zc, f32x4.neg(z), pos);
  const ce = f32x4.add(v128.andnot(f32x4.mul(x, w), f32x4.eq(w, splat(0))), log1pFromU4(e, u, rho));
  if (G) {
    const dS = f32x4.mul(focalSlope4(b, f32x4.mul(p, q), F, gamma), f32x4.sub(one, f32x4.add(z, z)));
    const v = madd(dS, f32x4.pmin(ce, splat(FLT_MAX)), f32x4.mul(F, nmadd(q, z, f32x4.mul(p, zc))));
    put4(g, i, f32x4.mul(f32x4.mul(gs, a), v), accum);
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
