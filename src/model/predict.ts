// model.predict: inputs as a Tensor, a plain Float32Array (rows of the model's input shape, back to back)
// or nested arrays; outputs as a new Tensor, into a caller's Tensor, as a new Float32Array, or into a
// caller's Float32Array. Inputs that are not tensors are staged through the inference plan's input
// buffer and array outputs are copied out of its output buffer, so the array path allocates nothing in
// WASM memory after the first call at a batch size: a request handler creates and frees no tensors.
import { checkOptions, ShapeError, show, showShape, ValueError } from "../errors.js";
import type { Runtime } from "../runtime.js";
import { checkTensor, flattenNested, type NestedArray, shapeSize, Tensor } from "../tensor.js";
import { batchSizeOption } from "./plan.js";
import type { Sequential } from "./sequential.js";

/** What model.predict takes: a Tensor [n, ...inputShape], a Float32Array of n·inputSize values (rows back to back), or nested arrays. */
export type PredictInput = Tensor | Float32Array | NestedArray;

/** Options of model.predict. */
export interface PredictOptions {
  /** Rows per forward pass (default 32); its buffers are planned once and kept by the model. */
  batchSize?: number;
  /**
   * Where the outputs go: a Tensor of this instance shaped [n, ...outputShape], or a Float32Array of
   * exactly n·outputSize floats (rows back to back; pass `buffer.subarray(0, n * size)` to reuse a larger
   * one). predict returns it.
   */
  out?: Tensor | Float32Array;
  /**
   * 'tensor' (default): a new Tensor in WASM memory (dispose it, or run predict inside nn.tidy);
   * 'array': a new Float32Array in JavaScript memory, rows back to back: nothing to free.
   */
  output?: "tensor" | "array";
}

const KEYS = ["batchSize", "out", "output"];

/** Float32Array (by its tag too, so arrays from another realm, such as a vm context, are recognised). */
const isFloat32Array = (v: unknown): v is Float32Array => v instanceof Float32Array || (ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === "[object Float32Array]");

/** Copies rows of exactly `cols` numbers into flat; false (flat partly written) at the first entry that is not. */
function rowsOfNumbers(x: readonly unknown[], cols: number, flat: Float32Array): boolean {
  for (let r = 0, k = 0; r < x.length; r++) {
    const row = x[r];
    if (!Array.isArray(row) || row.length !== cols) return false;
    for (let c = 0; c < cols; c++) {
      const v = row[c];
      if (typeof v !== "number") return false;
      flat[k++] = v;
    }
  }
  return true;
}

/**
 * Nested arrays [n, ...sample] into floats, checked against the model's per-sample shape as it goes (a
 * request's JSON rows): the position of a bad entry is spelt out only when there is one.
 */
function flattenRows(model: Sequential, x: readonly unknown[], sample: readonly number[]): Float32Array {
  const size = shapeSize(sample);
  const flat = new Float32Array(x.length * size);
  // rows of numbers (what a JSON request holds) in one plain loop; anything else, or a bad entry, takes the
  // walk below, which names the position (the walk's per-value bookkeeping was ~10 µs of a 784-value row)
  if (sample.length === 1 && rowsOfNumbers(x, size, flat)) return flat;
  const at: number[] = [];
  const where = () => `x${at.map((i) => `[${i}]`).join("")}`;
  let k = 0;
  const walk = (v: unknown, axis: number): void => {
    if (axis === sample.length + 1) {
      if (typeof v !== "number") throw new ValueError(`predict: ${where()} is ${show(v)}; expected a number.`);
      flat[k++] = v;
      return;
    }
    const want = axis === 0 ? x.length : sample[axis - 1];
    if (!Array.isArray(v) || v.length !== want) {
      throw new ShapeError(`predict: ${where()} is ${show(v)}; expected ${axis === 0 ? "" : `an array of ${want} entries: `}rows of per-sample shape ${showShape(sample)} (model '${model.name}' takes [batch,${sample.join(",")}]).`);
    }
    at.push(0);
    for (let i = 0; i < v.length; i++) {
      at[axis] = i;
      walk(v[i], axis + 1);
    }
    at.pop();
  };
  walk(x, 0);
  return flat;
}

/** Where a view into WASM memory points, to view it again after memory.grow detached it (null: not a view of it). */
function memoryView(rt: Runtime, v: Float32Array | null): { offset: number; length: number } | null {
  return v !== null && v.buffer === rt.k.memory.buffer ? { offset: v.byteOffset, length: v.length } : null;
}
function revive(rt: Runtime, v: Float32Array, at: { offset: number; length: number } | null): Float32Array {
  return at !== null && v.buffer !== rt.k.memory.buffer ? new Float32Array(rt.k.memory.buffer, at.offset, at.length) : v;
}

function overlaps(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

/** The checked input: a tensor of this instance, or rows as floats in JavaScript memory, with the row count. */
function input(model: Sequential, x: unknown): { tensor: Tensor | null; rows: Float32Array | null; n: number } {
  if (x instanceof Tensor) {
    checkTensor("x", x, model.rt);
    model.ensureBuilt(x.shape, "predict");
    return { tensor: x, rows: null, n: x.shape[0] };
  }
  if (isFloat32Array(x)) {
    const shape = model.inputShape;
    if (shape === null) throw new ValueError(`predict: a Float32Array carries no shape and model '${model.name}' has no input shape yet; give its first layer an inputShape, call build(inputShape), or pass nested arrays or a Tensor [batch, ...].`);
    const size = shapeSize(shape);
    if (x.length % size !== 0) throw new ShapeError(`predict: x is a Float32Array of ${x.length} values, not a whole number of samples of ${size} values (model '${model.name}' takes per-sample shape ${showShape(shape)}); expected batch·${size} values.`);
    return { tensor: null, rows: x, n: x.length / size };
  }
  if (Array.isArray(x)) {
    if (model.inputShape !== null) return { tensor: null, rows: flattenRows(model, x, model.inputShape), n: x.length };
    const { flat, shape } = flattenNested(x); // the shape builds the model
    model.ensureBuilt(shape, "predict");
    return { tensor: null, rows: Float32Array.from(flat), n: shape[0] };
  }
  const fix = ArrayBuffer.isView(x) ? ` (convert it first: Float32Array.from(x))` : "";
  throw new ValueError(`predict: x must be a Tensor, a Float32Array of rows or nested arrays of numbers; received ${show(x)}${fix}.`);
}

/** dst[at…] = f32[from…] for `count` floats; a loop for a classifier's few outputs (a subarray view costs more than copying them). */
function copyOut(dst: Float32Array, at: number, f32: Float32Array, from: number, count: number): void {
  if (count > 64) dst.set(f32.subarray(from, from + count), at);
  else for (let i = 0; i < count; i++) dst[at + i] = f32[from + i];
}

/** model.predict (see {@link PredictOptions}); every argument is checked before anything is allocated or written. */
export function predict(model: Sequential, x: PredictInput, options?: PredictOptions): Tensor | Float32Array {
  const o = checkOptions<PredictOptions>("predict", options, KEYS);
  const bs = batchSizeOption(o.batchSize, 32);
  if (o.output !== undefined && o.output !== "tensor" && o.output !== "array") throw new ValueError(`predict output must be 'tensor' or 'array'; received ${show(o.output)}.`);
  const outArray = isFloat32Array(o.out) ? o.out : null;
  if (o.out !== undefined && outArray === null && !(o.out instanceof Tensor)) throw new ValueError(`predict: out must be a Tensor or a Float32Array; received ${show(o.out)}.`);
  if (outArray && o.output === "tensor") throw new ValueError("predict: out is a Float32Array but output is 'tensor'; drop output (a Float32Array out means array output) or pass a Tensor as out.");
  if (o.out instanceof Tensor && o.output === "array") throw new ValueError("predict: out is a Tensor but output is 'array'; pass a Float32Array as out, or drop output.");
  const rt = model.rt;
  const { tensor: X, rows, n } = input(model, x);
  const inF = shapeSize(model.inputShape!), outF = shapeSize(model.outputShape!);
  const outShape = [n, ...model.outputShape!];
  let outTensor = o.out instanceof Tensor ? o.out : null;
  if (outTensor) {
    checkTensor("out", outTensor, rt);
    if (outTensor.size !== n * outF || outTensor.shape[0] !== n) throw new ShapeError(`predict: out ${showShape(outTensor.shape)} must be ${showShape(outShape)}.`);
    if (X && outTensor.ptr === X.ptr) throw new ValueError("predict: out must not be x.");
    if (rows && overlaps(rows, outTensor.data)) throw new ValueError("predict: out must not overlap x (x views out's memory).");
  }
  if (outArray) {
    if (outArray.length !== n * outF) throw new ShapeError(`predict: out is a Float32Array of ${outArray.length} floats; ${n} samples of output shape ${showShape(model.outputShape!)} need exactly ${n * outF} (pass buffer.subarray(0, ${n * outF}) to reuse a larger buffer).`);
    if ((rows && overlaps(outArray, rows)) || (X && outArray.buffer === rt.k.memory.buffer && overlaps(outArray, X.data))) throw new ValueError("predict: out must not overlap x.");
  }
  // views into WASM memory (someone's tensor.data) are detached if planning or the new tensor grows memory
  const rowsAt = memoryView(rt, rows), outAt = memoryView(rt, outArray);
  const plan = model.plan(Math.min(bs, Math.max(n, 1)), false);
  const asArray = outArray !== null || o.output === "array";
  if (!asArray) outTensor ??= new Tensor(rt, outShape);
  const src = rows && revive(rt, rows, rowsAt);
  const dst = asArray ? (outArray ? revive(rt, outArray, outAt) : new Float32Array(n * outF)) : null;
  const staged = plan.acts[0], result = plan.acts[plan.acts.length - 1];
  for (let r = 0; r < n; r += bs) {
    const b = Math.min(bs, n - r);
    if (src) rt.f32.set(b === n ? src : src.subarray(r * inF, (r + b) * inF), staged >> 2);
    const y = outTensor ? outTensor.ptr + 4 * r * outF : result;
    model.forwardInto(src ? staged : X!.ptr + 4 * r * inF, y, b, plan);
    if (dst) copyOut(dst, r * outF, rt.f32, y >> 2, b * outF);
  }
  return dst ?? outTensor!;
}
