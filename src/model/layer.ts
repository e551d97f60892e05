// The layer contract. A layer declares its weights in build(); the model places every weight in
// one contiguous block (trainable first, so one optimizer call covers them, gradients in a block of
// the same layout) and plans every activation buffer once per batch size. forward and backward then
// work on raw pointers and never allocate.
import type { ActivationName } from "../activations.js";
import { checkBool, ShapeError, show, showShape, ValueError } from "../errors.js";
import type { Regularizer } from "../losses_api.js";
import type { Runtime } from "../runtime.js";
import { flattenNested, type NestedArray, shapeSize, Tensor } from "../tensor.js";
import type { Initializer } from "./initializers.js";

/** A weight a layer declares in build(); ptr and grad are set when the model places it. */
export class Weight {
  readonly size: number;
  /** Byte address of the values; -1 until placed. */
  ptr = -1;
  /**
   * Byte address of the gradient (same layout); 0 for weights outside the optimizer's block (non-trainable
   * or frozen at the last compile), and 0 for every weight until the first training step allocates the
   * gradient block (a model used only for inference never holds one).
   */
  grad = 0;
  /** @internal Float offset in the optimizer's block (trainable part) at the current layout; -1 outside it. */
  blockOffset = -1;

  constructor(
    readonly layer: Layer,
    readonly name: string,
    readonly shape: readonly number[],
    readonly initializer: Initializer,
    /** Declared trainable (false for moving statistics). */
    readonly declaredTrainable: boolean,
    readonly regularizer: Regularizer | undefined,
  ) {
    this.size = shapeSize(shape);
  }

  /** Trainable now: declared so and its layer not frozen (tfjs: a frozen layer's weights are all non-trainable). */
  get trainable(): boolean {
    return this.declaredTrainable && this.layer.trainable;
  }

  /** @internal In the optimizer's block at the current layout (trainable when the weights were laid out, at build or compile). */
  get optimized(): boolean {
    return this.blockOffset >= 0;
  }

  /** Keras' fans: [in, out] for a kernel, the length twice for a vector. */
  get fans(): [number, number] {
    if (this.shape.length === 2) return [this.shape[0], this.shape[1]];
    return [this.shape[0] ?? 1, this.shape[0] ?? 1];
  }
}

/** What the model hands forward and backward. */
export interface Pass {
  readonly rt: Runtime;
  /** Rows in this call (≤ the batch the buffers were planned for). */
  readonly batch: number;
  /** Training mode: dropout drops, batch normalisation uses batch statistics and updates its moving ones. */
  readonly training: boolean;
  /** Changes every training step (dropout masks); a function of the model seed and the step. */
  readonly seed: number;
}

/** Options every layer takes. */
export interface LayerConfig {
  /** Unique name; `<type>_<n>` by default. */
  name?: string;
  /** Per-sample input shape (first layer only), e.g. [784]. */
  inputShape?: readonly number[];
  /** Keras' alternative to inputShape: [batchSize, ...inputShape]; the batch entry is ignored. */
  batchInputShape?: readonly (number | null)[];
  /** false creates the layer frozen (tfjs' and Keras' `trainable` argument). Default true. */
  trainable?: boolean;
}

const counters = new Map<string, number>();

/** Base of every layer. Subclasses implement computeOutputShape (declaring weights), forward and backward. */
export abstract class Layer {
  readonly name: string;
  /** Per-sample shapes, known after build. */
  inputShape: readonly number[] | null = null;
  outputShape: readonly number[] | null = null;
  readonly weights: Weight[] = [];
  /** The input shape given in the config, if any. */
  readonly configInputShape: readonly number[] | null;
  /** @internal Shared with the model: bumped whenever weight values change (caches such as packed kernels compare it). */
  weightState = { version: 0 };
  /**
   * @internal Frozen in the model's current weight layout (set at build and compile): its weights get
   * no gradients and training runs it as at inference (Keras 3's BatchNormalization rule).
   */
  frozen = false;
  #rt: Runtime | null = null;
  #trainable = true;

  constructor(
    /** Keras class name, as summary() prints it. */
    readonly className: string,
    config: LayerConfig = {},
  ) {
    if (config === null || typeof config !== "object") throw new ValueError(`${className} config must be an object; received ${show(config)}.`);
    const base = className.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
    if (config.name !== undefined && typeof config.name !== "string") throw new ValueError(`${className} name must be a string; received ${show(config.name)}.`);
    const n = (counters.get(base) ?? 0) + 1;
    counters.set(base, n);
    this.name = config.name ?? (n === 1 ? base : `${base}_${n - 1}`);
    let shape: readonly (number | null)[] | undefined = config.inputShape;
    if (shape === undefined && config.batchInputShape !== undefined) shape = config.batchInputShape.slice(1);
    if (shape !== undefined && (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && (d as number) > 0))) {
      throw new ShapeError(`${this.name}: inputShape must be an array of positive integers (per sample, without the batch axis); received ${show(shape)}.`);
    }
    this.configInputShape = shape ? Object.freeze(shape.slice() as number[]) : null;
    if (config.trainable !== undefined) this.trainable = config.trainable;
  }

  /**
   * Whether the optimizer updates this layer's weights (tfjs and Keras `layer.trainable`). Setting it
   * false freezes them (fine-tuning); it takes effect at the model's next compile, as in Keras and
   * tfjs — fit refuses to run until then rather than silently train with the old setting.
   */
  get trainable(): boolean {
    return this.#trainable;
  }
  set trainable(v: boolean) {
    this.#trainable = checkBool(`${this.name}.trainable`, v);
  }

  /** The activation this layer applies last (the model checks it against the loss), or null. */
  get outputActivation(): ActivationName | null {
    return null;
  }

  /**
   * Checks the per-sample input shape, declares weights (addWeight) and returns the per-sample
   * output shape. Throws ShapeError naming the layer, the shape received and the one expected.
   */
  protected abstract computeOutputShape(inputShape: readonly number[]): readonly number[];

  /** @internal Called once by the model. */
  build(rt: Runtime, inputShape: readonly number[]): readonly number[] {
    if (this.#rt !== null) throw new ValueError(`Layer '${this.name}' already belongs to a model; create a new layer for another model.`);
    this.#rt = rt;
    this.inputShape = Object.freeze(inputShape.slice());
    this.outputShape = Object.freeze(this.computeOutputShape(inputShape).slice());
    return this.outputShape;
  }

  get built(): boolean {
    return this.outputShape !== null;
  }

  /** @internal The runtime of the model this layer belongs to. */
  get rt(): Runtime {
    if (this.#rt === null) throw new ValueError(`Layer '${this.name}' is not built yet: add it to a model with an inputShape, or fit/predict once.`);
    return this.#rt;
  }

  protected addWeight(name: string, shape: readonly number[], initializer: Initializer, options: { trainable?: boolean; regularizer?: Regularizer } = {}): Weight {
    const w = new Weight(this, name, shape, initializer, options.trainable ?? true, options.regularizer);
    this.weights.push(w);
    return w;
  }

  /** Floats of per-call scratch this layer needs at a batch size (masks, saved statistics); planned once. */
  scratchFloats(_batch: number): number {
    return 0;
  }

  /**
   * y = f(x) for pass.batch rows; x is [batch, ...inputShape], y is [batch, ...outputShape] and never
   * aliases x. In training mode the layer may save what backward needs in `scratch`.
   */
  abstract forward(pass: Pass, x: number, y: number, scratch: number): void;

  /**
   * Given x and y of the last training forward and dy = dL/dy, WRITES (not accumulates) the
   * gradients of its trainable weights into weight.grad, and dx = dL/dx unless dx is 0 (first
   * layer). dy may be overwritten; dx never aliases dy.
   */
  abstract backward(pass: Pass, x: number, y: number, dy: number, dx: number, scratch: number): void;

  /** Number of weight values (trainable and not). */
  countParams(): number {
    return this.weights.reduce((s, w) => s + w.size, 0);
  }

  /** Copies of the weights, in declaration order (dense: [kernel [in, units], bias [units]]). Dispose them when done. */
  getWeights(): Tensor[] {
    const rt = this.rt;
    return this.weights.map((w) => {
      this.placed(w);
      const t = new Tensor(rt, w.shape);
      t.data.set(rt.f32.subarray(w.ptr >> 2, (w.ptr >> 2) + w.size));
      return t;
    });
  }

  /**
   * Replaces the weights (same order and shapes as getWeights). Every value is checked before any is
   * written, so a failed call changes nothing.
   */
  setWeights(values: readonly (Tensor | Float32Array | NestedArray)[]): void {
    const rt = this.rt;
    if (!Array.isArray(values) || values.length !== this.weights.length) {
      throw new ValueError(`${this.name}.setWeights expects ${this.weights.length} arrays (${this.weights.map((w) => `${w.name} ${showShape(w.shape)}`).join(", ")}); received ${show(values)}.`);
    }
    const flats = values.map((v, i) => checkWeightValue(this.weights[i], v));
    this.weights.forEach((w, i) => {
      this.placed(w);
      rt.f32.set(flats[i], w.ptr >> 2);
    });
    this.weightState.version++;
  }

  private placed(w: Weight): void {
    if (w.ptr < 0) throw new ValueError(`Layer '${this.name}' has no weights yet: it is placed when its model is built.`);
  }

  /** Keras-style config for summary() and debugging. */
  getConfig(): Record<string, unknown> {
    return { name: this.name };
  }
}

/** A weight's new value as float32, checked against its shape (a Float32Array needs only the size); NaN refused. @internal */
export function checkWeightValue(w: Weight, v: Tensor | Float32Array | NestedArray): Float32Array {
  const where = `${w.layer.name}.setWeights: ${w.name}`;
  let flat: ArrayLike<number>;
  let shape: readonly number[];
  if (v instanceof Tensor) [flat, shape] = [v.data, v.shape];
  else if (v instanceof Float32Array) [flat, shape] = [v, [v.length]];
  else if (Array.isArray(v)) ({ flat, shape } = flattenNested(v));
  else throw new ValueError(`${where} must be a Tensor, a Float32Array or nested arrays; received ${show(v)}.`);
  if (shapeSize(shape) !== w.size || (!(v instanceof Float32Array) && (shape.length !== w.shape.length || shape.some((d, j) => d !== w.shape[j])))) {
    throw new ShapeError(`${where} must have shape ${showShape(w.shape)}; received ${showShape(shape)}.`);
  }
  for (let j = 0; j < flat.length; j++) {
    if (typeof flat[j] !== "number" || Number.isNaN(flat[j])) throw new ValueError(`${where} holds ${show(flat[j])} at flat index ${j}; expected numbers.`);
  }
  return Float32Array.from(flat);
}
