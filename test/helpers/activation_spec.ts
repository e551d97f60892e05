// float64 references for every activation in the registry: the value and the exact derivative.
// Where PyTorch's float32 order of operations overflows an intermediate (hardSwish, GELU-tanh's x³),
// the reference rounds that intermediate to float32 as well, so "what PyTorch gives" is the target.
import type { ActivationName } from "../../src/index.js";
import { normalCdf } from "./reference.js";

const f32 = Math.fround;
/** v, or v rounded to float32 where float32 overflows (so smooth values keep float64 for finite differences). */
const ovf = (v: number) => (Number.isFinite(f32(v)) ? v : f32(v));
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x: number) => (x > 20 ? x : Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
const SELU_A = 1.6732632423543772;
const SELU_L = 1.0507009873554805;
const GK = Math.sqrt(2 / Math.PI);
const GC = 0.044715;
const pdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);

export interface PointwiseSpec {
  f: (x: number, alpha: number) => number;
  df: (x: number, alpha: number) => number;
  params?: { alpha?: number; approximate?: "none" | "tanh"; maxValue?: number };
  /** points where f is not differentiable: central differences skip a neighbourhood of them */
  kinks?: number[];
  /**
   * The kernel's own stated forward bounds (assembly/activations_ops.ts), tighter than the issue's:
   * |y − f(x)| ≤ atol + rtol·|f(x)| wherever `where(x, f(x))` holds (everywhere without it).
   */
  bounds?: { atol: number; rtol: number; where?: (x: number, y: number) => boolean }[];
}

/** The kernel's float parameter of a spec row: alpha, or reluMax's maxValue; 0 for the others. */
export const kernelParam = (spec: PointwiseSpec): number => spec.params?.alpha ?? spec.params?.maxValue ?? 0;

/** One row per pointwise activation and variant (gelu twice); a missing row fails the registry test. */
export const POINTWISE: Record<string, PointwiseSpec & { name: ActivationName }> = {
  linear: { name: "linear", f: (x) => x, df: () => 1 },
  binaryStep: { name: "binaryStep", f: (x) => (x > 0 ? 1 : 0), df: () => 0, kinks: [0] },
  sigmoid: {
    name: "sigmoid", f: sigmoid, df: (x) => sigmoid(x) * (1 - sigmoid(x)),
    bounds: [{ atol: 2e-7, rtol: 0 }, { atol: 0, rtol: 1.5e-6, where: (x) => x >= -10 }],
  },
  hardSigmoid: { name: "hardSigmoid", f: (x) => Math.min(Math.max(x + 3, 0), 6) / 6, df: (x) => (x > -3 && x < 3 ? 1 / 6 : 0), params: { alpha: 1 / 6 }, kinks: [-3, 3] },
  // tfjs' and Keras 2's hard sigmoid: clip(0.2x + 0.5, 0, 1)
  hardSigmoid02: { name: "hardSigmoid", f: (x, a) => Math.min(Math.max(a * x + 0.5, 0), 1), df: (x, a) => (x > -2.5 && x < 2.5 ? a : 0), params: { alpha: 0.2 }, kinks: [-2.5, 2.5] },
  tanh: {
    name: "tanh", f: Math.tanh, df: (x) => 1 - Math.tanh(x) ** 2,
    bounds: [{ atol: 0, rtol: 4.9e-7 }],
  },
  // NaN output lets the gradient through, as PyTorch's threshold_backward (output <= 0 ? 0 : dy)
  relu: { name: "relu", f: (x) => Math.max(x, 0), df: (x) => (x <= 0 ? 0 : 1), kinks: [0] },
  relu6: { name: "relu6", f: (x) => Math.min(Math.max(x, 0), 6), df: (x) => (x <= 0 || x >= 6 ? 0 : 1), kinks: [0, 6] },
  // Keras' / tfjs' ReLU layer with maxValue (relu6's gradient convention: 0 at both ends)
  reluMax: { name: "reluMax", f: (x, m) => Math.min(Math.max(x, 0), m), df: (x, m) => (x <= 0 || x >= m ? 0 : 1), params: { maxValue: 6 }, kinks: [0, 6] },
  reluMax15: { name: "reluMax", f: (x, m) => Math.min(Math.max(x, 0), m), df: (x, m) => (x <= 0 || x >= m ? 0 : 1), params: { maxValue: 1.5 }, kinks: [0, 1.5] },
  reluMax0: { name: "reluMax", f: (x, m) => Math.min(Math.max(x, 0), m), df: (x, m) => (x <= 0 || x >= m ? 0 : 1), params: { maxValue: 0 }, kinks: [0] },
  leakyRelu: { name: "leakyRelu", f: (x, a) => (x > 0 ? x : a * x), df: (x, a) => (x > 0 ? 1 : a), params: { alpha: 0.01 }, kinks: [0] },
  leakyRelu03: { name: "leakyRelu", f: (x, a) => (x > 0 ? x : a * x), df: (x, a) => (x > 0 ? 1 : a), params: { alpha: 0.3 }, kinks: [0] },
  elu: { name: "elu", f: (x, a) => (x > 0 ? x : a * Math.expm1(x)), df: (x, a) => (x <= 0 ? a * Math.exp(x) : 1), params: { alpha: 1 }, kinks: [0] },
  elu2: { name: "elu", f: (x, a) => (x > 0 ? x : a * Math.expm1(x)), df: (x, a) => (x <= 0 ? a * Math.exp(x) : 1), params: { alpha: 2 }, kinks: [0] },
  selu: { name: "selu", f: (x) => (x > 0 ? SELU_L * x : SELU_L * SELU_A * Math.expm1(x)), df: (x) => (x <= 0 ? SELU_L * SELU_A * Math.exp(x) : SELU_L), kinks: [0] },
  gelu: { name: "gelu", f: (x) => x * normalCdf(x), df: (x) => normalCdf(x) + x * pdf(x) },
  geluTanh: {
    name: "gelu",
    params: { approximate: "tanh" },
    f: (x) => 0.5 * x * (1 + Math.tanh(GK * (x + GC * ovf(x * x * x)))),
    df: (x) => {
      const t = Math.tanh(GK * (x + GC * ovf(x * x * x)));
      const inner = GK * (1 + 3 * GC * ovf(x * x)); // Inf when x² overflows float32, as in PyTorch
      return 0.5 * (1 + t) + (t === 1 || t === -1 ? 0 * inner : 0.5 * x * (1 - t * t) * inner);
    },
  },
  silu: { name: "silu", f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))) },
  swish: { name: "swish", f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * (1 - sigmoid(x))) },
  mish: {
    name: "mish",
    f: (x) => x * Math.tanh(softplus(x)),
    df: (x) => { const t = Math.tanh(softplus(x)); return t + x * sigmoid(x) * (1 - t * t); },
  },
  softplus: { name: "softplus", f: softplus, df: (x) => (x > 20 ? 1 : sigmoid(x)), kinks: [20] },
  softsign: { name: "softsign", f: (x) => x / (1 + Math.abs(x)), df: (x) => 1 / (1 + Math.abs(x)) ** 2 },
  hardSwish: {
    name: "hardSwish",
    f: (x) => ovf(x * Math.min(Math.max(x + 3, 0), 6)) / 6,
    df: (x) => (x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : 1),
    kinks: [-3, 3],
  },
};

/** Row-wise activations over the last axis, in float64. */
export const ROWS = {
  softmax: (row: number[]) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / s);
  },
  logSoftmax: (row: number[]) => {
    const m = Math.max(...row);
    const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
    return row.map((v) => v - m - Math.log(s));
  },
} as const;
