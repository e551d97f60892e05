// Losses whose per-sample value couples a whole row: categorical cross-entropy (probabilities and
// fused log-softmax, one-hot or sparse labels), cosine similarity, categorical hinge, IoU of boxes.
// Same signature as every loss kernel (assembly/losses.ts); each row runs a few vector passes
// (body f32x4, scalar tail) over the class axis.
import { expNeg, expNeg4 } from "./activations_math";
import { log4, logf } from "./math";
import { EPS } from "./losses_regression";
import { hsum4, put1, put4 } from "./losses_util";
import { kv, ld, ld4, madd, nmadd, splat, st, st4 } from "./vec";

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
 * Error bound (every path): expNeg ≤ 3 ulp and s ≥ 1 summed in float32, so s is within (C + 3)·2^−24
 * relative; log s within that plus 1 ulp; L within ≈ (T·(C + 4) + Σ z_j·|m − x_j|·C)·2^−24; the gradient
 * within (C + 6)·2^−24 relative to T·softmax_j plus 1 ulp of z_j.
 *
 * SIMD builds with C ≤ LANES_MAX_DIM: four ROWS per f32x4 (cceLogitsBlock4), so a short class axis
 * has no scalar tail, horizontal sum or scalar log; the remaining batch mod 4 rows, and long class axes,
 * run the row-at-a-time code below with the same formulas.
 */
@inline function cceLogits(sparse: bool, grad: usize, rows: usize, yt: usize, x: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  let r = 0;
  let total: f64 = 0;
  if (ASC_FEATURE_SIMD) {
    if (dim <= LANES_MAX_DIM) {
      const ls1: f32 = 1 - ls, ls0: f32 = ls / <f32>dim;
      for (; r + 4 <= batch; r += 4) total += cceLogitsBlock4(sparse, grad, rows, yt, x, w, r, dim, gscale, accum, ls1, ls0);
      if (r == batch) return total;
    }
  }
  // rows [r, batch): the same kernels on pointers shifted by r rows
  const o = <usize>(r * dim) << 2, ro = <usize>r << 2;
  const yt2 = yt + (sparse ? ro : o), x2 = x + o, w2 = w ? w + ro : 0, rows2 = rows ? rows + ro : 0, grad2 = grad ? grad + o : 0;
  if (grad != 0 && accum == 0) return total + cceLogitsFlat(sparse, grad2, rows2, yt2, x2, w2, batch - r, dim, gscale, ls);
  return total + cceLogitsRows(sparse, grad2, rows2, yt2, x2, w2, batch - r, dim, gscale, accum, ls);
}

// Rows-in-lanes: class axes up to this length use cceLogitsBlock4 (scratch 2·16·LANES_MAX_DIM = 32 KiB,
// one block's x/e and z: within L1). Measured faster than the row-at-a-time path at every C up to 1000
// (256 rows, simd: C = 10 12.2 → 7.3 µs, C = 128 173 → 64 µs, C = 1000 1400 → 478 µs).
// @ts-ignore: decorator
@inline const LANES_MAX_DIM: i32 = 1024;
// A block of four rows transposed, one column per f32x4: SX[j] = x_·j, then e^(x_·j − m); SZ[j] = y_·j, then z_·j.
// @ts-ignore: decorator
@lazy const SX = memory.data(32 * LANES_MAX_DIM, 16);
// @ts-ignore: decorator
@inline const SZ_OFF: usize = 16 * LANES_MAX_DIM;
// Column-index steps 1, 2, 3, 4 and lane ids 0..3 as static vectors (kv in vec.ts: a load, not a rebuilt v128.const).
// @ts-ignore: decorator
@lazy const K_STEP = memory.data<f32>([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);
// @ts-ignore: decorator
@lazy const K_LANE = memory.data<i32>([0, 1, 2, 3]);

/** Lanes i = 0..3 ← f32 at p + i·stride (four rows of one column; for class axes shorter than 4). */
@inline function gather4(p: usize, stride: usize): v128 {
  let v = v128.load32_zero(p);
  v = v128.load32_lane(p + stride, v, 1);
  v = v128.load32_lane(p + 2 * stride, v, 2);
  return v128.load32_lane(p + 3 * stride, v, 3);
}
/** f32 at p + i·stride ← lane i. */
@inline function scatter4(p: usize, stride: usize, v: v128): void {
  v128.store32_lane(p, v, 0);
  v128.store32_lane(p + stride, v, 1);
  v128.store32_lane(p + 2 * stride, v, 2);
  v128.store32_lane(p + 3 * stride, v, 3);
}

/**
 * 4×4 transpose: the four vectors at p, p + stride, p + 2·stride, p + 3·stride (rows) are stored as
 * columns at q, q + 16, q + 32, q + 48 (interleave 32-bit lanes, then 64-bit halves: 8 shuffles).
 * Returns the lane-wise max of the four columns (per-row max of the four elements).
 */
@inline function transposeIn(p: usize, stride: usize, q: usize): v128 {
  const a = v128.load(p), b = v128.load(p + stride), c = v128.load(p + 2 * stride), d = v128.load(p + 3 * stride);
  const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5), t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(c, d, 0, 4, 1, 5), t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
  const c0 = i64x2.shuffle(t0, t2, 0, 2), c1 = i64x2.shuffle(t0, t2, 1, 3);
  const c2 = i64x2.shuffle(t1, t3, 0, 2), c3 = i64x2.shuffle(t1, t3, 1, 3);
  v128.store(q, c0); v128.store(q, c1, 16); v128.store(q, c2, 32); v128.store(q, c3, 48);
  return f32x4.max(f32x4.max(c0, c1), f32x4.max(c2, c3));
}
/** Inverse of transposeIn for four given columns: row i (lanes = columns) stored at p + i·stride, or added to what is there when accum, except its first `skip` lanes (already added by the previous group). */
@inline function transposeOut(c0: v128, c1: v128, c2: v128, c3: v128, p: usize, stride: usize, accum: i32, skip: i32): void {
  const t0 = i32x4.shuffle(c0, c1, 0, 4, 1, 5), t1 = i32x4.shuffle(c0, c1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(c2, c3, 0, 4, 1, 5), t3 = i32x4.shuffle(c2, c3, 2, 6, 3, 7);
  let a = i64x2.shuffle(t0, t2, 0, 2), b = i64x2.shuffle(t0, t2, 1, 3);
  let c = i64x2.shuffle(t1, t3, 0, 2), d = i64x2.shuffle(t1, t3, 1, 3);
  if (accum) {
    const keep = i32x4.ge_s(kv(K_LANE), i32x4.splat(skip));
    a = f32x4.add(v128.load(p), v128.and(a, keep));
    b = f32x4.add(v128.load(p + stride), v128.and(b, keep));
    c = f32x4.add(v128.load(p + 2 * stride), v128.and(c, keep));
    d = f32x4.add(v128.load(p + 3 * stride), v128.and(d, keep));
  }
  v128.store(p, a); v128.store(p + stride, b); v128.store(p + 2 * stride, c); v128.store(p + 3 * stride, d);
}

/** z for the four rows of column j: sparse (j = class id ? ls1 : 0) + ls0, else y·ls1 + ls0 (y from the scratch). */
@inline function zcol(sparse: bool, q: usize, cls: v128, vj: v128, v1: v128, v0: v128): v128 {
  return sparse ? f32x4.add(v128.and(v1, f32x4.eq(cls, vj)), v0) : madd(v128.load(q, SZ_OFF), v1, v0);
}
/**
 * cceLogits for rows r..r+3, one row per lane. The block is transposed into the scratch (4×4
 * shuffles over column groups 0, 4, … and a last group at C − 4 that overlaps the previous one and
 * rewrites the same values; lane gathers when C < 4), then per column: m (vector max), s, A, T (vector
 * sums), L = w·(T·log4(s) + A) for four rows at once, and grad = gs·(T·e/s − z) transposed back
 * (overlapping lanes masked out when accumulating). Returns Σ of the four L in float64.
 */
@inline function cceLogitsBlock4(sparse: bool, grad: usize, rows: usize, yt: usize, x: usize, w: usize, r: i32, dim: i32, gscale: f32, accum: i32, ls1: f32, ls0: f32): f64 {
  const stride = <usize>dim << 2;
  const o = <usize>(r * dim) << 2;
  const px = x + o, py = yt + o;
  let vm = splat(-Infinity);
  if (dim >= 4) {
    for (let j = 0; j < dim; j += 4) {
      const jj = min(j, dim - 4);
      const q = SX + (<usize>jj << 4);
      vm = f32x4.max(vm, transposeIn(px + (<usize>jj << 2), stride, q)); // NaN-propagating, as the scalar max
      if (!sparse) transposeIn(py + (<usize>jj << 2), stride, q + SZ_OFF);
    }
  } else {
    for (let j = 0; j < dim; j++) {
      const q = SX + (<usize>j << 4);
      const xv = gather4(px + (<usize>j << 2), stride);
      v128.store(q, xv);
      vm = f32x4.max(vm, xv);
      if (!sparse) v128.store(q, gather4(py + (<usize>j << 2), stride), SZ_OFF);
    }
  }
  const cls = sparse ? ld4(yt, r) : splat(0); // class ids of the four rows
  const v1 = splat(ls1), v0 = splat(ls0), one = splat(1);
  let vj = splat(0);
  let s = splat(0), A = splat(0), T = splat(0);
  let j = 0;
  // four columns per step: four independent exp chains in flight
  for (; j + 4 <= dim; j += 4) {
    const q = SX + (<usize>j << 4);
    const d0 = f32x4.sub(v128.load(q), vm), d1 = f32x4.sub(v128.load(q, 16), vm); // x − m ≤ 0
    const d2 = f32x4.sub(v128.load(q, 32), vm), d3 = f32x4.sub(v128.load(q, 48), vm);
    const e0 = expNeg4(d0), e1 = expNeg4(d1), e2 = expNeg4(d2), e3 = expNeg4(d3);
    const z0 = zcol(sparse, q, cls, vj, v1, v0), z1 = zcol(sparse, q + 16, cls, f32x4.add(vj, kv(K_STEP)), v1, v0);
    const z2 = zcol(sparse, q + 32, cls, f32x4.add(vj, kv(K_STEP + 16)), v1, v0), z3 = zcol(sparse, q + 48, cls, f32x4.add(vj, kv(K_STEP + 32)), v1, v0);
    s = f32x4.add(s, f32x4.add(f32x4.add(e0, e1), f32x4.add(e2, e3)));
    A = nmadd(z3, d3, nmadd(z2, d2, nmadd(z1, d1, nmadd(z0, d0, A)))); // A += z·(m − x), every term ≥ 0
    T = f32x4.add(T, f32x4.add(f32x4.add(z0, z1), f32x4.add(z2, z3)));
    if (grad) {
      v128.store(q, e0); v128.store(q, e1, 16); v128.store(q, e2, 32); v128.store(q, e3, 48);
      v128.store(q, z0, SZ_OFF); v128.store(q, z1, SZ_OFF + 16); v128.store(q, z2, SZ_OFF + 32); v128.store(q, z3, SZ_OFF + 48);
    }
    if (sparse) vj = f32x4.add(vj, kv(K_STEP + 48));
  }
  for (; j < dim; j++) {
    const q = SX + (<usize>j << 4);
    const d = f32x4.sub(v128.load(q), vm);
    const e = expNeg4(d);
    const z = zcol(sparse, q, cls, vj, v1, v0);
    s = f32x4.add(s, e);
    A = nmadd(z, d, A);
    T = f32x4.add(T, z);
    if (grad) {
      v128.store(q, e);
      v128.store(q, z, SZ_OFF);
    }
    if (sparse) vj = f32x4.add(vj, kv(K_STEP));
  }
  const wr = w ? ld4(w, r) : one;
  const L = f32x4.mul(wr, madd(T, log4(s), A));
  if (rows) st4(rows, r, L);
  if (grad) {
    const gs = f32x4.mul(splat(gscale), wr);
    const k = f32x4.div(f32x4.mul(gs, T), s);
    const pg = grad + o;
    // z was stored by the pass above (reloading it beats recomputing sparse z: measured 9.0 → 7.2 µs at 256 × 10)
    if (dim >= 4) {
      for (let j = 0; j < dim; j += 4) {
        const jj = min(j, dim - 4);
        const q = SX + (<usize>jj << 4);
        const g0 = f32x4.sub(f32x4.mul(k, v128.load(q)), f32x4.mul(gs, v128.load(q, SZ_OFF)));
        const g1 = f32x4.sub(f32x4.mul(k, v128.load(q, 16)), f32x4.mul(gs, v128.load(q, SZ_OFF + 16)));
        const g2 = f32x4.sub(f32x4.mul(k, v128.load(q, 32)), f32x4.mul(gs, v128.load(q, SZ_OFF + 32)));
        const g3 = f32x4.sub(f32x4.mul(k, v128.load(q, 48)), f32x4.mul(gs, v128.load(q, SZ_OFF + 48)));
        transposeOut(g0, g1, g2, g3, pg + (<usize>jj << 2), stride, accum, j - jj); // the last group overlaps the previous by j − jj columns
      }
    } else {
      for (let j = 0; j < dim; j++) {
        const q = SX + (<usize>j << 4);
        let g = f32x4.sub(f32x4.mul(k, v128.load(q)), f32x4.mul(gs, v128.load(q, SZ_OFF)));
        const pj = pg + (<usize>j << 2);
        if (accum) g = f32x4.add(gather4(pj, stride), g);
        scatter4(pj, stride, g);
      }
    }
  }
  return (<f64>f32x4.extract_lane(L, 0) + <f64>f32x4.extract_lane(L, 1)) + (<f64>f32x4.extract_lane(L, 2) + <f64>f32x4.extract_lane(L, 3));
}

/** cceLogits one row at a time (f32x4 over the class axis, scalar tail); grad written or accumulated. */
@inline function cceLogitsRows(sparse: bool, grad: usize, rows: usize, yt: usize, x: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  const ls1: f32 = 1 - ls, ls0: f32 = ls / <f32>dim;
  let total: f64 = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * dim;
    const cls: f32 = sparse ? ld(yt, r) : 0;
    let j = 0;
    let m: f32 = -Infinity;
    if (ASC_FEATURE_SIMD) {
      let vm = splat(-Infinity);
      for (; j + 4 <= dim; j += 4) vm = f32x4.max(vm, ld4(x, o + j));
      m = max(max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
    }
    for (; j < dim; j++) m = max(m, ld(x, o + j));
    let s: f32 = 0, A: f32 = 0, T: f32 = 0;
    j = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = splat(m);
      let vs = splat(0), va = splat(0), vt = splat(0);
      for (; j + 4 <= dim; j += 4) {
        const xv = ld4(x, o + j);
        const z = z4(sparse, yt, o, j, cls, ls1, ls0);
        vs = f32x4.add(vs, expNeg4(f32x4.sub(xv, vm)));
        va = madd(z, f32x4.sub(vm, xv), va);
        vt = f32x4.add(vt, z);
      }
      s = hsum4(vs); A = hsum4(va); T = hsum4(vt);
    }
    for (; j < dim; j++) {
      const xv = ld(x, o + j);
      const z = z1(sparse, yt, o, j, cls, ls1, ls0);
      s += expNeg(xv - m);
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
          const e = expNeg4(f32x4.sub(ld4(x, o + j), vm));
          put4(grad, o + j, f32x4.sub(f32x4.mul(vk, e), f32x4.mul(vg, z4(sparse, yt, o, j, cls, ls1, ls0))), accum);
        }
      }
      for (; j < dim; j++) put1(grad, o + j, k * expNeg(ld(x, o + j) - m) - gs * z1(sparse, yt, o, j, cls, ls1, ls0), accum);
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
    for (; j + 4 <= dim; j += 4) vm = f32x4.max(vm, ld4(x, o + j));
    m = max(max(f32x4.extract_lane(vm, 0), f32x4.extract_lane(vm, 1)), max(f32x4.extract_lane(vm, 2), f32x4.extract_lane(vm, 3)));
  }
  for (; j < dim; j++) m = max(m, ld(x, o + j));
  return m;
}

/**
 * cceLogits when grad is written (not accumulated): same formulas, but the exponentials — the cost —
 * run as ONE flat f32x4 pass (expNeg: every argument x − m is ≤ 0) over the whole batch in the grad buffer, so a short class axis (10)
 * spends nothing in scalar tails: grad ← x − m_r per row; grad ← e^grad flat; then per row s, L and
 * grad = gs·(T·e/s − z).
 */
@inline function cceLogitsFlat(sparse: bool, grad: usize, rows: usize, yt: usize, x: usize, w: usize, batch: i32, dim: i32, gscale: f32, ls: f32): f64 {
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
  if (ASC_FEATURE_SIMD) for (; i + 4 <= n; i += 4) v128.store(grad + (<usize>i << 2), expNeg4(ld4(grad, i)));
  for (; i < n; i++) st(grad, i, expNeg(ld(grad, i)));
  let total: f64 = 0;
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
        vl = madd(z, log4(f32x4.min(f32x4.max(q, lo), hi)), vl);
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

/**
 * Cosine similarity loss (Keras): L = −t̂·p̂ with x̂ = x/√max(Σx², 1e-12). With k = 1/(‖t‖·‖p‖) and
 * c = −L, ∂L/∂p = −k·t + (c/Σp²)·p (the second term vanishes when ‖p‖² ≤ 1e-12, where the norm is the
 * constant 1e-6).
 */
export function loss_cosine(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * dim;
    let tt: f32 = 0, pp: f32 = 0, tp: f32 = 0;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      let a = splat(0), b = splat(0), c = splat(0);
      for (; j + 4 <= dim; j += 4) {
        const t = ld4(yt, o + j), p = ld4(yp, o + j);
        a = madd(t, t, a); b = madd(p, p, b); c = madd(t, p, c);
      }
      tt = hsum4(a); pp = hsum4(b); tp = hsum4(c);
    }
    for (; j < dim; j++) {
      const t = ld(yt, o + j), p = ld(yp, o + j);
      tt += t * t; pp += p * p; tp += t * p;
    }
    const k: f32 = 1 / (sqrt(max<f32>(tt, 1e-12)) * sqrt(max<f32>(pp, 1e-12)));
    const cs = tp * k;
    const wr: f32 = w ? ld(w, r) : 1;
    const L = -wr * cs;
    if (rows) st(rows, r, L);
    total += <f64>L;
    if (grad) {
      const gs = gscale * wr;
      const kt = -gs * k, kp: f32 = pp > 1e-12 ? gs * cs / pp : 0;
      j = 0;
      if (ASC_FEATURE_SIMD) {
        const vt = splat(kt), vp = splat(kp);
        for (; j + 4 <= dim; j += 4) put4(grad, o + j, madd(vt, ld4(yt, o + j), f32x4.mul(vp, ld4(yp, o + j))), accum);
      }
      for (; j < dim; j++) put1(grad, o + j, kt * ld(yt, o + j) + kp * ld(yp, o + j), accum);
    }
  }
  return total;
}

/**
 * Categorical hinge (Keras): pos = Σ t·p, neg = max_j (1 − t_j)·p_j, L = max(neg − pos + 1, 0).
 * ∂L/∂p_j = −t_j + [j = j*]·(1 − t_j*) while L > 0, j* the first index attaining the max; 0 otherwise.
 */
export function loss_categorical_hinge(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * dim;
    let pos: f32 = 0, neg: f32 = -Infinity;
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      let vp = splat(0), vn = splat(-Infinity);
      for (; j + 4 <= dim; j += 4) {
        const t = ld4(yt, o + j), p = ld4(yp, o + j);
        vp = madd(t, p, vp);
        vn = f32x4.max(vn, f32x4.mul(f32x4.sub(splat(1), t), p));
      }
      pos = hsum4(vp);
      neg = max(max(f32x4.extract_lane(vn, 0), f32x4.extract_lane(vn, 1)), max(f32x4.extract_lane(vn, 2), f32x4.extract_lane(vn, 3)));
    }
    for (; j < dim; j++) {
      const t = ld(yt, o + j), p = ld(yp, o + j);
      pos += t * p;
      neg = max(neg, (1 - t) * p);
    }
    const v = max<f32>(neg - pos + 1, 0);
    const wr: f32 = w ? ld(w, r) : 1;
    if (rows) st(rows, r, wr * v);
    total += <f64>(wr * v);
    if (grad) {
      const gs: f32 = v > 0 ? gscale * wr : 0;
      j = 0;
      if (ASC_FEATURE_SIMD) {
        const vg = splat(-gs);
        for (; j + 4 <= dim; j += 4) put4(grad, o + j, f32x4.mul(vg, ld4(yt, o + j)), accum);
      }
      for (; j < dim; j++) put1(grad, o + j, -gs * ld(yt, o + j), accum);
      if (v > 0) {
        let js = 0;
        while (js < dim - 1 && (1 - ld(yt, o + js)) * ld(yp, o + js) != neg) js++;
        st(grad, o + js, ld(grad, o + js) + gs * (1 - ld(yt, o + js)));
      }
    }
  }
  return total;
}

/**
 * IoU loss of axis-aligned boxes [x1, y1, x2, y2] (dim = 4): L = 1 − I/U, U = A_t + A_p − I + ε
 * (ε = 1e-7 keeps two empty boxes finite). Widths are clamped at 0 (a box with x2 < x1 is empty).
 * With dI and dA_p the (sub)gradients of the intersection and predicted area:
 * ∂L/∂θ = −((U + I)/U²)·dI + (I/U²)·dA_p. At ties (pred edge = true edge) the pred edge gets the
 * intersection's gradient. Scalar: four coordinates per box, see NO_SIMD in test/build.test.ts.
 */
export function loss_iou(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  let total: f64 = 0;
  for (let r = 0; r < batch; r++) {
    const o = r * 4;
    const tx1 = ld(yt, o), ty1 = ld(yt, o + 1), tx2 = ld(yt, o + 2), ty2 = ld(yt, o + 3);
    const px1 = ld(yp, o), py1 = ld(yp, o + 1), px2 = ld(yp, o + 2), py2 = ld(yp, o + 3);
    const pw = max<f32>(px2 - px1, 0), ph = max<f32>(py2 - py1, 0);
    const iw = max<f32>(min(tx2, px2) - max(tx1, px1), 0), ih = max<f32>(min(ty2, py2) - max(ty1, py1), 0);
    const I = iw * ih;
    const U = max<f32>(tx2 - tx1, 0) * max<f32>(ty2 - ty1, 0) + pw * ph - I + EPS;
    const wr: f32 = w ? ld(w, r) : 1;
    const L = wr * (1 - I / U);
    if (rows) st(rows, r, L);
    total += <f64>L;
    if (grad) {
      const gs = gscale * wr;
      const kI = -gs * (U + I) / (U * U), kA = gs * I / (U * U);
      const dx1: f32 = iw > 0 && px1 >= tx1 ? -ih : 0, dx2: f32 = iw > 0 && px2 <= tx2 ? ih : 0;
      const dy1: f32 = ih > 0 && py1 >= ty1 ? -iw : 0, dy2: f32 = ih > 0 && py2 <= ty2 ? iw : 0;
      put1(grad, o, kI * dx1 + kA * (pw > 0 ? -ph : 0), accum);
      put1(grad, o + 1, kI * dy1 + kA * (ph > 0 ? -pw : 0), accum);
      put1(grad, o + 2, kI * dx2 + kA * (pw > 0 ? ph : 0), accum);
      put1(grad, o + 3, kI * dy2 + kA * (ph > 0 ? pw : 0), accum);
    }
  }
  return total;
}
