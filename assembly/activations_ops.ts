// Pointwise activations: each class holds one function in four forms, forward one lane (f) and four
// lanes (v), backward one lane (df) and four lanes (dv), written once with the same algorithm. The
// classes are type tags for the generic loops in activations.ts (instances are never created), so
// every kernel compiles to its own straight loop. Definitions follow PyTorch in float32, including
// the value at kinks (relu'(0) = 0, leakyRelu'(0) = alpha, hardSwish'(±3) as PyTorch).
// `a` is the op's parameter (alpha), unused elsewhere. Backward receives x, y = f(x) and dy.
import { expNeg, expNeg4, div1pExp2, div1pExp2_4, expm1Fast, expm1Fast4, erfcPos, erfcPos4, sech2, sech2_4 } from "./activations_math";
import { tanhRational, tanhRational4 } from "./activations_tanh";
import { log1p4, log1pf } from "./math";
import { madd, negAbs, negAbs4, sel, select4, splat, kv } from "./vec";

// Vector constants in static memory (see kv in vec.ts).
// @ts-ignore: decorator
@lazy const K_0P5 = memory.data<f32>([0.5, 0.5, 0.5, 0.5]);
// @ts-ignore: decorator
@lazy const K_1P0 = memory.data<f32>([1.0, 1.0, 1.0, 1.0]);
// @ts-ignore: decorator
@lazy const K_20P0 = memory.data<f32>([20.0, 20.0, 20.0, 20.0]);
// @ts-ignore: decorator
@lazy const K_2P0 = memory.data<f32>([2.0, 2.0, 2.0, 2.0]);
// @ts-ignore: decorator
@lazy const K_2P0_X_GK = memory.data<f32>([2.0 * GK, 2.0 * GK, 2.0 * GK, 2.0 * GK]);
// @ts-ignore: decorator
@lazy const K_3P0 = memory.data<f32>([3.0, 3.0, 3.0, 3.0]);
// @ts-ignore: decorator
@lazy const K_3P0_X_GC = memory.data<f32>([3.0 * GC, 3.0 * GC, 3.0 * GC, 3.0 * GC]);
// @ts-ignore: decorator
@lazy const K_6P0 = memory.data<f32>([6.0, 6.0, 6.0, 6.0]);
// @ts-ignore: decorator
@lazy const K_GC = memory.data<f32>([GC, GC, GC, GC]);
// @ts-ignore: decorator
@lazy const K_GK = memory.data<f32>([GK, GK, GK, GK]);
// @ts-ignore: decorator
@lazy const K_NEG0P5 = memory.data<f32>([-0.5, -0.5, -0.5, -0.5]);
// @ts-ignore: decorator
@lazy const K_NEG2P0 = memory.data<f32>([-2.0, -2.0, -2.0, -2.0]);
// @ts-ignore: decorator
@lazy const K_NEG3P0 = memory.data<f32>([-3.0, -3.0, -3.0, -3.0]);
// @ts-ignore: decorator
@lazy const K_RSQRT2 = memory.data<f32>([RSQRT2, RSQRT2, RSQRT2, RSQRT2]);
// @ts-ignore: decorator
@lazy const K_RSQRT2PI = memory.data<f32>([RSQRT2PI, RSQRT2PI, RSQRT2PI, RSQRT2PI]);
// @ts-ignore: decorator
@lazy const K_SELU_AS = memory.data<f32>([SELU_AS, SELU_AS, SELU_AS, SELU_AS]);
// @ts-ignore: decorator
@lazy const K_SELU_SCALE = memory.data<f32>([SELU_SCALE, SELU_SCALE, SELU_SCALE, SELU_SCALE]);
// @ts-ignore: decorator
@lazy const K_NEGLOG2E = memory.data<f32>([NEGLOG2E, NEGLOG2E, NEGLOG2E, NEGLOG2E]);
// @ts-ignore: decorator
@lazy const K_G1 = memory.data<f32>([G1, G1, G1, G1]);
// @ts-ignore: decorator
@lazy const K_G2 = memory.data<f32>([G2, G2, G2, G2]);

// @ts-ignore: decorator
@inline const NEGLOG2E: f32 = -1.4426950408889634;
// GELU-tanh: e^(−2·√(2/π)·(x + 0.044715x³)) = 2^(x·(G1 + G2·x²))
// @ts-ignore: decorator
@inline const G1: f32 = -2.0 * 0.7978845608028654 * 1.4426950408889634;
// @ts-ignore: decorator
@inline const G2: f32 = -2.0 * 0.7978845608028654 * 0.044715 * 1.4426950408889634;
/** min(max(v, 0), 6) with NaN kept, as the pmin/pmax pair of the vector forms. */
@inline function clamp06(v: f32): f32 { return sel(0, sel(6.0, v, v > 6.0), v < 0); }
@inline function clamp01(v: f32): f32 { return sel(0, sel(1.0, v, v > 1.0), v < 0); }
@inline function gt0(x: v128): v128 { return f32x4.gt(x, splat(0)); }

// sigmoid = 1/(1 + e^−x) = 1/(1 + 2^(x·−log2e)) by div1pExp2 (activations_math.ts), saturated: no 1 − tiny,
// x = ±Inf gives 0 and 1 with no select, σ(−100) = 0 (true 3.7e-44 is a denormal). Bound: absolute
// ≤ 2e-7, relative ≤ 7e-7 + 1.5·|x|·2^−24 (the rounding of t), so ≤ 1.5e-6 for x ≥ −10 (measured 1.87e-7
// and 1.01e-6 at 4·10^6 points; test/helpers/activation_spec.ts).
@inline export function sigmoidf(x: f32): f32 {
  return div1pExp2(1, x * NEGLOG2E, true);
}
@inline export function sigmoid4(x: v128): v128 {
  return div1pExp2_4(x, f32x4.mul(x, kv(K_NEGLOG2E)), true);
}

@final export class Linear {
  @inline f(x: f32, a: f32): f32 { return x; }
  @inline v(x: v128, a: v128): v128 { return x; }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return dy; }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 { return dy; }
}

@final export class BinaryStep {
  @inline f(x: f32, a: f32): f32 { return sel(1.0, 0.0, x > 0); }
  @inline v(x: v128, a: v128): v128 { return v128.and(gt0(x), kv(K_1P0)); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return 0; }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 { return splat(0); }
}

@final export class Sigmoid {
  @inline f(x: f32, a: f32): f32 { return sigmoidf(x); }
  @inline v(x: v128, a: v128): v128 { return sigmoid4(x); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return dy * (y * (1.0 - y)); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 { return f32x4.mul(dy, f32x4.mul(y, f32x4.sub(kv(K_1P0), y))); }
}

/**
 * clip(a·x + 0.5, 0, 1), NaN kept. a = 1/6 is relu6(x + 3)/6 (PyTorch, Keras 3), a = 0.2 tfjs' and Keras 2's.
 * Gradient a strictly inside, read from t = a·x + 0.5 so the kinks sit where the forward clips (t = 0 at
 * x = −3 for a = 1/6 in float32, as PyTorch's x > −3). Plain mul + add in every build (no fused madd), so
 * the kinks are the same in all three. Bound: |y − f(x)| ≤ 1.2e-7 (a rounded to f32, one mul, one add).
 */
@final export class HardSigmoid {
  @inline f(x: f32, a: f32): f32 { return clamp01(x * a + 0.5); }
  @inline v(x: v128, a: v128): v128 {
    return f32x4.pmin(f32x4.pmax(f32x4.add(f32x4.mul(x, a), kv(K_0P5)), splat(0)), kv(K_1P0));
  }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { const t = x * a + 0.5; return sel(dy * a, 0, (t > 0) & (t < 1.0)); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    const t = f32x4.add(f32x4.mul(x, a), kv(K_0P5));
    const inside = v128.and(f32x4.gt(t, splat(0)), f32x4.lt(t, kv(K_1P0)));
    return v128.and(f32x4.mul(dy, a), inside);
  }
}

/**
 * tanhRational (activations_tanh.ts). The gradient reads x, not y: 1 − y² would carry y's 8 ulp near ±1
 * into a derivative that is itself tiny there. sech2 (activations_math.ts) is relative-accurate for every x
 * (≤ 7.1e-7 measured at 4·10^6 points on ±40, tested ≤ 1e-6), 0 for |x| ≥ 44 and ±Inf, NaN kept.
 */
@final export class Tanh {
  @inline f(x: f32, a: f32): f32 { return tanhRational(x); }
  @inline v(x: v128, a: v128): v128 { return tanhRational4(x); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return dy * sech2(x); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 { return f32x4.mul(dy, sech2_4(x)); }
}

/** max(x, 0); the gradient reads the output, so relu'(0) = 0 (PyTorch's threshold_backward). NaN propagates. */
@final export class Relu {
  @inline f(x: f32, a: f32): f32 { return sel(0, x, x < 0); }
  @inline v(x: v128, a: v128): v128 { return f32x4.pmax(x, splat(0)); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return sel(0, dy, y <= 0); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 { return v128.andnot(dy, f32x4.le(y, splat(0))); }
}

/** min(max(x, 0), 6) = hardtanh(x, 0, 6): gradient 1 strictly inside (0, 6). */
@final export class Relu6 {
  @inline f(x: f32, a: f32): f32 { return clamp06(x); }
  @inline v(x: v128, a: v128): v128 { return f32x4.pmin(f32x4.pmax(x, splat(0)), kv(K_6P0)); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return sel(0, dy, (x <= 0) | (x >= 6.0)); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    return v128.andnot(dy, v128.or(f32x4.le(x, splat(0)), f32x4.ge(x, kv(K_6P0))));
  }
}

/**
 * min(max(x, 0), a), NaN kept: Keras' and tfjs' ReLU layer with maxValue a ≥ 0 (relu6 keeps its own constant
 * form); gradient 1 strictly inside (0, a), as relu6's.
 */
@final export class ReluMax {
  @inline f(x: f32, a: f32): f32 { return sel(0, sel(a, x, x > a), x < 0); }
  @inline v(x: v128, a: v128): v128 { return f32x4.pmin(f32x4.pmax(x, splat(0)), a); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return sel(0, dy, (x <= 0) | (x >= a)); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    return v128.andnot(dy, v128.or(f32x4.le(x, splat(0)), f32x4.ge(x, a)));
  }
}

/** x for x > 0, alpha·x otherwise; gradient alpha at 0 (PyTorch). */
@final export class LeakyRelu {
  @inline f(x: f32, a: f32): f32 { return sel(x, a * x, x > 0); }
  @inline v(x: v128, a: v128): v128 { return select4(x, f32x4.mul(a, x), gt0(x)); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return sel(dy, a * dy, x > 0); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 { return select4(dy, f32x4.mul(a, dy), gt0(x)); }
}

/** x for x > 0, alpha·(e^x − 1) otherwise (expm1 form, relative-accurate near 0); gradient y + alpha there. */
@final export class Elu {
  @inline f(x: f32, a: f32): f32 { return sel(x, a * expm1Fast(x), x > 0); } // expm1Fast(x > 0) is computed and dropped
  // max(x, 0) + alpha·expm1(min(x, 0)): one of the two terms is exactly 0, and a max plus an add are two
  // operations where the compare and bitselect are four (NaN and ±Inf come out as from the scalar form)
  @inline v(x: v128, a: v128): v128 { return madd(a, expm1Fast4(f32x4.pmin(x, splat(0))), f32x4.pmax(x, splat(0))); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return sel(dy * (y + a), dy, x <= 0); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 { return select4(f32x4.mul(dy, f32x4.add(y, a)), dy, f32x4.le(x, splat(0))); }
}

// @ts-ignore: decorator
@inline const SELU_ALPHA: f32 = 1.6732632423543772;
// @ts-ignore: decorator
@inline const SELU_SCALE: f32 = 1.0507009873554805;
// @ts-ignore: decorator
@inline const SELU_AS: f32 = 1.7580993408473766; // alpha·scale

/** scale·(x for x > 0, alpha·(e^x − 1) otherwise). */
@final export class Selu {
  @inline f(x: f32, a: f32): f32 { return sel(SELU_SCALE * x, SELU_AS * expm1Fast(x), x > 0); }
  @inline v(x: v128, a: v128): v128 {
    // as Elu.v: scale·max(x, 0) + alpha·scale·expm1(min(x, 0))
    return madd(kv(K_SELU_AS), expm1Fast4(f32x4.pmin(x, splat(0))), f32x4.mul(kv(K_SELU_SCALE), f32x4.pmax(x, splat(0))));
  }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return sel(dy * (y + SELU_AS), dy * SELU_SCALE, x <= 0); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    return f32x4.mul(dy, select4(f32x4.add(y, kv(K_SELU_AS)), kv(K_SELU_SCALE), f32x4.le(x, splat(0))));
  }
}

// @ts-ignore: decorator
@inline const RSQRT2: f32 = 0.7071067811865476;
// @ts-ignore: decorator
@inline const RSQRT2PI: f32 = 0.3989422804014327;

/** Φ(x) = erfc(−x/√2)/2, from erfc of |x|/√2 so that the lower tail keeps relative precision. */
@inline function phi(x: f32): f32 {
  const h: f32 = 0.5 * erfcPos(abs<f32>(x) * RSQRT2);
  return sel(1.0 - h, h, x > 0);
}
@inline function phi4(x: v128): v128 {
  const h = f32x4.mul(kv(K_0P5), erfcPos4(f32x4.mul(f32x4.abs(x), kv(K_RSQRT2))));
  return select4(f32x4.sub(kv(K_1P0), h), h, gt0(x));
}

/** GELU, exact form x·Φ(x); gradient Φ(x) + x·φ(x). */
@final export class Gelu {
  @inline f(x: f32, a: f32): f32 { return x * phi(x); }
  @inline v(x: v128, a: v128): v128 { return f32x4.mul(x, phi4(x)); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return dy * (phi(x) + x * (RSQRT2PI * expNeg(-0.5 * x * x))); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    const pdf = f32x4.mul(kv(K_RSQRT2PI), expNeg4(f32x4.mul(kv(K_NEG0P5), f32x4.mul(x, x))));
    return f32x4.mul(dy, f32x4.add(phi4(x), f32x4.mul(x, pdf)));
  }
}

// @ts-ignore: decorator
@inline const GK: f32 = 0.7978845608028654; // √(2/π)
// @ts-ignore: decorator
@inline const GC: f32 = 0.044715;

/**
 * GELU, tanh form 0.5·x·(1 + tanh(u)), u = √(2/π)(x + 0.044715x³), computed as x·σ(2u) since
 * (1 + tanh u)/2 = σ(2u). Gradient (PyTorch's) s + 2x·s(1 − s)·√(2/π)(1 + 3·0.044715x²), s = σ(2u).
 */
@final export class GeluTanh {
  // forward as x/(1 + e^−2u), one division and no cancellation for x < 0 (as silu)
  // 2u·−log2e = x·(G1 + G2·x²): three operations from x (x², one multiply-add, one product)
  @inline f(x: f32, a: f32): f32 { return div1pExp2(x, x * (G1 + G2 * (x * x))); }
  @inline v(x: v128, a: v128): v128 {
    const t = f32x4.mul(x, madd(kv(K_G2), f32x4.mul(x, x), kv(K_G1)));
    return div1pExp2_4(x, t);
  }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 {
    const x2 = x * x;
    const s = sigmoidf(2.0 * GK * (x + GC * (x2 * x)));
    return dy * (s + 2.0 * x * (s * (1.0 - s)) * (GK * (1.0 + 3.0 * GC * x2)));
  }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    const x2 = f32x4.mul(x, x);
    const s = sigmoid4(f32x4.mul(kv(K_2P0_X_GK), f32x4.add(x, f32x4.mul(kv(K_GC), f32x4.mul(x2, x)))));
    const ds = f32x4.mul(s, f32x4.sub(kv(K_1P0), s));
    const inner = f32x4.mul(kv(K_GK), f32x4.add(kv(K_1P0), f32x4.mul(kv(K_3P0_X_GC), x2)));
    return f32x4.mul(dy, f32x4.add(s, f32x4.mul(f32x4.mul(f32x4.add(x, x), ds), inner)));
  }
}

/** x·σ(x) (swish); gradient σ(x)·(1 + x(1 − σ(x))). */
@final export class Silu {
  @inline f(x: f32, a: f32): f32 { return div1pExp2(x, x * NEGLOG2E); }
  @inline v(x: v128, a: v128): v128 { return div1pExp2_4(x, f32x4.mul(x, kv(K_NEGLOG2E))); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { const s = sigmoidf(x); return dy * (s * (1.0 + x * (1.0 - s))); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    const s = sigmoid4(x);
    return f32x4.mul(dy, f32x4.mul(s, f32x4.add(kv(K_1P0), f32x4.mul(x, f32x4.sub(kv(K_1P0), s)))));
  }
}

// mish = x·tanh(softplus x). With e = e^-|x|, tanh(log(1 + e^x)) is (1 + 2e)/(1 + 2e + 2e²) for
// x ≥ 0 and e(e + 2)/(e(e + 2) + 2) for x < 0: no overflow, no cancellation.
@inline function tsp(x: f32, e: f32): f32 {
  const pos = x >= 0;
  const n = sel(1.0 + 2.0 * e, e * (e + 2.0), pos);
  return n / (n + sel(2.0 * e * e, 2.0, pos));
}
@inline function tsp4(x: v128, e: v128): v128 {
  const two = kv(K_2P0);
  const np = f32x4.add(kv(K_1P0), f32x4.mul(two, e));
  const pos = f32x4.div(np, f32x4.add(np, f32x4.mul(two, f32x4.mul(e, e))));
  const nn = f32x4.mul(e, f32x4.add(e, two));
  const neg = f32x4.div(nn, f32x4.add(nn, two));
  return select4(pos, neg, f32x4.ge(x, splat(0)));
}

/** x·tanh(softplus x); gradient tsp + x·σ(x)·(1 − tsp²) (PyTorch). */
@final export class Mish {
  @inline f(x: f32, a: f32): f32 { return x * tsp(x, expNeg(negAbs(x))); }
  @inline v(x: v128, a: v128): v128 { return f32x4.mul(x, tsp4(x, expNeg4(negAbs4(x)))); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 {
    const t = tsp(x, expNeg(negAbs(x)));
    return dy * (t + x * sigmoidf(x) * (1.0 - t * t));
  }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    const t = tsp4(x, expNeg4(negAbs4(x)));
    const d = f32x4.mul(f32x4.mul(x, sigmoid4(x)), f32x4.sub(kv(K_1P0), f32x4.mul(t, t)));
    return f32x4.mul(dy, f32x4.add(t, d));
  }
}

/** log(1 + e^x) as max(x, 0) + log1p(e^-|x|), and x itself above 20 (PyTorch's threshold). */
@final export class Softplus {
  @inline f(x: f32, a: f32): f32 { return sel(x, sel(0, x, x < 0) + log1pf(expNeg(negAbs(x))), x > 20.0); }
  @inline v(x: v128, a: v128): v128 {
    const y = f32x4.add(f32x4.pmax(x, splat(0)), log1p4(expNeg4(negAbs4(x))));
    return select4(x, y, f32x4.gt(x, kv(K_20P0)));
  }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { return sel(dy, dy * sigmoidf(x), x > 20.0); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    return select4(dy, f32x4.mul(dy, sigmoid4(x)), f32x4.gt(x, kv(K_20P0)));
  }
}

/** x/(1 + |x|); gradient 1/(1 + |x|)². */
@final export class Softsign {
  @inline f(x: f32, a: f32): f32 { return x / (1.0 + abs<f32>(x)); }
  @inline v(x: v128, a: v128): v128 { return f32x4.div(x, f32x4.add(kv(K_1P0), f32x4.abs(x))); }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 { const d: f32 = 1.0 + abs<f32>(x); return dy / (d * d); }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    const d = f32x4.add(kv(K_1P0), f32x4.abs(x));
    return f32x4.div(dy, f32x4.mul(d, d));
  }
}

/** x·relu6(x + 3)/6; gradient 0 below −3, x/3 + 1/2 on [−3, 3], 1 above (PyTorch). */
@final export class HardSwish {
  @inline f(x: f32, a: f32): f32 { return x * clamp06(x + 3.0) / 6.0; }
  @inline v(x: v128, a: v128): v128 {
    const r6 = f32x4.pmin(f32x4.pmax(f32x4.add(x, kv(K_3P0)), splat(0)), kv(K_6P0));
    return f32x4.div(f32x4.mul(x, r6), kv(K_6P0));
  }
  @inline df(x: f32, y: f32, dy: f32, a: f32): f32 {
    return sel(0, sel(dy * (x / 3.0 + 0.5), dy, x <= 3.0), x < -3.0);
  }
  @inline dv(x: v128, y: v128, dy: v128, a: v128): v128 {
    const mid = f32x4.mul(dy, f32x4.add(f32x4.div(x, kv(K_3P0)), kv(K_0P5)));
    const upper = select4(mid, dy, f32x4.le(x, kv(K_3P0)));
    return v128.andnot(upper, f32x4.lt(x, kv(K_NEG3P0)));
  }
}
