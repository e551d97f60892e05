// The Sequential model: layers in a chain, weights in one contiguous block (trainable first, then
// frozen weights and moving statistics), gradients in a block of the trainable part's layout. What
// training needs besides the weights (compile's result, step, planned buffers, who is running) is one
// owned TrainingState, handed to fit/evaluate/trainOnBatch; its rules are in training_state.ts.
import { checkBool, DisposedError, ShapeError, show, showShape, ValueError } from "../errors.js";
import { regularizerRaw } from "../losses_api.js";
import type { Runtime } from "../runtime.js";
import { checkTensor, flattenNested, type NestedArray, Tensor } from "../tensor.js";
import { type CompileConfig, type CompiledLoss, compileLoss } from "./compile.js";
import { checkWeightValue, Layer, type Pass, type Weight } from "./layer.js";
import type { Plan } from "./plan.js";
import { evaluate, type EvaluateOptions, fit, type FitOptions, trainOnBatch } from "./fit.js";
import type { WeightOptions } from "./sample_weights.js";
import { predict, type PredictInput, type PredictOptions } from "./predict.js";
import { formatSummary } from "./progress.js";
import { TrainingState } from "./training_state.js";
import { allocateGradients, freeWeights, placeWeights, type WeightInit } from "./weight_block.js";
import type { History } from "./callbacks.js";
import type { SaveHandler, SaveResult } from "../io/artifacts.js";
import { type SaveOptions, saveModel } from "../io/layers_model.js";

/** Options of nn.sequential. */
export interface SequentialConfig {
  layers?: readonly Layer[];
  name?: string;
  /** Seed of the weight initialisers, dropout and shuffling; random when omitted. */
  seed?: number;
}

/** One entry of model.weights: `<layer>/<weight>`, its shape, and whether the optimizer updates it. */
export interface ModelWeight {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: "float32";
  readonly trainable: boolean;
}

let modelCount = 0;

export class Sequential {
  readonly name: string;
  readonly layers: Layer[] = [];
  /** @internal */
  readonly rt: Runtime;
  /** @internal */
  readonly seed: number;
  /** @internal Shared with every layer: bumped when weights change. */
  readonly weightState = { version: 0 };
  /** @internal The weight block (weight_block.ts): the parameters (trainable first)… */
  params = 0;
  /** @internal …their float count… */
  paramFloats = 0;
  /** @internal …the trainable part (the optimizer's range)… */
  trainableFloats = 0;
  /** @internal …the gradients, laid out as the trainable part (0 until the first training step: {@link gradients})… */
  grads = 0;
  /** @internal …and each trainable variable's range, for clipNorm. */
  segments: { offset: number; size: number }[] = [];
  readonly #state: TrainingState;
  #inputShape: readonly number[] | null = null;
  #disposed = false;
  #trainable = true;

  /** @internal Use nn.sequential. */
  constructor(rt: Runtime, config: SequentialConfig = {}) {
    if (config === null || typeof config !== "object") throw new ValueError(`sequential expects { layers, name?, seed? }; received ${show(config)}.`);
    for (const k of Object.keys(config)) if (!["layers", "name", "seed"].includes(k)) throw new ValueError(`sequential has no option '${k}'; it accepts: layers, name, seed.`);
    this.rt = rt;
    this.name = config.name ?? (modelCount++ === 0 ? "sequential" : `sequential_${modelCount - 1}`);
    this.#state = new TrainingState(this.name);
    if (config.seed !== undefined && !Number.isInteger(config.seed)) throw new ValueError(`seed must be an integer; received ${show(config.seed)}.`);
    this.seed = (config.seed ?? Math.floor(Math.random() * 2 ** 32)) >>> 0;
    if (config.layers !== undefined) {
      if (!Array.isArray(config.layers)) throw new ValueError(`sequential layers must be an array of layers; received ${show(config.layers)}.`);
      for (const l of config.layers) this.#append(l);
      if (this.layers[0]?.configInputShape) this.build(this.layers[0].configInputShape);
    }
  }

  /** Appends a layer; a built model keeps its weights and initialises the new layer's (not after training started). */
  add(layer: Layer): void {
    this.#live();
    this.#state.checkIdle("add");
    if (this.step > 0) throw new ValueError(`Model '${this.name}' has been trained; build a new model to change its layers.`);
    this.#append(layer);
    if (this.params) {
      layer.build(this.rt, this.layers[this.layers.length - 2].outputShape!);
      this.#place();
    } else if (this.layers[0].configInputShape) this.build(this.layers[0].configInputShape);
  }

  #append(layer: Layer): void {
    if (!(layer instanceof Layer)) throw new ValueError(`sequential.add expects a layer (nn.layers.dense(…)…); received ${show(layer)}.`);
    if (this.layers.includes(layer)) throw new ValueError(`Layer '${layer.name}' is already in model '${this.name}'.`);
    if (this.layers.some((l) => l.name === layer.name)) throw new ValueError(`Model '${this.name}' already has a layer named '${layer.name}'; layer names must be unique.`);
    if (this.layers.length > 0 && layer.configInputShape) throw new ValueError(`Only the first layer takes inputShape; layer '${layer.name}' is layer ${this.layers.length}.`);
    if (layer.built) throw new ValueError(`Layer '${layer.name}' already belongs to a model; create a new layer for another model.`);
    this.layers.push(layer);
  }

  /** Per-sample input and output shapes (null until built). */
  get inputShape(): readonly number[] | null {
    return this.#inputShape;
  }
  get outputShape(): readonly number[] | null {
    return this.layers.length && this.params ? this.layers[this.layers.length - 1].outputShape : null;
  }

  /**
   * Builds every layer for a per-sample input shape and places and initialises the weights. Runs
   * by itself when the first layer has inputShape (after the last add) or at the first fit/predict.
   */
  build(inputShape: readonly number[]): void {
    this.#build(inputShape, "random");
  }

  /** @internal Builds with every weight zero instead of initialised (a loader writes them next). */
  /** Builds with zeroed weights, or with `written` (a loader that writes every weight or disposes the model) none. */
  buildUninitialized(inputShape: readonly number[], contents: "zero" | "written" = "zero"): void {
    this.#build(inputShape, contents);
  }

  #build(inputShape: readonly number[], initialize: WeightInit): void {
    this.#live();
    if (this.params) return;
    this.#state.checkIdle("build");
    if (this.layers.length === 0) throw new ValueError(`Model '${this.name}' has no layers.`);
    let shape = inputShape;
    for (const l of this.layers) shape = l.build(this.rt, shape);
    this.#inputShape = Object.freeze(inputShape.slice());
    this.#place(initialize);
  }

  /** Places every weight (weight_block.ts), keeping the values of those placed before (add, compile after freezing). */
  #place(initialize: WeightInit = "random"): void {
    this.#state.dropPlans();
    Object.assign(this, placeWeights(this.rt, this.layers, this.seed, initialize, this));
    for (const l of this.layers) l.weightState = this.weightState;
    this.weightState.version++;
  }

  /** @internal The gradient block, allocated on first use (a training step): inference never pays for it. */
  gradients(): number {
    return allocateGradients(this.rt, this.layers, this);
  }

  /** @internal Builds from data when no inputShape was given. */
  ensureBuilt(xShape: readonly number[], what: string): void {
    if (!this.params) {
      if (xShape.length < 1) throw new ShapeError(`${what}: x must have a batch axis; received shape ${showShape(xShape)}.`);
      this.build(xShape.slice(1));
    }
    const want = this.#inputShape!;
    if (xShape.length !== want.length + 1 || want.some((d, i) => d !== xShape[i + 1])) {
      throw new ShapeError(`${what}: x ${showShape(xShape)} does not fit model '${this.name}', which expects [batch,${want.join(",")}] (first layer '${this.layers[0].name}').`);
    }
  }

  /** @internal A plan serving `batch` rows, reused when big enough (planning allocates); training and inference plans are separate. */
  plan(batch: number, training: boolean, labelFloats = 0): Plan {
    return training ? this.#state.trainingPlan(this, batch, labelFloats) : this.#state.inferencePlan(this, batch);
  }

  /** @internal What compile resolved (null before compile). */
  get compiled(): CompiledLoss | null {
    return this.#state.compiled;
  }

  /** @internal Optimizer steps taken (a loader restores it with the optimizer state). */
  get step(): number {
    return this.#state.step;
  }
  set step(v: number) {
    this.#state.step = v;
  }

  /** Set it (from a callback) to end fit after the current batch, as tfjs and Keras. */
  get stopTraining(): boolean {
    return this.#state.stopTraining;
  }
  set stopTraining(v: boolean) {
    this.#state.stopTraining = v;
  }

  /** Setting it sets every layer's `trainable` (tfjs' model.trainable): false freezes the whole model. Takes effect at the next compile. */
  get trainable(): boolean {
    return this.#trainable;
  }
  set trainable(v: boolean) {
    this.#trainable = checkBool("model.trainable", v);
    for (const l of this.layers) l.trainable = v;
  }

  /**
   * @internal The first layer whose `trainable` flag changed since the weights were laid out (at
   * build or compile), or null. fit refuses to run until compile has applied the change.
   */
  trainableChangedSinceLayout(): Layer | null {
    if (!this.params) return null;
    for (const l of this.layers) {
      if (l.weights.length > 0 && l.frozen === l.trainable) return l;
      for (const w of l.weights) if (w.trainable !== w.optimized) return l;
    }
    return null;
  }

  /** @internal Inference forward over `batch` rows from x into out (pointers); intermediate buffers from the plan. */
  forwardInto(x: number, out: number, batch: number, plan: Plan): void {
    const pass: Pass = { rt: this.rt, batch, training: false, seed: 0 };
    const L = this.layers.length;
    let input = x;
    for (let i = 0; i < L; i++) {
      const y = i === L - 1 ? out : plan.acts[i + 1];
      this.layers[i].forward(pass, input, y, 0);
      input = y;
    }
  }

  /** @internal Σ of the weight penalties; with `accumulateGrads`, also adds their gradients into the gradient block. */
  regularization(accumulateGrads: boolean): number {
    let total = 0;
    // only weights in the trainable block are penalised, as Keras 3 sums the regularisers of trainable_weights
    for (const l of this.layers) {
      for (const w of l.weights) if (w.regularizer && w.optimized) total += regularizerRaw(this.rt, w.regularizer, accumulateGrads ? w.grad : 0, w.ptr, w.size);
    }
    return total;
  }

  /**
   * Configures loss, optimizer and metrics, and checks that the output activation fits the loss.
   * Applies the layers' `trainable` flags: frozen weights leave the optimizer's block (as Keras and
   * tfjs, a change of `trainable` takes effect at the next compile). Starts the optimizer afresh.
   */
  compile(config: CompileConfig): void {
    this.#live();
    this.#state.checkIdle("compile");
    const next = compileLoss(this, config);
    this.#state.compiled?.optimizer.dispose();
    this.#state.compiled = next;
    if (this.trainableChangedSinceLayout()) this.#place();
  }

  /**
   * Trains for `epochs` over x [n, ...inputShape] and y (labels shaped as the outputs; class ids
   * [n] for sparseCategoricalCrossentropy). Resolves to the History of losses and metrics per epoch.
   */
  async fit(x: Tensor | NestedArray, y: Tensor | NestedArray, options?: FitOptions): Promise<History> {
    this.#live();
    return fit(this, this.#state, x, y, options);
  }

  /**
   * Loss and metrics over x, y in inference mode: `{ loss, accuracy, … }` (Keras' return_dict form). `sampleWeight`
   * and `classWeight` weigh the loss as in fit (metrics unweighted). Allowed from fit's callbacks.
   */
  evaluate(x: Tensor | NestedArray, y: Tensor | NestedArray, options?: EvaluateOptions): Record<string, number> {
    this.#live();
    return evaluate(this, this.#state, x, y, options);
  }

  /** One optimizer step on x, y as a single batch (weighted by `{ sampleWeight, classWeight }` as in fit); returns the loss before the step. */
  trainOnBatch(x: Tensor | NestedArray, y: Tensor | NestedArray, options?: WeightOptions): number {
    this.#live();
    return trainOnBatch(this, this.#state, x, y, options);
  }

  /**
   * Outputs for x: a Tensor [n, ...inputShape], a Float32Array of n·inputSize values (rows back to back;
   * n = length / inputSize) or nested arrays. Returns a new Tensor [n, ...outputShape], or writes into
   * `out` (a Tensor, or a Float32Array that is returned); `output: 'array'` returns a new Float32Array
   * (rows back to back) instead of a Tensor. Array inputs and outputs go through buffers the model plans
   * once per batch size, so a handler that passes arrays creates and frees no tensors. Runs in batches of
   * `batchSize` (default 32).
   */
  predict(x: PredictInput, options: PredictOptions & { out: Float32Array }): Float32Array;
  predict(x: PredictInput, options: PredictOptions & { output: "array"; out?: Float32Array }): Float32Array;
  predict(x: PredictInput, options?: PredictOptions & { out?: Tensor; output?: "tensor" }): Tensor;
  predict(x: PredictInput, options?: PredictOptions): Tensor | Float32Array;
  predict(x: PredictInput, options?: PredictOptions): Tensor | Float32Array {
    this.#live();
    return predict(this, x, options);
  }

  /** @internal Accepts a Tensor of this instance or nested arrays (copied into a temporary tensor). */
  toTensor(what: string, v: Tensor | NestedArray): { t: Tensor; temporary: boolean } {
    if (v instanceof Tensor) return { t: checkTensor(what, v, this.rt), temporary: false };
    if (!Array.isArray(v)) throw new ValueError(`${what} must be a Tensor or nested arrays; received ${show(v)}.`);
    const { flat, shape } = flattenNested(v);
    const t = new Tensor(this.rt, shape);
    t.data.set(flat);
    return { t, temporary: true };
  }

  /**
   * Every weight as tfjs lists them: the trainable ones in layer order, then the non-trainable ones
   * (moving statistics), each named `<layer>/<weight>` as in a weights manifest.
   */
  get weights(): readonly ModelWeight[] {
    return this.#ordered().map((w) => Object.freeze({ name: `${w.layer.name}/${w.name}`, shape: w.shape, dtype: "float32" as const, trainable: w.trainable }));
  }

  /** The Weight objects in tfjs' order (trainable first). */
  #ordered(): Weight[] {
    const all = this.layers.flatMap((l) => l.weights);
    return [...all.filter((w) => w.trainable), ...all.filter((w) => !w.trainable)];
  }

  /** Copies of every weight value, in the order of {@link weights} (tfjs' getWeights). Dispose them when done. */
  getWeights(): Tensor[] {
    if (!this.params) return [];
    return this.#ordered().map((w) => {
      const t = new Tensor(this.rt, w.shape); // may grow memory: read the heap view after it
      t.data.set(this.rt.f32.subarray(w.ptr >> 2, (w.ptr >> 2) + w.size));
      return t;
    });
  }

  /**
   * Sets every weight, in the order and shapes of {@link weights}; each value is a Tensor, a Float32Array
   * of the right size or nested arrays. Checked fully before anything is written, so a failed call changes nothing.
   */
  setWeights(values: readonly (Tensor | Float32Array | NestedArray)[]): void {
    this.#live();
    this.#state.checkIdle("setWeights");
    const ordered = this.#ordered();
    if (!this.params) throw new ValueError(`Model '${this.name}' has no weights yet: give the first layer an inputShape or call build(inputShape) first.`);
    if (!Array.isArray(values) || values.length !== ordered.length) {
      throw new ValueError(`setWeights expects ${ordered.length} arrays in the order of model.weights (${ordered.map((w) => `${w.layer.name}/${w.name} ${showShape(w.shape)}`).join(", ")}); received ${show(values)}.`);
    }
    const flats = values.map((v, i) => checkWeightValue(ordered[i], v));
    ordered.forEach((w, i) => this.rt.f32.set(flats[i], w.ptr >> 2));
    this.weightState.version++;
  }

  /** @internal A copy of the whole parameter block. */
  snapshot(): Float32Array {
    return this.rt.f32.slice(this.params >> 2, (this.params >> 2) + this.paramFloats);
  }

  /** @internal (earlyStopping restores the best weights through it at the end of fit: same block, nothing moves) */
  restore(snapshot: Float32Array): void {
    this.rt.f32.set(snapshot, this.params >> 2);
    this.weightState.version++;
  }

  /** Number of weight values. */
  countParams(): number {
    return this.layers.reduce((s, l) => s + l.countParams(), 0);
  }

  /** Prints (and returns) a Keras-style table of layers, output shapes and parameter counts (trainable and frozen). */
  summary(printFn: (line: string) => void = console.log): string {
    this.#live();
    const text = formatSummary(this.name, this.layers);
    printFn(text);
    return text;
  }

  /**
   * Saves the model in tfjs' layers-model format (tfjs' signature and result): `'file://<dir>'` writes
   * `<dir>/model.json` and `<dir>/weights.bin` (Node, Deno, Bun), or `nn.io.withSaveHandler(fn)` hands the
   * artifacts to fn. `quantize` stores float16 / uint8 / uint16 weights; `includeOptimizer` saves the
   * compile configuration and the optimizer state so that fit resumes after loading.
   */
  async save(destination: string | SaveHandler, options?: SaveOptions): Promise<SaveResult> {
    this.#live();
    return saveModel(this, destination, options);
  }

  /**
   * Frees the weights, gradients, buffers and optimizer state; later use throws DisposedError. During
   * fit it never throws: fit stops at its next batch with DisposedError and the memory is freed then.
   */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#state.releaseWhenIdle(() => this.#release());
  }

  #release(): void {
    this.#state.dropPlans();
    this.#state.compiled?.optimizer.dispose();
    for (const l of this.layers) (l as { releaseCaches?: () => void }).releaseCaches?.();
    freeWeights(this.rt, this);
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  #live(): void {
    if (this.#disposed) throw new DisposedError(`Model '${this.name}' was used after dispose().`);
  }
}
