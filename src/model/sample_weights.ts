// fit's and trainOnBatch's sampleWeight and classWeight (Keras' sample_weight / class_weight, tfjs'
// classWeight): checked, then turned into one weight per sample in JS. The training loop copies each
// batch's weights into one WASM buffer (repeated over the rows of a sample when the output has more
// than one row per sample) and hands its pointer to the loss kernels, which weigh each row's loss and
// gradient: batch loss = Σ wᵢ·Lᵢ / batch, exactly as nn.loss(..., { sampleWeight }).
import { show, ShapeError, ValueError } from "../errors.js";
import { checkTensor, Tensor } from "../tensor.js";
import type { Runtime } from "../runtime.js";

/** Per-class weights: `{ 0: 1, 1: 20 }` (tfjs / Keras) or `[1, 20]` (index = class id). */
export type ClassWeight = Readonly<Record<number, number>> | readonly number[];

/** Per-sample weights: one finite weight ≥ 0 per sample. */
export type SampleWeight = Float32Array | readonly number[] | Tensor;

/** The weighting options fit and trainOnBatch share. */
export interface WeightOptions {
  /**
   * One finite weight ≥ 0 per sample of x (a Float32Array, a number[] or a Tensor [n] or [n, 1]); shuffled
   * with x and y. The batch loss and its gradient become Σ wᵢ·Lᵢ / batch (Keras' sum_over_batch_size with
   * weights), as nn.loss(name, yTrue, yPred, { sampleWeight }). Metrics are not weighted.
   */
  sampleWeight?: SampleWeight;
  /**
   * Weight of each class, `{ 0: 1, 1: 20 }` or `[1, 20]`: a sample weighs its class's weight (times its
   * sampleWeight when both are given). The class of a sample is its label row's argmax (one-hot or
   * probabilities), its id (sparse labels), or for one binary output 1 when y ≥ 0.5 else 0 (as Keras).
   * A class missing from the map weighs 1.
   */
  classWeight?: ClassWeight;
}

/** What the weights are built from: the call's labels and the model's output layout. @internal */
export interface LabelLayout {
  /** y as floats, n samples of labelF each. */
  readonly y: Float32Array;
  readonly n: number;
  readonly labelF: number;
  /** Output rows per sample (1 for [n, dim] outputs) and the last axis. */
  readonly rowsPer: number;
  readonly dim: number;
}

function checkClassWeight(cw: unknown, classes: number, what: string): Float64Array {
  const table = new Float64Array(classes).fill(1);
  const put = (key: string, id: number, v: unknown) => {
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new ValueError(`${what} classWeight[${key}] must be a finite number ≥ 0; received ${show(v)}.`);
    if (!Number.isInteger(id) || id < 0 || id >= classes) {
      throw new ValueError(`${what} classWeight has key ${show(key)}; its keys must be class ids, integers from 0 to ${classes - 1} (the model's output has ${classes} classes).`);
    }
    table[id] = v;
  };
  if (Array.isArray(cw)) {
    if (cw.length > classes) throw new ValueError(`${what} classWeight has ${cw.length} weights but the model's output has ${classes} classes; give at most one weight per class.`);
    cw.forEach((v, i) => put(String(i), i, v));
  } else if (cw !== null && typeof cw === "object" && !ArrayBuffer.isView(cw) && !(cw instanceof Tensor)) {
    for (const [k, v] of Object.entries(cw)) put(k, /^(0|[1-9]\d*)$/.test(k) ? Number(k) : NaN, v);
  } else {
    throw new ValueError(`${what} classWeight must be an object { classId: weight } or an array of weights; received ${show(cw)}.`);
  }
  return table;
}

function sampleWeightValues(sw: unknown, n: number, rt: Runtime, what: string): Float32Array {
  let values: Float32Array;
  if (sw instanceof Tensor) {
    checkTensor(`${what} sampleWeight`, sw, rt);
    const s = sw.shape;
    if (!(s.length === 1 || (s.length === 2 && s[1] === 1)) || s[0] !== n) {
      throw new ShapeError(`${what} sampleWeight [${s.join(",")}] must have one weight per sample of x: shape [${n}] or [${n},1].`);
    }
    values = sw.data;
  } else if (sw instanceof Float32Array || Array.isArray(sw)) {
    if (sw.length !== n) throw new ShapeError(`${what} sampleWeight has ${sw.length} weights but x has ${n} samples; give one weight per sample.`);
    values = sw instanceof Float32Array ? sw : Float32Array.from(sw as number[]);
    if (Array.isArray(sw)) {
      for (let i = 0; i < n; i++) {
        if (typeof sw[i] !== "number") throw new ValueError(`${what} sampleWeight must hold finite numbers ≥ 0; received ${show(sw[i])} at index ${i}.`);
      }
    }
  } else {
    throw new ValueError(`${what} sampleWeight must be a Float32Array, a number[] or a Tensor [n]; received ${show(sw)}.`);
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 3.4028234663852886e38)) throw new ValueError(`${what} sampleWeight must hold finite numbers ≥ 0; received ${v} at index ${i}.`);
  }
  return values;
}

/** Checks the two options' types before anything runs (fit's option check). @internal */
export function checkWeightOptions(o: WeightOptions, what: string): void {
  const sw = o.sampleWeight, cw = o.classWeight;
  if (sw !== undefined && !(sw instanceof Tensor || sw instanceof Float32Array || Array.isArray(sw))) {
    throw new ValueError(`${what} sampleWeight must be a Float32Array, a number[] or a Tensor [n]; received ${show(sw)}.`);
  }
  if (cw !== undefined && (cw === null || typeof cw !== "object" || ArrayBuffer.isView(cw) || cw instanceof Tensor)) {
    throw new ValueError(`${what} classWeight must be an object { classId: weight } or an array of weights; received ${show(cw)}.`);
  }
}

/** The class id of sample i: argmax of its label row, its sparse id, or y ≥ 0.5 for one binary output. */
function classOf(src: LabelLayout, i: number): number {
  const { y, labelF } = src;
  if (labelF === 1) return src.dim === 1 ? (y[i] >= 0.5 ? 1 : 0) : Math.round(y[i]);
  let best = 0, bv = y[i * labelF];
  for (let j = 1; j < labelF; j++) {
    const v = y[i * labelF + j];
    if (v > bv) [best, bv] = [j, v];
  }
  return best;
}

/**
 * One weight per sample (sampleWeight × its class's weight), or null when neither option is given.
 * Throws ValueError / ShapeError naming the option, the value received and what was expected. @internal
 */
export function buildSampleWeights(rt: Runtime, o: WeightOptions, src: LabelLayout, what: string): Float32Array | null {
  if (o.sampleWeight === undefined && o.classWeight === undefined) return null;
  const n = src.n;
  const w = o.sampleWeight === undefined ? new Float32Array(n).fill(1) : Float32Array.from(sampleWeightValues(o.sampleWeight, n, rt, what));
  if (o.classWeight !== undefined) {
    if (src.rowsPer !== 1) throw new ValueError(`${what} classWeight needs one label per sample (outputs [n, classes]); this model's outputs have ${src.rowsPer} rows per sample. Use sampleWeight instead.`);
    const classes = src.dim === 1 ? 2 : src.dim;
    const table = checkClassWeight(o.classWeight, classes, what);
    for (let i = 0; i < n; i++) w[i] *= table[classOf(src, i)];
  }
  return w;
}

/**
 * Writes the weights of `b` samples (rows order[start..start+b) or start.. when order is null) into
 * `ptr`, each repeated over its `rowsPer` output rows. @internal
 */
export function gatherWeights(rt: Runtime, ptr: number, w: Float32Array, order: Int32Array | null, start: number, b: number, rowsPer: number): void {
  const mem = rt.f32, base = ptr >> 2;
  for (let j = 0; j < b; j++) {
    const v = w[order ? order[start + j] : start + j];
    for (let r = 0; r < rowsPer; r++) mem[base + j * rowsPer + r] = v;
  }
}
