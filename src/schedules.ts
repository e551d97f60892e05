// Learning-rate schedules (Keras' ExponentialDecay, CosineDecay, PiecewiseConstantDecay; PyTorch's StepLR):
// callables of the optimizer's step count that an optimizer takes as its learningRate.
import { checkBool, checkInt, checkNumber, checkOptions, checkPositive, show, ValueError } from "./errors.js";

/** What a schedule's getConfig() returns (Keras' serialised form, camelCase keys). */
export interface ScheduleConfig {
  readonly className: string;
  readonly config: Readonly<Record<string, number | boolean | readonly number[] | null>>;
}

/** A learning rate as a function of the optimizer's `iterations` (0 on the first step). Callable. */
export interface LearningRateSchedule {
  (step: number): number;
  readonly className: string;
  getConfig(): ScheduleConfig;
}

function makeSchedule(className: string, config: ScheduleConfig["config"], f: (step: number) => number): LearningRateSchedule {
  const s = (step: number) => f(step);
  const frozen = Object.freeze({ ...config });
  return Object.freeze(Object.assign(s, { className, getConfig: () => ({ className, config: frozen }) }));
}

export interface ExponentialDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** Decay in whole intervals of decaySteps (floor of step/decaySteps). Default false. */
  staircase?: boolean;
}
/** Keras ExponentialDecay: lr₀ · decayRate^(step/decaySteps), the exponent floored when staircase. */
export function exponentialDecay(options: ExponentialDecayOptions): LearningRateSchedule {
  const o = checkOptions<ExponentialDecayOptions>("exponentialDecay", options, ["initialLearningRate", "decaySteps", "decayRate", "staircase"]);
  const lr0 = checkPositive("initialLearningRate", o.initialLearningRate);
  const steps = checkPositive("decaySteps", o.decaySteps);
  const rate = checkPositive("decayRate", o.decayRate);
  const staircase = checkBool("staircase", o.staircase ?? false);
  return makeSchedule("ExponentialDecay", { initialLearningRate: lr0, decaySteps: steps, decayRate: rate, staircase }, (step) => {
    const p = step / steps;
    return lr0 * rate ** (staircase ? Math.floor(p) : p);
  });
}

export interface CosineDecayOptions {
  initialLearningRate: number;
  decaySteps: number;
  /** Floor of the decay as a fraction of its start. Default 0. */
  alpha?: number;
  /** With warmup: lr rises linearly from initialLearningRate to this over warmupSteps, then decays from it. */
  warmupTarget?: number | null;
  /** Default 0. */
  warmupSteps?: number;
}
/**
 * Keras CosineDecay: lr·((1 − α)·½(1 + cos(π·min(s, D)/D)) + α), from lr₀, or with warmup from
 * warmupTarget after a linear ramp lr₀ → warmupTarget over warmupSteps (s counted after the ramp).
 */
export function cosineDecay(options: CosineDecayOptions): LearningRateSchedule {
  const o = checkOptions<CosineDecayOptions>("cosineDecay", options, ["initialLearningRate", "decaySteps", "alpha", "warmupTarget", "warmupSteps"]);
  const lr0 = checkNumber("initialLearningRate", o.initialLearningRate, 0);
  const D = checkPositive("decaySteps", o.decaySteps);
  const alpha = checkNumber("alpha", o.alpha ?? 0, 0, 1);
  const target = o.warmupTarget == null ? null : checkPositive("warmupTarget", o.warmupTarget);
  const W = checkInt("warmupSteps", o.warmupSteps ?? 0);
  const decay = (s: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * s) / D)) + alpha);
  return makeSchedule("CosineDecay", { initialLearningRate: lr0, decaySteps: D, alpha, warmupTarget: target, warmupSteps: W }, (step) => {
    if (target === null) return decay(Math.min(step, D), lr0);
    const s = Math.min(step, D + W);
    return s < W ? lr0 + ((target - lr0) * s) / W : decay(s - W, target);
  });
}

export interface PiecewiseConstantDecayOptions {
  /** Strictly increasing steps. */
  boundaries: readonly number[];
  /** One more than boundaries: values[i] while boundaries[i−1] < step ≤ boundaries[i]. */
  values: readonly number[];
}
/** Keras PiecewiseConstantDecay: values[0] for step ≤ boundaries[0], …, values[k] after the last. */
export function piecewiseConstantDecay(options: PiecewiseConstantDecayOptions): LearningRateSchedule {
  const o = checkOptions<PiecewiseConstantDecayOptions>("piecewiseConstantDecay", options, ["boundaries", "values"]);
  const { boundaries: b, values: v } = o;
  if (!Array.isArray(b) || !b.every((x, i) => Number.isFinite(x) && (i === 0 || x > b[i - 1]))) {
    throw new ValueError(`boundaries must be a strictly increasing array of finite numbers; received ${show(b)}.`);
  }
  if (!Array.isArray(v) || v.length !== b.length + 1) {
    throw new ValueError(`values must have boundaries.length + 1 = ${b.length + 1} entries; received ${show(v)}.`);
  }
  v.forEach((x, i) => checkNumber(`values[${i}]`, x, 0));
  const bs = Object.freeze(b.slice()), vs = Object.freeze(v.slice());
  return makeSchedule("PiecewiseConstantDecay", { boundaries: bs, values: vs }, (step) => {
    let i = 0;
    while (i < bs.length && step > bs[i]) i++;
    return vs[i];
  });
}

export interface StepDecayOptions {
  initialLearningRate: number;
  /** Steps between decays (integer ≥ 1). */
  stepSize: number;
  /** Factor per decay. Default 0.1 (PyTorch StepLR). */
  gamma?: number;
}
/** PyTorch StepLR: lr₀ · γ^⌊step/stepSize⌋. */
export function stepDecay(options: StepDecayOptions): LearningRateSchedule {
  const o = checkOptions<StepDecayOptions>("stepDecay", options, ["initialLearningRate", "stepSize", "gamma"]);
  const lr0 = checkPositive("initialLearningRate", o.initialLearningRate);
  const size = checkInt("stepSize", o.stepSize, 1);
  const gamma = checkPositive("gamma", o.gamma ?? 0.1);
  return makeSchedule("StepDecay", { initialLearningRate: lr0, stepSize: size, gamma }, (step) => lr0 * gamma ** Math.floor(step / size));
}
