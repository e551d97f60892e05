/** Base class of every error simdnn throws on purpose. */
export class SimdnnError extends Error {
  override name = "SimdnnError";
}

/** A tensor's shape does not fit: the message prints what was received and what was expected. */
export class ShapeError extends SimdnnError {
  override name = "ShapeError";
}

/** An argument has the wrong type or value (unknown name, negative size, label out of range…). */
export class ValueError extends SimdnnError {
  override name = "ValueError";
}

/** The requested WASM build cannot run on this host, or the module could not be loaded. */
export class BackendError extends SimdnnError {
  override name = "BackendError";
}

/** A tensor (or model) was used after dispose(). */
export class DisposedError extends SimdnnError {
  override name = "DisposedError";
}

/** Short printable form of any received value, for error messages. */
export function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length > 8 ? value.slice(0, 8).map(show).join(", ") + ", …" : value.map(show).join(", ")}]`;
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean" || value == null) return String(value);
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  if (typeof value === "object") return (value as object).constructor?.name ?? "object";
  return typeof value;
}

/** Shapes as Keras prints them: [2,3]. */
export function showShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Throws ValueError unless `value` is one of `valid`; the message lists the valid names. */
export function checkName<T extends string>(what: string, value: unknown, valid: readonly T[]): T {
  if (typeof value === "string" && (valid as readonly string[]).includes(value)) return value as T;
  throw new ValueError(`Unknown ${what} ${show(value)}; expected one of: ${valid.join(", ")}.`);
}

/** Throws ValueError unless `value` is a finite number (in [min, max] when given). */
export function checkNumber(what: string, value: unknown, min = -Infinity, max = Infinity): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? "a finite number" : `a number in [${min}, ${max}]`;
    throw new ValueError(`${what} must be ${range}; received ${show(value)}.`);
  }
  return value;
}

/** Throws ValueError unless `value` is an integer in [min, max]. */
export function checkInt(what: string, value: unknown, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new ValueError(`${what} must be an integer in [${min}, ${max}]; received ${show(value)}.`);
  }
  return value;
}

export type Options<T> = { readonly [K in keyof T]?: T[K] };

/** Throws ValueError unless `options` is an object (or undefined) whose keys are all in `valid`. */
export function checkOptions<T extends object>(what: string, options: unknown, valid: readonly string[]): Options<T> {
  if (options === undefined) return {};
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new ValueError(`${what} options must be an object; received ${show(options)}.`);
  }
  const unknown = Object.keys(options).filter((k) => !valid.includes(k));
  if (unknown.length > 0) {
    const accepted = valid.length > 0 ? `expected some of: ${valid.join(", ")}` : "it takes none";
    throw new ValueError(`${what}: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map(show).join(", ")}; ${accepted}.`);
  }
  return options as Options<T>;
}

/** A number > 0 (checkNumber's closed ranges cannot say "strictly positive"). */
export function checkPositive(what: string, value: unknown): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new ValueError(`${what} must be a finite number > 0; received ${show(value)}.`);
  return value;
}

export function checkBool(what: string, value: unknown): boolean {
  if (typeof value !== "boolean") throw new ValueError(`${what} must be a boolean; received ${show(value)}.`);
  return value;
}

/**
 * A model file (layers-model JSON, weights, ONNX, safetensors) is malformed or unsupported: the
 * message names the file, the layer, weight or operator, and what was wrong.
 */
export class FormatError extends SimdnnError {
  override name = "FormatError";
}

/**
 * The model is busy: a fit (or trainOnBatch) is running and the call would change what it uses
 * (a second fit, compile, add, setWeights). Await the running fit first.
 */
export class BusyError extends SimdnnError {
  override name = "BusyError";
}

/** A kernel failed on a worker, or a worker stopped answering. The message names the worker and the kernel. */
export class ThreadError extends SimdnnError {
  override name = "ThreadError";
}
