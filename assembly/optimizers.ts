// Optimizer updates, Keras semantics. Each is ONE fused pass over a whole contiguous parameter
// block p[n] with its gradient g[n] (same layout) and state slots of the same layout, so a model's
// step is one call. Scalars that depend on the step number (bias corrections, learning-rate
// schedule) are computed once per step in TypeScript and passed in. Pointers need 16-byte alignment
// for the SIMD body only in the sense that unaligned v128 loads are slower, not wrong. p, g and the
// state must not alias each other; every array is read before it is written at the same index.
//
// The scalar and f32x4 forms evaluate the same expression in the same order; sqrt and division are
// correctly rounded in both, so scalar and SIMD builds give identical bits; the relaxed build may
// fuse a·b + c (madd), which changes only the last bit of a term.
import { ld, ld4, madd, nmadd, splat, st, st4 } from "./vec";

/**
 * SGD, Keras `SGD`: v ← μ·v − lr·g; p ← p + v, or p ← p + μ·v − lr·g with Nesterov.
 * μ = 0 skips the velocity (v is not read or written and may be 0). decay = lr·weightDecay
 * (decoupled: p ← p − decay·p first, as Keras applies `weight_decay`).
 */
export function opt_sgd(p: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, nesterov: i32, decay: f32): void {
  let i = 0;
  const keep: f32 = 1 - decay;
  if (momentum == 0) {
    if (ASC_FEATURE_SIMD) {
      const vl = splat(lr), vk = splat(keep);
      for (; i + 4 <= n; i += 4) st4(p, i, nmadd(vl, ld4(g, i), f32x4.mul(vk, ld4(p, i))));
    }
    for (; i < n; i++) st(p, i, keep * ld(p, i) - lr * ld(g, i));
    return;
  }
  if (ASC_FEATURE_SIMD) {
    const vl = splat(lr), vm = splat(momentum), vk = splat(keep);
    for (; i + 4 <= n; i += 4) {
      const gi = ld4(g, i);
      const vi = nmadd(vl, gi, f32x4.mul(vm, ld4(v, i)));
      st4(v, i, vi);
      const step = nesterov ? nmadd(vl, gi, f32x4.mul(vm, vi)) : vi;
      st4(p, i, f32x4.add(f32x4.mul(vk, ld4(p, i)), step));
    }
  }
  for (; i < n; i++) {
    const gi = ld(g, i);
    const vi = momentum * ld(v, i) - lr * gi;
    st(v, i, vi);
    const step = nesterov ? momentum * vi - lr * gi : vi;
    st(p, i, keep * ld(p, i) + step);
  }
}

/**
 * Adam / AdamW, Keras `Adam`: m ← m + (g − m)(1 − β1); v ← v + (g² − v)(1 − β2);
 * p ← p − α·m / (√v + ε) with α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ) computed by the caller. ε sits outside
 * the bias correction exactly as Keras places it (so ε = 1e-7 matches Keras' numbers, not the
 * paper's ε̂). decay = lr·weightDecay applied first, decoupled (AdamW); 0 for Adam.
 * Error: each step is a handful of correctly rounded ops, ≤ ~4 ulp of the float64 update.
 */
export function opt_adam(p: usize, g: usize, m: usize, v: usize, n: i32, alpha: f32, beta1: f32, beta2: f32, eps: f32, decay: f32): void {
  let i = 0;
  const c1: f32 = 1 - beta1, c2: f32 = 1 - beta2, keep: f32 = 1 - decay;
  if (ASC_FEATURE_SIMD) {
    const va = splat(alpha), v1 = splat(c1), v2 = splat(c2), ve = splat(eps), vk = splat(keep);
    for (; i + 4 <= n; i += 4) {
      const gi = ld4(g, i);
      let mi = ld4(m, i);
      let vi = ld4(v, i);
      mi = madd(f32x4.sub(gi, mi), v1, mi);
      vi = madd(f32x4.sub(f32x4.mul(gi, gi), vi), v2, vi);
      st4(m, i, mi);
      st4(v, i, vi);
      const upd = f32x4.div(f32x4.mul(mi, va), f32x4.add(f32x4.sqrt(vi), ve));
      st4(p, i, f32x4.sub(f32x4.mul(vk, ld4(p, i)), upd));
    }
  }
  for (; i < n; i++) {
    const gi = ld(g, i);
    let mi = ld(m, i);
    let vi = ld(v, i);
    mi = (gi - mi) * c1 + mi;
    vi = (gi * gi - vi) * c2 + vi;
    st(m, i, mi);
    st(v, i, vi);
    const upd = (mi * alpha) / (Mathf.sqrt(vi) + eps);
    st(p, i, keep * ld(p, i) - upd);
  }
}

/**
 * RMSprop, Keras `RMSprop` (not centered): a ← ρ·a + (1 − ρ)·g²; inc = lr·g / √(a + ε) (ε inside
 * the root, as Keras); p ← p − inc, or with momentum μ > 0: s ← μ·s + inc; p ← p − s (s unused and
 * may be 0 when μ = 0).
 */
export function opt_rmsprop(p: usize, g: usize, a: usize, s: usize, n: i32, lr: f32, rho: f32, momentum: f32, eps: f32, decay: f32): void {
  let i = 0;
  const c: f32 = 1 - rho, keep: f32 = 1 - decay;
  const useMomentum = momentum > 0;
  if (ASC_FEATURE_SIMD) {
    const vl = splat(lr), vr = splat(rho), vc = splat(c), ve = splat(eps), vm = splat(momentum), vk = splat(keep);
    for (; i + 4 <= n; i += 4) {
      const gi = ld4(g, i);
      const ai = madd(vc, f32x4.mul(gi, gi), f32x4.mul(vr, ld4(a, i)));
      st4(a, i, ai);
      let inc = f32x4.div(f32x4.mul(vl, gi), f32x4.sqrt(f32x4.add(ai, ve)));
      if (useMomentum) {
        inc = madd(vm, ld4(s, i), inc);
        st4(s, i, inc);
      }
      st4(p, i, f32x4.sub(f32x4.mul(vk, ld4(p, i)), inc));
    }
  }
  for (; i < n; i++) {
    const gi = ld(g, i);
    const ai = c * (gi * gi) + rho * ld(a, i);
    st(a, i, ai);
    let inc = (lr * gi) / Mathf.sqrt(ai + eps);
    if (useMomentum) {
      inc = momentum * ld(s, i) + inc;
      st(s, i, inc);
    }
    st(p, i, keep * ld(p, i) - inc);
  }
}

/** Adagrad, Keras `Adagrad`: a ← a + g²; p ← p − lr·g / √(a + ε) (ε inside the root, as Keras). */
export function opt_adagrad(p: usize, g: usize, a: usize, n: i32, lr: f32, eps: f32, decay: f32): void {
  let i = 0;
  const keep: f32 = 1 - decay;
  if (ASC_FEATURE_SIMD) {
    const vl = splat(lr), ve = splat(eps), vk = splat(keep);
    for (; i + 4 <= n; i += 4) {
      const gi = ld4(g, i);
      const ai = madd(gi, gi, ld4(a, i));
      st4(a, i, ai);
      const inc = f32x4.div(f32x4.mul(vl, gi), f32x4.sqrt(f32x4.add(ai, ve)));
      st4(p, i, f32x4.sub(f32x4.mul(vk, ld4(p, i)), inc));
    }
  }
  for (; i < n; i++) {
    const gi = ld(g, i);
    const ai = gi * gi + ld(a, i);
    st(a, i, ai);
    st(p, i, keep * ld(p, i) - (lr * gi) / Mathf.sqrt(ai + eps));
  }
}

/** g ← clamp(g, −c, c) in place (Keras `clipvalue`). NaN stays NaN. */
export function opt_clip_value(g: usize, n: i32, c: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const hi = splat(c), lo = splat(-c);
    // pmin(x, hi) = hi < x ? hi : x keeps NaN, as the scalar form does
    for (; i + 4 <= n; i += 4) st4(g, i, f32x4.pmax(f32x4.pmin(ld4(g, i), hi), lo));
  }
  for (; i < n; i++) {
    const x = ld(g, i);
    st(g, i, x > c ? c : x < -c ? -c : x);
  }
}
