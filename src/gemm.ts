// GEMM from TypeScript: validated tensor API (nn.matmul, nn.gemm), pointer-level entry points for the
// layers (gemmRaw, PackedWeights, denseForwardRaw), and the naive float64 reference.
//
// Packing W once per optimizer step does NOT pay off for training: gemm_gemm packs each element of B
// exactly once per call (loop order jc → pc → pack), so the forward X·W costs one pass over W for
// packing either way, and repack() after every step is that same pass moved. Backprop's dY·Wᵀ needs
// Wᵀ's panels (a different packing) and Xᵀ·dY does not read W at all. So training calls
// denseForwardRaw with the raw W pointer; PackedWeights are for inference, where one packing serves
// every batch, and for batch 1, where packing would cost as much as the GEMV itself.
import { checkName, checkNumber, checkOptions, ShapeError, show, showShape, ValueError } from "./errors.js";
import type { Runtime } from "./runtime.js";
import { checkTensor, Tensor } from "./tensor.js";
import { type GemmArgs, parallelGemm } from "./threads/gemm_parallel.js";

/** Activations the fused dense forward applies in the GEMM epilogue, with their kernel codes. */
export const DENSE_ACTIVATIONS = {
  linear: 0, relu: 1, leakyRelu: 2, sigmoid: 3, tanh: 4, gelu: 5, silu: 7, swish: 7,
} as const;
/** A name from {@link DENSE_ACTIVATIONS}. */
export type DenseActivation = keyof typeof DENSE_ACTIVATIONS;
const DENSE_NAMES = Object.keys(DENSE_ACTIVATIONS) as DenseActivation[];
const GELU_TANH = 6;

/** A checked epilogue (see {@link denseEpilogue}); resolve once, pass every batch. */
export interface DenseEpilogue {
  readonly activation: DenseActivation;
  /** Kernel code (gelu with approximate 'tanh' has its own). */
  readonly code: number;
  /** leakyRelu slope; 0 elsewhere. */
  readonly alpha: number;
}

/**
 * Resolves an epilogue once (validation happens here, not per batch). leakyRelu takes `alpha`
 * (default 0.01, as the activations table); gelu takes `approximate` 'none' (default) or 'tanh'.
 */
export function denseEpilogue(activation: DenseActivation, options?: { alpha?: number; approximate?: "none" | "tanh" }): DenseEpilogue {
  const name = checkName("dense activation", activation, DENSE_NAMES);
  const params = checkOptions<{ alpha?: number; approximate?: "none" | "tanh" }>("denseEpilogue", options, ["alpha", "approximate"]);
  const approximate = checkName("approximate", params.approximate ?? "none", ["none", "tanh"] as const);
  const alpha = name === "leakyRelu" ? checkNumber("alpha", params.alpha ?? 0.01) : 0;
  const code = name === "gelu" && approximate === "tanh" ? GELU_TANH : DENSE_ACTIVATIONS[name];
  return Object.freeze({ activation: name, code, alpha });
}

const LINEAR: DenseEpilogue = Object.freeze({ activation: "linear", code: 0, alpha: 0 });

/** Options of {@link gemmRaw}: every field required, nothing validated. */
export interface GemmRawOptions {
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  /** Leading dimensions in elements: the row stride of A, B, C as stored (A stored K×M when transA). */
  lda: number;
  ldb: number;
  ldc: number;
}

/** One packing workspace per instance, allocated on first use and kept (counted in nn.memory()). */
const workspaces = new WeakMap<Runtime, number>();
function workspace(rt: Runtime): number {
  let w = workspaces.get(rt);
  if (w === undefined) {
    w = rt.alloc(rt.k.gemm_workspace_floats());
    workspaces.set(rt, w);
  }
  return w;
}

/** C[M×N] = alpha·op(A)·op(B) + beta·C, row-major, leading dimensions lda/ldb/ldc (elements). C must not alias A or B. Pointer level (pass `nn.rt` and tensor `.ptr`s): nothing is validated. */
export function gemmRaw(rt: Runtime, c: number, a: number, b: number, m: number, n: number, k: number, o: GemmRawOptions): void {
  const flags = (o.transA ? 1 : 0) | (o.transB ? 2 : 0);
  run(rt, [c, a, b, m, n, k, flags, o.alpha, o.beta, o.lda, o.ldb, o.ldc, 0, 0, 0, 0]);
}

/** gemm_gemm on the pool's threads when the instance has them and the product is large enough (src/threads/), else here. */
function run(rt: Runtime, args: GemmArgs): void {
  if (rt.pool !== null && parallelGemm(rt, args)) return;
  args[15] = workspace(rt);
  rt.k.gemm_gemm(...args);
}

/**
 * W[K×N] (row-major, Keras kernel layout [in, units]) packed once into the microkernel's 8-column
 * panels. Owns its WASM buffer: dispose() it; repack(wPtr) after an optimizer step changed W.
 */
export class PackedWeights {
  readonly ptr: number;
  readonly floats: number;
  #disposed = false;

  /** @internal */
  constructor(readonly rt: Runtime, readonly k: number, readonly n: number) {
    this.floats = rt.k.gemm_packed_floats(k, n);
    this.ptr = rt.alloc(this.floats);
  }

  /** Packs W[K×N] at wPtr (row stride n) into this buffer again. */
  repack(wPtr: number): void {
    this.rt.k.gemm_pack_weights(this.ptr, wPtr, this.k, this.n, this.n);
  }

  get isDisposed(): boolean {
    return this.#disposed;
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.rt.free(this.ptr, this.floats);
  }
}

/** Packs W[K×N] at w (row stride n). Pointer level: not validated. */
export function packWeights(rt: Runtime, w: number, k: number, n: number): PackedWeights {
  const p = new PackedWeights(rt, k, n);
  p.repack(w);
  return p;
}

/**
 * Y[M×N] = act(X[M×K]·W + bias), bias pointer 0 = none, W packed or a raw [K×N] pointer. M = 1 runs
 * a GEMV. Y must not alias X or W. Pointer level: nothing is validated.
 */
export function denseForwardRaw(rt: Runtime, y: number, x: number, w: PackedWeights | number, bias: number, m: number, n: number, k: number, act: DenseEpilogue = LINEAR): void {
  const packed = typeof w !== "number";
  run(rt, [y, x, packed ? w.ptr : w, m, n, k, packed ? 4 : 0, 1, 0, k, n, n, bias, act.code, act.alpha, 0]);
}

/** Options of nn.matmul. */
export interface MatmulOptions {
  /** Use Aᵀ: a is stored [K, M]. Default false. */
  transposeA?: boolean;
  /** Use Bᵀ: b is stored [N, K]. Default false. */
  transposeB?: boolean;
}

/** Options of nn.gemm. */
export interface GemmOptions extends MatmulOptions {
  /** Scale of op(A)·op(B). Default 1. */
  alpha?: number;
  /** Scale of the old C; 0 (default) ignores C's contents, NaN included, as BLAS. */
  beta?: number;
}
// every key, so that a misspelt `transposeb` is refused instead of silently computing A·B
const MATMUL_KEYS = ["transposeA", "transposeB"] as const satisfies readonly (keyof MatmulOptions)[];
const GEMM_KEYS = [...MATMUL_KEYS, "alpha", "beta"] as const satisfies readonly (keyof GemmOptions)[];

function flag(what: string, v: unknown): boolean {
  if (v === undefined) return false;
  if (typeof v !== "boolean") throw new ValueError(`${what} must be a boolean; received ${show(v)}.`);
  return v;
}

/** Checks A, B (rank 2, inner dimensions agree) and returns M, N, K. */
function dims(op: string, rt: Runtime, a: unknown, b: unknown, tA: boolean, tB: boolean): { m: number; n: number; k: number; A: Tensor; B: Tensor } {
  const A = checkTensor("a", a, rt), B = checkTensor("b", b, rt);
  const desc = `a ${showShape(A.shape)}${tA ? " (transposed)" : ""} and b ${showShape(B.shape)}${tB ? " (transposed)" : ""}`;
  if (A.rank !== 2 || B.rank !== 2) throw new ShapeError(`${op}: a and b must be 2-D; received ${desc}.`);
  const [m, ka] = tA ? [A.shape[1], A.shape[0]] : [A.shape[0], A.shape[1]];
  const [kb, n] = tB ? [B.shape[1], B.shape[0]] : [B.shape[0], B.shape[1]];
  if (ka !== kb) throw new ShapeError(`${op}: inner dimensions differ: ${desc} give [${m},${ka}]·[${kb},${n}].`);
  return { m, n, k: ka, A, B };
}

/** op(A)·op(B) as a new [M, N] tensor. @internal */
export function matmul(rt: Runtime, a: Tensor, b: Tensor, opts?: MatmulOptions): Tensor {
  const options = checkOptions<MatmulOptions>("matmul", opts, MATMUL_KEYS);
  const tA = flag("transposeA", options.transposeA), tB = flag("transposeB", options.transposeB);
  const { m, n, k, A, B } = dims("matmul", rt, a, b, tA, tB);
  const c = new Tensor(rt, [m, n]);
  gemmRaw(rt, c.ptr, A.ptr, B.ptr, m, n, k, { transA: tA, transB: tB, alpha: 1, beta: 0, lda: A.shape[1], ldb: B.shape[1], ldc: n });
  return c;
}

/** c = alpha·op(A)·op(B) + beta·c in place; returns c. @internal */
export function gemm(rt: Runtime, c: Tensor, a: Tensor, b: Tensor, opts?: GemmOptions): Tensor {
  const options = checkOptions<GemmOptions>("gemm", opts, GEMM_KEYS);
  const tA = flag("transposeA", options.transposeA), tB = flag("transposeB", options.transposeB);
  const alpha = checkNumber("alpha", options.alpha ?? 1), beta = checkNumber("beta", options.beta ?? 0);
  const { m, n, k, A, B } = dims("gemm", rt, a, b, tA, tB);
  const C = checkTensor("c", c, rt);
  if (C.rank !== 2 || C.shape[0] !== m || C.shape[1] !== n) {
    throw new ShapeError(`gemm: c ${showShape(C.shape)} must be [${m},${n}] for a ${showShape(A.shape)} and b ${showShape(B.shape)}.`);
  }
  if (C === A || C === B || C.ptr === A.ptr || C.ptr === B.ptr) {
    throw new ValueError(`gemm: c must not alias ${C.ptr === A.ptr ? "a" : "b"}: the result would overwrite an input while it is read.`);
  }
  gemmRaw(rt, C.ptr, A.ptr, B.ptr, m, n, k, { transA: tA, transB: tB, alpha, beta, lda: A.shape[1], ldb: B.shape[1], ldc: n });
  return C;
}

/**
 * The reference: the naive triple loop in float64 over float32 inputs (Float64Array result).
 * op(A)(i,p) = tA ? a[p·lda + i] : a[i·lda + p]; likewise B. C's old values enter only when beta ≠ 0.
 */
export function gemmReference(c: ArrayLike<number> | null, a: ArrayLike<number>, b: ArrayLike<number>, m: number, n: number, k: number,
  o: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number; lda: number; ldb: number; ldc: number }): Float64Array {
  const alpha = o.alpha ?? 1, beta = o.beta ?? 0;
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += a[o.transA ? p * o.lda + i : i * o.lda + p] * b[o.transB ? j * o.ldb + p : p * o.ldb + j];
      out[i * n + j] = alpha * s + (beta !== 0 && c ? beta * c[i * o.ldc + j] : 0);
    }
  }
  return out;
}
