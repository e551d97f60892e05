// Dropout, batch normalisation and layer normalisation (Keras 3 semantics and defaults). Kernels:
// assembly/layers.ts (dropout), assembly/layers_norm.ts.
import { checkNumber, show, ValueError } from "../errors.js";
import type { Regularizer } from "../losses_api.js";
import { shapeSize } from "../tensor.js";
import { type Initializer, type InitializerName, resolveInitializer } from "./initializers.js";
import { Layer, type LayerConfig, type Pass, type Weight } from "./layer.js";
import { checkKeys, BASE_KEYS, regularizer } from "./layers_core.js";

const align4 = (n: number) => Math.ceil(n / 4) * 4;

/** Options of {@link dropout}. */
export interface DropoutConfig extends LayerConfig {
  /** Fraction of inputs zeroed in training, in [0, 1). */
  rate: number;
  /** Seed of this layer's masks (combined with the step); derived from the model's seed when omitted. */
  seed?: number;
}

let dropoutCount = 0;

/** Inverted dropout: in training, each value is zeroed with probability rate and the rest scaled by 1/(1 − rate); identity at inference. */
export class Dropout extends Layer {
  readonly rate: number;
  readonly seed: number;
  #size = 0;

  constructor(config: DropoutConfig) {
    super("Dropout", config);
    checkKeys("dropout", config, [...BASE_KEYS, "rate", "seed"]);
    this.rate = checkNumber("dropout rate", config.rate, 0);
    if (!(this.rate < 1)) throw new ValueError(`dropout rate must be in [0, 1); received ${config.rate}.`);
    if (config.seed !== undefined && !Number.isInteger(config.seed)) throw new ValueError(`dropout seed must be an integer; received ${show(config.seed)}.`);
    this.seed = (config.seed ?? Math.imul(++dropoutCount, 0x85ebca6b)) >>> 0;
  }

  protected computeOutputShape(inputShape: readonly number[]): readonly number[] {
    this.#size = shapeSize(inputShape);
    return inputShape;
  }

  override scratchFloats(batch: number): number {
    return batch * this.#size;
  }

  forward(pass: Pass, x: number, y: number, scratch: number): void {
    const n = pass.batch * this.#size;
    if (!pass.training) pass.rt.k.mem_copy(y, x, n);
    else pass.rt.k.layer_dropout(y, scratch, x, n, this.rate, (pass.seed ^ this.seed) >>> 0);
  }

  backward(pass: Pass, _x: number, _y: number, dy: number, dx: number, scratch: number): void {
    if (dx) pass.rt.k.ew_mul(dx, dy, scratch, pass.batch * this.#size);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, rate: this.rate, seed: this.seed };
  }
}

/** Options shared by the normalisation layers. */
interface NormConfig extends LayerConfig {
  /** Only -1 (the last axis, features). */
  axis?: -1;
  /** Added to the variance. Default 1e-3 (Keras). */
  epsilon?: number;
  /** Learn an offset beta. Default true. */
  center?: boolean;
  /** Learn a scale gamma. Default true. */
  scale?: boolean;
  betaInitializer?: InitializerName | Initializer;
  gammaInitializer?: InitializerName | Initializer;
  betaRegularizer?: Regularizer;
  gammaRegularizer?: Regularizer;
}
const NORM_KEYS = [...BASE_KEYS, "axis", "epsilon", "center", "scale", "betaInitializer", "gammaInitializer", "betaRegularizer", "gammaRegularizer"];

function normOptions(what: string, c: NormConfig): { epsilon: number; center: boolean; scale: boolean } {
  if (c.axis !== undefined && c.axis !== -1) throw new ValueError(`${what} axis must be -1 (the feature axis); received ${show(c.axis)}.`);
  for (const k of ["center", "scale"] as const) if (c[k] !== undefined && typeof c[k] !== "boolean") throw new ValueError(`${what} ${k} must be a boolean; received ${show(c[k])}.`);
  const epsilon = checkNumber(`${what} epsilon`, c.epsilon ?? 1e-3, 0);
  if (!(epsilon > 0)) throw new ValueError(`${what} epsilon must be > 0; received ${epsilon}.`);
  resolveInitializer("betaInitializer", c.betaInitializer ?? "zeros");
  resolveInitializer("gammaInitializer", c.gammaInitializer ?? "ones");
  regularizer("betaRegularizer", c.betaRegularizer);
  regularizer("gammaRegularizer", c.gammaRegularizer);
  return { epsilon, center: c.center ?? true, scale: c.scale ?? true };
}

/** Options of {@link batchNormalization}. */
export interface BatchNormalizationConfig extends NormConfig {
  /** Moving statistics: m ← m·momentum + batch·(1 − momentum). Default 0.99. */
  momentum?: number;
  movingMeanInitializer?: InitializerName | Initializer;
  movingVarianceInitializer?: InitializerName | Initializer;
}

/**
 * Normalises each feature over the batch in training (biased batch variance, as Keras 3 uses for
 * both the output and the moving variance) and with the moving statistics at inference.
 */
export class BatchNormalization extends Layer {
  readonly epsilon: number;
  readonly momentum: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly #config: BatchNormalizationConfig;
  gamma: Weight | null = null;
  beta: Weight | null = null;
  movingMean!: Weight;
  movingVariance!: Weight;
  #cols = 1;
  #rowsPer = 1;
  /** invstd at inference (cols floats), owned by the layer. */
  #inferInvstd = 0;

  constructor(config: BatchNormalizationConfig = {}) {
    super("BatchNormalization", config);
    checkKeys("batchNormalization", config, [...NORM_KEYS, "momentum", "movingMeanInitializer", "movingVarianceInitializer"]);
    ({ epsilon: this.epsilon, center: this.center, scale: this.scale } = normOptions("batchNormalization", config));
    this.momentum = checkNumber("batchNormalization momentum", config.momentum ?? 0.99, 0, 1);
    resolveInitializer("movingMeanInitializer", config.movingMeanInitializer ?? "zeros");
    resolveInitializer("movingVarianceInitializer", config.movingVarianceInitializer ?? "ones");
    this.#config = config;
  }

  protected computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length === 0) throw new ValueError(`batchNormalization '${this.name}' needs a feature axis; received a scalar per sample.`);
    const c = this.#config, cols = (this.#cols = inputShape[inputShape.length - 1]);
    this.#rowsPer = shapeSize(inputShape) / cols;
    if (this.scale) this.gamma = this.addWeight("gamma", [cols], resolveInitializer("gammaInitializer", c.gammaInitializer ?? "ones"), { regularizer: c.gammaRegularizer });
    if (this.center) this.beta = this.addWeight("beta", [cols], resolveInitializer("betaInitializer", c.betaInitializer ?? "zeros"), { regularizer: c.betaRegularizer });
    this.movingMean = this.addWeight("moving_mean", [cols], resolveInitializer("movingMeanInitializer", c.movingMeanInitializer ?? "zeros"), { trainable: false });
    this.movingVariance = this.addWeight("moving_variance", [cols], resolveInitializer("movingVarianceInitializer", c.movingVarianceInitializer ?? "ones"), { trainable: false });
    this.#inferInvstd = this.rt.alloc(cols);
    return inputShape;
  }

  /** Scratch: x̂ [rows, cols], then mean, variance, invstd, and two column sums (each padded to 4 floats). */
  override scratchFloats(batch: number): number {
    return align4(batch * this.#rowsPer * this.#cols) + 5 * align4(this.#cols);
  }

  #parts(scratch: number, batch: number) {
    const a = align4(this.#cols) * 4, xhat = scratch, mean = scratch + align4(batch * this.#rowsPer * this.#cols) * 4;
    return { xhat, mean, variance: mean + a, invstd: mean + 2 * a, dsum: mean + 3 * a, dxsum: mean + 4 * a };
  }

  forward(pass: Pass, x: number, y: number, scratch: number): void {
    const rt = pass.rt, k = rt.k, cols = this.#cols, rows = pass.batch * this.#rowsPer;
    const gamma = this.gamma?.ptr ?? 0, beta = this.beta?.ptr ?? 0;
    // frozen, it runs in inference mode in training too: moving statistics, not updated (Keras 3)
    if (!pass.training || this.frozen) {
      const f = rt.f32, v = this.movingVariance.ptr >> 2, s = this.#inferInvstd >> 2;
      for (let c = 0; c < cols; c++) f[s + c] = 1 / Math.sqrt(f[v + c] + this.epsilon);
      k.bn_apply(y, 0, x, this.movingMean.ptr, this.#inferInvstd, gamma, beta, rows, cols);
      return;
    }
    const p = this.#parts(scratch, pass.batch);
    k.bn_moments(p.mean, p.variance, x, rows, cols);
    const f = rt.f32, m = p.mean >> 2, v = p.variance >> 2, s = p.invstd >> 2, mm = this.movingMean.ptr >> 2, mv = this.movingVariance.ptr >> 2;
    const mo = this.momentum;
    for (let c = 0; c < cols; c++) {
      f[s + c] = 1 / Math.sqrt(f[v + c] + this.epsilon);
      f[mm + c] = f[mm + c] * mo + f[m + c] * (1 - mo);
      f[mv + c] = f[mv + c] * mo + f[v + c] * (1 - mo);
    }
    k.bn_apply(y, p.xhat, x, p.mean, p.invstd, gamma, beta, rows, cols);
  }

  backward(pass: Pass, _x: number, _y: number, dy: number, dx: number, scratch: number): void {
    const p = this.#parts(scratch, pass.batch);
    if (this.frozen) {
      // inference-mode y = γ·(x − m)·invstd + β with constant m, invstd: dx = γ·invstd·dy (bn_apply with a zero mean and no β)
      if (!dx) return;
      pass.rt.k.mem_fill(p.mean, 0, this.#cols);
      pass.rt.k.bn_apply(dx, 0, dy, p.mean, this.#inferInvstd, this.gamma?.ptr ?? 0, 0, pass.batch * this.#rowsPer, this.#cols);
      return;
    }
    // the column sums land directly in dβ and dγ when those weights exist
    pass.rt.k.bn_backward(dx, this.beta?.grad ?? p.dsum, this.gamma?.grad ?? p.dxsum, dy, p.xhat, p.invstd, this.gamma?.ptr ?? 0, pass.batch * this.#rowsPer, this.#cols);
  }

  /** @internal */
  releaseCaches(): void {
    if (this.#inferInvstd) this.rt.free(this.#inferInvstd, this.#cols);
    this.#inferInvstd = 0;
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, momentum: this.momentum, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

/** Normalises each sample over its last axis (statistics per row), with a learned per-feature gamma and beta. */
export class LayerNormalization extends Layer {
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly #config: NormConfig;
  gamma: Weight | null = null;
  beta: Weight | null = null;
  #cols = 1;
  #rowsPer = 1;

  constructor(config: NormConfig = {}) {
    super("LayerNormalization", config);
    checkKeys("layerNormalization", config, NORM_KEYS);
    ({ epsilon: this.epsilon, center: this.center, scale: this.scale } = normOptions("layerNormalization", config));
    this.#config = config;
  }

  protected computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length === 0) throw new ValueError(`layerNormalization '${this.name}' needs a feature axis; received a scalar per sample.`);
    const c = this.#config, cols = (this.#cols = inputShape[inputShape.length - 1]);
    this.#rowsPer = shapeSize(inputShape) / cols;
    if (this.scale) this.gamma = this.addWeight("gamma", [cols], resolveInitializer("gammaInitializer", c.gammaInitializer ?? "ones"), { regularizer: c.gammaRegularizer });
    if (this.center) this.beta = this.addWeight("beta", [cols], resolveInitializer("betaInitializer", c.betaInitializer ?? "zeros"), { regularizer: c.betaRegularizer });
    return inputShape;
  }

  /** Scratch: x̂ [rows, cols] then invstd [rows]. */
  override scratchFloats(batch: number): number {
    return align4(batch * this.#rowsPer * this.#cols) + align4(batch * this.#rowsPer);
  }

  forward(pass: Pass, x: number, y: number, scratch: number): void {
    const rows = pass.batch * this.#rowsPer;
    const xhat = pass.training ? scratch : 0, invstd = pass.training ? scratch + 4 * align4(rows * this.#cols) : 0;
    pass.rt.k.ln_forward(y, xhat, invstd, x, this.gamma?.ptr ?? 0, this.beta?.ptr ?? 0, rows, this.#cols, this.epsilon);
  }

  backward(pass: Pass, _x: number, _y: number, dy: number, dx: number, scratch: number): void {
    const rows = pass.batch * this.#rowsPer;
    pass.rt.k.ln_backward(dx, this.gamma?.grad ?? 0, this.beta?.grad ?? 0, dy, scratch, scratch + 4 * align4(rows * this.#cols), this.gamma?.ptr ?? 0, rows, this.#cols);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, epsilon: this.epsilon, center: this.center, scale: this.scale };
  }
}

export type LayerNormalizationConfig = NormConfig;
