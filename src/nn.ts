import { activation, activationBackward, type ActivationHelpers, activationHelpers, type ActivationName, type ActivationOptions, type ActivationParams } from "./activations.js";
import type { BackendName } from "./backend.js";
import { gemm, type GemmOptions, matmul, type MatmulOptions } from "./gemm.js";
import { ShapeError, ValueError, show, showShape } from "./errors.js";
import { CombinedLoss, type LossAndGradient, lossAndGradient, type LossTerm, lossGradient, lossValue, type Regularizer, regularizers } from "./losses_api.js";
import type { LossName, LossParams } from "./losses.js";
import { callbacks } from "./model/callbacks.js";
import { initializers, layers } from "./model/factories.js";
import { Sequential, type SequentialConfig } from "./model/sequential.js";
import type { LoadHandler } from "./io/artifacts.js";
import { loadLayersModel, type LoadOptions } from "./io/layers_model.js";
import type { LoadOnnxOptions } from "./io/onnx_loader.js";
import { io } from "./io/nn_io.js";
import { onnxReader } from "./io/readers.js";
import { optimizers } from "./optimizers.js";
import { argMax, type SelectOptions, topK, type TopK } from "./ops_select.js";
import { normalArgs, type RandomNormalOptions, type RandomUniformOptions, Rng, type TruncatedNormalOptions, uniformArgs } from "./random.js";
import type { Kernels, Runtime } from "./runtime.js";
import { dispose, type TensorContainer, tidy } from "./scopes.js";
export type { TensorContainer } from "./scopes.js";
import { checkDtype, checkShape, checkTensor, type DType, type NestedArray, type NumericTypedArray, Tensor, type TensorLike, tensorValues } from "./tensor.js";

export type { RandomNormalOptions, RandomOptions, RandomUniformOptions, TruncatedNormalOptions } from "./random.js";

/** What `nn.memory()` reports. */
export interface MemoryInfo {
  /** Bytes held by live tensors and model buffers (16-byte granules). */
  bytesInUse: number;
  /** Live allocations. */
  allocations: number;
  /** Size of the WASM linear memory; it only grows. */
  heapBytes: number;
}

/**
 * One simdnn instance: a WASM build, its memory, and every operation on it. Create with `await init()`.
 */
export class NN {
  /** This instance's runtime (memory, allocator, kernels): the first argument of the pointer-level `*Raw` functions. */
  readonly rt: Runtime;

  /** @internal */
  constructor(rt: Runtime) {
    this.rt = rt;
  }

  /** The build that runs: 'scalar', 'simd' or 'relaxed-simd'. */
  get backend(): BackendName {
    return this.rt.backend;
  }

  /** Threads that share large kernels (init({ threads })): 1 unless a pool of workers is running. */
  get threads(): number {
    return this.rt.pool?.threads ?? 1;
  }

  /** Why `threads` is fewer than init was asked for (no shared memory, no Workers, disposed…); undefined otherwise. */
  get threadsReason(): string | undefined {
    return this.rt.pool?.stopReason ?? this.rt.threadsReason;
  }

  /** Raw kernel exports, for benchmarks and direct pointer-level use. */
  get kernels(): Kernels {
    return this.rt.k;
  }

  /** Bytes in use by tensors and models, and the size of WASM memory. */
  memory(): MemoryInfo {
    return { bytesInUse: this.rt.bytesInUse, allocations: this.rt.blocks, heapBytes: this.rt.k.memory.buffer.byteLength };
  }

  /**
   * A tensor from nested arrays, a typed array of numbers or a plain array (tf.tensor's arguments).
   * Nested arrays give their own shape; a flat array needs `shape` unless it is 1-D. Values are converted
   * to float32; `dtype` may only be 'float32'. Everything is checked before memory is allocated.
   */
  tensor(values: TensorLike, shape?: readonly number[], dtype?: DType): Tensor {
    checkDtype("nn.tensor", dtype);
    const { flat, shape: s } = tensorValues(values, shape);
    // values may view this instance's memory (nn.tensor(x.data)): if the allocation grows memory that view
    // is detached, so remember where it points and view it again in the new buffer
    const view = ArrayBuffer.isView(flat) && flat.buffer === this.rt.k.memory.buffer ? (flat as Float32Array) : null;
    const where = view && { offset: view.byteOffset, length: view.length };
    const t = new Tensor(this.rt, s);
    const source = view && where && view.buffer !== this.rt.k.memory.buffer ? new (view.constructor as Float32ArrayConstructor)(this.rt.k.memory.buffer, where.offset, where.length) : flat;
    t.data.set(source);
    return t;
  }

  /** A tensor of `shape` filled with `value` (tf.fill; `dtype` may only be 'float32'). */
  fill(shape: readonly number[], value: number, dtype?: DType): Tensor {
    checkShape("shape", shape);
    if (typeof value !== "number") throw new ValueError(`fill value must be a number; received ${show(value)}.`);
    checkDtype("fill", dtype);
    const t = new Tensor(this.rt, shape);
    this.rt.k.mem_fill(t.ptr, value, t.size);
    return t;
  }

  /** A tensor of zeros. */
  zeros(shape: readonly number[], dtype?: DType): Tensor {
    checkDtype("zeros", dtype);
    return this.fill(shape, 0);
  }

  /** A tensor of ones. */
  ones(shape: readonly number[], dtype?: DType): Tensor {
    checkDtype("ones", dtype);
    return this.fill(shape, 1);
  }

  /**
   * Uniform values in [minval, maxval), default [0, 1) as tf.randomUniform, keras.random.uniform and
   * torch.rand (the ±0.05 of Keras' RandomUniform is `initializers.randomUniform`, for weights). Takes
   * Keras' options `{ minval, maxval, seed }` or tfjs' positional form `(shape, minval?, maxval?, dtype?, seed?)`:
   * `nn.randomUniform([2, 2], 0, 3)` is `nn.randomUniform([2, 2], { minval: 0, maxval: 3 })`.
   */
  randomUniform(shape: readonly number[], options?: RandomUniformOptions): Tensor;
  randomUniform(shape: readonly number[], minval?: number, maxval?: number, dtype?: DType, seed?: number): Tensor;
  randomUniform(shape: readonly number[], ...args: unknown[]): Tensor {
    const { draw, seed } = uniformArgs(args);
    return this.generate(shape, seed, draw);
  }

  /**
   * Normal values (default mean 0, stddev 1); `truncated` redraws beyond two standard deviations. Takes
   * options `{ mean, stddev, truncated, seed }` or tfjs' positional form `(shape, mean?, stdDev?, dtype?, seed?)`.
   */
  randomNormal(shape: readonly number[], options?: RandomNormalOptions): Tensor;
  randomNormal(shape: readonly number[], mean?: number, stdDev?: number, dtype?: DType, seed?: number): Tensor;
  randomNormal(shape: readonly number[], ...args: unknown[]): Tensor {
    const { draw, seed } = normalArgs("randomNormal", args);
    return this.generate(shape, seed, draw);
  }

  /**
   * Normal values redrawn until within two standard deviations (tf.truncatedNormal; Keras' TruncatedNormal):
   * options `{ mean, stddev, seed }` or tfjs' positional form `(shape, mean?, stdDev?, dtype?, seed?)`.
   */
  truncatedNormal(shape: readonly number[], options?: TruncatedNormalOptions): Tensor;
  truncatedNormal(shape: readonly number[], mean?: number, stdDev?: number, dtype?: DType, seed?: number): Tensor;
  truncatedNormal(shape: readonly number[], ...args: unknown[]): Tensor {
    const { draw, seed } = normalArgs("truncatedNormal", args);
    return this.generate(shape, seed, draw);
  }

  /** Checks the shape, then allocates and draws (every argument is checked before memory is allocated). */
  private generate(shape: readonly number[], seed: number | undefined, draw: (r: Rng) => number): Tensor {
    checkShape("shape", shape);
    const rng = new Rng(seed);
    const t = new Tensor(this.rt, shape);
    const d = t.data;
    for (let i = 0; i < d.length; i++) d[i] = draw(rng);
    return t;
  }

  /**
   * Runs `fn` and disposes every tensor created inside it except those it returns (a Tensor, or
   * Tensors inside a returned array or plain object), as tf.tidy. Scopes nest; also on throw.
   */
  tidy<T>(fn: () => T): T {
    return tidy(this.rt, fn);
  }

  // ---- selection over the last axis (issue 16) ----

  /**
   * Index of the largest value of each row over the last axis, as an Int32Array (rows = every axis but the
   * last, row-major): from a Tensor, nested arrays, or a typed array such as a Float32Array with `{ shape }` (one row without it),
   * such as predict's array output: `nn.argMax(probs, { shape: [n, 10] })`. A row holding NaN gives its
   * first NaN (NumPy, PyTorch); ties give the lower index. Only the last axis (`axis` -1 or rank − 1); a
   * number as the second argument is taken as that axis (tf.argMax(x, axis)). Nothing to dispose.
   */
  argMax(x: Tensor | NumericTypedArray | NestedArray, options?: SelectOptions | number): Int32Array {
    return argMax(this.rt, x, options);
  }

  /**
   * The k largest values of each row over the last axis and their indices (tf.topk): `{ values, indices }`,
   * each [rows·k] row-major, sorted descending; NaN ranks above +Infinity and ties go to the lower index
   * (PyTorch's topk). k from 1 to the last axis (default 1). Inputs as {@link argMax}; tf.topk's third
   * argument `sorted` is accepted (results are always sorted). Nothing to dispose.
   */
  topK(x: Tensor | NumericTypedArray | NestedArray, k?: number, options?: SelectOptions | boolean): TopK {
    return topK(this.rt, x, k, options);
  }

  /**
   * Disposes every tensor given, found in nested arrays and plain objects too (tf.dispose's containers: a
   * `{ value, gradient }` result); anything else in them is left alone, as tf.dispose does. A model or a
   * number given directly is a ValueError (model.dispose() frees a model). With no arguments, ends the worker
   * threads (nn.threads becomes 1).
   */
  dispose(...tensors: TensorContainer[]): void {
    dispose(this.rt, tensors);
  }

  /** Σ of all elements, accumulated blockwise in float64 (see assembly/reduce.ts). */
  sum(x: Tensor): number {
    checkTensor("x", x, this.rt);
    return this.rt.k.red_sum(x.ptr, x.size);
  }

  /** Σ x·y over all elements of two tensors of one shape. */
  dot(x: Tensor, y: Tensor): number {
    checkTensor("x", x, this.rt);
    checkTensor("y", y, this.rt);
    if (x.size !== y.size) throw new ShapeError(`dot: x ${showShape(x.shape)} and y ${showShape(y.shape)} must have the same size.`);
    return this.rt.k.red_dot(x.ptr, y.ptr, x.size);
  }

  // ---- activations (issue 3) ----

  /**
   * f(x) for a named activation (see ACTIVATIONS), as a new tensor or into `options.out` (same
   * shape; may be x itself). softmax and logSoftmax work over the last axis.
   */
  activation(name: ActivationName, x: Tensor, params?: ActivationParams, options?: ActivationOptions): Tensor {
    return activation(this.rt, name, x, params, options);
  }

  /**
   * dx = f′(x)·dy for a named activation (the Jacobian–vector product for softmax), shape of x, as a new
   * tensor or into `options.out` (same shape; may be x or dy).
   */
  activationBackward(name: ActivationName, x: Tensor, dy: Tensor, params?: ActivationParams, options?: ActivationOptions): Tensor {
    return activationBackward(this.rt, name, x, dy, params, options);
  }

  #activations?: ActivationHelpers;
  /** Typed helpers per activation: `nn.activations.gelu(x, { approximate: 'tanh' })`. */
  get activations(): ActivationHelpers {
    return (this.#activations ??= activationHelpers(this.rt));
  }

  // ---- losses (issue 4) ----

  /**
   * Loss of yPred against yTrue (Keras 3 definitions; see LOSSES). A number for reduction 'mean'
   * (default: per-sample loss, then the batch mean Σ w·L / batch) and 'sum'; per-sample losses
   * (shape yPred without its last axis) for 'none'. Throws before computing on bad names, shapes,
   * labels or parameters.
   */
  loss(name: LossName, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams> & { reduction?: "mean" | "sum" }): number;
  loss(name: LossName, yTrue: Tensor, yPred: Tensor, params: Readonly<LossParams> & { reduction: "none" }): Tensor;
  /** The reduction known only at run time: a number, or a Tensor for 'none'. */
  loss(name: LossName, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>): number | Tensor;
  loss(name: LossName, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>): number | Tensor {
    return lossValue(this.rt, name, yTrue, yPred, params);
  }

  /** d loss / d yPred for the same reduction, a new tensor shaped as yPred (or written into `out`). */
  lossGradient(name: LossName, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>, out?: Tensor): Tensor {
    return lossGradient(this.rt, name, yTrue, yPred, params, out);
  }

  /**
   * Loss and d loss / d yPred together, from one kernel pass and one validation (what a training
   * step needs; tfjs' valueAndGrad shape): `{ value, gradient }`, value as nn.loss returns it
   * (a tensor of per-sample losses for reduction 'none'), gradient as nn.lossGradient (into `out` when given).
   */
  lossAndGradient(name: LossName, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams> & { reduction?: "mean" | "sum" }, out?: Tensor): { value: number; gradient: Tensor };
  lossAndGradient(name: LossName, yTrue: Tensor, yPred: Tensor, params: Readonly<LossParams> & { reduction: "none" }, out?: Tensor): { value: Tensor; gradient: Tensor };
  lossAndGradient(name: LossName, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>, out?: Tensor): LossAndGradient;
  lossAndGradient(name: LossName, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>, out?: Tensor): LossAndGradient {
    return lossAndGradient(this.rt, name, yTrue, yPred, params, out);
  }

  /** Weighted multi-objective losses: `nn.losses.combine([{ loss, weight, params }])`. */
  get losses(): { combine(terms: readonly LossTerm[]): CombinedLoss } {
    return { combine: (terms) => new CombinedLoss(this.rt, terms) };
  }

  /** L1/L2 weight penalties (Keras' regularizers): value(w) and gradient(w, grad?). */
  get regularizers(): { l1(l1?: number): Regularizer; l2(l2?: number): Regularizer; l1l2(o?: { l1?: number; l2?: number }): Regularizer } {
    return regularizers;
  }

  // ---- gemm (issue 5) ----

  /**
   * op(A)·op(B) as a new [M, N] tensor (a and b 2-D). `transposeA`: a is stored [K, M];
   * `transposeB`: b is stored [N, K]. Transposes cost the same as the plain product.
   */
  matmul(a: Readonly<Tensor>, b: Readonly<Tensor>, options?: MatmulOptions): Tensor {
    return matmul(this.rt, a as Tensor, b as Tensor, options);
  }

  /**
   * c = alpha·op(A)·op(B) + beta·c in place (defaults alpha 1, beta 0; beta 0 ignores c's old
   * contents, NaN included). c must be [M, N] and must not be a or b. Returns c.
   */
  gemm(c: Tensor, a: Readonly<Tensor>, b: Readonly<Tensor>, options?: GemmOptions): Tensor {
    return gemm(this.rt, c, a as Tensor, b as Tensor, options);
  }

  // ---- layers, optimizers, training (issue 6) ----

  /** A model of layers in a chain: `nn.sequential({ layers: [nn.layers.dense({ units: 10, inputShape: [4] })] })`. */
  sequential(config?: SequentialConfig): Sequential {
    return new Sequential(this.rt, config);
  }

  /** Layer factories (dense, activation, dropout, batchNormalization, layerNormalization, prelu, softmax, flatten). */
  get layers(): typeof layers {
    return layers;
  }

  /** Weight initialisers (glorotUniform, heNormal, …, constant(v)) for kernelInitializer and friends. */
  get initializers(): typeof initializers {
    return initializers;
  }

  /** Optimizers (sgd, adam, adamw, rmsprop, adagrad) and learning-rate schedules. */
  get optimizers(): typeof optimizers {
    return optimizers;
  }

  /**
   * @deprecated The data sets moved to their own entry so that no bundle carries them by accident:
   * `import { loadDigits } from "simdnn/datasets"`. Reading this says so.
   */
  get datasets(): never {
    throw new ValueError('nn.datasets moved to its own entry: import { loadDigits } from "simdnn/datasets" (the main entry carries no data).');
  }

  /** Training callbacks: earlyStopping, terminateOnNaN. */
  get callbacks(): typeof callbacks {
    return callbacks;
  }

  // ---- model files (issue 15) ----

  /**
   * tfjs' tf.loadLayersModel: a model.json (tfjs-layers, tensorflowjs_converter, or model.save) from
   * `'file://…/model.json'` (Node, Deno, Bun), an http(s) URL or relative path (through fetch, shards
   * relative to model.json, `requestInit` passed on), `nn.io.fromMemory(modelJson, weightData)`, or any
   * object with `load()`. Resolves to a Sequential that predicts, trains and saves again; a model saved
   * with includeOptimizer comes back compiled with its optimizer state.
   */
  async loadLayersModel(source: string | LoadHandler, options?: LoadOptions): Promise<Sequential> {
    return loadLayersModel(this.rt, source, options);
  }

  /**
   * An ONNX model that is a chain of layers (torch.onnx.export of an nn.Sequential MLP, tf2onnx of a Keras
   * MLP) as a Sequential: bytes, `'file://…'` or a URL. Weights in an external `.onnx.data` file are read
   * beside a path or URL, or taken from `externalData` (location → bytes). The ONNX reader is loaded on
   * first use (its own chunk; `simdnn/onnx` has it without the rest).
   */
  async loadOnnx(source: string | Uint8Array | ArrayBuffer, options?: LoadOnnxOptions): Promise<Sequential> {
    return (await onnxReader()).loadOnnx(this.rt, source, options);
  }

  /**
   * Load and save handlers, as tfjs' tf.io (fromMemory, withSaveHandler, fileSystem, http), and the
   * safetensors reader and writer with loadStateDict for PyTorch state_dicts.
   */
  get io(): typeof io {
    return io;
  }
}
