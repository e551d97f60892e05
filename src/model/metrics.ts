// Metrics as Keras computes them: stateful means over the samples of an epoch. update() reads
// views of WASM memory and allocates nothing.
import { checkName } from "../errors.js";

/** A running metric; `name` is its History key. */
export interface Metric {
  readonly name: string;
  /** Adds `batch` rows of `dim` predictions; yTrue holds labelDim values per row (1 for class ids). */
  update(yTrue: Float32Array, yPred: Float32Array, batch: number, dim: number, labelDim: number): void;
  result(): number;
  reset(): void;
}

type Kernel = (t: Float32Array, p: Float32Array, batch: number, dim: number, labelDim: number, threshold: number) => number;

/** First index of the row maximum (ties: the first, as argmax). */
function argmax(a: Float32Array, at: number, dim: number): number {
  let best = at;
  for (let j = at + 1; j < at + dim; j++) if (a[j] > a[best]) best = j;
  return best - at;
}

/** Σ over rows of the per-sample metric; each kernel returns a sum, the Metric divides by the count. */
const KERNELS = {
  binaryAccuracy: (t, p, batch, dim, _l, threshold) => {
    let s = 0;
    for (let i = 0; i < batch * dim; i++) s += (p[i] > threshold ? 1 : 0) === (t[i] > 0.5 ? 1 : 0) ? 1 : 0;
    return s / dim;
  },
  categoricalAccuracy: (t, p, batch, dim) => {
    let s = 0;
    for (let r = 0; r < batch; r++) s += argmax(p, r * dim, dim) === argmax(t, r * dim, dim) ? 1 : 0;
    return s;
  },
  sparseCategoricalAccuracy: (t, p, batch, dim) => {
    let s = 0;
    for (let r = 0; r < batch; r++) s += argmax(p, r * dim, dim) === t[r] ? 1 : 0;
    return s;
  },
  meanAbsoluteError: (t, p, batch, dim) => {
    let s = 0;
    for (let i = 0; i < batch * dim; i++) s += Math.abs(p[i] - t[i]);
    return s / dim;
  },
  meanSquaredError: (t, p, batch, dim) => {
    let s = 0;
    for (let i = 0; i < batch * dim; i++) s += (p[i] - t[i]) ** 2;
    return s / dim;
  },
} as const satisfies Record<string, Kernel>;

/** Every name compile's `metrics` accepts; aliases map to a kernel. */
export const METRICS = {
  accuracy: "inferred", acc: "inferred",
  binaryAccuracy: "binaryAccuracy", categoricalAccuracy: "categoricalAccuracy", sparseCategoricalAccuracy: "sparseCategoricalAccuracy",
  mae: "meanAbsoluteError", meanAbsoluteError: "meanAbsoluteError", mse: "meanSquaredError", meanSquaredError: "meanSquaredError",
} as const;
export type MetricName = keyof typeof METRICS;
const NAMES = Object.keys(METRICS) as MetricName[];
const BINARY_LOSSES = new Set(["binaryCrossentropy", "binaryFocalCrossentropy", "hinge", "squaredHinge"]);

class RunningMean implements Metric {
  #total = 0;
  #count = 0;
  constructor(readonly name: string, private readonly kernel: Kernel, private readonly threshold: number, private readonly inferBinary: boolean) {}

  update(yTrue: Float32Array, yPred: Float32Array, batch: number, dim: number, labelDim: number): void {
    // 'accuracy' with a loss that does not say: categorical when there are several outputs, else binary (Keras)
    const k = this.inferBinary && dim === 1 ? KERNELS.binaryAccuracy : this.kernel;
    this.#total += k(yTrue, yPred, batch, dim, labelDim, this.threshold);
    this.#count += batch;
  }

  result(): number {
    return this.#count ? this.#total / this.#count : 0;
  }

  reset(): void {
    this.#total = this.#count = 0;
  }
}

/**
 * A metric by name. 'accuracy' picks its kind from the loss as Keras does: binary for binary
 * cross-entropies and hinges (threshold 0.5, or 0 on logits: σ(z) > 0.5 ⇔ z > 0), sparse for the
 * sparse cross-entropy, categorical otherwise (binary when the output has one unit).
 */
export function resolveMetric(name: string, loss: { name: string; fromLogits: boolean }): Metric {
  const n = checkName("metric", name, NAMES);
  const threshold = loss.fromLogits ? 0 : 0.5;
  let kind: keyof typeof KERNELS;
  let infer = false;
  const m = METRICS[n];
  if (m === "inferred") {
    if (BINARY_LOSSES.has(loss.name)) kind = "binaryAccuracy";
    else if (loss.name === "sparseCategoricalCrossentropy") kind = "sparseCategoricalAccuracy";
    else {
      kind = "categoricalAccuracy";
      infer = true;
    }
  } else kind = m;
  const key = n === "accuracy" || n === "acc" ? n : n === "mae" || n === "mse" ? n : kind;
  return new RunningMean(key, KERNELS[kind], threshold, infer);
}
