// Activation kernels, forward beside backward. Pointwise ones share two generic loops (a four-lane
// body when the build has SIMD, the same function one lane at a time for the tail); the op classes
// in activations_ops.ts are compile-time tags, so each export is its own specialised loop.
// Pointers need 4-byte alignment only. Forward: out may alias x. Backward writes (never
// accumulates) dx = f'(x)·dy and dx may alias dy (each element is read before it is written).
import {
  BinaryStep, Elu, Gelu, GeluTanh, HardSigmoid, HardSwish, LeakyRelu, Linear, Mish, Relu, Relu6, ReluMax, Selu, Sigmoid,
  Silu, Softplus, Softsign, Tanh,
} from "./activations_ops";
import { expFast, expFast4, expm1Fast, expm1Fast4, expNeg, expNeg4, expm1Neg, expm1Neg4 } from "./activations_math";
import { logf } from "./math";
import { SOFTMAX_GRAD_LANES_MAX, SOFTMAX_LANES_MAX, softmaxGradLanes, softmaxLanes } from "./activations_softmax_lanes";
import { ld, ld4, off, select4, splat, st, st4, kv } from "./vec";

// Vector constants in static memory (see kv in vec.ts).
// @ts-ignore: decorator
@lazy const K_NEGINFINITY = memory.data<f32>([-Infinity, -Infinity, -Infinity, -Infinity]);

@inline function forward<Op>(op: Op, out: usize, x: usize, n: i32, a: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = splat(a);
    // four vectors per step: independent exp/div chains in flight, constants loaded once per step
    for (; i + 16 <= n; i += 16) {
      const u0 = op.v(ld4(x, i), va);
      const u1 = op.v(ld4(x, i + 4), va);
      const u2 = op.v(ld4(x, i + 8), va);
      const u3 = op.v(ld4(x, i + 12), va);
      st4(out, i, u0);
      st4(out, i + 4, u1);
      st4(out, i + 8, u2);
      st4(out, i + 12, u3);
    }
    for (; i + 4 <= n; i += 4) st4(out, i, op.v(ld4(x, i), va));
  }
  for (; i < n; i++) st(out, i, op.f(ld(x, i), a));
}

@inline function backward<Op>(op: Op, dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = splat(a);
    // four vectors per step, as forward: the transcendental gradients are long dependency chains
    for (; i + 16 <= n; i += 16) {
      const g0 = op.dv(ld4(x, i), ld4(y, i), ld4(dy, i), va);
      const g1 = op.dv(ld4(x, i + 4), ld4(y, i + 4), ld4(dy, i + 4), va);
      const g2 = op.dv(ld4(x, i + 8), ld4(y, i + 8), ld4(dy, i + 8), va);
      const g3 = op.dv(ld4(x, i + 12), ld4(y, i + 12), ld4(dy, i + 12), va);
      st4(dx, i, g0);
      st4(dx, i + 4, g1);
      st4(dx, i + 8, g2);
      st4(dx, i + 12, g3);
    }
    for (; i + 4 <= n; i += 4) st4(dx, i, op.dv(ld4(x, i), ld4(y, i), ld4(dy, i), va));
  }
  for (; i < n; i++) st(dx, i, op.df(ld(x, i), ld(y, i), ld(dy, i), a));
}

// One line per activation and direction: (out, x, n, alpha) and (dx, x, y, dy, n, alpha).
export function act_linear(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Linear>(0), out, x, n, a); }
export function act_linear_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Linear>(0), dx, x, y, dy, n, a); }
export function act_binary_step(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<BinaryStep>(0), out, x, n, a); }
export function act_binary_step_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<BinaryStep>(0), dx, x, y, dy, n, a); }
export function act_sigmoid(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Sigmoid>(0), out, x, n, a); }
export function act_sigmoid_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Sigmoid>(0), dx, x, y, dy, n, a); }
export function act_hard_sigmoid(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<HardSigmoid>(0), out, x, n, a); }
export function act_hard_sigmoid_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<HardSigmoid>(0), dx, x, y, dy, n, a); }
export function act_tanh(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Tanh>(0), out, x, n, a); }
export function act_tanh_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Tanh>(0), dx, x, y, dy, n, a); }
export function act_relu(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Relu>(0), out, x, n, a); }
export function act_relu_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Relu>(0), dx, x, y, dy, n, a); }
export function act_relu6(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Relu6>(0), out, x, n, a); }
export function act_relu6_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Relu6>(0), dx, x, y, dy, n, a); }
export function act_relu_max(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<ReluMax>(0), out, x, n, a); }
export function act_relu_max_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<ReluMax>(0), dx, x, y, dy, n, a); }
export function act_leaky_relu(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<LeakyRelu>(0), out, x, n, a); }
export function act_leaky_relu_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<LeakyRelu>(0), dx, x, y, dy, n, a); }
export function act_elu(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Elu>(0), out, x, n, a); }
export function act_elu_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Elu>(0), dx, x, y, dy, n, a); }
export function act_selu(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Selu>(0), out, x, n, a); }
export function act_selu_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Selu>(0), dx, x, y, dy, n, a); }
export function act_gelu(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Gelu>(0), out, x, n, a); }
export function act_gelu_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Gelu>(0), dx, x, y, dy, n, a); }
export function act_gelu_tanh(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<GeluTanh>(0), out, x, n, a); }
export function act_gelu_tanh_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<GeluTanh>(0), dx, x, y, dy, n, a); }
export function act_silu(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Silu>(0), out, x, n, a); }
export function act_silu_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Silu>(0), dx, x, y, dy, n, a); }
export function act_mish(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Mish>(0), out, x, n, a); }
export function act_mish_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Mish>(0), dx, x, y, dy, n, a); }
export function act_softplus(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Softplus>(0), out, x, n, a); }
export function act_softplus_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Softplus>(0), dx, x, y, dy, n, a); }
export function act_softsign(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<Softsign>(0), out, x, n, a); }
export function act_softsign_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<Softsign>(0), dx, x, y, dy, n, a); }
export function act_hard_swish(out: usize, x: usize, n: i32, a: f32): void { forward(changetype<HardSwish>(0), out, x, n, a); }
export function act_hard_swish_grad(dx: usize, x: usize, y: usize, dy: usize, n: i32, a: f32): void { backward(changetype<HardSwish>(0), dx, x, y, dy, n, a); }

// ---- softmax family over the last axis: rows × cols, row-major ----

@inline function rowMax(x: usize, cols: i32): f32 {
  let i = 0;
  let m: f32 = -Infinity;
  if (ASC_FEATURE_SIMD) {
    // pmax is one instruction (max is a NaN-propagating sequence in V8); a NaN it skips still makes
    // its own e^(x − m) and so the whole row NaN. Four accumulators: pmax has a latency of four cycles.
    let a0 = kv(K_NEGINFINITY), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 16 <= cols; i += 16) {
      a0 = f32x4.pmax(a0, ld4(x, i));
      a1 = f32x4.pmax(a1, ld4(x, i + 4));
      a2 = f32x4.pmax(a2, ld4(x, i + 8));
      a3 = f32x4.pmax(a3, ld4(x, i + 12));
    }
    for (; i + 4 <= cols; i += 4) a0 = f32x4.pmax(a0, ld4(x, i));
    const acc = f32x4.pmax(f32x4.pmax(a0, a1), f32x4.pmax(a2, a3));
    m = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  }
  for (; i < cols; i++) m = max(m, ld(x, i));
  return m;
}

/**
 * The row maximum of `next` (as rowMax) while finishing the previous row: out[i] = a·src[i] (softmax,
 * shift false) or out[i] = (src[i] − a) − b (logSoftmax, shift true, as rowShift). Reading `next`
 * streams from memory and the other row is in L1, so one loop does both; out may alias src but not next.
 */
@inline function rowMaxThen(next: usize, out: usize, src: usize, cols: i32, a: f32, b: f32, shift: bool): f32 {
  let i = 0;
  let m: f32 = -Infinity;
  if (ASC_FEATURE_SIMD) {
    const va = splat(a), vb = splat(b);
    let a0 = kv(K_NEGINFINITY), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 16 <= cols; i += 16) {
      a0 = f32x4.pmax(a0, ld4(next, i));
      a1 = f32x4.pmax(a1, ld4(next, i + 4));
      a2 = f32x4.pmax(a2, ld4(next, i + 8));
      a3 = f32x4.pmax(a3, ld4(next, i + 12));
      const u0 = finish4(ld4(src, i), va, vb, shift), u1 = finish4(ld4(src, i + 4), va, vb, shift);
      const u2 = finish4(ld4(src, i + 8), va, vb, shift), u3 = finish4(ld4(src, i + 12), va, vb, shift);
      st4(out, i, u0); st4(out, i + 4, u1); st4(out, i + 8, u2); st4(out, i + 12, u3);
    }
    for (; i + 4 <= cols; i += 4) {
      a0 = f32x4.pmax(a0, ld4(next, i));
      st4(out, i, finish4(ld4(src, i), va, vb, shift));
    }
    const acc = f32x4.pmax(f32x4.pmax(a0, a1), f32x4.pmax(a2, a3));
    m = max(max(f32x4.extract_lane(acc, 0), f32x4.extract_lane(acc, 1)), max(f32x4.extract_lane(acc, 2), f32x4.extract_lane(acc, 3)));
  }
  for (; i < cols; i++) {
    m = max(m, ld(next, i));
    st(out, i, shift ? (ld(src, i) - a) - b : a * ld(src, i));
  }
  return m;
}
@inline function finish4(v: v128, va: v128, vb: v128, shift: bool): v128 {
  return shift ? f32x4.sub(f32x4.sub(v, va), vb) : f32x4.mul(va, v);
}

/**
 * Σ e^(x − m) over a row; writes each term to out unless out is 0. x − m ≤ 0, so the base-2 expFast
 * applies: each term's relative error ≤ 6e-7 + 1.5·|x − m|·2^−24, i.e. ≤ 3.3e-8 absolute after the
 * division by Σ ≥ 1 (activations_math.ts). Four vectors per step, four sums.
 */
@inline function rowExpSum(out: usize, x: usize, cols: i32, m: f32, store: bool): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = splat(m);
    let a0 = splat(0), a1 = a0, a2 = a0, a3 = a0;
    for (; i + 16 <= cols; i += 16) {
      const e0 = expFast4(f32x4.sub(ld4(x, i), vm));
      const e1 = expFast4(f32x4.sub(ld4(x, i + 4), vm));
      const e2 = expFast4(f32x4.sub(ld4(x, i + 8), vm));
      const e3 = expFast4(f32x4.sub(ld4(x, i + 12), vm));
      if (store) { st4(out, i, e0); st4(out, i + 4, e1); st4(out, i + 8, e2); st4(out, i + 12, e3); }
      a0 = f32x4.add(a0, e0);
      a1 = f32x4.add(a1, e1);
      a2 = f32x4.add(a2, e2);
      a3 = f32x4.add(a3, e3);
    }
    for (; i + 4 <= cols; i += 4) {
      const e = expFast4(f32x4.sub(ld4(x, i), vm));
      if (store) st4(out, i, e);
      a0 = f32x4.add(a0, e);
    }
    const acc = f32x4.add(f32x4.add(a0, a1), f32x4.add(a2, a3));
    s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; i < cols; i++) {
    const e = expFast(ld(x, i) - m);
    if (store) st(out, i, e);
    s += e;
  }
  return s;
}

/** out[i] = a·x[i] + b over a row (softmax scales by a = 1/Σ). */
@inline function rowAffine(out: usize, x: usize, cols: i32, a: f32, b: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = splat(a), vb = splat(b);
    for (; i + 16 <= cols; i += 16) {
      const u0 = f32x4.add(f32x4.mul(va, ld4(x, i)), vb), u1 = f32x4.add(f32x4.mul(va, ld4(x, i + 4)), vb);
      const u2 = f32x4.add(f32x4.mul(va, ld4(x, i + 8)), vb), u3 = f32x4.add(f32x4.mul(va, ld4(x, i + 12)), vb);
      st4(out, i, u0); st4(out, i + 4, u1); st4(out, i + 8, u2); st4(out, i + 12, u3);
    }
    for (; i + 4 <= cols; i += 4) st4(out, i, f32x4.add(f32x4.mul(va, ld4(x, i)), vb));
  }
  for (; i < cols; i++) st(out, i, a * ld(x, i) + b);
}

/** out[i] = (x[i] − m) − ls: x − m first, so the row maximum gives exactly −ls (no cancellation in m + ls). */
@inline function rowShift(out: usize, x: usize, cols: i32, m: f32, ls: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vm = splat(m), vl = splat(ls);
    for (; i + 4 <= cols; i += 4) st4(out, i, f32x4.sub(f32x4.sub(ld4(x, i), vm), vl));
  }
  for (; i < cols; i++) st(out, i, (ld(x, i) - m) - ls);
}

/** Σ p[i]·q[i] over a row, or Σ q[i] when p is 0. */
@inline function rowDot(p: usize, q: usize, cols: i32): f32 {
  let i = 0;
  let s: f32 = 0;
  if (ASC_FEATURE_SIMD) {
    let acc = splat(0);
    for (; i + 4 <= cols; i += 4) acc = f32x4.add(acc, p ? f32x4.mul(ld4(p, i), ld4(q, i)) : ld4(q, i));
    s = (f32x4.extract_lane(acc, 0) + f32x4.extract_lane(acc, 1)) + (f32x4.extract_lane(acc, 2) + f32x4.extract_lane(acc, 3));
  }
  for (; i < cols; i++) s += p ? ld(p, i) * ld(q, i) : ld(q, i);
  return s;
}

@inline function row(p: usize, r: i32, cols: i32): usize { return p + off(r * cols); }

/**
 * softmax(x) = e^(x − max)/Σ e^(x − max) per row: no overflow; [1000, 0] → [1, 0]. out may alias x.
 * Two passes per row: e^(x − m) stored and summed, then row r scaled by 1/Σ inside the max pass of
 * row r + 1 (rowMaxThen); the last row is scaled alone.
 */
export function act_softmax(out: usize, x: usize, rows: i32, cols: i32): void {
  softmaxRows(false, out, x, rows, cols);
}

/** dx = y ⊙ (dy − Σ dy·y) per row (the softmax Jacobian–vector product). dx may alias dy. */
export function act_softmax_grad(dx: usize, x: usize, y: usize, dy: usize, rows: i32, cols: i32): void {
  if (ASC_FEATURE_SIMD && cols <= SOFTMAX_GRAD_LANES_MAX) { // short rows four per f32x4, the rest below
    const done = softmaxGradLanes(false, dx, y, dy, rows, cols);
    dx = row(dx, done, cols); y = row(y, done, cols); dy = row(dy, done, cols); rows -= done;
  }
  for (let r = 0; r < rows; r++) {
    const yr = row(y, r, cols), gr = row(dy, r, cols), dr = row(dx, r, cols);
    const d = rowDot(yr, gr, cols);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vd = splat(d);
      for (; i + 4 <= cols; i += 4) st4(dr, i, f32x4.mul(ld4(yr, i), f32x4.sub(ld4(gr, i), vd)));
    }
    for (; i < cols; i++) st(dr, i, ld(yr, i) * (ld(gr, i) - d));
  }
}

/** logSoftmax(x) = x − max − log Σ e^(x − max) per row. out may alias x. */
export function act_log_softmax(out: usize, x: usize, rows: i32, cols: i32): void {
  softmaxRows(true, out, x, rows, cols);
}

/**
 * softmax (log false) or logSoftmax (log true) over the rows of x [rows, cols]: short rows four per
 * f32x4 (activations_softmax_lanes.ts), then row at a time, row r finished (scaled by 1/Σ, or shifted by
 * m + log Σ) inside the max pass of row r + 1 (rowMaxThen); the last row alone.
 */
@inline function softmaxRows(log: bool, out: usize, x: usize, rows: i32, cols: i32): void {
  if (ASC_FEATURE_SIMD && cols <= SOFTMAX_LANES_MAX) {
    const done = softmaxLanes(log, out, x, rows, cols);
    x = row(x, done, cols); out = row(out, done, cols); rows -= done;
  }
  if (rows <= 0) return;
  let m = rowMax(x, cols);
  for (let r = 0; r < rows; r++) {
    const xr = row(x, r, cols), yr = row(out, r, cols);
    if (log) {
      const ls = logf(rowExpSum(0, xr, cols, m, false));
      if (r + 1 < rows) m = rowMaxThen(row(x, r + 1, cols), yr, xr, cols, m, ls, true);
      else rowShift(yr, xr, cols, m, ls);
    } else {
      const inv = <f32>1.0 / rowExpSum(yr, xr, cols, m, true);
      if (r + 1 < rows) m = rowMaxThen(row(x, r + 1, cols), yr, yr, cols, inv, 0, false);
      else rowAffine(yr, yr, cols, inv, 0);
    }
  }
}

/** dx = dy − softmax(x)·Σ dy per row, with softmax(x) = e^y. dx may alias dy. */
export function act_log_softmax_grad(dx: usize, x: usize, y: usize, dy: usize, rows: i32, cols: i32): void {
  if (ASC_FEATURE_SIMD && cols <= SOFTMAX_GRAD_LANES_MAX) {
    const done = softmaxGradLanes(true, dx, y, dy, rows, cols);
    dx = row(dx, done, cols); y = row(y, done, cols); dy = row(dy, done, cols); rows -= done;
  }
  for (let r = 0; r < rows; r++) {
    const yr = row(y, r, cols), gr = row(dy, r, cols), dr = row(dx, r, cols);
    const s = rowDot(0, gr, cols);
    let i = 0;
    if (ASC_FEATURE_SIMD) {
      const vs = splat(s);
      for (; i + 4 <= cols; i += 4) st4(dr, i, f32x4.sub(ld4(gr, i), f32x4.mul(expNeg4(ld4(yr, i)), vs)));
    }
    for (; i < cols; i++) st(dr, i, ld(gr, i) - expNeg(ld(yr, i)) * s);
  }
}

// ---- PReLU: learnable alpha per channel (the last axis, cols entries) ----

/** out = x for x > 0, alpha[c]·x otherwise. out may alias x. */
export function act_prelu(out: usize, x: usize, alpha: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = row(x, r, cols), yr = row(out, r, cols);
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const v = ld4(xr, c);
        st4(yr, c, select4(v, f32x4.mul(ld4(alpha, c), v), f32x4.gt(v, splat(0))));
      }
    }
    for (; c < cols; c++) { const v = ld(xr, c); st(yr, c, v > 0 ? v : ld(alpha, c) * v); }
  }
}

/**
 * dx = dy for x > 0, alpha[c]·dy otherwise (dx may alias dy); dalpha[c] = Σ_rows (x > 0 ? 0 : x·dy),
 * written, not accumulated. dalpha must not alias anything else.
 */
export function act_prelu_grad(dx: usize, dalpha: usize, x: usize, alpha: usize, dy: usize, rows: i32, cols: i32): void {
  memory.fill(dalpha, 0, <usize>cols << 2);
  for (let r = 0; r < rows; r++) {
    const xr = row(x, r, cols), gr = row(dy, r, cols), dr = row(dx, r, cols);
    let c = 0;
    if (ASC_FEATURE_SIMD) {
      for (; c + 4 <= cols; c += 4) {
        const v = ld4(xr, c), g = ld4(gr, c);
        const pos = f32x4.gt(v, splat(0));
        st4(dalpha, c, f32x4.add(ld4(dalpha, c), v128.andnot(f32x4.mul(v, g), pos)));
        st4(dr, c, select4(g, f32x4.mul(ld4(alpha, c), g), pos));
      }
    }
    for (; c < cols; c++) {
      const v = ld(xr, c), g = ld(gr, c);
      if (!(v > 0)) st(dalpha, c, ld(dalpha, c) + v * g);
      st(dr, c, v > 0 ? g : ld(alpha, c) * g);
    }
  }
}

// The activation exponentials themselves, exported so their bounds are tested directly (test/math.test.ts).
export function act_exp_neg(out: usize, x: usize, n: i32): void { forward(changetype<ExpNeg>(0), out, x, n, 0); }
export function act_expm1_neg(out: usize, x: usize, n: i32): void { forward(changetype<Expm1Neg>(0), out, x, n, 0); }
export function act_exp_fast(out: usize, x: usize, n: i32): void { forward(changetype<ExpFast>(0), out, x, n, 0); }
export function act_expm1_fast(out: usize, x: usize, n: i32): void { forward(changetype<Expm1Fast>(0), out, x, n, 0); }
@final class ExpNeg {
  @inline f(x: f32, a: f32): f32 { return expNeg(x); }
  @inline v(x: v128, a: v128): v128 { return expNeg4(x); }
}
@final class Expm1Neg {
  @inline f(x: f32, a: f32): f32 { return expm1Neg(x); }
  @inline v(x: v128, a: v128): v128 { return expm1Neg4(x); }
}
@final class ExpFast {
  @inline f(x: f32, a: f32): f32 { return expFast(x); }
  @inline v(x: v128, a: v128): v128 { return expFast4(x); }
}
@final class Expm1Fast {
  @inline f(x: f32, a: f32): f32 { return expm1Fast(x); }
  @inline v(x: v128, a: v128): v128 { return expm1Fast4(x); }
}
