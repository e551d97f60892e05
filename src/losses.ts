// Loss functions: the registry (one row per loss, aliases resolved through it), parameter
// resolution, validation, pointer-level entry points for the training loop, combined objectives and
// L1/L2 regularisers. Kernels and derivations: assembly/losses*.ts.
import { checkName, checkNumber, ShapeError, ValueError, show, showShape } from "./errors.js";
import type { KernelFamily, Runtime } from "./runtime.js";
import { checkTensor, Tensor } from "./tensor.js";
import { parallelLoss, type LossSplit } from "./threads/loss_parallel.js";

/** What yTrue must hold. */
type LabelKind = "real" | "nonnegative" | "probability" | "classId" | "box";
/** What yPred must hold (probability forms only when fromLogits is false). */
type PredKind = "real" | "nonnegative" | "probability";
type ParamName = "fromLogits" | "labelSmoothing" | "delta" | "quantile" | "gamma" | "alpha" | "applyClassBalancing";

/**
 * The loss kernels' calling convention: (grad, rows, yTrue, yPred, sampleWeight, batch, dim, gscale,
 * accum) then up to four float parameters. Registry names are checked against the module's exports.
 */
type LossKernel = KernelFamily<"loss_", [grad: number, rows: number, yt: number, yp: number, w: number, batch: number, dim: number, gscale: number, accum: number], [a: number, b: number, c: number, d: number], number>;

interface LossRow {
  /** Kernel on probabilities / plain inputs. */
  readonly kernel: LossKernel;
  /** Kernel when fromLogits is true. */
  readonly logits?: LossKernel;
  /** Accepted parameters with their Keras defaults, in the order of the kernel's float arguments. */
  readonly params: Readonly<Partial<Record<ParamName, number | boolean>>>;
  readonly label: LabelKind;
  readonly pred: PredKind;
  /** How a sample's loss is formed over the last axis. */
  readonly perSample: "mean" | "sum" | "row";
  /**
   * The kernel decides the label convention over the whole batch (hinge: labels all 0 or 1 become ±1) unless
   * its first float argument fixes it (1 convert, −1 as given): a threaded split decides once and passes it.
   */
  readonly batchLabels?: true;
}
interface AliasRow {
  readonly alias: string;
}

/**
 * Every loss, named once. Keras 3 definitions; defaults as Keras. Aliases point at their loss.
 * Least-squares GAN loss = meanSquaredError (labels 1 for real, 0 for fake).
 */
export const LOSSES = {
  meanSquaredError: { kernel: "loss_mse", params: {}, label: "real", pred: "real", perSample: "mean" },
  meanAbsoluteError: { kernel: "loss_mae", params: {}, label: "real", pred: "real", perSample: "mean" },
  huber: { kernel: "loss_huber", params: { delta: 1 }, label: "real", pred: "real", perSample: "mean" },
  logCosh: { kernel: "loss_log_cosh", params: {}, label: "real", pred: "real", perSample: "mean" },
  quantile: { kernel: "loss_quantile", params: { quantile: 0.5 }, label: "real", pred: "real", perSample: "mean" },
  poisson: { kernel: "loss_poisson", params: {}, label: "nonnegative", pred: "nonnegative", perSample: "mean" },
  cosineSimilarity: { kernel: "loss_cosine", params: {}, label: "real", pred: "real", perSample: "row" },
  binaryCrossentropy: {
    kernel: "loss_bce", logits: "loss_bce_logits", params: { labelSmoothing: 0, fromLogits: false },
    label: "probability", pred: "probability", perSample: "mean",
  },
  binaryFocalCrossentropy: {
    kernel: "loss_focal", logits: "loss_focal_logits",
    params: { gamma: 2, alpha: 0.25, applyClassBalancing: false, labelSmoothing: 0, fromLogits: false },
    label: "probability", pred: "probability", perSample: "mean",
  },
  hinge: { kernel: "loss_hinge", params: {}, label: "real", pred: "real", perSample: "mean", batchLabels: true },
  squaredHinge: { kernel: "loss_squared_hinge", params: {}, label: "real", pred: "real", perSample: "mean", batchLabels: true },
  categoricalCrossentropy: {
    kernel: "loss_cce", logits: "loss_cce_logits", params: { labelSmoothing: 0, fromLogits: false },
    label: "probability", pred: "probability", perSample: "row",
  },
  sparseCategoricalCrossentropy: {
    kernel: "loss_sparse_cce", logits: "loss_sparse_cce_logits", params: { fromLogits: false },
    label: "classId", pred: "probability", perSample: "row",
  },
  categoricalHinge: { kernel: "loss_categorical_hinge", params: {}, label: "real", pred: "real", perSample: "row" },
  kullbackLeiblerDivergence: { kernel: "loss_kld", params: {}, label: "probability", pred: "probability", perSample: "sum" },
  iou: { kernel: "loss_iou", params: {}, label: "box", pred: "real", perSample: "row" },
  wasserstein: { kernel: "loss_wasserstein", params: {}, label: "real", pred: "real", perSample: "mean" },
  mse: { alias: "meanSquaredError" },
  mae: { alias: "meanAbsoluteError" },
  kld: { alias: "kullbackLeiblerDivergence" },
  leastSquaresGan: { alias: "meanSquaredError" },
} as const satisfies Record<string, LossRow | AliasRow>;

/** Any loss name or alias. */
export type LossName = keyof typeof LOSSES;
/** Canonical loss names (no aliases). */
export type CanonicalLossName = { [K in LossName]: (typeof LOSSES)[K] extends AliasRow ? never : K }[LossName];
/** Every name `nn.loss` accepts. */
export const LOSS_NAMES = Object.keys(LOSSES) as LossName[];

/** Loss parameters and call options (each loss reads only its own; defaults as Keras). */
export interface LossParams {
  /** yPred holds logits (binary/categorical cross-entropies, focal). Default false. */
  fromLogits?: boolean;
  /** ε in [0, 1]: binary y(1−ε)+ε/2, categorical y(1−ε)+ε/C. Default 0. */
  labelSmoothing?: number;
  /** Huber's δ > 0. Default 1. */
  delta?: number;
  /** Pinball quantile in (0, 1). Default 0.5. */
  quantile?: number;
  /** Focal γ ≥ 0. Default 2. */
  gamma?: number;
  /** Focal α in [0, 1] (used with applyClassBalancing). Default 0.25. */
  alpha?: number;
  /** Weight classes by α / 1 − α in the focal loss. Default false. */
  applyClassBalancing?: boolean;
  /** 'mean' (Keras sum_over_batch_size, default), 'sum', or 'none' (per-sample tensor). */
  reduction?: "mean" | "sum" | "none";
  /** Per-sample weights, shape yPred.shape without its last axis. */
  sampleWeight?: Tensor;
}

/** A loss with its parameters resolved, ready for lossRaw. */
export type ResolvedLoss = {
  readonly name: CanonicalLossName;
  readonly kernel: LossKernel;
  /** Float arguments of the kernel (a, b, c, d). */
  readonly args: readonly [number, number, number, number];
  readonly fromLogits: boolean;
  readonly label: LabelKind;
  readonly pred: PredKind;
  /** How a sample's loss is formed over the last axis (the registry row's). */
  readonly perSample: "mean" | "sum" | "row";
  /** The kernel decides the hinge label convention over the whole batch (the registry row's). */
  readonly batchLabels: boolean;
};

const CALL_OPTIONS = new Set(["reduction", "sampleWeight"]);
const cache = new Map<string, ResolvedLoss>();
/**
 * The last resolution and the params object it came from: loops pass the same object every call, and
 * resolving it again was 0.16 µs of a 4 µs loss call. Reused only while that object's enumerable keys
 * and values are the ones it was resolved with (so a mutated object is resolved, and checked, again).
 * One entry, not a WeakMap: inserting a fresh literal's entry into a WeakMap on every call cost 0.8 µs.
 * It keeps that one params object reachable until a call with another (a sampleWeight in it stays
 * disposable: dispose() frees the memory, not the JS object).
 */
let last: { params: object; key: string; entries: unknown[]; resolved: ResolvedLoss } | null = null;
function sameEntries(params: Record<string, unknown>, entries: readonly unknown[]): boolean {
  let i = 0;
  for (const k in params) {
    if (entries[i] !== k || entries[i + 1] !== params[k]) return false;
    i += 2;
  }
  return i === entries.length;
}

/** Resolves a name (or alias) and its parameters; throws ValueError on an unknown name or bad parameter. */
export function resolveLoss(name: string, params?: Readonly<LossParams>): ResolvedLoss {
  const key = checkName("loss", name, LOSS_NAMES);
  if (params === undefined) {
    const hit = cache.get(key);
    if (hit) return hit;
  } else if (params === null || typeof params !== "object") {
    throw new ValueError(`params of loss '${key}' must be an object; received ${show(params)}.`);
  } else {
    if (last !== null && last.params === params && last.key === key && sameEntries(params as Record<string, unknown>, last.entries)) return last.resolved;
  }
  let entry: LossRow | AliasRow = LOSSES[key];
  let canonical = key as string;
  if ("alias" in entry) {
    canonical = entry.alias;
    entry = LOSSES[canonical as LossName];
  }
  const row = entry as LossRow;
  const given = (params ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(given)) {
    if (given[k] !== undefined && !(k in row.params) && !CALL_OPTIONS.has(k)) {
      const valid = Object.keys(row.params);
      // the call options belong in the list too: a misspelt `reductoin` must not be told "it takes none"
      throw new ValueError(`Loss '${canonical}' has no parameter '${k}'; ${valid.length ? `it accepts: ${valid.join(", ")}` : "it takes none"} (the calls also take: ${[...CALL_OPTIONS].join(", ")}).`);
    }
  }
  const value = (k: ParamName) => given[k] ?? row.params[k];
  const flag = (k: ParamName) => {
    const v = value(k);
    if (typeof v !== "boolean") throw new ValueError(`${k} must be a boolean; received ${show(v)}.`);
    return v;
  };
  const fromLogits = "fromLogits" in row.params ? flag("fromLogits") : false;
  let args: [number, number, number, number] = [0, 0, 0, 0];
  if ("delta" in row.params) {
    const d = checkNumber("delta", value("delta"));
    if (!(d > 0)) throw new ValueError(`delta must be > 0; received ${d}.`);
    args = [d, 0, 0, 0];
  } else if ("quantile" in row.params) {
    const q = checkNumber("quantile", value("quantile"));
    if (!(q > 0 && q < 1)) throw new ValueError(`quantile must be in (0, 1); received ${q}.`);
    args = [q, 0, 0, 0];
  } else if ("gamma" in row.params) {
    args = [
      checkNumber("gamma", value("gamma"), 0),
      checkNumber("alpha", value("alpha"), 0, 1),
      flag("applyClassBalancing") ? 1 : 0,
      checkNumber("labelSmoothing", value("labelSmoothing"), 0, 1),
    ];
  } else if ("labelSmoothing" in row.params) {
    args = [checkNumber("labelSmoothing", value("labelSmoothing"), 0, 1), 0, 0, 0];
  }
  const resolved: ResolvedLoss = Object.freeze({
    name: canonical as CanonicalLossName,
    kernel: fromLogits ? row.logits! : row.kernel,
    args: Object.freeze(args),
    fromLogits,
    label: row.label,
    pred: fromLogits ? "real" : row.pred,
    perSample: row.perSample,
    batchLabels: row.batchLabels === true,
  });
  if (params === undefined) cache.set(key, resolved);
  else {
    const entries: unknown[] = [];
    for (const k in given) entries.push(k, given[k]);
    last = { params, key, entries, resolved };
  }
  return resolved;
}

/**
 * THE call of a loss kernel: on the thread pool when the instance has one and the pass is long enough
 * (src/threads/loss_parallel.ts: the same bits as one call), else one call here. `split` is the kernel's
 * registry row (or a ResolvedLoss of it).
 */
function callLoss(rt: Runtime, kernel: LossKernel, split: LossSplit, grad: number, rows: number, yTrue: number, yPred: number, w: number, batch: number, dim: number,
  gscale: number, accum: number, a: number, b: number, c: number, d: number): number {
  if (rt.pool !== null) {
    const total = parallelLoss(rt, kernel, split, grad, rows, yTrue, yPred, w, batch, dim, gscale, accum, a, b, c, d);
    if (total !== null) return total;
  }
  return rt.k[kernel](grad, rows, yTrue, yPred, w, batch, dim, gscale, accum, a, b, c, d);
}

/**
 * Loss value over a batch [batch, dim] (sparse CCE: yTrue [batch] class ids as float32; IoU: dim 4).
 * Writes d loss / d yPred into grad unless grad === 0. reduction 'mean' = Keras sum_over_batch_size
 * (Σ w·L / batch); sampleWeight pointer 0 = none. Returns the reduced loss. No validation, no allocation.
 */
export function lossRaw(rt: Runtime, loss: ResolvedLoss, grad: number, yTrue: number, yPred: number, batch: number, dim: number, reduction: "mean" | "sum", sampleWeight: number): number {
  const mean = reduction === "mean";
  const a = loss.args;
  const total = callLoss(rt, loss.kernel, loss, grad, 0, yTrue, yPred, sampleWeight, batch, dim, mean && batch ? 1 / batch : 1, 0, a[0], a[1], a[2], a[3]);
  return mean ? (batch ? total / batch : 0) : total;
}

/** Kernel call with every option (per-sample output, accumulation, gradient scale). @internal */
export function lossKernel(rt: Runtime, loss: ResolvedLoss, grad: number, rows: number, yTrue: number, yPred: number, w: number, batch: number, dim: number, gscale: number, accum: boolean): number {
  const a = loss.args;
  return callLoss(rt, loss.kernel, loss, grad, rows, yTrue, yPred, w, batch, dim, gscale, accum ? 1 : 0, a[0], a[1], a[2], a[3]);
}

/**
 * Fused softmax + categorical cross-entropy on LOGITS: returns the mean loss and writes
 * grad = (softmax(logits) − y)/batch (y label-smoothed: y(1−ε)+ε/C); yTrue holds class ids [batch] when
 * `sparse`. grad 0 = value only. No validation, no allocation.
 */
export function softmaxCrossentropyRaw(rt: Runtime, grad: number, yTrue: number, logits: number, batch: number, classes: number, labelSmoothing: number, sparse: boolean): number {
  // the registry's kernels for categorical / sparse categorical cross-entropy with fromLogits
  const row = sparse ? LOSSES.sparseCategoricalCrossentropy : LOSSES.categoricalCrossentropy;
  const total = callLoss(rt, row.logits, row, grad, 0, yTrue, logits, 0, batch, classes, batch ? 1 / batch : 1, 0, labelSmoothing, 0, 0, 0);
  return batch ? total / batch : 0;
}

/**
 * Fused sigmoid + binary cross-entropy on LOGITS (= binaryCrossentropy with fromLogits: true): mean
 * over all elements, grad = (σ(x) − z)/(batch·dim). No validation, no allocation.
 */
export function sigmoidCrossentropyRaw(rt: Runtime, grad: number, yTrue: number, logits: number, batch: number, dim: number, labelSmoothing: number): number {
  const row = LOSSES.binaryCrossentropy;
  const total = callLoss(rt, row.logits, row, grad, 0, yTrue, logits, 0, batch, dim, batch ? 1 / batch : 1, 0, labelSmoothing, 0, 0, 0);
  return batch ? total / batch : 0;
}

/** The largest float32: [−FLT_MAX, FLT_MAX] is "finite" for the range-check kernel (NaN fails every range). @internal */
export const FLT_MAX = 3.4028234663852886e38;

/** Layout of one call: batch (samples) and dim (last axis). @internal */
export interface LossShape {
  batch: number;
  dim: number;
}

/** yPred's shape without its last axis (the shape of per-sample losses). A loop: slicing a frozen shape is V8's slow path. @internal */
export function sampleShapeOf(yPred: Tensor): number[] {
  const ps = yPred.shape, s: number[] = [];
  for (let i = 0; i < ps.length - 1; i++) s.push(ps[i]);
  return s;
}

function fail(what: string, loss: ResolvedLoss, t: Tensor, i: number, expected: string): never {
  throw new ValueError(`${what} of loss '${loss.name}' must hold ${expected}; received ${t.data[i]} at flat index ${i} (shape ${showShape(t.shape)}).`);
}

/** The first n axes of a and b agree. Loops, not closures or slices: this runs on every loss call. */
function samePrefix(a: readonly number[], b: readonly number[], n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** One id or weight per sample of yPred [...s, dim]: shape s or [...s, 1]. */
function perSample(ps: readonly number[], ts: readonly number[]): boolean {
  const n = ps.length - 1;
  return (ts.length === n || (ts.length === n + 1 && ts[n] === 1)) && samePrefix(ps, ts, n);
}

/** How a label check names the two sides: nn.loss says yTrue and yPred, fit says y and the model's outputs. @internal */
export interface LabelNames {
  readonly labels: string;
  readonly predictions: string;
}
const LOSS_ARGS: LabelNames = { labels: "yTrue", predictions: "yPred" };

const kindOf = (loss: ResolvedLoss) => (loss.label === "probability" ? "probabilities in [0, 1]" : loss.label === "nonnegative" ? "finite values ≥ 0" : "finite values");

/**
 * THE label check, shared by nn.loss (checkLossInputs) and fit/evaluate/trainOnBatch: yTrue's shape
 * against predictions of shape `ps` (one class id per sample for sparse losses, else the same shape),
 * then its values (class ids, probabilities, ≥ 0 or finite, IoU boxes with x2 ≥ x1 and y2 ≥ y1). The
 * message is the same on both paths but for the names. Reads only; allocates nothing. @internal
 */
export function checkLabels(rt: Runtime, loss: ResolvedLoss, yTrue: Tensor, ps: readonly number[], names: LabelNames = LOSS_ARGS): void {
  const dim = ps[ps.length - 1], ts = yTrue.shape, k = rt.k;
  if (loss.label === "classId") {
    if (!perSample(ps, ts)) {
      const s = ps.slice(0, -1);
      const hint = ts.length === ps.length && ts[ts.length - 1] === dim ? " They look one-hot: use loss 'categoricalCrossentropy'." : "";
      throw new ShapeError(`${names.labels} ${showShape(ts)} of loss '${loss.name}' must hold one class id per sample of ${names.predictions} ${showShape(ps)}: shape ${showShape(s)} or ${showShape([...s, 1])}.${hint}`);
    }
    const bad = k.loss_check_ids(yTrue.ptr, yTrue.size, dim);
    if (bad >= 0) fail(names.labels, loss, yTrue, bad, `integer class ids in [0, ${dim - 1}]`);
    return;
  }
  if (ts.length !== ps.length || !samePrefix(ps, ts, ps.length)) {
    const ids = loss.name === "categoricalCrossentropy" && ts.length === ps.length - 1 && samePrefix(ps, ts, ts.length);
    const idCol = loss.name === "categoricalCrossentropy" && ts.length === ps.length && ts[ts.length - 1] === 1 && samePrefix(ps, ts, ts.length - 1);
    const hint = ids || idCol ? " They look like class ids: use loss 'sparseCategoricalCrossentropy', or one-hot them with oneHot(ids, classes) from 'simdnn'." : "";
    throw new ShapeError(`${names.labels} ${showShape(ts)} and ${names.predictions} ${showShape(ps)} of loss '${loss.name}' must have the same shape.${hint}`);
  }
  if (loss.label === "box" && dim !== 4) {
    throw new ShapeError(`${names.predictions} of loss 'iou' must end in 4 box coordinates [x1, y1, x2, y2]; received shape ${showShape(ps)}.`);
  }
  const lo = loss.label === "probability" || loss.label === "nonnegative" ? 0 : -FLT_MAX;
  const hi = loss.label === "probability" ? 1 : FLT_MAX;
  const bad = k.loss_check_range(yTrue.ptr, yTrue.size, lo, hi);
  if (bad >= 0) fail(names.labels, loss, yTrue, bad, kindOf(loss));
  if (loss.label === "box") {
    const d = yTrue.data;
    for (let i = 0; i < d.length; i += 4) {
      if (d[i + 2] < d[i] || d[i + 3] < d[i + 1]) {
        throw new ValueError(`${names.labels} boxes of loss 'iou' must have x2 ≥ x1 and y2 ≥ y1; box ${i / 4} is [${Array.from(d.subarray(i, i + 4)).join(", ")}].`);
      }
    }
  }
}

/**
 * Validates yTrue, yPred and an optional sampleWeight for `loss`; returns the batch layout. Reads
 * only; allocates nothing on success (this prologue is a measurable part of a 4 µs loss call). @internal
 */
export function checkLossInputs(rt: Runtime, loss: ResolvedLoss, yTrue: Tensor, yPred: Tensor, sampleWeight?: Tensor): LossShape {
  checkTensor("yTrue", yTrue, rt);
  checkTensor("yPred", yPred, rt);
  const ps = yPred.shape;
  if (ps.length === 0) throw new ShapeError(`yPred of loss '${loss.name}' must have at least one axis; received shape ${showShape(ps)}.`);
  const dim = ps[ps.length - 1];
  let batch = 1;
  for (let i = 0; i < ps.length - 1; i++) batch *= ps[i];
  if (dim === 0) throw new ShapeError(`yPred's last axis must not be empty; received shape ${showShape(ps)}.`);
  const k = rt.k;
  checkLabels(rt, loss, yTrue, ps);
  if (loss.pred !== "real") {
    const probability = loss.pred === "probability";
    const bad = k.loss_check_range(yPred.ptr, yPred.size, 0, probability ? 1 : Infinity);
    if (bad >= 0) fail("yPred", loss, yPred, bad, probability ? "probabilities in [0, 1] (pass fromLogits: true for logits)" : "values ≥ 0");
  }
  if (sampleWeight !== undefined) {
    checkTensor("sampleWeight", sampleWeight, rt);
    const ws = sampleWeight.shape;
    if (!perSample(ps, ws)) {
      const s = sampleShapeOf(yPred);
      throw new ShapeError(`sampleWeight ${showShape(ws)} must have one weight per sample of yPred ${showShape(ps)}: shape ${showShape(s)} or ${showShape([...s, 1])}.`);
    }
    const bad = k.loss_check_range(sampleWeight.ptr, sampleWeight.size, 0, FLT_MAX);
    if (bad >= 0) throw new ValueError(`sampleWeight must hold finite values ≥ 0; received ${sampleWeight.data[bad]} at index ${bad}.`);
  }
  return { batch, dim };
}

/** Reduction of a call: 'mean' unless given; throws on anything else. @internal */
export function checkReduction(r: unknown): "mean" | "sum" | "none" {
  return r === undefined ? "mean" : checkName("reduction", r, ["mean", "sum", "none"] as const);
}
