import { checkName, checkNumber, checkOptions, ShapeError, show, showShape, ValueError } from "./errors.js";
import type { KernelFamily, Runtime } from "./runtime.js";
import { checkSameShape, checkTensor, Tensor } from "./tensor.js";
import { parallelPointwise } from "./threads/pointwise_parallel.js";
import { parallelRows } from "./threads/rows_parallel.js";

/** Forward kernels dispatched by name: (out, x, n, alpha) elementwise, (out, x, rows, cols) per row. */
type ForwardKernel = KernelFamily<"act_", [out: number, x: number, n: number, alpha: number], [], void>;
/** Their backward kernels: (dx, x, y, dy, n, alpha) or (dx, x, y, dy, rows, cols). */
type BackwardKernel = KernelFamily<"act_", [dx: number, x: number, y: number, dy: number, n: number, alpha: number], [], void>;
/** A forward kernel whose `_grad` export is a backward kernel: what a registry row may name. */
type DispatchedKernel = { [K in ForwardKernel]: `${K}_grad` extends BackwardKernel ? K : never }[ForwardKernel];

/** What a registry row must hold: the kernel names are checked against the module's exports. */
type ActivationRow = {
  readonly grad: "x" | "y" | "xy" | "none";
  readonly params: Readonly<Record<string, number | string>>;
  readonly def: string;
} & (
  | { readonly kind: "pointwise" | "rows"; readonly kernel: DispatchedKernel }
  | { readonly kind: "channel"; readonly kernel: "act_prelu" }
);

/**
 * The one table of activations. `kernel` names the WASM forward export (backward is `kernel + "_grad"`);
 * `kind` says how it walks the data (elementwise, per row over the last axis, or per channel with a
 * learnable alpha); `grad` says what the backward kernel reads besides dy (x, y, both, or none: the
 * API computes y only where it is read, and dense layers keep the pre-activation only where x is); `params`
 * lists the parameters it accepts with their defaults; `def` is the definition as documented. Everything
 * else (names, dispatch, helpers, tests, benches) reads this.
 */
export const ACTIVATIONS = {
  linear: { kernel: "act_linear", kind: "pointwise", grad: "none", params: {}, def: "x" },
  binaryStep: { kernel: "act_binary_step", kind: "pointwise", grad: "none", params: {}, def: "x > 0 ? 1 : 0 (gradient 0)" },
  sigmoid: { kernel: "act_sigmoid", kind: "pointwise", grad: "y", params: {}, def: "1 / (1 + e^−x)" },
  hardSigmoid: { kernel: "act_hard_sigmoid", kind: "pointwise", grad: "x", params: { alpha: 1 / 6 }, def: "clip(alpha·x + 0.5, 0, 1); alpha 1/6 is relu6(x + 3) / 6 (PyTorch, Keras 3), 0.2 is tfjs' and Keras 2's" },
  tanh: { kernel: "act_tanh", kind: "pointwise", grad: "x", params: {}, def: "tanh x" },
  relu: { kernel: "act_relu", kind: "pointwise", grad: "y", params: {}, def: "max(x, 0); relu′(0) = 0" },
  relu6: { kernel: "act_relu6", kind: "pointwise", grad: "x", params: {}, def: "min(max(x, 0), 6)" },
  reluMax: { kernel: "act_relu_max", kind: "pointwise", grad: "x", params: { maxValue: 6 }, def: "min(max(x, 0), maxValue): Keras' and tfjs' ReLU layer with maxValue ≥ 0" },
  leakyRelu: { kernel: "act_leaky_relu", kind: "pointwise", grad: "x", params: { alpha: 0.01 }, def: "x > 0 ? x : alpha·x (alpha 0.01 as PyTorch; Keras' LeakyReLU layer defaults to 0.3)" },
  prelu: { kernel: "act_prelu", kind: "channel", grad: "x", params: { alpha: 0.25 }, def: "x > 0 ? x : alpha[c]·x, alpha learnable per channel (last axis)" },
  elu: { kernel: "act_elu", kind: "pointwise", grad: "xy", params: { alpha: 1 }, def: "x > 0 ? x : alpha·(e^x − 1)" },
  selu: { kernel: "act_selu", kind: "pointwise", grad: "xy", params: {}, def: "λ·(x > 0 ? x : α·(e^x − 1)), α = 1.6732632423543772, λ = 1.0507009873554805" },
  gelu: { kernel: "act_gelu", kind: "pointwise", grad: "x", params: { approximate: "none" }, def: "x·Φ(x) (approximate 'tanh': 0.5x(1 + tanh(√(2/π)(x + 0.044715x³))))" },
  silu: { kernel: "act_silu", kind: "pointwise", grad: "x", params: {}, def: "x·σ(x)" },
  swish: { kernel: "act_silu", kind: "pointwise", grad: "x", params: {}, def: "alias of silu" },
  mish: { kernel: "act_mish", kind: "pointwise", grad: "x", params: {}, def: "x·tanh(softplus x)" },
  softplus: { kernel: "act_softplus", kind: "pointwise", grad: "x", params: {}, def: "log(1 + e^x), x above 20 (PyTorch threshold)" },
  softsign: { kernel: "act_softsign", kind: "pointwise", grad: "x", params: {}, def: "x / (1 + |x|)" },
  hardSwish: { kernel: "act_hard_swish", kind: "pointwise", grad: "x", params: {}, def: "x·relu6(x + 3) / 6" },
  softmax: { kernel: "act_softmax", kind: "rows", grad: "y", params: {}, def: "e^(x − max) / Σ e^(x − max) over the last axis" },
  logSoftmax: { kernel: "act_log_softmax", kind: "rows", grad: "y", params: {}, def: "x − max − log Σ e^(x − max) over the last axis" },
} as const satisfies Readonly<Record<string, ActivationRow>>;

/** Every activation name (aliases included). */
export type ActivationName = keyof typeof ACTIVATIONS;
/** The names, in table order. */
export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];

/** Parameters of the activations that take any (see {@link ACTIVATIONS} for who takes what). */
export interface ActivationParams {
  /** leakyRelu (default 0.01), elu (default 1): the negative-side slope or scale. hardSigmoid (default 1/6): the slope. prelu: the initial or given per-channel alpha (a number or a Tensor of the channel count). */
  alpha?: number | Tensor;
  /** gelu: 'none' (default, exact erf form) or 'tanh'. */
  approximate?: "none" | "tanh";
  /** reluMax: the upper clip, a finite number ≥ 0 (default 6). */
  maxValue?: number;
}

/** An activation with its parameters checked and defaults applied. */
export type ResolvedActivation = {
  readonly name: ActivationName;
  /** What the backward kernel reads besides dy. */
  readonly grad: "x" | "y" | "xy" | "none";
  /** The kernel's float parameter: leakyRelu / elu / hardSigmoid alpha, reluMax's maxValue; 0 where unused. */
  readonly alpha: number;
  /** prelu's alpha tensor when one was given. */
  readonly alphaTensor?: Tensor;
} & (
  | { readonly kind: "pointwise" | "rows"; readonly kernel: DispatchedKernel; readonly gradKernel: `${DispatchedKernel}_grad` }
  | { readonly kind: "channel"; readonly kernel: "act_prelu"; readonly gradKernel: "act_prelu_grad" }
);

/** Checks a name and its parameters; throws ValueError naming the valid names or the bad parameter. */
export function resolveActivation(name: string, params: ActivationParams = {}): ResolvedActivation {
  const n = checkName("activation", name, ACTIVATION_NAMES);
  if (params === null || typeof params !== "object") throw new ValueError(`${n} params must be an object; received ${show(params)}.`);
  const spec = ACTIVATIONS[n];
  const allowed = Object.keys(spec.params);
  for (const key of Object.keys(params)) {
    if ((params as Record<string, unknown>)[key] === undefined) continue;
    if (!allowed.includes(key)) {
      throw new ValueError(`Activation '${n}' takes ${allowed.length ? `only ${allowed.join(", ")}` : "no parameters"}; received ${key}.`);
    }
  }
  let kernel: ResolvedActivation["kernel"] = spec.kernel;
  if (n === "gelu") {
    const approx = params.approximate ?? "none";
    checkName("gelu approximate", approx, ["none", "tanh"] as const);
    if (approx === "tanh") kernel = "act_gelu_tanh";
  }
  let alpha = 0;
  let alphaTensor: Tensor | undefined;
  if ("alpha" in spec.params) {
    if (params.alpha instanceof Tensor && n === "prelu") alphaTensor = params.alpha;
    else alpha = checkNumber(`${n} alpha`, params.alpha ?? spec.params.alpha);
  }
  if ("maxValue" in spec.params) {
    alpha = checkNumber(`${n} maxValue`, params.maxValue ?? spec.params.maxValue);
    if (alpha < 0) throw new ValueError(`${n} maxValue must be ≥ 0; received ${alpha}.`);
  }
  // kind and kernel come from one registry row, whose pairing `satisfies ActivationRow` checked
  return { name: n, kind: spec.kind, grad: spec.grad, kernel, gradKernel: `${kernel}_grad`, alpha, alphaTensor } as ResolvedActivation;
}

/** Whether an activation's backward kernel reads x (or y), from its `grad` entry in {@link ACTIVATIONS}. */
export function gradReads(act: { readonly grad: string }, v: "x" | "y"): boolean {
  return act.grad === v || act.grad === "xy";
}

/** The last axis (1 for a scalar) and the product of the others (0 when the last axis is empty). */
const colsOf = (shape: readonly number[]) => (shape.length ? shape[shape.length - 1] : 1);
function rowsOf(shape: readonly number[]): number {
  let rows = 1;
  for (let i = 0; i < shape.length - 1; i++) rows *= shape[i];
  return shape.length && shape[shape.length - 1] === 0 ? 0 : rows;
}

/**
 * Forward at the pointer level, no validation or allocation: out = f(x) over rows × cols
 * (cols = last axis, used by softmax/logSoftmax). out may alias x. prelu reads `alphaPtr`.
 */
export function activationForwardRaw(rt: Runtime, act: ResolvedActivation, out: number, x: number, rows: number, cols: number, alphaPtr = 0): void {
  const k = rt.k;
  if (act.kind === "pointwise") {
    if (!parallelPointwise(rt, act.kernel, [out, x], rows * cols, [act.alpha])) k[act.kernel](out, x, rows * cols, act.alpha);
  }
  else if (act.kind === "rows") {
    if (!parallelRows(rt, act.kernel, [out, x], rows, cols)) k[act.kernel](out, x, rows, cols);
  }
  else k.act_prelu(out, x, alphaPtr, rows, cols);
}

/**
 * Backward at the pointer level: dx = f′(x)·dy (the Jacobian–vector product for the row-wise ones),
 * given x and y = f(x). dx may alias dy. Writes, never accumulates. prelu: see preluBackwardRaw.
 */
export function activationBackwardRaw(rt: Runtime, act: ResolvedActivation, dx: number, x: number, y: number, dy: number, rows: number, cols: number): void {
  const k = rt.k;
  if (act.kind === "pointwise") {
    if (!parallelPointwise(rt, act.gradKernel, [dx, x, y, dy], rows * cols, [act.alpha])) k[act.gradKernel](dx, x, y, dy, rows * cols, act.alpha);
  }
  else if (act.kind === "rows") {
    if (!parallelRows(rt, act.gradKernel, [dx, x, y, dy], rows, cols)) k[act.gradKernel](dx, x, y, dy, rows, cols);
  }
  else throw new ValueError("prelu's backward needs its alpha: use preluBackwardRaw.");
}

/** PReLU forward: out = x > 0 ? x : alpha[c]·x, alpha has `cols` entries. out may alias x. */
export function preluForwardRaw(rt: Runtime, out: number, x: number, alpha: number, rows: number, cols: number): void {
  rt.k.act_prelu(out, x, alpha, rows, cols);
}

/** PReLU backward: dx (may alias dy) and dalpha[c] = Σ_rows (x > 0 ? 0 : x·dy), written not accumulated. */
export function preluBackwardRaw(rt: Runtime, dx: number, dalpha: number, x: number, alpha: number, dy: number, rows: number, cols: number): void {
  rt.k.act_prelu_grad(dx, dalpha, x, alpha, dy, rows, cols);
}

/** Options of nn.activation. */
export interface ActivationOptions {
  /** Write into this tensor (same shape as x; it may be x itself) instead of a new one. */
  out?: Tensor;
}
const ACTIVATION_OPTION_KEYS = ["out"] as const satisfies readonly (keyof ActivationOptions)[];

/** prelu's alpha as a tensor of `cols` entries: the given one (checked) or a temporary filled one. */
function preluAlpha(rt: Runtime, act: ResolvedActivation, cols: number): { alpha: Tensor; temporary: boolean } {
  if (act.alphaTensor) {
    const a = checkTensor("prelu alpha", act.alphaTensor, rt);
    if (a.size !== cols) throw new ShapeError(`prelu alpha has ${a.size} values (shape ${showShape(a.shape)}) but x has ${cols} channels on its last axis.`);
    return { alpha: a, temporary: false };
  }
  const t = new Tensor(rt, [cols]);
  t.data.fill(act.alpha);
  return { alpha: t, temporary: true };
}

/** nn.activation: validates, then runs the forward kernel into a new tensor or `out`. */
export function activation(rt: Runtime, name: ActivationName, x: Tensor, params?: ActivationParams, opts?: ActivationOptions): Tensor {
  const act = resolveActivation(name, params);
  const options = checkOptions<ActivationOptions>(`activation '${act.name}'`, opts, ACTIVATION_OPTION_KEYS);
  checkTensor("x", x, rt);
  if (options.out !== undefined) {
    checkTensor("out", options.out, rt);
    checkSameShape("x", x, "out", options.out);
  }
  if (act.kind !== "pointwise" && x.rank === 0) throw new ShapeError(`${act.name} works over the last axis; x must have rank ≥ 1, received shape ${showShape(x.shape)}.`);
  const rows = rowsOf(x.shape), cols = colsOf(x.shape);
  const pa = act.kind === "channel" ? preluAlpha(rt, act, cols) : undefined;
  const out = options.out ?? new Tensor(rt, x.shape);
  activationForwardRaw(rt, act, out.ptr, x.ptr, rows, cols, pa?.alpha.ptr ?? 0);
  if (pa?.temporary) pa.alpha.dispose();
  return out;
}

/** Gradients of prelu with respect to x and alpha. */
export interface PreluGradients {
  dx: Tensor;
  dalpha: Tensor;
}

/**
 * nn.activationBackward: dx = f′(x)·dy, same shape as x, into a new tensor or `options.out` (which may be
 * x or dy). y = f(x) is recomputed only where the kernel reads it (ACTIVATIONS' `grad`), into dx itself
 * unless dx is x or dy (every backward kernel reads y[i] before it writes dx[i]), so only then is a
 * temporary allocated. Kernels that do not read y get x in its place.
 */
export function activationBackward(rt: Runtime, name: ActivationName, x: Tensor, dy: Tensor, params?: ActivationParams, opts?: ActivationOptions): Tensor {
  const act = resolveActivation(name, params);
  const options = checkOptions<ActivationOptions>(`activationBackward '${act.name}'`, opts, ACTIVATION_OPTION_KEYS);
  checkXAndDy(rt, x, dy);
  const out = options.out;
  if (out !== undefined) {
    checkTensor("out", out, rt);
    checkSameShape("x", x, "out", out);
  }
  if (act.kind === "channel") {
    const { dx, dalpha } = preluGradients(rt, act, x, dy, out);
    dalpha.dispose();
    return dx;
  }
  if (act.kind !== "pointwise" && x.rank === 0) throw new ShapeError(`${act.name} works over the last axis; x must have rank ≥ 1, received shape ${showShape(x.shape)}.`);
  const rows = rowsOf(x.shape), cols = colsOf(x.shape);
  const dx = out ?? new Tensor(rt, x.shape);
  const readsY = gradReads(act, "y");
  const y = !readsY ? x : dx.ptr === x.ptr || dx.ptr === dy.ptr ? new Tensor(rt, x.shape) : dx;
  if (readsY) activationForwardRaw(rt, act, y.ptr, x.ptr, rows, cols);
  activationBackwardRaw(rt, act, dx.ptr, x.ptr, y.ptr, dy.ptr, rows, cols);
  if (y !== dx && y !== x) y.dispose();
  return dx;
}

/** x and dy: tensors of this instance, of one shape. */
function checkXAndDy(rt: Runtime, x: Tensor, dy: Tensor): void {
  checkTensor("x", x, rt);
  checkTensor("dy", dy, rt);
  checkSameShape("x", x, "dy", dy);
}

/**
 * prelu's dx (into `into`, which may be x or dy: the kernel reads both before it writes, or a new tensor)
 * and d alpha, once x and dy are checked; anything allocated is allocated after the last check.
 */
function preluGradients(rt: Runtime, act: ResolvedActivation, x: Tensor, dy: Tensor, into?: Tensor): PreluGradients {
  if (x.rank === 0) throw new ShapeError(`prelu works per channel on the last axis; x must have rank ≥ 1, received shape ${showShape(x.shape)}.`);
  const rows = rowsOf(x.shape), cols = colsOf(x.shape);
  const pa = preluAlpha(rt, act, cols);
  const dx = into ?? new Tensor(rt, x.shape);
  const dalpha = new Tensor(rt, [cols]);
  preluBackwardRaw(rt, dx.ptr, dalpha.ptr, x.ptr, pa.alpha.ptr, dy.ptr, rows, cols);
  if (pa.temporary) pa.alpha.dispose();
  return { dx, dalpha };
}

/** prelu's backward: dx and d alpha (one value per channel, summed over the other axes). */
export function preluBackward(rt: Runtime, x: Tensor, dy: Tensor, params?: ActivationParams): PreluGradients {
  const act = resolveActivation("prelu", params);
  checkXAndDy(rt, x, dy);
  return preluGradients(rt, act, x, dy);
}

/** Typed per-name helpers: nn.activations.gelu(x, { approximate: 'tanh' }). */
export type ActivationHelpers = { readonly [N in ActivationName]: (x: Tensor, params?: ActivationParams, options?: ActivationOptions) => Tensor } & {
  /** prelu's gradients with respect to x and alpha. */
  readonly preluBackward: (x: Tensor, dy: Tensor, params?: ActivationParams) => PreluGradients;
};

export function activationHelpers(rt: Runtime): ActivationHelpers {
  const helpers: Record<string, unknown> = {};
  for (const name of ACTIVATION_NAMES) helpers[name] = (x: Tensor, p?: ActivationParams, o?: ActivationOptions) => activation(rt, name, x, p, o);
  helpers.preluBackward = (x: Tensor, dy: Tensor, p?: ActivationParams) => preluBackward(rt, x, dy, p);
  return Object.freeze(helpers) as ActivationHelpers;
}
