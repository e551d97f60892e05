// Optimizers with Keras 3 semantics (learning-rate schedules: schedules.ts). The registry OPTIMIZERS
// names each optimizer once (defaults, kernel, state slots); OptimizerName, the `optimizers` factory and
// resolveOptimizer derive from it. Update rules and their derivations: assembly/optimizers.ts.
import { checkBool, checkName, checkNumber, ValueError } from "./errors.js";
import { Optimizer, type OptimizerOptions, own } from "./optimizer_base.js";
import { cosineDecay, exponentialDecay, piecewiseConstantDecay, stepDecay } from "./schedules.js";
import type { Kernels } from "./runtime.js";

export { Optimizer, type OptimizerConfig, type OptimizerOptions, type Segment } from "./optimizer_base.js";

// ---------------------------------------------------------------- optimizers

export interface SGDOptions extends OptimizerOptions {
  /** In [0, 1]. Default 0. */
  momentum?: number;
  /** Default false. */
  nesterov?: boolean;
}
export interface AdamOptions extends OptimizerOptions {
  /** In [0, 1). Default 0.9. */
  beta1?: number;
  /** In [0, 1). Default 0.999. */
  beta2?: number;
  /** ≥ 0, added to √v (Keras' placement). Default 1e-7. */
  epsilon?: number;
}
export interface RMSpropOptions extends OptimizerOptions {
  /** In [0, 1]. Default 0.9. */
  rho?: number;
  /** In [0, 1]. Default 0. */
  momentum?: number;
  /** ≥ 0, inside the root. Default 1e-7. */
  epsilon?: number;
  /** Normalise by the variance estimate a − ḡ² instead of a. Default false. */
  centered?: boolean;
}
export interface AdagradOptions extends OptimizerOptions {
  /** ≥ 0. Default 0.1. */
  initialAccumulatorValue?: number;
  /** ≥ 0. Default 1e-7. */
  epsilon?: number;
}

/** Keras SGD, optionally with momentum and Nesterov. */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;
  constructor(options?: SGDOptions) {
    const o = own<SGDOptions>("SGD", options, ["momentum", "nesterov"]);
    super("sgd", o, OPTIMIZERS.sgd.defaults);
    const d = OPTIMIZERS.sgd.defaults;
    this.momentum = checkNumber("momentum", o.momentum ?? d.momentum, 0, 1);
    this.nesterov = checkBool("nesterov", o.nesterov ?? d.nesterov);
  }
  protected get slots() {
    return this.momentum > 0 ? 1 : 0;
  }
  override get slotNames(): readonly string[] {
    return this.momentum > 0 ? ["momentum"] : [];
  }
  protected update(k: Kernels, p: number, g: number, s: number, _w: number, n: number, lr: number, _t: number, gs: number, gc: number) {
    k.opt_sgd(p, g, s, n, lr, this.momentum, this.nesterov ? 1 : 0, lr * this.weightDecay, gs, gc);
  }
  protected ownConfig() {
    return { momentum: this.momentum, nesterov: this.nesterov };
  }
}

/** Keras Adam (AdamW when weightDecay > 0: decoupled decay, the same kernel). */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  constructor(options?: AdamOptions) {
    const name = new.target === AdamW ? "adamw" : "adam";
    const o = own<AdamOptions>(name === "adam" ? "Adam" : "AdamW", options, ["beta1", "beta2", "epsilon"]);
    super(name, o, OPTIMIZERS[name].defaults);
    const d = OPTIMIZERS[name].defaults;
    this.beta1 = checkNumber("beta1", o.beta1 ?? d.beta1, 0, 1);
    this.beta2 = checkNumber("beta2", o.beta2 ?? d.beta2, 0, 1);
    if (this.beta1 === 1) throw new ValueError("beta1 must be a number in [0, 1); received 1.");
    if (this.beta2 === 1) throw new ValueError("beta2 must be a number in [0, 1); received 1.");
    this.epsilon = checkNumber("epsilon", o.epsilon ?? d.epsilon, 0);
  }
  protected get slots() {
    return 2;
  }
  override get slotNames(): readonly string[] {
    return ["m", "v"];
  }
  protected update(k: Kernels, p: number, g: number, s: number, w: number, n: number, lr: number, t: number, gs: number, gc: number) {
    // Keras folds both bias corrections into the step size: α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ), in float64 here
    const alpha = (lr * Math.sqrt(1 - this.beta2 ** t)) / (1 - this.beta1 ** t);
    k.opt_adam(p, g, s, s + 4 * w, n, alpha, 1 - this.beta1, 1 - this.beta2, this.epsilon, lr * this.weightDecay, gs, gc);
  }
  protected ownConfig() {
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon };
  }
}

/** Keras AdamW: Adam with decoupled weight decay (default 0.004). */
export class AdamW extends Adam {}

/** Keras RMSprop, optionally with momentum and centered. */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;
  constructor(options?: RMSpropOptions) {
    const o = own<RMSpropOptions>("RMSprop", options, ["rho", "momentum", "epsilon", "centered"]);
    super("rmsprop", o, OPTIMIZERS.rmsprop.defaults);
    const d = OPTIMIZERS.rmsprop.defaults;
    this.rho = checkNumber("rho", o.rho ?? d.rho, 0, 1);
    this.momentum = checkNumber("momentum", o.momentum ?? d.momentum, 0, 1);
    this.epsilon = checkNumber("epsilon", o.epsilon ?? d.epsilon, 0);
    this.centered = checkBool("centered", o.centered ?? d.centered);
  }
  // slot 0: a (mean square); then s (momentum) if used; then ḡ (centered) if used
  protected get slots() {
    return 1 + (this.momentum > 0 ? 1 : 0) + (this.centered ? 1 : 0);
  }
  override get slotNames(): readonly string[] {
    return ["rms", ...(this.momentum > 0 ? ["momentum"] : []), ...(this.centered ? ["mg"] : [])];
  }
  protected update(k: Kernels, p: number, g: number, s: number, w: number, n: number, lr: number, _t: number, gs: number, gc: number) {
    const ms = this.momentum > 0 ? s + 4 * w : 0;
    const mg = this.centered ? s + 4 * w * (ms ? 2 : 1) : 0;
    k.opt_rmsprop(p, g, s, ms, mg, n, lr, this.rho, 1 - this.rho, this.momentum, this.epsilon, lr * this.weightDecay, gs, gc);
  }
  protected ownConfig() {
    return { rho: this.rho, momentum: this.momentum, epsilon: this.epsilon, centered: this.centered };
  }
}

/** Keras Adagrad. */
export class Adagrad extends Optimizer {
  readonly initialAccumulatorValue: number;
  readonly epsilon: number;
  constructor(options?: AdagradOptions) {
    const o = own<AdagradOptions>("Adagrad", options, ["initialAccumulatorValue", "epsilon"]);
    super("adagrad", o, OPTIMIZERS.adagrad.defaults);
    const d = OPTIMIZERS.adagrad.defaults;
    this.initialAccumulatorValue = checkNumber("initialAccumulatorValue", o.initialAccumulatorValue ?? d.initialAccumulatorValue, 0);
    this.epsilon = checkNumber("epsilon", o.epsilon ?? d.epsilon, 0);
  }
  protected get slots() {
    return 1;
  }
  override get slotNames(): readonly string[] {
    return ["accumulator"];
  }
  protected override init(k: Kernels, ptr: number, floats: number) {
    k.mem_fill(ptr, this.initialAccumulatorValue, floats);
  }
  protected update(k: Kernels, p: number, g: number, s: number, _w: number, n: number, lr: number, _t: number, gs: number, gc: number) {
    k.opt_adagrad(p, g, s, n, lr, this.epsilon, lr * this.weightDecay, gs, gc);
  }
  protected ownConfig() {
    return { initialAccumulatorValue: this.initialAccumulatorValue, epsilon: this.epsilon };
  }
}

// ---------------------------------------------------------------- registry

const BASE = { weightDecay: 0, clipNorm: null, globalClipNorm: null, clipValue: null } as const;
const ADAM = { ...BASE, learningRate: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 } as const;

/** Every optimizer, named once: constructor, kernel, state slots and Keras defaults. */
export const OPTIMIZERS = {
  sgd: { make: (o?: SGDOptions) => new SGD(o), kernel: "opt_sgd", state: ["velocity (momentum > 0)"], defaults: { ...BASE, learningRate: 0.01, momentum: 0, nesterov: false } },
  adam: { make: (o?: AdamOptions) => new Adam(o), kernel: "opt_adam", state: ["m", "v"], defaults: ADAM },
  adamw: { make: (o?: AdamOptions) => new AdamW(o), kernel: "opt_adam", state: ["m", "v"], defaults: { ...ADAM, weightDecay: 0.004 } },
  rmsprop: {
    make: (o?: RMSpropOptions) => new RMSprop(o), kernel: "opt_rmsprop", state: ["mean square", "momentum (momentum > 0)", "mean gradient (centered)"],
    defaults: { ...BASE, learningRate: 1e-3, rho: 0.9, momentum: 0, epsilon: 1e-7, centered: false },
  },
  adagrad: { make: (o?: AdagradOptions) => new Adagrad(o), kernel: "opt_adagrad", state: ["accumulator"], defaults: { ...BASE, learningRate: 1e-3, initialAccumulatorValue: 0.1, epsilon: 1e-7 } },
} as const;

export type OptimizerName = keyof typeof OPTIMIZERS;
export const OPTIMIZER_NAMES = Object.keys(OPTIMIZERS) as OptimizerName[];

/** `optimizers.adam({ learningRate: 1e-3 })`, …, and `optimizers.schedules.cosineDecay({ … })`. */
export const optimizers = Object.freeze({
  ...(Object.fromEntries(OPTIMIZER_NAMES.map((k) => [k, OPTIMIZERS[k].make])) as { readonly [K in OptimizerName]: (typeof OPTIMIZERS)[K]["make"] }),
  schedules: Object.freeze({ exponentialDecay, cosineDecay, piecewiseConstantDecay, stepDecay }),
});

/** An optimizer instance as is, or a fresh one with Keras defaults for a registry name. */
export function resolveOptimizer(nameOrInstance: OptimizerName | Optimizer): Optimizer {
  if (nameOrInstance instanceof Optimizer) return nameOrInstance;
  return OPTIMIZERS[checkName("optimizer", nameOrInstance, OPTIMIZER_NAMES)].make();
}
