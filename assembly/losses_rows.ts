// Losses whose per-sample value couples a whole row, other than the cross-entropies (losses_cce.ts):
// cosine similarity, categorical hinge, IoU of boxes. Same signature as every loss kernel
// (assembly/losses.ts); each row runs a few vector passes (body f32x4, scalar tail) over its axis.
import { EPS } from "./losses_regression";
import { hsum4, put1, put4 } from "./losses_util";
import { ld, ld4, madd, splat, st } from "./vec";

// ε² for Keras' normalize: the norm is clamped at backend.epsilon() = 1e-7.
// @ts-ignore: decorator
@inline const EPS2: f32 = 1e-14;

/**
 * Cosine similarity loss (Keras 3): L = −t̂·p̂ with x̂ = x·min(1/‖x‖, 1/ε), ε = 1e-7 (ops.normalize), i.e.
 * x/√max(Σx², ε²). With k = 1/(‖t‖·‖p‖) and c = −L, ∂L/∂p = −k·t + (c/Σp²)·p (the second term vanishes
 * when Σp² ≤ ε², where the norm is the constant ε).
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
    const k: f32 = 1 / (sqrt(max<f32>(tt, EPS2)) * sqrt(max<f32>(pp, EPS2)));
    const cs = tp * k;
    const wr: f32 = w ? ld(w, r) : 1;
    const L = -wr * cs;
    if (rows) st(rows, r, L);
    total += <f64>L;
    if (grad) {
      const gs = gscale * wr;
      const kt = -gs * k, kp: f32 = pp > EPS2 ? gs * cs / pp : 0;
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
 * ∂L/∂p_j = −t_j + [j ∈ J]·(1 − t_j)/|J| while L > 0, J the indices attaining the max (a tied max shares
 * its gradient equally, as TensorFlow's, PyTorch's and JAX's max reductions do); 0 otherwise.
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
        // the same products as the max above, so the comparison is exact; a NaN row has no tie and no gradient
        let ties = 0;
        for (let k = 0; k < dim; k++) if ((1 - ld(yt, o + k)) * ld(yp, o + k) == neg) ties++;
        const share = gs / <f32>ties;
        for (let k = 0; k < dim; k++) {
          const t = ld(yt, o + k);
          if ((1 - t) * ld(yp, o + k) == neg) st(grad, o + k, ld(grad, o + k) + share * (1 - t));
        }
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
