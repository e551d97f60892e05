// Batch and layer normalisation, forward beside backward. x is rows × cols, row-major; batch norm
// normalises each column over the rows, layer norm each row over its columns. Sums run in f32x4
// lanes (or f32 in the scalar build) over at most a batch of rows or a row of features; the variance
// is two-pass (Σ(x − mean)²), so it never cancels: relative error ≲ n·2⁻²⁴ of the exact statistic.
import { ld, ld4, madd, splat, st, st4 } from "./vec";

/** mean[c], var[c] (biased, ÷ rows) of each column. mean and var must not alias x. */
export function bn_moments(mean: usize, variance: usize, x: usize, rows: i32, cols: i32): void {
  memory.fill(mean, 0, <usize>cols << 2);
  memory.fill(variance, 0, <usize>cols << 2);
  const inv: f32 = 1 / <f32>max(rows, 1);
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2);
    let c = 0;
    if (ASC_FEATURE_SIMD) for (; c + 4 <= cols; c += 4) st4(mean, c, f32x4.add(ld4(mean, c), ld4(xr, c)));
    for (; c < cols; c++) st(mean, c, ld(mean, c) + ld(xr, c));
  }
  for (let c = 0; c < cols; c++) st(mean, c, ld(mean, c) * inv);
  for (let r = 0; r < rows; r++) {
    const xr = x + (<usize>(r * cols) << 2);
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const d = f32x4.sub(ld4(xr, c), ld4(mean, c));
        st4(variance, c, madd(d, d, ld4(variance, c)));
      }
    }
    for (; c < cols; c++) { const d = ld(xr, c) - ld(mean, c); st(variance, c, d * d + ld(variance, c)); }
  }
  for (let c = 0; c < cols; c++) st(variance, c, ld(variance, c) * inv);
}

/**
 * y = gamma·(x − mean)·invstd + beta per column (gamma/beta pointer 0 = 1/0); xhat (pointer 0 =
 * not kept) receives (x − mean)·invstd for backward. y may alias x.
 */
export function bn_apply(y: usize, xhat: usize, x: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * cols) << 2;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const h = f32x4.mul(f32x4.sub(ld4(x + o, c), ld4(mean, c)), ld4(invstd, c));
        if (xhat) st4(xhat + o, c, h);
        let v = gamma ? f32x4.mul(h, ld4(gamma, c)) : h;
        if (beta) v = f32x4.add(v, ld4(beta, c));
        st4(y + o, c, v);
      }
    }
    for (; c < cols; c++) {
      const h = (ld(x + o, c) - ld(mean, c)) * ld(invstd, c);
      if (xhat) st(xhat + o, c, h);
      let v = gamma ? h * ld(gamma, c) : h;
      if (beta) v += ld(beta, c);
      st(y + o, c, v);
    }
  }
}

/**
 * Batch-norm backward in training mode, from xhat and invstd of the forward:
 * dβ = Σ dy, dγ = Σ dy·x̂ (written, not accumulated; pointer 0 = skip) and
 * dx = γ·invstd·(dy − dβ/N − x̂·dγ/N) (the batch statistics' own dependence on x included).
 * dsum/dxsum are scratch of cols floats when dγ/dβ are not wanted. dx may alias dy.
 */
export function bn_backward(dx: usize, dsum: usize, dxsum: usize, dy: usize, xhat: usize, invstd: usize, gamma: usize, rows: i32, cols: i32): void {
  memory.fill(dsum, 0, <usize>cols << 2);
  memory.fill(dxsum, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * cols) << 2;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const g = ld4(dy + o, c);
        st4(dsum, c, f32x4.add(ld4(dsum, c), g));
        st4(dxsum, c, madd(g, ld4(xhat + o, c), ld4(dxsum, c)));
      }
    }
    for (; c < cols; c++) { const g = ld(dy + o, c); st(dsum, c, ld(dsum, c) + g); st(dxsum, c, g * ld(xhat + o, c) + ld(dxsum, c)); }
  }
  if (dx == 0) return;
  const inv: f32 = 1 / <f32>max(rows, 1);
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * cols) << 2;
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      const vi = splat(inv);
      for (; c + 4 <= cols; c += 4) {
        const k = gamma ? f32x4.mul(ld4(gamma, c), ld4(invstd, c)) : ld4(invstd, c);
        const t = f32x4.sub(f32x4.sub(ld4(dy + o, c), f32x4.mul(ld4(dsum, c), vi)), f32x4.mul(ld4(xhat + o, c), f32x4.mul(ld4(dxsum, c), vi)));
        st4(dx + o, c, f32x4.mul(k, t));
      }
    }
    for (; c < cols; c++) {
      const k = gamma ? ld(gamma, c) * ld(invstd, c) : ld(invstd, c);
      st(dx + o, c, k * (ld(dy + o, c) - ld(dsum, c) * inv - ld(xhat + o, c) * (ld(dxsum, c) * inv)));
    }
  }
}

@inline function rowSum(p: usize, cols: i32): f32 {
  let c = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let a = f32x4.splat(0);
    for (; c + 4 <= cols; c += 4) a = f32x4.add(a, ld4(p, c));
    s = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
  }
  for (; c < cols; c++) s += ld(p, c);
  return s;
}

/**
 * Layer norm forward: per row, x̂ = (x − mean)·invstd with invstd = 1/√(var + eps), then
 * y = γ·x̂ + β (pointers 0 = 1/0). Keeps x̂ (rows × cols) and invstd (rows) for backward when
 * those pointers are not 0. y must not alias x.
 */
export function ln_forward(y: usize, xhat: usize, invstd: usize, x: usize, gamma: usize, beta: usize, rows: i32, cols: i32, eps: f32): void {
  const inv: f32 = 1 / <f32>max(cols, 1);
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * cols) << 2;
    const mean = rowSum(x + o, cols) * inv;
    // y's row holds x − mean first, so the variance is two-pass without extra memory
    let c = 0;
    let ss: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      const vm = splat(mean);
      let a = f32x4.splat(0);
      for (; c + 4 <= cols; c += 4) { const d = f32x4.sub(ld4(x + o, c), vm); st4(y + o, c, d); a = madd(d, d, a); }
      ss = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
    }
    for (; c < cols; c++) { const d = ld(x + o, c) - mean; st(y + o, c, d); ss += d * d; }
    const is: f32 = 1 / Mathf.sqrt(ss * inv + eps);
    if (invstd) st(invstd, r, is);
    c = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = splat(is);
      for (; c + 4 <= cols; c += 4) {
        const h = f32x4.mul(ld4(y + o, c), vs);
        if (xhat) st4(xhat + o, c, h);
        let v = gamma ? f32x4.mul(h, ld4(gamma, c)) : h;
        if (beta) v = f32x4.add(v, ld4(beta, c));
        st4(y + o, c, v);
      }
    }
    for (; c < cols; c++) {
      const h = ld(y + o, c) * is;
      if (xhat) st(xhat + o, c, h);
      let v = gamma ? h * ld(gamma, c) : h;
      if (beta) v += ld(beta, c);
      st(y + o, c, v);
    }
  }
}

/**
 * Layer norm backward: with g = γ·dy, dx = invstd·(g − mean(g) − x̂·mean(g·x̂)) per row (written;
 * dx may alias dy); dγ = Σ_rows dy·x̂, dβ = Σ_rows dy written when their pointers are not 0.
 */
export function ln_backward(dx: usize, dgamma: usize, dbeta: usize, dy: usize, xhat: usize, invstd: usize, gamma: usize, rows: i32, cols: i32): void {
  if (dgamma) memory.fill(dgamma, 0, <usize>cols << 2);
  if (dbeta) memory.fill(dbeta, 0, <usize>cols << 2);
  const inv: f32 = 1 / <f32>max(cols, 1);
  for (let r = 0; r < rows; r++) {
    const o = <usize>(r * cols) << 2;
    let c = 0;
    let sg: f32 = 0, sgx: f32 = 0;
    if (ASC_FEATURE_SIMD) {
      let a = f32x4.splat(0), b = a;
      for (; c + 4 <= cols; c += 4) {
        const d = ld4(dy + o, c), h = ld4(xhat + o, c);
        if (dgamma) st4(dgamma, c, madd(d, h, ld4(dgamma, c)));
        if (dbeta) st4(dbeta, c, f32x4.add(ld4(dbeta, c), d));
        const g = gamma ? f32x4.mul(d, ld4(gamma, c)) : d;
        a = f32x4.add(a, g);
        b = madd(g, h, b);
      }
      sg = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
      sgx = f32x4.extract_lane(b, 0) + f32x4.extract_lane(b, 1) + f32x4.extract_lane(b, 2) + f32x4.extract_lane(b, 3);
    }
    for (; c < cols; c++) {
      const d = ld(dy + o, c), h = ld(xhat + o, c);
      if (dgamma) st(dgamma, c, d * h + ld(dgamma, c));
      if (dbeta) st(dbeta, c, ld(dbeta, c) + d);
      const g = gamma ? d * ld(gamma, c) : d;
      sg += g;
      sgx += g * h;
    }
    if (dx == 0) continue;
    const is = ld(invstd, r), mg = sg * inv, mgx = sgx * inv;
    c = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = splat(is), vmg = splat(mg), vmgx = splat(mgx);
      for (; c + 4 <= cols; c += 4) {
        const d = ld4(dy + o, c);
        const g = gamma ? f32x4.mul(d, ld4(gamma, c)) : d;
        st4(dx + o, c, f32x4.mul(vs, f32x4.sub(f32x4.sub(g, vmg), f32x4.mul(ld4(xhat + o, c), vmgx))));
      }
    }
    for (; c < cols; c++) {
      const d = ld(dy + o, c);
      const g = gamma ? d * ld(gamma, c) : d;
      st(dx + o, c, is * (g - mg - ld(xhat + o, c) * mgx));
    }
  }
}
