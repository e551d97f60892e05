// Core layers: dense, activation, softmax, flatten, prelu. Each forward has its backward beside it;
// shapes per call: x [batch·rows, in], y [batch·rows, out] where rows = the leading per-sample axes
// (Keras' Dense acts on the last axis).
import { type ActivationName, type ActivationParams, activationBackwardRaw, activationForwardRaw, gradReads, preluBackwardRaw, preluForwardRaw, resolveActivation, type ResolvedActivation } from "../activations.js";
import { checkInt, ShapeError, show, showShape, ValueError } from "../errors.js";
import { DENSE_ACTIVATIONS, type DenseActivation, denseEpilogue, type DenseEpilogue, denseForwardRaw, gemmRaw, PackedWeights } from "../gemm.js";
import { Regularizer } from "../losses_api.js";
import { shapeSize } from "../tensor.js";
import { type Initializer, type InitializerName, resolveInitializer } from "./initializers.js";
import { Layer, type LayerConfig, type Pass, type Weight } from "./layer.js";

/**
 * A layer whose output activation is softmax or sigmoid and that can hand the model the values
 * before it (the logits), so the loss runs the fused stable form: softmax + cross-entropy has
 * gradient p − y on the logits, which skips the softmax Jacobian and never takes log of a rounded 0.
 */
export interface LogitsOutput {
  /** Address of the logits saved by the last training forward. */
  logits(x: number, scratch: number): number;
  /** backward given dz = dL/dlogits (overwritable) instead of dL/dy. */
  backwardFromLogits(pass: Pass, x: number, dz: number, dx: number, scratch: number): void;
}

export function hasLogits(layer: Layer): layer is Layer & LogitsOutput {
  return typeof (layer as Partial<LogitsOutput>).backwardFromLogits === "function";
}


export function checkKeys(layer: string, config: object, allowed: readonly string[]): void {
  for (const k of Object.keys(config)) {
    if (!allowed.includes(k) && (config as Record<string, unknown>)[k] !== undefined) {
      throw new ValueError(`${layer} has no option '${k}'; it accepts: ${allowed.join(", ")}.`);
    }
  }
}
export const BASE_KEYS = ["name", "inputShape", "batchInputShape", "trainable"] as const;

export function regularizer(what: string, r: unknown): Regularizer | undefined {
  if (r === undefined || r === null) return undefined;
  if (!(r instanceof Regularizer)) throw new ValueError(`${what} must be a regularizer (nn.regularizers.l2(1e-4)…); received ${show(r)}.`);
  return r;
}

function outputActivation(layer: string, name: unknown, params?: ActivationParams): ResolvedActivation {
  const act = resolveActivation((name ?? "linear") as string, params);
  if (act.kind === "channel") throw new ValueError(`${layer}: prelu has a learnable alpha, so it is a layer of its own: add nn.layers.prelu() after this one.`);
  return act;
}

/** Options of {@link dense}. */
export interface DenseConfig extends LayerConfig {
  /** Output features. */
  units: number;
  /** Applied to the output; default 'linear'. */
  activation?: ActivationName;
  /** Parameters of the activation (leakyRelu/elu alpha, gelu approximate). */
  activationParams?: ActivationParams;
  /** Default true. */
  useBias?: boolean;
  /** Default 'glorotUniform' (Keras). */
  kernelInitializer?: InitializerName | Initializer;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName | Initializer;
  kernelRegularizer?: Regularizer;
  biasRegularizer?: Regularizer;
  /** Keras' shorthand for inputShape [inputDim]. */
  inputDim?: number;
}

/** y = activation(x·kernel + bias) over the last axis; kernel [in, units], bias [units]. */
export class Dense extends Layer implements LogitsOutput {
  readonly units: number;
  readonly act: ResolvedActivation;
  readonly useBias: boolean;
  readonly #config: DenseConfig;
  /** The fused GEMM epilogue when the activation has one, else null (activation runs as its own pass). */
  readonly #epilogue: DenseEpilogue | null;
  kernel!: Weight;
  bias: Weight | null = null;
  #in = 0;
  #rowsPer = 1;
  #packed: PackedWeights | null = null;
  #packedVersion = -1;
  /** The weight version that has served one inference from the raw kernel (see #inferenceKernel). */
  #rawServedVersion = -1;

  constructor(config: DenseConfig) {
    super("Dense", config?.inputDim !== undefined && config.inputShape === undefined ? { ...config, inputShape: [config.inputDim] } : config);
    checkKeys("dense", config, [...BASE_KEYS, "units", "activation", "activationParams", "useBias", "kernelInitializer", "biasInitializer", "kernelRegularizer", "biasRegularizer", "inputDim"]);
    this.units = checkInt("dense units", config.units, 1);
    this.act = outputActivation(`dense '${this.name}'`, config.activation, config.activationParams);
    if (config.useBias !== undefined && typeof config.useBias !== "boolean") throw new ValueError(`dense useBias must be a boolean; received ${show(config.useBias)}.`);
    this.useBias = config.useBias ?? true;
    resolveInitializer("kernelInitializer", config.kernelInitializer ?? "glorotUniform");
    resolveInitializer("biasInitializer", config.biasInitializer ?? "zeros");
    regularizer("kernelRegularizer", config.kernelRegularizer);
    regularizer("biasRegularizer", config.biasRegularizer);
    const name = this.act.name;
    this.#epilogue = name in DENSE_ACTIVATIONS
      ? denseEpilogue(name as DenseActivation, { alpha: this.act.alpha, approximate: config.activationParams?.approximate })
      : null;
    this.#config = config;
  }

  override get outputActivation(): ActivationName {
    return this.act.name;
  }

  protected computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (inputShape.length === 0) throw new ShapeError(`dense '${this.name}' needs inputs with a feature axis; received per-sample shape ${showShape(inputShape)}.`);
    this.#in = inputShape[inputShape.length - 1];
    this.#rowsPer = shapeSize(inputShape.slice(0, -1));
    const c = this.#config;
    this.kernel = this.addWeight("kernel", [this.#in, this.units], resolveInitializer("kernelInitializer", c.kernelInitializer ?? "glorotUniform"), { regularizer: regularizer("kernelRegularizer", c.kernelRegularizer) });
    if (this.useBias) this.bias = this.addWeight("bias", [this.units], resolveInitializer("biasInitializer", c.biasInitializer ?? "zeros"), { regularizer: regularizer("biasRegularizer", c.biasRegularizer) });
    return [...inputShape.slice(0, -1), this.units];
  }

  /** Training keeps the pre-activation z when the activation's backward reads x, or when it may feed a fused loss as logits (softmax, sigmoid). */
  get #keepsZ(): boolean {
    return gradReads(this.act, "x") || this.act.name === "sigmoid" || this.act.name === "softmax";
  }

  override scratchFloats(batch: number): number {
    return this.#keepsZ ? batch * this.#rowsPer * this.units : 0;
  }

  forward(pass: Pass, x: number, y: number, scratch: number): void {
    const rt = pass.rt, rows = pass.batch * this.#rowsPer, n = this.units, k = this.#in;
    const bias = this.bias ? this.bias.ptr : 0;
    if (pass.training && this.#keepsZ) {
      denseForwardRaw(rt, scratch, x, this.kernel.ptr, bias, rows, n, k);
      activationForwardRaw(rt, this.act, y, scratch, rows, n);
      return;
    }
    const w = pass.training ? this.kernel.ptr : this.#inferenceKernel(rows);
    if (this.#epilogue) {
      denseForwardRaw(rt, y, x, w, bias, rows, n, k, this.#epilogue);
    } else {
      denseForwardRaw(rt, y, x, w, bias, rows, n, k);
      activationForwardRaw(rt, this.act, y, y, rows, n);
    }
  }

  backward(pass: Pass, x: number, y: number, dy: number, dx: number, scratch: number): void {
    const rows = pass.batch * this.#rowsPer;
    if (this.act.name !== "linear") activationBackwardRaw(pass.rt, this.act, dy, this.#keepsZ ? scratch : y, y, dy, rows, this.units);
    this.backwardFromLogits(pass, x, dy, dx);
  }

  logits(_x: number, scratch: number): number {
    return scratch;
  }

  /** dW = xᵀ·dz, db = Σ_rows dz, dx = dz·Wᵀ. */
  backwardFromLogits(pass: Pass, x: number, dz: number, dx: number): void {
    const rt = pass.rt, rows = pass.batch * this.#rowsPer, n = this.units, k = this.#in;
    // a frozen layer (grad 0) skips dW and db: only dx flows through it
    if (this.kernel.grad) gemmRaw(rt, this.kernel.grad, x, dz, k, n, rows, { transA: true, transB: false, alpha: 1, beta: 0, lda: k, ldb: n, ldc: n });
    if (this.bias?.grad) rt.k.red_col_sums(this.bias.grad, dz, rows, n);
    if (dx) gemmRaw(rt, dx, dz, this.kernel.ptr, rows, k, n, { transA: false, transB: true, alpha: 1, beta: 0, lda: n, ldb: n, ldc: k });
  }

  /**
   * Inference packs the kernel once per weight change (the packed GEMV beats the row-wise one by ~10 % at
   * batch 1), but only when those weights serve a second time: a cold instance's first answer would otherwise
   * pay a pass over every weight into freshly faulted pages (~8 ms for 2 MB here) to save microseconds. Both
   * paths give the same bits (gemv.ts, GEMM packing), except the relaxed build's scalar tail columns at batch 1,
   * hence the n % 4 condition there.
   */
  #inferenceKernel(rows: number): PackedWeights | number {
    const version = this.weightState.version;
    if (this.#packedVersion !== version && this.#rawServedVersion !== version && (rows > 1 || this.units % 4 === 0)) {
      this.#rawServedVersion = version;
      return this.kernel.ptr;
    }
    return this.#packedKernel();
  }

  #packedKernel(): PackedWeights {
    if (this.#packed === null) this.#packed = new PackedWeights(this.rt, this.#in, this.units);
    if (this.#packedVersion !== this.weightState.version) {
      this.#packed.repack(this.kernel.ptr);
      this.#packedVersion = this.weightState.version;
    }
    return this.#packed;
  }

  /** @internal Frees the packed-kernel cache (the model owns the weights themselves). */
  releaseCaches(): void {
    this.#packed?.dispose();
    this.#packed = null;
    this.#packedVersion = -1;
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, units: this.units, activation: this.act.name, useBias: this.useBias };
  }
}

/** Options of {@link activation}. */
export interface ActivationLayerConfig extends LayerConfig {
  activation: ActivationName;
  /** leakyRelu/elu alpha, gelu approximate. */
  activationParams?: ActivationParams;
}

/** y = f(x) for a named activation (softmax and logSoftmax over the last axis). */
export class Activation extends Layer implements LogitsOutput {
  readonly act: ResolvedActivation;
  #cols = 1;

  constructor(config: ActivationLayerConfig, className = "Activation") {
    super(className, config);
    if (className === "Activation") checkKeys("activation", config, [...BASE_KEYS, "activation", "activationParams"]);
    this.act = outputActivation(`activation '${this.name}'`, config.activation, config.activationParams);
  }

  override get outputActivation(): ActivationName {
    return this.act.name;
  }

  protected computeOutputShape(inputShape: readonly number[]): readonly number[] {
    if (this.act.kind === "rows" && inputShape.length === 0) throw new ShapeError(`${this.act.name} '${this.name}' works over the last axis; received per-sample shape ${showShape(inputShape)}.`);
    this.#cols = inputShape.length ? inputShape[inputShape.length - 1] : 1;
    return inputShape;
  }

  #rows(pass: Pass): number {
    return (pass.batch * shapeSize(this.inputShape!)) / this.#cols;
  }

  forward(pass: Pass, x: number, y: number): void {
    activationForwardRaw(pass.rt, this.act, y, x, this.#rows(pass), this.#cols);
  }

  backward(pass: Pass, x: number, y: number, dy: number, dx: number): void {
    if (dx) activationBackwardRaw(pass.rt, this.act, dx, x, y, dy, this.#rows(pass), this.#cols);
  }

  logits(x: number): number {
    return x;
  }

  backwardFromLogits(pass: Pass, _x: number, dz: number, dx: number): void {
    if (dx) pass.rt.k.mem_copy(dx, dz, this.#rows(pass) * this.#cols);
  }

  override getConfig(): Record<string, unknown> {
    return { name: this.name, activation: this.act.name };
  }
}

/** Keras' Softmax layer (axis -1 only). */
export class Softmax extends Activation {
  constructor(config: LayerConfig & { axis?: number } = {}) {
    checkKeys("softmax", config, [...BASE_KEYS, "axis"]);
    if (config.axis !== undefined && config.axis !== -1) throw new ValueError(`softmax axis must be -1 (the last axis); received ${show(config.axis)}.`);
    const { axis: _axis, ...rest } = config;
    super({ ...rest, activation: "softmax" }, "Softmax");
  }
}

/** Flattens each sample to one axis: [batch, a, b] → [batch, a·b]. */
export class Flatten extends Layer {
  constructor(config: LayerConfig = {}) {
    super("Flatten", config);
    checkKeys("flatten", config, BASE_KEYS);
  }

  protected computeOutputShape(inputShape: readonly number[]): readonly number[] {
    return [shapeSize(inputShape)];
  }

  forward(pass: Pass, x: number, y: number): void {
    pass.rt.k.mem_copy(y, x, pass.batch * this.outputShape![0]);
  }

  backward(pass: Pass, _x: number, _y: number, dy: number, dx: number): void {
    if (dx) pass.rt.k.mem_copy(dx, dy, pass.batch * this.outputShape![0]);
  }
}

/** Options of {@link prelu}. */
export interface PReLUConfig extends LayerConfig {
  /** Default 'zeros' (Keras); PyTorch starts at 0.25: pass nn.initializers.constant(0.25). */
  alphaInitializer?: InitializerName | Initializer;
  alphaRegularizer?: Regularizer;
  /**
   * Axes (1-based, as Keras) that share one alpha. Default none: one alpha per input element, as
   * Keras. Sharing every axis but the last (e.g. [1, 2] for [h, w, c]) gives one alpha per channel.
   */
  sharedAxes?: readonly number[];
}

/** PReLU, the learnable activation: y = x > 0 ? x : alpha·x with alpha learned. */
export class PReLU extends Layer {
  readonly #config: PReLUConfig;
  alpha!: Weight;
  #cols = 1;

  constructor(config: PReLUConfig = {}) {
    super("PReLU", config);
    checkKeys("prelu", config, [...BASE_KEYS, "alphaInitializer", "alphaRegularizer", "sharedAxes"]);
    resolveInitializer("alphaInitializer", config.alphaInitializer ?? "zeros");
    regularizer("alphaRegularizer", config.alphaRegularizer);
    if (config.sharedAxes !== undefined && (!Array.isArray(config.sharedAxes) || !config.sharedAxes.every((a) => Number.isInteger(a) && a >= 1))) {
      throw new ValueError(`prelu sharedAxes must be an array of axis numbers ≥ 1 (1 = the first axis after the batch); received ${show(config.sharedAxes)}.`);
    }
    this.#config = config;
  }

  /** The axes sharing one alpha, as configured (undefined: one alpha per element). */
  get sharedAxes(): readonly number[] | undefined {
    return this.#config.sharedAxes;
  }

  protected computeOutputShape(inputShape: readonly number[]): readonly number[] {
    const shared = [...new Set(this.#config.sharedAxes ?? [])].sort();
    const leading = inputShape.slice(0, -1).map((_, i) => i + 1);
    if (shared.length === 0) this.#cols = shapeSize(inputShape);
    else if (shared.length === leading.length && shared.every((a, i) => a === leading[i])) this.#cols = inputShape[inputShape.length - 1];
    else {
      throw new ValueError(`prelu '${this.name}': sharedAxes ${show(this.#config.sharedAxes)} is not supported for per-sample shape ${showShape(inputShape)}; use none (one alpha per element) or [${leading.join(", ")}] (one per channel).`);
    }
    // Keras' shape: shared axes kept as size-1 axes ([1, 1, C]), so weights move to and from Keras and tfjs as they are
    const shape = shared.length ? inputShape.map((d, i) => (shared.includes(i + 1) ? 1 : d)) : inputShape;
    this.alpha = this.addWeight("alpha", shape, resolveInitializer("alphaInitializer", this.#config.alphaInitializer ?? "zeros"), { regularizer: regularizer("alphaRegularizer", this.#config.alphaRegularizer) });
    return inputShape;
  }

  /** A frozen PReLU still writes dalpha (the kernel computes it with dx): into scratch. */
  override scratchFloats(_batch: number): number {
    return this.frozen ? this.#cols : 0;
  }

  forward(pass: Pass, x: number, y: number): void {
    const rows = (pass.batch * shapeSize(this.inputShape!)) / this.#cols;
    preluForwardRaw(pass.rt, y, x, this.alpha.ptr, rows, this.#cols);
  }

  backward(pass: Pass, x: number, _y: number, dy: number, dx: number, scratch: number): void {
    const rows = (pass.batch * shapeSize(this.inputShape!)) / this.#cols;
    // the kernel writes dx and dalpha in one pass; with no dx wanted, dy itself takes the (unused) dx
    preluBackwardRaw(pass.rt, dx || dy, this.alpha.grad || scratch, x, this.alpha.ptr, dy, rows, this.#cols);
  }
}
