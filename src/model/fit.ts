// fit / evaluate / trainOnBatch: the training loop over planned buffers, run through the model's
// TrainingState (who is busy, compile's result, the step, the plans). Per batch: gather rows (only when
// shuffling), forward, loss and its gradient, backward down to the first trainable layer, penalties,
// one optimizer call. Nothing is allocated in WASM memory after the first batch. Between batches fit
// yields to the event loop (yieldEvery) and re-checks that the model and the data are still alive.
import { checkOptions, DisposedError, ShapeError, ValueError, show, showShape } from "../errors.js";
import { checkLabels, FLT_MAX, type LabelNames } from "../losses.js";
import { Rng } from "../random.js";
import { shapeSize, type NestedArray, Tensor } from "../tensor.js";
import { type Callback, CallbackList, History } from "./callbacks.js";
import type { CompiledLoss } from "./compile.js";
import type { Pass } from "./layer.js";
import { hasLogits } from "./layers_core.js";
import { progressLogger } from "./progress.js";
import type { Plan } from "./plan.js";
import { batchSizeOption } from "./plan.js";
import { buildSampleWeights, checkWeightOptions, gatherWeights, type WeightOptions } from "./sample_weights.js";
import type { Sequential } from "./sequential.js";
import type { TrainingState } from "./training_state.js";
import { checkYieldEvery, type YieldEvery, Yielder } from "./yielding.js";

/**
 * Options of model.fit (Keras names and defaults). sampleWeight and classWeight weigh the training
 * batches only: validation (validationSplit's rows or validationData) and the metrics are unweighted.
 */
export interface FitOptions extends WeightOptions {
  /** Default 1. */
  epochs?: number;
  /** Default 32; the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Fraction in [0, 1) of the samples, taken from the END of x and y before shuffling (as Keras), held out for validation. */
  validationSplit?: number;
  /** [x, y] to validate on at the end of each epoch (overrides validationSplit). */
  validationData?: readonly [Tensor | NestedArray, Tensor | NestedArray];
  /** Shuffle the training samples every epoch. Default true. */
  shuffle?: boolean;
  /** Seed of the shuffling and dropout of this fit; the model's seed when omitted. */
  seed?: number;
  /** 0 silent, 1 progress bar on a TTY (one line per epoch elsewhere), 2 one line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
  /** A callback or a list of them (nn.callbacks.earlyStopping(...), or objects with onEpochEnd…). */
  callbacks?: Callback | readonly Callback[];
  /** Epoch to start counting from (resuming). Default 0. */
  initialEpoch?: number;
  /**
   * When fit gives the event loop a turn so timers, I/O and rendering run during training (tfjs'
   * option): 'auto' (default) after at most 25 ms of work, 'batch' after every batch, 'epoch' after
   * every epoch, 'never', or a number of milliseconds.
   */
  yieldEvery?: YieldEvery;
}

const FIT_KEYS = ["epochs", "batchSize", "validationSplit", "validationData", "shuffle", "seed", "verbose", "callbacks", "initialEpoch", "yieldEvery", "sampleWeight", "classWeight"];

/** Checked x/y of one call, with their row sizes. @internal */
interface Data {
  x: Tensor;
  y: Tensor;
  n: number;
  inF: number;
  labelF: number;
  temporaries: Tensor[];
}

function compiled(model: Sequential, state: TrainingState, what: string): CompiledLoss {
  if (!state.compiled) throw new ValueError(`${what}: model '${model.name}' is not compiled; call model.compile({ optimizer, loss }) first.`);
  return state.compiled;
}

/** Training with `trainable` flags that compile has not applied yet would silently train frozen layers: refused. */
function checkLayout(model: Sequential, what: string): void {
  const changed = model.trainableChangedSinceLayout();
  if (changed) {
    throw new ValueError(`${what}: layer '${changed.name}' was ${changed.trainable ? "unfrozen" : "frozen"} (trainable = ${changed.trainable}) after the model was compiled; call model.compile(...) again for it to take effect (as in Keras and tfjs).`);
  }
}

/**
 * Validates x and y against the model and the loss before anything runs: shapes, x finite (NaN or
 * ±Inf named with its position), labels through the same check as nn.loss. Builds the model if needed.
 */
function data(model: Sequential, c: CompiledLoss, xIn: Tensor | NestedArray, yIn: Tensor | NestedArray, what: string): Data {
  const temporaries: Tensor[] = [];
  const X = model.toTensor("x", xIn);
  if (X.temporary) temporaries.push(X.t);
  try {
    const Y = model.toTensor("y", yIn);
    if (Y.temporary) temporaries.push(Y.t);
    const x = X.t, y = Y.t;
    model.ensureBuilt(x.shape, what);
    const n = x.shape[0];
    if (y.shape[0] !== n) throw new ShapeError(`${what}: x ${showShape(x.shape)} has ${n} samples but y ${showShape(y.shape)} has ${y.shape[0] ?? 0}.`);
    const inF = shapeSize(x.shape.slice(1));
    const badX = model.rt.k.loss_check_range(x.ptr, x.size, -FLT_MAX, FLT_MAX);
    if (badX >= 0) throw new ValueError(`${what}: x must hold finite values; received ${x.data[badX]} at flat index ${badX} (sample ${Math.floor(badX / inF)} of x ${showShape(x.shape)}).`);
    const names: LabelNames = { labels: `${what}: y`, predictions: "the model's outputs" };
    const predShape = [n, ...model.outputShape!];
    for (const loss of c.labelLosses) checkLabels(model.rt, loss, y, predShape, names);
    return { x, y, n, inF, labelF: n ? y.size / n : 0, temporaries };
  } catch (error) {
    for (const t of temporaries) t.dispose();
    throw error;
  }
}

/**
 * Forward (training mode), loss, backward and penalty gradients for `b` rows at x/y (pointers):
 * leaves dL/dθ in the model's gradient block and returns the loss including penalties. `w` ≠ 0 points
 * at one weight per output row (sampleWeight / classWeight); 0 is the unweighted path. @internal
 */
export function computeGradients(model: Sequential, c: CompiledLoss, plan: Plan, x: number, y: number, b: number, seed: number, w = 0): number {
  const layers = model.layers, L = layers.length, rt = model.rt;
  model.gradients(); // allocated by the first step (fit and trainOnBatch do it before planning; direct callers here)
  // backward stops at the first layer with weights in the optimizer's block: a frozen base costs no backward
  let first = 0;
  while (first < L && !layers[first].weights.some((w) => w.optimized)) first++;
  const pass: Pass = { rt, batch: b, training: true, seed: (seed + Math.imul(model.step + 1, 0x9e3779b9)) >>> 0 };
  const acts = plan.acts;
  let input = x;
  for (let i = 0; i < L; i++) {
    layers[i].forward(pass, input, acts[i + 1], plan.scratch[i]);
    input = acts[i + 1];
  }
  const out = model.outputShape!;
  const rows = b * shapeSize(out.slice(0, -1)), dim = out[out.length - 1];
  let dy = plan.grads[0], dx = plan.grads[1];
  const last = layers[L - 1];
  const fused = c.fused !== null && hasLogits(last) ? last : null;
  const inLast = L > 1 ? acts[L - 1] : x;
  let loss = fused ? c.fused!(dy, y, fused.logits(inLast, plan.scratch[L - 1]), rows, dim, w) : c.raw(dy, y, acts[L], rows, dim, w);
  for (let i = L - 1; i >= first; i--) {
    const xi = i === 0 ? x : acts[i];
    const dxi = i === first ? 0 : dx;
    if (fused && i === L - 1) fused.backwardFromLogits(pass, xi, dy, dxi, plan.scratch[i]);
    else layers[i].backward(pass, xi, acts[i + 1], dy, dxi, plan.scratch[i]);
    [dy, dx] = [dx, dy];
  }
  loss += model.regularization(true);
  return loss;
}

/** One optimizer step on `b` rows; returns the batch loss (with penalties) before the step. @internal */
export function trainStep(model: Sequential, state: TrainingState, c: CompiledLoss, plan: Plan, x: number, y: number, b: number, seed: number, w = 0): number {
  const loss = computeGradients(model, c, plan, x, y, b, seed, w);
  if (model.trainableFloats > 0) c.optimizer.applyRaw(model.rt, model.params, model.grads, model.trainableFloats, model.segments);
  state.step++;
  model.weightState.version++;
  return loss;
}

function f32view(model: Sequential, ptr: number, n: number): Float32Array {
  return model.rt.f32.subarray(ptr >> 2, (ptr >> 2) + n);
}

/** Per-sample weights for an evaluation: the values and the output rows per sample. */
interface EvalWeights { readonly w: Float32Array; readonly rowsPer: number }

/**
 * Loss (with penalties) and metric results over rows [start, end) of d, in inference mode. With `weights` the
 * loss of each batch is Σ wᵢ·Lᵢ / batch, as in weighted training (Keras' sum_over_batch_size); metrics are
 * not weighted (Keras' `metrics`, not `weighted_metrics`).
 */
function evaluateRange(model: Sequential, c: CompiledLoss, d: Data, start: number, end: number, bs: number, training?: Plan, weights?: EvalWeights): Record<string, number> {
  const out = model.outputShape!;
  const outF = shapeSize(out), dim = out[out.length - 1], rowsPer = outF / dim;
  // fit validates with its training plan (no second plan); evaluate has its own, never fit's
  const plan = training ?? model.plan(Math.min(bs, Math.max(end - start, 1)), false);
  const buf = plan.acts[plan.acts.length - 1];
  const metrics = c.evalMetrics;
  for (const m of metrics) m.reset();
  let total = 0;
  // one batch of weights, sized by the plan's batch (a cached plan may hold more rows than bs)
  const wFloats = weights ? plan.batch * weights.rowsPer : 0, wPtr = wFloats ? model.rt.alloc(wFloats) : 0;
  try {
    for (let r = start; r < end; r += plan.batch) {
      const b = Math.min(plan.batch, end - r);
      const yPtr = d.y.ptr + 4 * r * d.labelF;
      model.forwardInto(d.x.ptr + 4 * r * d.inF, buf, b, plan);
      if (weights) gatherWeights(model.rt, wPtr, weights.w, null, r, b, weights.rowsPer);
      total += c.raw(0, yPtr, buf, b * rowsPer, dim, wPtr) * b;
      for (const m of metrics) m.update(f32view(model, yPtr, b * d.labelF), f32view(model, buf, b * outF), b * rowsPer, dim, d.labelF / rowsPer);
    }
  } finally {
    if (wPtr) model.rt.free(wPtr, wFloats);
  }
  const n = end - start;
  const logs: Record<string, number> = { loss: (n ? total / n : 0) + model.regularization(false) };
  for (const m of metrics) logs[m.name] = m.result();
  return logs;
}

/** Options of model.evaluate: Keras' batch_size, sample_weight and (as fit's) class weights. */
export interface EvaluateOptions extends WeightOptions {
  /** Default 32. */
  batchSize?: number;
}

/** model.evaluate: loss and metrics over x, y in inference mode (allowed while fit runs: its own plan and metrics). */
export function evaluate(model: Sequential, state: TrainingState, x: Tensor | NestedArray, y: Tensor | NestedArray, options?: EvaluateOptions): Record<string, number> {
  const o = checkOptions<EvaluateOptions>("evaluate", options, ["batchSize", "sampleWeight", "classWeight"]);
  checkWeightOptions(o, "evaluate");
  const c = compiled(model, state, "evaluate");
  const bs = batchSizeOption(o.batchSize, 32);
  const d = data(model, c, x, y, "evaluate");
  try {
    const src = weightSource(model, d);
    const w = buildSampleWeights(model.rt, o, src, "evaluate"); // null: the unweighted path, unchanged
    return evaluateRange(model, c, d, 0, d.n, bs, undefined, w ? { w, rowsPer: src.rowsPer } : undefined);
  } finally {
    for (const t of d.temporaries) t.dispose();
  }
}

/** The labels and output layout buildSampleWeights reads. */
function weightSource(model: Sequential, d: Data) {
  const out = model.outputShape!;
  return { y: d.y.data, n: d.n, labelF: d.labelF, rowsPer: shapeSize(out.slice(0, -1)), dim: out[out.length - 1] };
}

/** model.trainOnBatch: one step on the whole of x, y (weighted by sampleWeight / classWeight when given); returns the loss. */
export function trainOnBatch(model: Sequential, state: TrainingState, x: Tensor | NestedArray, y: Tensor | NestedArray, options?: WeightOptions): number {
  const o = checkOptions<WeightOptions>("trainOnBatch", options, ["sampleWeight", "classWeight"]);
  checkWeightOptions(o, "trainOnBatch");
  state.begin("trainOnBatch");
  try {
    const c = compiled(model, state, "trainOnBatch");
    checkLayout(model, "trainOnBatch");
    const d = data(model, c, x, y, "trainOnBatch");
    let wPtr = 0, wFloats = 0;
    try {
      if (d.n === 0) throw new ShapeError("trainOnBatch: x holds no samples.");
      const src = weightSource(model, d);
      const weights = buildSampleWeights(model.rt, o, src, "trainOnBatch");
      model.gradients(); // after every check: a refused call allocates nothing
      const plan = state.trainingPlan(model, d.n, d.labelF);
      if (weights) {
        wPtr = model.rt.alloc((wFloats = d.n * src.rowsPer));
        gatherWeights(model.rt, wPtr, weights, null, 0, d.n, src.rowsPer);
      }
      return trainStep(model, state, c, plan, d.x.ptr, d.y.ptr, d.n, model.seed, wPtr);
    } finally {
      if (wPtr) model.rt.free(wPtr, wFloats);
      for (const t of d.temporaries) t.dispose();
    }
  } finally {
    state.end();
  }
}

function checkFitOptions(o: FitOptions): void {
  if (o === null || typeof o !== "object") throw new ValueError(`fit options must be an object; received ${show(o)}.`);
  for (const k of Object.keys(o)) if (!FIT_KEYS.includes(k)) throw new ValueError(`fit has no option '${k}'; it accepts: ${FIT_KEYS.join(", ")}.`);
  const int = (k: keyof FitOptions, min: number) => {
    const v = o[k];
    if (v !== undefined && (typeof v !== "number" || !Number.isInteger(v) || v < min)) throw new ValueError(`fit ${k} must be an integer ≥ ${min}; received ${show(v)}.`);
  };
  int("epochs", 0);
  int("initialEpoch", 0);
  batchSizeOption(o.batchSize, 32);
  const vs = o.validationSplit;
  if (vs !== undefined && (typeof vs !== "number" || !(vs >= 0 && vs < 1))) throw new ValueError(`fit validationSplit must be a number in [0, 1); received ${show(vs)}.`);
  if (o.verbose !== undefined && o.verbose !== 0 && o.verbose !== 1 && o.verbose !== 2) throw new ValueError(`fit verbose must be 0, 1 or 2; received ${show(o.verbose)}.`);
  if (o.shuffle !== undefined && typeof o.shuffle !== "boolean") throw new ValueError(`fit shuffle must be a boolean; received ${show(o.shuffle)}.`);
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new ValueError(`fit seed must be an integer; received ${show(o.seed)}.`);
  if (o.validationData !== undefined && (!Array.isArray(o.validationData) || o.validationData.length !== 2)) throw new ValueError(`fit validationData must be [x, y]; received ${show(o.validationData)}.`);
  checkYieldEvery(o.yieldEvery);
  checkWeightOptions(o, "fit");
}

/** model.fit: mini-batch training with validation, callbacks and History (Keras semantics). */
export async function fit(model: Sequential, state: TrainingState, x: Tensor | NestedArray, y: Tensor | NestedArray, options: FitOptions = {}): Promise<History> {
  checkFitOptions(options);
  state.begin("fit"); // synchronously, before the first await: a second fit in the same tick is refused
  try {
    return await train(model, state, x, y, options);
  } finally {
    state.end(); // frees the model here if it was disposed during fit
  }
}

async function train(model: Sequential, state: TrainingState, x: Tensor | NestedArray, y: Tensor | NestedArray, options: FitOptions): Promise<History> {
  const c = compiled(model, state, "fit");
  checkLayout(model, "fit");
  const d = data(model, c, x, y, "fit");
  const temporaries = [...d.temporaries];
  let val: Data | null = null, wPtr = 0, wFloats = 0;
  let epoch = options.initialEpoch ?? 0, step = -1;
  /** After every callback and yield: user code may have disposed the model or the data meanwhile. */
  const alive = () => {
    if (model.isDisposed) throw new DisposedError(`fit: model '${model.name}' was disposed during training (epoch ${epoch + 1}${step >= 0 ? `, batch ${step + 1}` : ""}); training stopped there and its memory is freed.`);
    for (const [what, t] of [["x", d.x], ["y", d.y], ["validationData x", val?.x], ["validationData y", val?.y]] as const) {
      if (t?.isDisposed) throw new DisposedError(`fit: ${what} was disposed during training (epoch ${epoch + 1}); training stopped.`);
    }
  };
  try {
    const epochs = options.epochs ?? 1, bs = batchSizeOption(options.batchSize, 32);
    const shuffle = options.shuffle ?? true;
    const seed = (options.seed ?? model.seed) >>> 0;
    let nTrain = d.n, valStart = d.n;
    if (options.validationData) {
      val = data(model, c, options.validationData[0], options.validationData[1], "fit validationData");
      temporaries.push(...val.temporaries);
    } else if (options.validationSplit) {
      nTrain = valStart = Math.floor(d.n * (1 - options.validationSplit));
      if (nTrain === 0 || nTrain === d.n) throw new ValueError(`fit validationSplit ${options.validationSplit} of ${d.n} samples leaves ${nTrain} for training and ${d.n - nTrain} for validation; both must be non-empty.`);
    }
    if (nTrain === 0) throw new ShapeError("fit: x holds no samples.");
    const steps = Math.ceil(nTrain / bs);
    const src = weightSource(model, d);
    const weights = buildSampleWeights(model.rt, options, src, "fit"); // null: the unweighted path, unchanged
    model.gradients(); // the first training step's buffers, after every check: a refused fit allocates nothing
    const plan = state.trainingPlan(model, Math.min(bs, nTrain), d.labelF);
    if (weights) wPtr = model.rt.alloc((wFloats = Math.min(bs, nTrain) * src.rowsPer)); // one batch's weights, refilled per batch
    const history = new History();
    const list = [...(options.callbacks === undefined ? [] : Array.isArray(options.callbacks) ? options.callbacks : [options.callbacks])];
    const verbose = options.verbose ?? 1;
    if (verbose) list.push(progressLogger({ verbose, epochs, steps }));
    const callbacks = new CallbackList(list as Callback[]);
    callbacks.setModel({
      get stopTraining() { return state.stopTraining; },
      set stopTraining(v: boolean) { state.stopTraining = v; },
      getWeights: () => model.snapshot(),
      setWeights: (s: Float32Array) => model.restore(s),
    });
    state.stopTraining = false;
    const yielder = new Yielder(options.yieldEvery ?? "auto");
    const rng = new Rng(seed);
    const order = Int32Array.from({ length: nTrain }, (_, i) => i);
    const rowsPer = shapeSize(model.outputShape!.slice(0, -1)), dim = model.outputShape![model.outputShape!.length - 1], outF = rowsPer * dim;
    const noLogs: Record<string, number> = {};
    await callbacks.onTrainBegin({});
    alive();
    for (; epoch < epochs && !state.stopTraining; epoch++) {
      step = -1;
      await callbacks.onEpochBegin(epoch, {});
      alive();
      if (shuffle) rng.shuffle(order);
      for (const m of c.metrics) m.reset();
      let seen = 0, lossSum = 0;
      const logs: Record<string, number> = {};
      for (let s = 0; s < steps; s++) {
        step = s;
        const pb = callbacks.onBatchBegin(s, noLogs);
        if (pb) await pb;
        alive();
        const start = s * bs, b = Math.min(bs, nTrain - start);
        let xp: number, yp: number;
        if (shuffle) {
          const mem = model.rt.f32, xa = plan.acts[0] >> 2, ya = plan.labels >> 2, xs = d.x.ptr >> 2, ys = d.y.ptr >> 2;
          for (let j = 0; j < b; j++) {
            const r = order[start + j];
            mem.copyWithin(xa + j * d.inF, xs + r * d.inF, xs + (r + 1) * d.inF);
            mem.copyWithin(ya + j * d.labelF, ys + r * d.labelF, ys + (r + 1) * d.labelF);
          }
          [xp, yp] = [plan.acts[0], plan.labels];
        } else {
          [xp, yp] = [d.x.ptr + 4 * start * d.inF, d.y.ptr + 4 * start * d.labelF];
        }
        if (weights) gatherWeights(model.rt, wPtr, weights, shuffle ? order : null, start, b, src.rowsPer);
        const loss = trainStep(model, state, c, plan, xp, yp, b, seed, wPtr);
        seen += b;
        lossSum += loss * b;
        const outPtr = plan.acts[plan.acts.length - 1];
        for (const m of c.metrics) m.update(f32view(model, yp, b * d.labelF), f32view(model, outPtr, b * outF), b * rowsPer, dim, d.labelF / rowsPer);
        logs.loss = lossSum / seen;
        for (const m of c.metrics) logs[m.name] = m.result();
        const p = callbacks.onBatchEnd(s, logs);
        if (p) await p;
        alive();
        if (yielder.afterBatch()) {
          await yielder.yield();
          alive();
        }
        if (state.stopTraining) break; // Keras and tfjs check after every batch; the epoch still ends (validation, onEpochEnd)
      }
      const epochLogs: Record<string, number> = { ...logs };
      if (val || valStart < d.n) {
        const v = val ? evaluateRange(model, c, val, 0, val.n, bs, plan) : evaluateRange(model, c, d, valStart, d.n, bs, plan);
        for (const [k, value] of Object.entries(v)) epochLogs[`val_${k}`] = value;
      }
      history.record(epoch, epochLogs);
      await callbacks.onEpochEnd(epoch, epochLogs);
      alive();
      if (yielder.afterEpoch()) {
        await yielder.yield();
        alive();
      }
    }
    await callbacks.onTrainEnd({}); // a dispose() from here on comes after the last batch: the History stands
    return history;
  } finally {
    if (wPtr) model.rt.free(wPtr, wFloats);
    for (const t of temporaries) t.dispose();
  }
}
