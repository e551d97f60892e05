import { DisposedError, ShapeError, ValueError, show, showShape } from "./errors.js";
import type { Runtime } from "./runtime.js";

/** Nested arrays of numbers, as `toArray()` returns and `nn.tensor()` accepts. */
export type NestedArray = number | NestedArray[];
/** The typed arrays of numbers (not of bigints) that `nn.tensor()` reads, converting to float32. */
export type NumericTypedArray = Float32Array | Float64Array | Int8Array | Uint8Array | Uint8ClampedArray | Int16Array | Uint16Array | Int32Array | Uint32Array;
/** Anything `nn.tensor()` turns into a tensor. */
export type TensorLike = NestedArray | NumericTypedArray | readonly number[];
/** The only element type simdnn tensors have; accepted where tfjs takes a `dtype` argument. */
export type DType = "float32";

declare global {
  interface SymbolConstructor {
    // Declared as lib.esnext.disposable and @types/node declare it (identical declarations merge), so
    // Tensor's `[Symbol.dispose]` type-checks in a consumer whose lib predates explicit resource management.
    readonly dispose: unique symbol;
  }
}

// Hosts without Symbol.dispose (Node < 18.18, older browsers) get the method under the registry symbol;
// a polyfill must be loaded before simdnn for `using` to find it there.
const disposeSymbol: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for("Symbol.dispose");

// Merged into the class below: the `[Symbol.dispose]` member `using` needs (TS2850 without it). It is
// installed at run time under `disposeSymbol`, after the class, so that no host ever sees a method keyed "undefined".
export interface Tensor {
  /** Same as dispose(): `using t = nn.ones([2])` frees t at the end of the block. */
  [Symbol.dispose](): void;
}

/**
 * A float32 tensor living in the WASM module's linear memory. `data` is a view, not a copy: writing
 * to it changes the tensor. Free it with `dispose()` (or `using t = …` where supported).
 */
export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  #ptr: number;
  #view: Float32Array | null = null;
  /** @internal */
  readonly rt: Runtime;

  /** @internal Use nn.tensor / nn.zeros. Allocates uninitialised memory. */
  constructor(rt: Runtime, shape: readonly number[]) {
    this.rt = rt;
    // another tensor's shape is frozen already and can be shared (slicing a frozen array takes V8's slow path: 117 ns)
    this.shape = Object.isFrozen(shape) ? shape : Object.freeze([...shape]);
    this.size = shapeSize(this.shape);
    this.#ptr = rt.alloc(this.size);
    rt.scopes[rt.scopes.length - 1]?.push(this);
  }

  /** Number of axes. */
  get rank(): number {
    return this.shape.length;
  }

  /** Byte address in WASM memory (16-byte aligned), for calling kernels directly. */
  get ptr(): number {
    if (this.#ptr < 0) throw new DisposedError(`Tensor ${showShape(this.shape)} was used after dispose().`);
    return this.#ptr;
  }

  get isDisposed(): boolean {
    return this.#ptr < 0;
  }

  /** A Float32Array over the tensor's memory; stays valid across memory.grow (rebuilt on access). */
  get data(): Float32Array {
    const ptr = this.ptr;
    const v = this.#view;
    if (v !== null && this.rt.isCurrent(v)) return v;
    return (this.#view = new Float32Array(this.rt.k.memory.buffer, ptr, this.size));
  }

  /** Copies the values out as nested arrays of the tensor's shape (a number for rank 0). */
  toArray(): NestedArray {
    const data = this.data;
    if (this.shape.length === 0) return data[0];
    const build = (axis: number, offset: number, stride: number): NestedArray[] => {
      const n = this.shape[axis];
      const inner = stride / Math.max(n, 1);
      const out: NestedArray[] = new Array(n);
      for (let i = 0; i < n; i++) {
        out[i] = axis === this.shape.length - 1 ? data[offset + i] : build(axis + 1, offset + i * inner, inner);
      }
      return out;
    };
    return build(0, 0, this.size);
  }

  /** A new tensor with the same values. */
  clone(): Tensor {
    void this.ptr; // throws DisposedError before anything is allocated
    const t = new Tensor(this.rt, this.shape);
    t.data.set(this.data); // read after the allocation: it may have grown memory and detached older views
    return t;
  }

  /** Frees the memory. Later use throws DisposedError; disposing twice is harmless. */
  dispose(): void {
    if (this.#ptr < 0) return;
    this.rt.free(this.#ptr, this.size);
    this.#ptr = -1;
    this.#view = null;
  }

  toString(): string {
    return this.isDisposed ? `Tensor ${showShape(this.shape)} (disposed)` : `Tensor ${showShape(this.shape)} ${JSON.stringify(this.toArray())}`;
  }
}

Object.defineProperty(Tensor.prototype, disposeSymbol, {
  value: function dispose(this: Tensor): void {
    this.dispose();
  },
  writable: true,
  configurable: true,
});

/** Product of the dimensions (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Throws ShapeError unless `shape` is an array of non-negative integers. */
export function checkShape(what: string, shape: unknown): readonly number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ShapeError(`${what} must be an array of non-negative integers; received ${show(shape)}.`);
  }
  return shape as number[];
}

/** Throws unless `t` is a live Tensor of this instance. */
export function checkTensor(what: string, t: unknown, rt: Runtime): Tensor {
  if (!(t instanceof Tensor)) throw new ValueError(`${what} must be a Tensor; received ${show(t)}.`);
  if (t.isDisposed) throw new DisposedError(`${what} (Tensor ${showShape(t.shape)}) was used after dispose().`);
  if (t.rt !== rt) throw new ValueError(`${what} belongs to another simdnn instance (backend '${t.rt.backend}').`);
  return t;
}

/** Two shapes are equal (a loop: this runs on every checked call). */
export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Throws ShapeError unless two shapes are equal; names both arguments and prints both shapes. */
export function checkSameShape(aName: string, a: Tensor, bName: string, b: Tensor): void {
  if (!sameShape(a.shape, b.shape)) {
    throw new ShapeError(`${aName} ${showShape(a.shape)} and ${bName} ${showShape(b.shape)} must have the same shape.`);
  }
}

/** Flattens nested arrays (checking they are rectangular and numeric) and infers their shape. */
export function flattenNested(values: NestedArray | readonly number[]): { flat: number[]; shape: number[] } {
  const shape: number[] = [];
  let probe: unknown = values;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    probe = probe[0];
  }
  const flat: number[] = [];
  const walk = (v: unknown, axis: number, path: string): void => {
    if (axis === shape.length) {
      if (typeof v !== "number") throw new ValueError(`Tensor values must be numbers; received ${show(v)} at ${path || "the top"}.`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[axis]) {
      throw new ShapeError(`Nested arrays are ragged: expected ${shape[axis]} entries at values${path}, received ${show(v)}.`);
    }
    for (let i = 0; i < v.length; i++) walk(v[i], axis + 1, `${path}[${i}]`);
  };
  walk(values, 0, "");
  return { flat, shape };
}

/** Typed arrays whose elements are numbers; BigInt64Array, BigUint64Array and DataView are not among them. */
const NUMERIC_ARRAYS = ["Float32Array", "Float64Array", "Int8Array", "Uint8Array", "Uint8ClampedArray", "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float16Array"];

/**
 * nn.tensor's input checked and flattened, before anything is allocated: nested arrays or a typed array of
 * numbers, and the shape (the given one, which must hold as many values, or the inferred one).
 */
export function tensorValues(values: unknown, shape?: readonly number[]): { flat: ArrayLike<number>; shape: readonly number[] } {
  let flat: ArrayLike<number>;
  let inferred: readonly number[];
  if (ArrayBuffer.isView(values)) {
    const kind = Object.prototype.toString.call(values).slice(8, -1); // the element type even for subclasses and other realms
    if (!NUMERIC_ARRAYS.includes(kind)) {
      const fix = kind.startsWith("Big") ? "; its elements are bigints: convert them first, e.g. Float64Array.from(values, Number)" : "; pass a typed array of numbers (Float32Array, Int32Array…)";
      throw new ValueError(`nn.tensor(values) received a ${kind}${fix}.`);
    }
    flat = values as unknown as ArrayLike<number>;
    inferred = [flat.length];
  } else if (Array.isArray(values) || typeof values === "number") {
    const f = flattenNested(values as NestedArray);
    flat = f.flat;
    inferred = f.shape;
  } else {
    throw new ValueError(`nn.tensor(values) expects nested arrays of numbers or a typed array; received ${show(values)}.`);
  }
  if (shape === undefined) return { flat, shape: inferred };
  checkShape("shape", shape);
  if (shapeSize(shape) !== flat.length) {
    throw new ShapeError(`nn.tensor: shape ${showShape(shape)} holds ${shapeSize(shape)} values but ${flat.length} were given (shape of values ${showShape(inferred)}).`);
  }
  return { flat, shape };
}

/** tfjs' `dtype` argument: only 'float32' (or nothing) is accepted, since every simdnn tensor is float32. */
export function checkDtype(what: string, dtype: unknown): void {
  if (dtype !== undefined && dtype !== "float32") {
    throw new ValueError(`${what}: dtype ${show(dtype)} is not supported; simdnn tensors are float32 (pass 'float32' or leave it out).`);
  }
}
