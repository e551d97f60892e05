// argMax and topK over the last axis, for classification handlers: from a Tensor, a Float32Array (or any
// typed array of numbers, with a shape) or nested arrays, into plain Int32Array / Float32Array results in
// JavaScript memory (nothing to dispose). Rows of a classifier are short (~10–1000), so this is plain
// JavaScript over the tensor's view: no WASM kernel, no allocation in WASM memory.
//
// Order, as NumPy's argmax and PyTorch's argmax/topk: NaN ranks above +Infinity (a row holding NaN has
// its first NaN as argmax), ties (−0 and +0 included, NaN and NaN too) go to the lower index, and topK's
// values come sorted descending (tf.topk's sorted = true).
import { checkOptions, ShapeError, show, showShape, ValueError } from "./errors.js";
import type { Runtime } from "./runtime.js";
import { checkTensor, type NestedArray, Tensor, tensorValues } from "./tensor.js";

/** Options of nn.argMax and nn.topK. */
export interface SelectOptions {
  /** Shape of a flat array input (rows back to back, e.g. [batch, classes]); a flat array without it is one row. */
  shape?: readonly number[];
  /** Only the last axis is supported (-1 or rank − 1); given for tfjs habits (tf.argMax(x, axis)). Default the last. */
  axis?: number;
}

/** What nn.topK returns: per row the k largest values, sorted descending, and their indices in the row. */
export interface TopK {
  /** [rows·k] values, row-major. */
  readonly values: Float32Array;
  /** [rows·k] indices into the last axis, row-major. */
  readonly indices: Int32Array;
}

/** The input's values, shape, and its rows over the last axis. */
function rowsOf(rt: Runtime, what: string, x: unknown, options: unknown): { flat: ArrayLike<number>; rows: number; cols: number } {
  const o = checkOptions<SelectOptions>(what, typeof options === "number" ? { axis: options } : options, ["shape", "axis"]);
  let flat: ArrayLike<number>, shape: readonly number[];
  if (x instanceof Tensor) {
    checkTensor("x", x, rt);
    if (o.shape !== undefined) throw new ValueError(`${what}: shape is for flat arrays; x is a Tensor ${showShape(x.shape)} with its own shape.`);
    [flat, shape] = [x.data, x.shape];
  } else {
    if (!ArrayBuffer.isView(x) && !Array.isArray(x)) throw new ValueError(`${what}: x must be a Tensor, a Float32Array (with { shape }) or nested arrays of numbers; received ${show(x)}.`);
    try {
      ({ flat, shape } = tensorValues(x, o.shape));
    } catch (error) {
      // the same check as nn.tensor's, its message said as this call's
      if (error instanceof ShapeError || error instanceof ValueError) throw new (error.constructor as typeof ValueError)(`${what}: ${error.message.replace(/^nn\.tensor(\(values\))?:? ?/, "")}`);
      throw error;
    }
  }
  if (shape.length === 0) throw new ShapeError(`${what}: x is a scalar (shape []); expected at least one axis, the one to select over.`);
  if (o.axis !== undefined && o.axis !== -1 && o.axis !== shape.length - 1) {
    throw new ValueError(`${what} works over the last axis; received axis ${show(o.axis)} for x of shape ${showShape(shape)} (expected -1 or ${shape.length - 1}).`);
  }
  const cols = shape[shape.length - 1];
  if (cols === 0) throw new ShapeError(`${what}: the last axis of x ${showShape(shape)} is empty; there is nothing to select.`);
  return { flat, rows: flat.length / cols, cols };
}

/** a ranks before b: NaN above everything, then larger values, then the lower index. */
const before = (va: number, ia: number, vb: number, ib: number): boolean =>
  va !== va ? vb === vb || ia < ib : vb !== vb ? false : va !== vb ? va > vb : ia < ib;

/** Index of the largest value of each row over the last axis (the first NaN when a row has one; ties: the lower index). */
export function argMax(rt: Runtime, x: Tensor | ArrayBufferView | NestedArray, options?: SelectOptions | number): Int32Array {
  const { flat, rows, cols } = rowsOf(rt, "argMax", x, options);
  const out = new Int32Array(rows);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    let best = flat[base], at = 0;
    if (best === best) {
      for (let j = 1; j < cols; j++) {
        const v = flat[base + j];
        if (v !== v) { at = j; break; } // NaN wins and the first one stays
        if (v > best) { best = v; at = j; }
      }
    }
    out[r] = at;
  }
  return out;
}

/** The k largest values of each row over the last axis and their indices, sorted descending (tf.topk). k from 1 to the last axis. */
export function topK(rt: Runtime, x: Tensor | ArrayBufferView | NestedArray, k = 1, options?: SelectOptions | boolean): TopK {
  // tf.topk(x, k, sorted): results here are always sorted, which also satisfies sorted = false
  const { flat, rows, cols } = rowsOf(rt, "topK", x, typeof options === "boolean" ? undefined : options);
  if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > cols) throw new ValueError(`topK: k must be an integer from 1 to ${cols} (the last axis); received ${show(k)}.`);
  const values = new Float32Array(rows * k), indices = new Int32Array(rows * k);
  const order = new Int32Array(cols);
  for (let r = 0, base = 0; r < rows; r++, base += cols) {
    if (k > 32) {
      // many places: sort the row's indices, O(cols·log cols)
      const all = Array.from({ length: cols }, (_, j) => j).sort((a, b) => (before(flat[base + a], a, flat[base + b], b) ? -1 : 1));
      for (let i = 0; i < k; i++) order[i] = all[i];
    } else insertTop(flat, base, cols, k, order);
    for (let i = 0; i < k; i++) {
      indices[r * k + i] = order[i];
      values[r * k + i] = flat[base + order[i]];
    }
  }
  return { values, indices };
}

/** order[0…k) = the row's top k indices in rank order, by insertion: O(cols·k), the fast choice for short rows and small k. */
function insertTop(flat: ArrayLike<number>, base: number, cols: number, k: number, order: Int32Array): void {
  let n = 0;
  for (let j = 0; j < cols; j++) {
    const v = flat[base + j];
    if (n === k && !before(v, j, flat[base + order[k - 1]], order[k - 1])) continue;
    let p = n < k ? n++ : k - 1; // a full list drops its last entry
    while (p > 0 && before(v, j, flat[base + order[p - 1]], order[p - 1])) {
      order[p] = order[p - 1];
      p--;
    }
    order[p] = j;
  }
}
