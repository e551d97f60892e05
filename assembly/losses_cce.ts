// Categorical cross-entropy over the class axis: on probabilities (clipped as Keras) and on logits
// (fused log-softmax), one-hot/soft or sparse labels. Same signature as every loss kernel
// (assembly/losses.ts). The logits form runs four rows per f32x4 in the SIMD builds
// (losses_cce_lanes.ts); the rest runs row at a time (body f32x4, scalar tail).
import { expFast, expFast4 } from "./activations_math";
import { log4, logf } from "./math";
import { EPS } from "./losses_regression";
import { hsum4, put1, put4 } from "./losses_util";
import { ld, ld4, madd, splat, st } from "./vec";
import { LANES_MAX_DIM } from "./lanes";
import { cceLogitsChunk4, chunkBlocks } from "./losses_cce_lanes";

// @ts-ignore: decorator
@inline const ONE_MINUS_EPS: f32 = 0.99999988;

/** Smoothed label z_j = t_j·ls1 + ls0; for sparse labels t_j = [j = cls]. */
@inline function z1(sparse: bool, yt: usize, o: i32, j: i32, cls: f32, ls1: f32, ls0: f32): f32 {
  if (sparse) return (<f32>j == cls ? ls1 : 0) + ls0;
  return ld(yt, o + j) * ls1 + ls0;
}
@inline function z4(sparse: bool, yt: usize, o: i32, j: i32, cls: f32, ls1: f32, ls0: f32): v128 {
  if (sparse) {
    const idx = f32x4.add(splat(<f32>j), f32x4(0, 1, 2, 3));
    return f32x4.add(v128.and(splat(ls1), f32x4.eq(idx, splat(cls))), splat(ls0));
  }
  return madd(ld4(yt, o + j), splat(ls1), splat(ls0));
}

/**
 * Categorical cross-entropy on logits x (fused log-softmax), per row with m = max x, s = Σ e^(x_j−m):
 * L = Σ z_j·(log s + m − x_j) = T·log s + Σ z_j·(m − x_j), T = Σ z_j. Both terms are ≥ 0, so no
 * cancellation, and e^(x_j − m) ≤ 1 never overflows: logits ±1e4 stay finite. ∂L/∂x_j = T·e^(x_j−m)/s − z_j
 * (softmax − y for one-hot labels). +Inf or NaN in a row gives NaN for that row (Inf − Inf), as before.
 * Error bound (every path): expFast (activations_math.ts) gives e_j within 3e-7 + 1.5·|d_j|·2^−24
 * relative, d_j = x_j − m ≤ 0, and |d|·e^d ≤ 1/e, so each e_j is off by ≤ 3e-7·e_j + 3.3e-8 absolute; s ≥ 1
 * summed in float32 is then within 3e-7 + C·(3.3e-8 + 2^−24) relative; log s within that plus 1 ulp;
 * L within T·that + Σ z_j·|d_j|·C·2^−24; the gradient within the same relative bound of T·softmax_j
 * plus 3.3e-8 + 1 ulp of z_j. (The base-2 exponential: measured 4–5 % faster at 256 × 10 than expNeg, whose
 * 3 ulp gave (C + 3)·2^−24; the difference is within the summation's C·2^−24 for every C ≥ 5.)
 *
 * SIMD builds with C ≤ LANES_MAX_DIM: four ROWS per f32x4 (cceLogitsChunk4 in losses_cce_lanes.ts), so a short class axis
 * has no scalar tail, horizontal sum or scalar log; the remaining batch mod 4 rows, and long class axes,
 * run the row-at-a-time code below with the same formulas.
 */
@inline function cceLogits(sparse: bool, grad: usize, rows: usize, yt: usize, x: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  let r = 0;
  let total: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    if (dim <= LANES_MAX_DIM) {
      const ls1: f32 = 1 - ls, ls0: f32 = ls / <f32>dim;
      const per = chunkBlocks(dim);
      for (let blocks = batch >> 2; blocks > 0; ) {
        const nb = min(per, blocks);
        total = cceLogitsChunk4(sparse, grad, rows, yt, x, w, r, nb, dim, gscale, accum, ls1, ls0, total);
        r += 4 * nb;
        blocks -= nb;
      }
      if (r == batch) return total;
    }
  }
  // rows [r, batch): the same kernels on pointers shifted by r rows, adding on to the total in row order
  const o = <usize>(r * dim) << 2, ro = <usize>r << 2;
  const yt2 = yt + (sparse ? ro : o), x2 = x + o, w2 = w ? w + ro : 0, rows2 = rows ? rows + ro : 0, grad2 = grad ? grad + o : 0;
  if (grad != 0 && accum == 0) return cceLogitsFlat(sparse, grad2, rows2, yt2, x2, w2, batch - r, dim, gscale, ls, total);
  return cceLogitsRows(sparse, grad2, rows2, yt2, x2, w2, batch - r, dim, gscale, accum, ls, total);
}

/** cceLogits one row at a time (f32x4 over the class axis, scalar tail); grad written or accumulated. Returns total + Σ L. */
@inline function cceLogitsRows(sparse: bool, grad: usize, rows: usize, yt: usize, x: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32, total: f64): f64 {
  const ls1: f32 = 1 - ls, ls0: f32 = ls / <f32>dim;
  for (let r = 0; r < batch; r++) {
    const o = r * dim;
    const cls: f32 = sparse ? ld(yt, r) : 0;
    const m = rowMax(x, o, dim);
    let s: f32 = 0, A: f32 = 0, T: f32 = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = splat(m);
      let vs = splat(0), va = splat(0), vt = splat(0);
      for (; j + 4 <= dim; j += 4) {
        const xv = ld4(x, o + j);
        const z = z4(sparse, yt, o, j, cls, ls1, ls0);
        vs = f32x4.add(vs, expFast4(f32x4.sub(xv, vm)));
        va = madd(z, f32x4.sub(vm, xv), va);
        vt = f32x4.add(vt, z);
      }
      s = hsum4(vs); A = hsum4(va); T = hsum4(vt);
    }
    for (; j < dim; j++) {
      const xv = ld(x, o + j);
      const z = z1(sparse, yt, o, j, cls, ls1, ls0);
      s += expFast(xv - m);
      A += z * (m - xv);
      T += z;
    }
    const wr: f32 = w ? ld(w, r) : 1;
    const L = wr * (T * logf(s) + A);
    if (rows) st(rows, r, L);
    total += <f64>L;
    if (grad) {
      const gs = gscale * wr;
      const k = gs * T / s;
      j = 0;
      if (ASC_FEATURE_SIMD) {
        const vm = splat(m), vk = splat(k), vg = splat(gs);
        for (; j + 4 <= dim; j += 4) {
          const e = expFast4(f32x4.sub(ld4(x, o + j), vm));
          put4(grad, o + j, f32x4.sub(f32x4.mul(vk, e), f32x4.mul(vg, z4(sparse, yt, o, j, cls, ls1, ls0))), accum);
        }
      }
      for (; j < dim; j++) put1(grad, o + j, k * expFast(ld(x, o + j) - m) - gs * z1(sparse, yt, o, j, cls, ls1, ls0), accum);
    }
  }
  return total;
}

/** max of a row: f32x4 body, scalar tail. */
@inline function rowMax(x: usize, o: i32, dim: i32): f32 {
  let j = 0;
  let m: f32 = -Infinity;
  if (ASC_FEATURE_SIMD) {
    let vm = splat(-Infinity);
    for (; j + 4 <= dim; j += 4) vm = f32x4.pmax(vm, ld4(x, o + j));
    m = max(max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
  }
  for (; j < dim; j++) m = max(m, ld(x, o + j));
  return m;
}

/**
 * cceLogits when grad is written (not accumulated): same formulas, but the exponentials — the cost —
 * run as ONE flat f32x4 pass (expFast: every argument x − m is ≤ 0) over the whole batch in the grad buffer, so a short class axis (10)
 * spends nothing in scalar tails: grad ← x − m_r per row; grad ← e^grad flat; then per row s, L and
 * grad = gs·(T·e/s − z). Returns total + Σ L.
 */
@inline function cceLogitsFlat(sparse: bool, grad: usize, rows: usize, yt: usize, x: usize, w: usize, batch: i32, dim: i32, gscale: f32, ls: f32, total: f64): f64 {
  const ls1: f32 = 1 - ls, ls0: f32 = ls / <f32>dim;
  for (let r = 0; r < batch; r++) {
    const o = r * dim;
    const m = rowMax(x, o, dim);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = splat(m);
      for (; j + 4 <= dim; j += 4) v128.store(grad + (<usize>(o + j) << 2), f32x4.sub(ld4(x, o + j), vm));
    }
    for (; j < dim; j++) st(grad, o + j, ld(x, o + j) - m);
  }
  const n = batch * dim;
  let i = 0;
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) v128.store(grad + (<usize>i << 2), expFast4(ld4(grad, i)));
  for (; i < n; i++) st(grad, i, expFast(ld(grad, i)));
  for (let r = 0; r < batch; r++) {
    const o = r * dim;
    const cls: f32 = sparse ? ld(yt, r) : 0;
    const m = rowMax(x, o, dim);
    let s: f32 = 0, A: f32 = 0, T: f32 = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = splat(m);
      let vs = splat(0), va = splat(0), vt = splat(0);
      for (; j + 4 <= dim; j += 4) {
        const z = z4(sparse, yt, o, j, cls, ls1, ls0);
        vs = f32x4.add(vs, ld4(grad, o + j));
        va = madd(z, f32x4.sub(vm, ld4(x, o + j)), va);
        vt = f32x4.add(vt, z);
      }
      s = hsum4(vs); A = hsum4(va); T = hsum4(vt);
    }
    for (; j < dim; j++) {
      const z = z1(sparse, yt, o, j, cls, ls1, ls0);
      s += ld(grad, o + j);
      A += z * (m - ld(x, o + j));
      T += z;
    }
    const wr: f32 = w ? ld(w, r) : 1;
    const L = wr * (T * logf(s) + A);
    if (rows) st(rows, r, L);
    total += <f64>L;
    const gs = gscale * wr;
    const k = gs * T / s;
    j = 0;
    if (ASC_FEATURE_SIMD) {
      const vk = splat(k), vg = splat(gs);
      for (; j + 4 <= dim; j += 4) {
        const e = ld4(grad, o + j);
        v128.store(grad + (<usize>(o + j) << 2), f32x4.sub(f32x4.mul(vk, e), f32x4.mul(vg, z4(sparse, yt, o, j, cls, ls1, ls0))));
      }
    }
    for (; j < dim; j++) st(grad, o + j, k * ld(grad, o + j) - gs * z1(sparse, yt, o, j, cls, ls1, ls0));
  }
  return total;
}

/**
 * Categorical cross-entropy on probabilities (Keras): q = p/Σp, qc = clip(q, ε, 1 − ε),
 * L = −Σ z_j·log qc_j. With S = Σp and g_j = ∂L/∂q_j = −z_j/q_j (0 where q_j was clipped),
 * ∂L/∂p_k = (g_k − Σ_j g_j·q_j)/S, and Σ_j g_j·q_j = −Σ_{j unclipped} z_j.
 */
@inline function cceProbs(sparse: bool, grad: usize, rows: usize, yt: usize, p: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  const ls1: f32 = 1 - ls, ls0: f32 = ls / <f32>dim;
  let total: f64 = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * dim;
    const cls: f32 = sparse ? ld(yt, r) : 0;
    let j = 0;
    let S: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let vs = splat(0);
      for (; j + 4 <= dim; j += 4) vs = f32x4.add(vs, ld4(p, o + j));
      S = hsum4(vs);
    }
    for (; j < dim; j++) S += ld(p, o + j);
    const invS: f32 = 1 / S;
    let L: f32 = 0, Gq: f32 = 0;
    j = 0;
    if (ASC_FEATURE_SIMD) {
      const vi = splat(invS), lo = splat(EPS), hi = splat(ONE_MINUS_EPS);
      let vl = splat(0), vg = splat(0);
      for (; j + 4 <= dim; j += 4) {
        const q = f32x4.mul(ld4(p, o + j), vi);
        const z = z4(sparse, yt, o, j, cls, ls1, ls0);
        vl = madd(z, log4(f32x4.pmin(f32x4.pmax(q, lo), hi)), vl);
        vg = f32x4.add(vg, v128.and(z, v128.and(f32x4.ge(q, lo), f32x4.le(q, hi))));
      }
      L = hsum4(vl); Gq = hsum4(vg);
    }
    for (; j < dim; j++) {
      const q = ld(p, o + j) * invS;
      const z = z1(sparse, yt, o, j, cls, ls1, ls0);
      L += z * logf(min(max(q, EPS), ONE_MINUS_EPS));
      if (q >= EPS && q <= ONE_MINUS_EPS) Gq += z;
    }
    const wr: f32 = w ? ld(w, r) : 1;
    const Lr = -wr * L;
    if (rows) st(rows, r, Lr);
    total += <f64>Lr;
    if (grad) {
      const k = gscale * wr * invS; // grad_k = k·(g_k + Gq), g_k = −z_k/q_k inside the clip
      j = 0;
      if (ASC_FEATURE_SIMD) {
        const vi = splat(invS), lo = splat(EPS), hi = splat(ONE_MINUS_EPS), vk = splat(k), vG = splat(Gq);
        for (; j + 4 <= dim; j += 4) {
          const q = f32x4.mul(ld4(p, o + j), vi);
          const z = z4(sparse, yt, o, j, cls, ls1, ls0);
          const gk = v128.and(f32x4.neg(f32x4.div(z, q)), v128.and(f32x4.ge(q, lo), f32x4.le(q, hi)));
          put4(grad, o + j, f32x4.mul(vk, f32x4.add(gk, vG)), accum);
        }
      }
      for (; j < dim; j++) {
        const q = ld(p, o + j) * invS;
        const z = z1(sparse, yt, o, j, cls, ls1, ls0);
        const gk: f32 = q >= EPS && q <= ONE_MINUS_EPS ? -z / q : 0;
        put1(grad, o + j, k * (gk + Gq), accum);
      }
    }
  }
  return total;
}

/** Categorical cross-entropy on probabilities, yTrue [batch, dim] (one-hot or soft), a = ε. */
export function loss_cce(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  return cceProbs(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, ls);
}
/** Categorical cross-entropy on logits (fused softmax), a = ε. */
export function loss_cce_logits(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  return cceLogits(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, ls);
}
/** Sparse categorical cross-entropy on probabilities; yTrue [batch] class ids as float32, a = ε. */
export function loss_sparse_cce(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  return cceProbs(true, grad, rows, yt, yp, w, batch, dim, gscale, accum, ls);
}
/** Sparse categorical cross-entropy on logits (fused softmax); yTrue [batch] class ids, a = ε. */
export function loss_sparse_cce_logits(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  return cceLogits(true, grad, rows, yt, yp, w, batch, dim, gscale, accum, ls);
}
