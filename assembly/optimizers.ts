// Optimizer updates, Keras semantics. Each is ONE fused pass over a whole contiguous parameter
// block p[n] with its gradient g[n] (same layout) and state slots of the same layout, so a model's
// step is one call. Scalars that depend on the step number (bias corrections, learning-rate
// schedule) are computed once per step in TypeScript and passed in. Unaligned pointers are slower
// in the SIMD body, not wrong. p, g and the state must not alias each other; every array is read
// before it is written at the same index. g is only read.
//
// Gradient clipping is folded into the load: ĝ = clamp(gs·g, −gc, gc). gs carries Keras' clipnorm /
// global_clipnorm factor (1 when off) and gc its clipvalue (+Inf when off; Keras allows one of the
// three at a time, so the order of scale and clamp never matters). Folding costs two lane ops in a
// memory-bound loop and leaves the caller's gradients untouched, where a separate clip pass would
// read and write the whole gradient block once more.
//
// decay = lr·weightDecay, applied first and decoupled as Keras' `weight_decay`: p ← p − decay·p,
// written (1 − decay)·p. 0 when off.
//
// The scalar and f32x4 forms evaluate the same expression in the same order; sqrt and division are
// correctly rounded in both, so the scalar and SIMD builds give identical bits; the relaxed build may
// fuse a·b + c (madd), which changes only the last bit of a term.
import { ld, ld4, madd, nmadd, splat, st, st4 } from "./vec";

/** clamp(gs·x, −c, c), NaN kept: x > c and x < −c are both false for NaN. */
@inline function clipg(x: f32, gs: f32, c: f32): f32 {
  const y = gs * x;
  return y > c ? c : y < -c ? -c : y;
}

/** Lane form of clipg. pmin(y, hi) = hi < y ? hi : y and pmax(y, lo) = y < lo ? lo : y keep NaN, as clipg. */
@inline function clipg4(x: v128, gs: v128, lo: v128, hi: v128): v128 {
  return f32x4.pmax(f32x4.pmin(f32x4.mul(gs, x), hi), lo);
}

/**
 * SGD, Keras `SGD`: v ← μ·v − lr·ĝ; p ← p + v, or p ← p + μ·v − lr·ĝ with Nesterov (v already
 * updated). μ = 0 skips the velocity (v is not read or written and may be 0).
 */
export function opt_sgd(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: i32, decay: f32, gs: f32, gc: f32): void {
  let i = 0;
  const keep: f32 = 1 - decay;
  if (momentum == 0) {
    if (ASC_FEATURE_SIMD) {
      const vl = splat(lr), vk = splat(keep), vs = splat(gs), lo = splat(-gc), hi = splat(gc);
      for (; i + 4 <= n; i += 4) st4(p, i, nmadd(vl, clipg4(ld4(g, i), vs, lo, hi), f32x4.mul(vk, ld4(p, i))));
    }
    for (; i < n; i++) st(p, i, keep * ld(p, i) - lr * clipg(ld(g, i), gs, gc));
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const vl = splat(lr), vm = splat(momentum), vk = splat(keep), vs = splat(gs), lo = splat(-gc), hi = splat(gc);
    for (; i + 4 <= n; i += 4) {
      const gi = clipg4(ld4(g, i), vs, lo, hi);
      const vi = nmadd(vl, gi, f32x4.mul(vm, ld4(v, i)));
      st4(v, i, vi);
      const step = nesterov ? nmadd(vl, gi, f32x4.mul(vm, vi)) : vi;
      st4(p, i, f32x4.add(f32x4.mul(vk, ld4(p, i)), step));
    }
  }
  for (; i < n; i++) {
    const gi = clipg(ld(g, i), gs, gc);
    const vi = momentum * ld(v, i) - lr * gi;
    st(v, i, vi);
    const step = nesterov ? momentum * vi - lr * gi : vi;
    st(p, i, keep * ld(p, i) + step);
  }
}

/**
 * Adam / AdamW, Keras `Adam`: m ← m + (ĝ − m)(1 − β1); v ← v + (ĝ² − v)(1 − β2);
 * p ← p − α·m / (√v + ε) with α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ) computed by the caller. ε sits outside
 * the bias correction exactly as Keras places it (so ε = 1e-7 matches Keras' numbers, not the
 * paper's ε̂). AdamW is this kernel with decay > 0. c1 = 1 − β1 and c2 = 1 − β2 come from the
 * caller in float64: formed here from float32 betas, 1 − f32(0.999) is off by 1.3e-5 relative.
 * Error: each step is a handful of correctly rounded ops, ≤ ~4 ulp of the float64 update.
 */
export function opt_adam(p: usize, g: usize, m: usize, v: usize, n: i32, alpha: f32, c1: f32, c2: f32, eps: f32, decay: f32, gs: f32, gc: f32): void {
  let i = 0;
  const keep: f32 = 1 - decay;
  if (ASC_FEATURE_SIMD) {
    const va = splat(alpha), v1 = splat(c1), v2 = splat(c2), ve = splat(eps), vk = splat(keep);
    const vs = splat(gs), lo = splat(-gc), hi = splat(gc);
    for (; i + 4 <= n; i += 4) {
      const gi = clipg4(ld4(g, i), vs, lo, hi);
      const m0 = ld4(m, i), v0 = ld4(v, i);
      const mi = madd(f32x4.sub(gi, m0), v1, m0);
      const vi = madd(f32x4.sub(f32x4.mul(gi, gi), v0), v2, v0);
      st4(m, i, mi);
      st4(v, i, vi);
      const upd = f32x4.div(f32x4.mul(mi, va), f32x4.add(f32x4.sqrt(vi), ve));
      st4(p, i, f32x4.sub(f32x4.mul(vk, ld4(p, i)), upd));
    }
  }
  for (; i < n; i++) {
    const gi = clipg(ld(g, i), gs, gc);
    const m0 = ld(m, i), v0 = ld(v, i);
    const mi = (gi - m0) * c1 + m0;
    const vi = (gi * gi - v0) * c2 + v0;
    st(m, i, mi);
    st(v, i, vi);
    const upd = (mi * alpha) / (Mathf.sqrt(vi) + eps);
    st(p, i, keep * ld(p, i) - upd);
  }
}

/**
 * RMSprop, Keras `RMSprop`: a ← ρ·a + (1 − ρ)·ĝ²; centered (mg ≠ 0): ḡ ← ρ·ḡ + (1 − ρ)·ĝ and the
 * denominator is a − ḡ² + ε, else a + ε (ε inside the root, as Keras); inc = lr·ĝ / √denominator;
 * p ← p − inc, or with momentum μ > 0: s ← μ·s + inc; p ← p − s. s (μ = 0) and mg (not centered)
 * are not touched and may be 0. c = 1 − ρ from the caller in float64 (as opt_adam's c1, c2).
 */
export function opt_rmsprop(p: usize, g: usize, a: usize, s: usize, mg: usize, n: i32, lr: f32, rho: f32, c: f32, momentum: f32, eps: f32, decay: f32, gs: f32, gc: f32): void {
  let i = 0;
  const keep: f32 = 1 - decay;
  const useMomentum = momentum > 0, centered = mg != 0;
  if (ASC_FEATURE_SIMD) {
    const vl = splat(lr), vr = splat(rho), vc = splat(c), ve = splat(eps), vm = splat(momentum), vk = splat(keep);
    const vs = splat(gs), lo = splat(-gc), hi = splat(gc);
    for (; i + 4 <= n; i += 4) {
      const gi = clipg4(ld4(g, i), vs, lo, hi);
      const ai = madd(vc, f32x4.mul(gi, gi), f32x4.mul(vr, ld4(a, i)));
      st4(a, i, ai);
      let den = f32x4.add(ai, ve);
      if (centered) {
        const mi = madd(vc, gi, f32x4.mul(vr, ld4(mg, i)));
        st4(mg, i, mi);
        den = f32x4.add(f32x4.sub(ai, f32x4.mul(mi, mi)), ve);
      }
      let inc = f32x4.div(f32x4.mul(vl, gi), f32x4.sqrt(den));
      if (useMomentum) {
        inc = madd(vm, ld4(s, i), inc);
        st4(s, i, inc);
      }
      st4(p, i, f32x4.sub(f32x4.mul(vk, ld4(p, i)), inc));
    }
  }
  for (; i < n; i++) {
    const gi = clipg(ld(g, i), gs, gc);
    const ai = c * (gi * gi) + rho * ld(a, i);
    st(a, i, ai);
    let den = ai + eps;
    if (centered) {
      const mi = c * gi + rho * ld(mg, i);
      st(mg, i, mi);
      den = (ai - mi * mi) + eps;
    }
    let inc = (lr * gi) / Mathf.sqrt(den);
    if (useMomentum) {
      inc = momentum * ld(s, i) + inc;
      st(s, i, inc);
    }
    st(p, i, keep * ld(p, i) - inc);
  }
}

/** Adagrad, Keras `Adagrad`: a ← a + ĝ²; p ← p − lr·ĝ / √(a + ε) (ε inside the root, as Keras). */
export function opt_adagrad(p: usize, g: usize, a: usize, n: i32, lr: f32, eps: f32, decay: f32, gs: f32, gc: f32): void {
  let i = 0;
  const keep: f32 = 1 - decay;
  if (ASC_FEATURE_SIMD) {
    const vl = splat(lr), ve = splat(eps), vk = splat(keep), vs = splat(gs), lo = splat(-gc), hi = splat(gc);
    for (; i + 4 <= n; i += 4) {
      const gi = clipg4(ld4(g, i), vs, lo, hi);
      const ai = madd(gi, gi, ld4(a, i));
      st4(a, i, ai);
      const inc = f32x4.div(f32x4.mul(vl, gi), f32x4.sqrt(f32x4.add(ai, ve)));
      st4(p, i, f32x4.sub(f32x4.mul(vk, ld4(p, i)), inc));
    }
  }
  for (; i < n; i++) {
    const gi = clipg(ld(g, i), gs, gc);
    const ai = gi * gi + ld(a, i);
    st(a, i, ai);
    st(p, i, keep * ld(p, i) - (lr * gi) / Mathf.sqrt(ai + eps));
  }
}

/**
 * g ← clamp(g, −c, c) in place (Keras `clipvalue` as a standalone pass, for callers that want the
 * clipped gradient itself; the optimizer kernels fold the same clamp into their load). NaN stays NaN.
 */
export function opt_clip_value(g: usize, n: i32, c: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = splat(1), hi = splat(c), lo = splat(-c);
    for (; i + 4 <= n; i += 4) st4(g, i, clipg4(ld4(g, i), one, lo, hi));
  }
  for (; i < n; i++) st(g, i, clipg(ld(g, i), 1, c));
}
