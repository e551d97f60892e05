// Losses that are a mean (or, for KL, a sum) over the last axis of an element function f(t, p).
// Shapes: yTrue, yPred, grad [batch, dim] row-major; w, rows [batch]. Every kernel here has the
// signature of the loss family (see assembly/losses.ts):
//   loss_x(grad, rows, yTrue, yPred, w, batch, dim, gscale, accum, a, b, c, d): f64
// returning Σ_r w_r·L_r. One driver runs every element core; `op` and `G` are constants after
// inlining, so each kernel compiles to its own straight loop.
import { hsum4 } from "./losses_util";
import { bce1, bce4, bceExp4, bceLogits1, bceLogits4, bceLogitsE4, focal1, focal4, focalLogits1, focalLogits4, kld1, kld4 } from "./losses_binary";
import {
  hinge1, hinge4, huber1, huber4, logcosh1, logcosh4, mae1, mae4, mse1, mse4, poisson1, poisson4, quantile1, quantile4, wass1, wass4,
} from "./losses_regression";
import { scratch, SCRATCH_EXP, SCRATCH_EXP_BYTES } from "./scratch";
import { ld, ld4, splat, st } from "./vec";

// Type tags, one per element function: `idof<Op>() == idof<MSE>()` is a compile-time constant,
// so AssemblyScript compiles only the matching branch into each kernel (comparing an inlined
// integer parameter instead made every kernel contain all fourteen cores: 180k lines at -O0).
@final class MSE {}
@final class MAE {}
@final class HUBER {}
@final class LOGCOSH {}
@final class QUANTILE {}
@final class POISSON {}
@final class WASSERSTEIN {}
@final class HINGE {}
@final class SQHINGE {}
@final class BCE {}
@final class BCE_LOGITS {}
@final class FOCAL {}
@final class FOCAL_LOGITS {}
@final class KLD {}

@inline function core1<Op>(G: bool, t: f32, p: f32, a: f32, b: f32, c: f32, d: f32, g: usize, i: i32, gs: f32, accum: i32): f32 {
  if (idof<Op>() == idof<MSE>()) return mse1(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<MAE>()) return mae1(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<HUBER>()) return huber1(G, t, p, a, g, i, gs, accum);
  if (idof<Op>() == idof<LOGCOSH>()) return logcosh1(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<QUANTILE>()) return quantile1(G, t, p, a, g, i, gs, accum);
  if (idof<Op>() == idof<POISSON>()) return poisson1(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<WASSERSTEIN>()) return wass1(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<HINGE>()) return hinge1(G, false, t, p, a != 0, g, i, gs, accum);
  if (idof<Op>() == idof<SQHINGE>()) return hinge1(G, true, t, p, a != 0, g, i, gs, accum);
  if (idof<Op>() == idof<BCE>()) return bce1(G, t, p, a, b, g, i, gs, accum);
  if (idof<Op>() == idof<BCE_LOGITS>()) return bceLogits1(G, t, p, a, b, g, i, gs, accum);
  if (idof<Op>() == idof<FOCAL>()) return focal1(G, t, p, a, b, c, d, g, i, gs, accum);
  if (idof<Op>() == idof<FOCAL_LOGITS>()) return focalLogits1(G, t, p, a, b, c, d, g, i, gs, accum);
  return kld1(G, t, p, g, i, gs, accum);
}

@inline function core4<Op>(G: bool, t: v128, p: v128, a: f32, b: f32, c: f32, d: f32, g: usize, i: i32, gs: v128, accum: i32): v128 {
  if (idof<Op>() == idof<MSE>()) return mse4(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<MAE>()) return mae4(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<HUBER>()) return huber4(G, t, p, a, g, i, gs, accum);
  if (idof<Op>() == idof<LOGCOSH>()) return logcosh4(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<QUANTILE>()) return quantile4(G, t, p, a, g, i, gs, accum);
  if (idof<Op>() == idof<POISSON>()) return poisson4(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<WASSERSTEIN>()) return wass4(G, t, p, g, i, gs, accum);
  if (idof<Op>() == idof<HINGE>()) return hinge4(G, false, t, p, a != 0, g, i, gs, accum);
  if (idof<Op>() == idof<SQHINGE>()) return hinge4(G, true, t, p, a != 0, g, i, gs, accum);
  if (idof<Op>() == idof<BCE>()) return bce4(G, t, p, a, b, g, i, gs, accum);
  if (idof<Op>() == idof<BCE_LOGITS>()) return bceLogits4(G, t, p, a, b, g, i, gs, accum);
  if (idof<Op>() == idof<FOCAL>()) return focal4(G, t, p, a, b, c, d, g, i, gs, accum);
  if (idof<Op>() == idof<FOCAL_LOGITS>()) return focalLogits4(G, t, p, a, b, c, d, g, i, gs, accum);
  return kld4(G, t, p, g, i, gs, accum);
}

/**
 * Σ f over [start, end) in float32: in the SIMD builds two four-lane accumulators over the body (two
 * independent add chains keep the adder busy), then the scalar core over the tail (the whole span in
 * the scalar build). `e`: BCE from logits' scratch block (eScratch), unused by the others.
 */
@inline function span<Op>(G: bool, yt: usize, yp: usize, start: i32, end: i32, a: f32, b: f32, c: f32, d: f32, g: usize, gs: f32, accum: i32, e: usize): f32 {
  if (ASC_FEATURE_SIMD && idof<Op>() == idof<BCE_LOGITS>()) return spanBceLogits(G, yt, yp, start, end, a, b, g, gs, accum, e);
  let j = start;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    const gs4 = splat(gs);
    let s0 = splat(0), s1 = splat(0);
    for (; j + 8 <= end; j += 8) {
      s0 = f32x4.add(s0, core4<Op>(G, ld4(yt, j), ld4(yp, j), a, b, c, d, g, j, gs4, accum));
      s1 = f32x4.add(s1, core4<Op>(G, ld4(yt, j + 4), ld4(yp, j + 4), a, b, c, d, g, j + 4, gs4, accum));
    }
    if (j + 4 <= end) {
      s0 = f32x4.add(s0, core4<Op>(G, ld4(yt, j), ld4(yp, j), a, b, c, d, g, j, gs4, accum));
      j += 4;
    }
    s = hsum4(f32x4.add(s0, s1));
  }
  for (; j < end; j++) s += core1<Op>(G, ld(yt, j), ld(yp, j), a, b, c, d, g, j, gs, accum);
  return s;
}

// BCE from logits in two passes per block of E_BLOCK = 256 elements: e^−|x| into the calling thread's
// scratch (scratch.ts), then the rest (division, log, gradient). One pass chains the exponential into the
// log (about 65 cycles per vector, more than the out-of-order window hides behind the next vectors); each
// pass alone is short.
// @ts-ignore: decorator
@inline const E_BLOCK: i32 = <i32>(SCRATCH_EXP_BYTES / 4);
/** This thread's block for spanBceLogits' e^−|x| (read once per kernel call), or 0 where nothing uses it. */
@inline function eScratch<Op>(): usize {
  return ASC_FEATURE_SIMD && idof<Op>() == idof<BCE_LOGITS>() ? scratch() + SCRATCH_EXP : 0;
}
@inline function spanBceLogits(G: bool, yt: usize, yp: usize, start: i32, end: i32, ls1: f32, ls0: f32, g: usize, gs: f32, accum: i32, eBlock: usize): f32 {
  const gs4 = splat(gs);
  let s0 = splat(0), s1 = splat(0);
  let j = start;
  while (j + 4 <= end) {
    const stop = j + min(E_BLOCK, (end - j) & ~3);
    for (let i = j, q = eBlock; i < stop; i += 4, q += 16) v128.store(q, bceExp4(ld4(yp, i)));
    let q = eBlock;
    for (; j + 8 <= stop; j += 8, q += 32) {
      s0 = f32x4.add(s0, bceLogitsE4(G, ld4(yt, j), ld4(yp, j), v128.load(q), ls1, ls0, g, j, gs4, accum));
      s1 = f32x4.add(s1, bceLogitsE4(G, ld4(yt, j + 4), ld4(yp, j + 4), v128.load(q, 16), ls1, ls0, g, j + 4, gs4, accum));
    }
    if (j < stop) {
      s0 = f32x4.add(s0, bceLogitsE4(G, ld4(yt, j), ld4(yp, j), v128.load(q), ls1, ls0, g, j, gs4, accum));
      j += 4;
    }
  }
  let s = hsum4(f32x4.add(s0, s1));
  for (; j < end; j++) s += bceLogits1(G, ld(yt, j), ld(yp, j), ls1, ls0, g, j, gs, accum);
  return s;
}

// accum's second bit (the loss signature, assembly/losses.ts): with w = 0, the flat run below writes the
// float32 sum of each of its FLAT_BLOCK-element blocks to rows[k] (k counted from the call's first element)
// instead of per-sample values. A threaded split (src/threads/loss_parallel.ts) cuts the batch at whole
// blocks and rows and adds those sums in order in float64, the same arithmetic as one call.
// @ts-ignore: decorator
@inline const BLOCK_SUMS: i32 = 2;
// @ts-ignore: decorator
@inline const FLAT_BLOCK: i32 = 1024;

/**
 * The driver. Per sample L_r = inv·Σ_j f(t_rj, p_rj), inv = 1/dim (mean) or 1 (KL's sum).
 * Without weights and per-sample output the batch is one flat run (every element in the SIMD body
 * however small dim is), summed in float32 blocks of FLAT_BLOCK = 1024 added in float64 (error as
 * assembly/reduce.ts); otherwise row by row. grad = gscale·w_r·inv·∂f/∂p.
 */
@inline function pointwise<Op>(G: bool, sumAxis: bool, grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, flags: i32, a: f32, b: f32, c: f32, d: f32): f64 {
  const inv: f32 = sumAxis ? 1 : <f32>1 / <f32>dim;
  const accum = flags & 1;
  const e = eScratch<Op>();
  let total: f64 = 0;
  if (w == 0 && (rows == 0 || (flags & BLOCK_SUMS) != 0)) {
    const n = batch * dim;
    const gs = gscale * inv;
    for (let s = 0; s < n; s += FLAT_BLOCK) {
      const part = span<Op>(G, yt, yp, s, min(s + FLAT_BLOCK, n), a, b, c, d, grad, gs, accum, e);
      if (rows) st(rows, s / FLAT_BLOCK, part);
      total += <f64>part;
    }
    return total * <f64>inv;
  }
  for (let r = 0; r < batch; r++) {
    const wr: f32 = w ? ld(w, r) : 1;
    const o = r * dim;
    const L = wr * inv * span<Op>(G, yt, yp, o, o + dim, a, b, c, d, grad, gscale * wr * inv, accum, e);
    if (rows) st(rows, r, L);
    total += <f64>L;
  }
  return total;
}

@inline function run<Op>(sumAxis: bool, grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, a: f32, b: f32, c: f32, d: f32): f64 {
  return grad
    ? pointwise<Op>(true, sumAxis, grad, rows, yt, yp, w, batch, dim, gscale, accum, a, b, c, d)
    : pointwise<Op>(false, sumAxis, grad, rows, yt, yp, w, batch, dim, gscale, accum, a, b, c, d);
}

/** Mean squared error (also the least-squares GAN loss). */
export function loss_mse(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  return run<MSE>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, 0, 0, 0, 0);
}
/** Mean absolute error. */
export function loss_mae(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  return run<MAE>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, 0, 0, 0, 0);
}
/** Huber, a = δ > 0. */
export function loss_huber(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, delta: f32): f64 {
  return run<HUBER>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, delta, 0, 0, 0);
}
/** log-cosh. */
export function loss_log_cosh(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  return run<LOGCOSH>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, 0, 0, 0, 0);
}
/** Quantile (pinball), a = q ∈ (0, 1). */
export function loss_quantile(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, q: f32): f64 {
  return run<QUANTILE>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, q, 0, 0, 0);
}
/** Poisson. */
export function loss_poisson(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  return run<POISSON>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, 0, 0, 0, 0);
}
/** Wasserstein critic loss, mean of yTrue·yPred. */
export function loss_wasserstein(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  return run<WASSERSTEIN>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, 0, 0, 0, 0);
}

/** 1 when every label is 0 or 1 (Keras then maps them to ±1 for the hinge losses), else 0. */
@inline function allBinary(yt: usize, n: i32): bool {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const v = ld4(yt, i);
      if (!i32x4.all_true(v128.or(f32x4.eq(v, splat(0)), f32x4.eq(v, splat(1))))) return false;
    }
  }
  for (; i < n; i++) {
    const v = ld(yt, i);
    if (v != 0 && v != 1) return false;
  }
  return true;
}
/**
 * Whether the hinge losses map labels {0, 1} to ±1: `labels` 0 decides over the whole batch as Keras (every
 * label 0 or 1: convert), 1 converts, −1 takes the labels as ±1. A threaded split decides once for the
 * whole batch and passes 1 or −1 to every share (src/threads/loss_parallel.ts).
 */
@inline function hingeConvert(labels: f32, yt: usize, n: i32): f32 {
  return labels > 0 ? 1 : labels < 0 ? 0 : allBinary(yt, n) ? 1 : 0;
}
/** Hinge; labels ±1, or all in {0, 1} (converted to ±1 as Keras does; decided over the whole batch unless `labels` says). */
export function loss_hinge(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, labels: f32): f64 {
  return run<HINGE>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, hingeConvert(labels, yt, batch * dim), 0, 0, 0);
}
/** Squared hinge; labels as loss_hinge. */
export function loss_squared_hinge(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, labels: f32): f64 {
  return run<SQHINGE>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, hingeConvert(labels, yt, batch * dim), 0, 0, 0);
}
/** Binary cross-entropy on probabilities, a = ε (label smoothing). */
export function loss_bce(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  return run<BCE>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, 1 - ls, 0.5 * ls, 0, 0);
}
/** Binary cross-entropy on logits (fused sigmoid), a = ε. */
export function loss_bce_logits(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, ls: f32): f64 {
  return run<BCE_LOGITS>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, 1 - ls, 0.5 * ls, 0, 0);
}
/** Binary focal cross-entropy on probabilities: γ ≥ 0, α, balance (0/1), ε. */
export function loss_focal(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, gamma: f32, alpha: f32, balance: f32, ls: f32): f64 {
  return run<FOCAL>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, gamma, alpha, balance, ls);
}
/** Binary focal cross-entropy on logits. */
export function loss_focal_logits(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32, gamma: f32, alpha: f32, balance: f32, ls: f32): f64 {
  return run<FOCAL_LOGITS>(false, grad, rows, yt, yp, w, batch, dim, gscale, accum, gamma, alpha, balance, ls);
}
/** Kullback–Leibler divergence, summed over the last axis. */
export function loss_kld(grad: usize, rows: usize, yt: usize, yp: usize, w: usize, batch: i32, dim: i32, gscale: f32, accum: i32): f64 {
  return run<KLD>(true, grad, rows, yt, yp, w, batch, dim, gscale, accum, 0, 0, 0, 0);
}
