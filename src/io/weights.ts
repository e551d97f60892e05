// Weights as tfjs stores them: the values of every weight back to back in manifest order, little
// endian, float32 or int32, or quantized the way tfjs-converter writes them (uint8/uint16 affine,
// float16) and dequantized at load exactly as tfjs-core's io.decodeWeights does.
import { FormatError, ShapeError, ValueError, show, showShape } from "../errors.js";
import type { Quantization, WeightsManifestEntry } from "./artifacts.js";
import { float16BitsToFloat32, float32BitsToFloat16 } from "./float16.js";

export { float16ToFloat32, float32ToFloat16 } from "./float16.js";

/** The most values one weight may hold (2^28 float32 = 1 GiB): a manifest claiming more is refused before allocating. */
export const MAX_WEIGHT_VALUES = 2 ** 28;

export type WeightGroup = "model" | "optimizer";
export type QuantizeDtype = "float16" | "uint8" | "uint16";

/** One weight to write: its name (`dense_1/kernel`), shape and values. */
export interface WeightEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly values: Float32Array;
  /** 'optimizer' for optimizer state; such weights are never quantized. */
  readonly group?: WeightGroup;
}

/** One weight read back, always as float32; `values` may be a view of the bytes decoded (treat it as read-only). */
export interface DecodedWeight {
  shape: number[];
  readonly values: Float32Array;
  group: WeightGroup;
  /** Writes the values into `dst` (exactly the weight's size): from a WeightSource, float32 bytes land there directly. */
  writeTo(dst: Float32Array): void;
}

/**
 * Weight bytes read where they are needed rather than held: a file:// model's shards. `read` fills `dst` with
 * the bytes at `offset` of the shards joined in manifest order, or throws a FormatError.
 */
export interface WeightSource {
  readonly byteLength: number;
  read(dst: Uint8Array, offset: number): void;
}

const QUANTIZE_DTYPES: readonly QuantizeDtype[] = ["float16", "uint8", "uint16"];
const BYTES: Record<QuantizeDtype | "float32" | "int32", number> = { float32: 4, int32: 4, float16: 2, uint8: 1, uint16: 2 };

/**
 * Encodes weights into one buffer and its manifest entries (float32 unless `quantize` says otherwise).
 * Quantization follows tfjs-converter (quantization.py): uint8/uint16 take the tensor's min and max in
 * float64, scale = (max − min)/(2^bits − 1), and when 0 lies in [min, max] nudge min to −round(−min/scale)·scale
 * so that 0 is exact; a constant tensor is all zeros with scale 1 and min = the constant. float16 rounds to
 * nearest even. Only model-group weights are quantized; tfjs' `original_dtype: 'float32'` is written.
 */
export function encodeWeights(
  entries: readonly WeightEntry[],
  options?: { readonly quantize?: QuantizeDtype },
): { specs: WeightsManifestEntry[]; data: ArrayBuffer } {
  if (!Array.isArray(entries)) throw new ValueError(`encodeWeights: entries must be an array; received ${show(entries)}.`);
  const quantize = options?.quantize;
  if (quantize !== undefined && !QUANTIZE_DTYPES.includes(quantize)) {
    throw new ValueError(`encodeWeights: unknown quantize ${show(quantize)}; expected one of: ${QUANTIZE_DTYPES.join(", ")}.`);
  }
  const names = new Set<string>();
  const plans = entries.map((entry) => {
    const name = entry?.name;
    if (typeof name !== "string" || name === "") throw new ValueError(`encodeWeights: a weight name must be a non-empty string; received ${show(name)}.`);
    if (names.has(name)) throw new ValueError(`encodeWeights: duplicate weight name ${show(name)}.`);
    names.add(name);
    if (!(entry.values instanceof Float32Array)) throw new ValueError(`encodeWeights: weight ${show(name)} values must be a Float32Array; received ${show(entry.values)}.`);
    const shape = checkEncodeShape(name, entry.shape);
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== entry.values.length) {
      throw new ShapeError(`encodeWeights: weight ${show(name)} has shape ${showShape(shape)} (${size} values) but ${entry.values.length} values.`);
    }
    if (entry.group !== undefined && entry.group !== "model" && entry.group !== "optimizer") {
      throw new ValueError(`encodeWeights: weight ${show(name)} group must be 'model' or 'optimizer'; received ${show(entry.group)}.`);
    }
    const q = entry.group === "optimizer" ? undefined : quantize;
    return { entry, name, shape, q, bytes: size * BYTES[q ?? "float32"] };
  });
  const data = new ArrayBuffer(plans.reduce((a, p) => a + p.bytes, 0));
  const dataBytes = new Uint8Array(data);
  const specs: WeightsManifestEntry[] = [];
  let offset = 0;
  for (const { entry, name, shape, q, bytes } of plans) {
    const spec: WeightsManifestEntry = { name, shape, dtype: "float32" };
    if (entry.group !== undefined) spec.group = entry.group;
    // Encoded into its own typed array, then copied bytewise: offsets after a uint8 or float16 weight need not be aligned.
    const encoded = q === undefined ? entry.values : quantize1(name, entry.values, q, spec);
    dataBytes.set(new Uint8Array(encoded.buffer, encoded.byteOffset, encoded.byteLength), offset);
    specs.push(spec);
    offset += bytes;
  }
  return { specs, data };
}

function checkEncodeShape(name: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ValueError(`encodeWeights: weight ${show(name)} shape must be an array of non-negative integers; received ${show(shape)}.`);
  }
  return [...(shape as number[])];
}

/** Quantizes one weight's values, writing the quantization entry into `spec`. */
function quantize1(name: string, values: Float32Array, dtype: QuantizeDtype, spec: WeightsManifestEntry): Uint8Array | Uint16Array {
  const n = values.length;
  if (dtype === "float16") {
    // The float32 bits through a Uint32Array over the same bytes (a Float32Array's byteOffset is always a multiple of 4).
    const bits = new Uint32Array(values.buffer, values.byteOffset, n);
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = float32BitsToFloat16(bits[i]);
    spec.quantization = { dtype, original_dtype: "float32" };
    return out;
  }
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) throw new ValueError(`encodeWeights: weight ${show(name)} holds ${v} at index ${i}; ${dtype} quantization needs finite values.`);
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = dtype === "uint8" ? new Uint8Array(n) : new Uint16Array(n);
  // A constant tensor: every value is min, stored as 0 with scale 1 (what the converter writes; empty: min 0).
  if (min === max || n === 0) {
    spec.quantization = { dtype, min: n === 0 ? 0 : min, scale: 1, original_dtype: "float32" };
    return out;
  }
  const qmax = dtype === "uint8" ? 255 : 65535;
  const scale = (max - min) / qmax;
  let lo = min, hi = max;
  if (min <= 0 && 0 <= max) {
    // Nudge the range so that 0 is a grid point (TF-Lite's NudgeQuantizationRange; not done when 0 is outside).
    lo = -roundHalfEven(-min / scale) * scale;
    hi = qmax * scale + lo;
  }
  for (let i = 0; i < n; i++) {
    const clipped = Math.min(Math.max(values[i], lo), hi);
    out[i] = Math.min(qmax, Math.max(0, roundHalfEven((clipped - lo) / scale)));
  }
  spec.quantization = { dtype, min: lo, scale, original_dtype: "float32" };
  return out;
}

/** numpy's np.round: to nearest, ties to even. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

type Dtype = "float32" | "int32";

interface Plan {
  name: string;
  shape: number[];
  size: number;
  dtype: Dtype;
  q: Quantization | undefined;
  group: WeightGroup;
  offset: number;
  bytes: number;
}

/**
 * Decodes weights (float32, int32 as float, uint8/uint16/float16 quantized) into float32 values.
 * `data` is one buffer or the shards in manifest order (concatenated once). Every spec is validated and
 * the byte total checked against the bytes given before any weight is allocated; every problem is a
 * FormatError that names `where` (e.g. "model.json at file:///m"), the weight and the byte offsets.
 */
export function decodeWeights(
  specs: readonly WeightsManifestEntry[],
  data: ArrayBuffer | readonly ArrayBuffer[] | WeightSource,
  where: string,
): Map<string, DecodedWeight> {
  const out = new Map<string, DecodedWeight>();
  if (isSource(data)) {
    for (const p of planWeights(specs, data.byteLength, where)) out.set(p.name, sourcedWeight(p, data));
    return out;
  }
  const bytes = joinShards(data, where);
  for (const p of planWeights(specs, bytes.byteLength, where)) {
    const values = decodeOne(p, bytes);
    out.set(p.name, { shape: p.shape, values, group: p.group, writeTo: (dst) => dst.set(values) });
  }
  return out;
}

const isSource = (d: unknown): d is WeightSource => d !== null && typeof d === "object" && typeof (d as WeightSource).read === "function";

/**
 * A weight whose bytes stay in the source until asked for: writeTo reads float32 straight into its place
 * (a cold model load then touches each weight's memory once, in the read itself), anything else decodes.
 */
function sourcedWeight(p: Plan, source: WeightSource): DecodedWeight {
  let values: Float32Array | undefined;
  const decoded = (): Float32Array => {
    if (values === undefined) {
      const bytes = new Uint8Array(p.bytes);
      source.read(bytes, p.offset);
      values = decodeOne({ ...p, offset: 0 }, bytes);
    }
    return values;
  };
  return {
    shape: p.shape,
    group: p.group,
    get values() {
      return decoded();
    },
    writeTo(dst: Float32Array): void {
      if (values === undefined && p.q === undefined && p.dtype === "float32" && LITTLE_ENDIAN) source.read(new Uint8Array(dst.buffer, dst.byteOffset, p.bytes), p.offset);
      else dst.set(decoded());
    },
  };
}

function joinShards(data: ArrayBuffer | readonly ArrayBuffer[], where: string): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (!Array.isArray(data) || !data.every((b) => b instanceof ArrayBuffer)) {
    throw new FormatError(`${where}: weight data must be an ArrayBuffer or an array of them; received ${show(data)}.`);
  }
  if (data.length === 1) return new Uint8Array(data[0]);
  const joined = new Uint8Array(data.reduce((a, b) => a + b.byteLength, 0));
  let at = 0;
  for (const b of data) {
    joined.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return joined;
}

/** Validates every spec and lays the weights out; checks the total against the bytes present. */
function planWeights(specs: unknown, available: number, where: string): Plan[] {
  if (!Array.isArray(specs)) throw new FormatError(`${where}: the weight specs must be an array; received ${show(specs)}.`);
  const names = new Set<string>();
  const plans: Plan[] = [];
  let offset = 0;
  specs.forEach((spec: unknown, i: number) => {
    const at = `${where}: weight ${i}`;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) throw new FormatError(`${at} must be an object; received ${show(spec)}.`);
    const s = spec as Record<string, unknown>;
    if (typeof s.name !== "string") throw new FormatError(`${at}: name must be a string; received ${show(s.name)}.`);
    const name = s.name;
    const it = `${where}: weight ${show(name)}`;
    if (names.has(name)) throw new FormatError(`${it} appears twice in the manifest; names must be unique.`);
    names.add(name);
    const shape = checkShape(s.shape, it);
    const size = shape.reduce((a, b) => a * b, 1);
    const dtype = checkDtype(s.dtype, it);
    const group = s.group === undefined || s.group === null ? "model" : s.group;
    if (group !== "model" && group !== "optimizer") throw new FormatError(`${it}: group must be "model" or "optimizer"; received ${show(s.group)}.`);
    const q = checkQuantization(s.quantization, dtype, it);
    const bytes = size * BYTES[q?.dtype ?? dtype];
    plans.push({ name, shape, size, dtype, q, group, offset, bytes });
    offset += bytes;
  });
  if (offset > available) {
    const p = plans.find((x) => x.offset + x.bytes > available)!;
    throw new FormatError(
      `${where}: weight ${show(p.name)} (bytes ${p.offset}..${p.offset + p.bytes}) runs past the end of the weight data: ` +
        `the manifest needs ${offset} bytes, received ${available} (truncated or missing shard?).`,
    );
  }
  if (offset < available) {
    throw new FormatError(`${where}: the manifest needs ${offset} bytes of weight data but received ${available} (${available - offset} extra bytes after the last weight).`);
  }
  return plans;
}

function checkShape(shape: unknown, it: string): number[] {
  if (!Array.isArray(shape)) throw new FormatError(`${it}: shape must be an array of non-negative integers; received ${show(shape)}.`);
  let size = 1;
  for (const d of shape) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) {
      throw new FormatError(`${it}: shape must be an array of non-negative integers; received ${show(shape)} (bad dimension ${show(d)}).`);
    }
    size *= d;
    if (size > MAX_WEIGHT_VALUES) throw new FormatError(`${it}: shape ${show(shape)} holds more than ${MAX_WEIGHT_VALUES} values (the most one weight may have).`);
  }
  return [...(shape as number[])];
}

function checkDtype(dtype: unknown, it: string): Dtype {
  if (dtype === "float32" || dtype === "int32") return dtype;
  if (dtype === "bool" || dtype === "string" || dtype === "complex64") {
    throw new FormatError(`${it}: unsupported dtype ${show(dtype)}; simdnn reads float32 and int32 weights.`);
  }
  throw new FormatError(`${it}: unknown dtype ${show(dtype)}; expected "float32" or "int32".`);
}

function checkQuantization(q: unknown, dtype: Dtype, it: string): Quantization | undefined {
  if (q === undefined || q === null) return undefined;
  if (typeof q !== "object" || Array.isArray(q)) throw new FormatError(`${it}: quantization must be an object; received ${show(q)}.`);
  const r = q as Record<string, unknown>;
  if (r.dtype === "float16") {
    if (dtype !== "float32") throw new FormatError(`${it}: float16 quantization is for float32 weights, not ${dtype} (as tfjs).`);
    return { dtype: "float16" };
  }
  if (r.dtype !== "uint8" && r.dtype !== "uint16") {
    throw new FormatError(`${it}: unknown quantization dtype ${show(r.dtype)}; expected one of: ${QUANTIZE_DTYPES.join(", ")}.`);
  }
  for (const key of ["scale", "min"] as const) {
    if (typeof r[key] !== "number" || !Number.isFinite(r[key])) {
      throw new FormatError(`${it}: ${r.dtype} quantization needs a finite number "${key}"; received ${show(r[key])}.`);
    }
  }
  return { dtype: r.dtype, scale: r.scale as number, min: r.min as number };
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

/** One weight as float32: a view of `bytes` where it can be (aligned float32, little-endian host), else a copy. */
function decodeOne(p: Plan, bytes: Uint8Array): Float32Array {
  const q = p.q;
  // float32 at an aligned offset: a view of the caller's bytes, no copy (the loader copies once, into WASM
  // memory); on a big-endian host the bytes are not floats as they lie, so those always go through a copy
  const at = bytes.byteOffset + p.offset;
  if (q === undefined && p.dtype === "float32" && at % 4 === 0 && LITTLE_ENDIAN) return new Float32Array(bytes.buffer, at, p.size);
  // One copy into a fresh, aligned buffer (offsets after uint8/float16 weights need not be multiples of 4).
  const own = bytes.slice(p.offset, p.offset + p.bytes).buffer;
  if (q === undefined) return p.dtype === "float32" ? new Float32Array(own) : Float32Array.from(new Int32Array(own));
  const values = new Float32Array(p.size);
  if (q.dtype === "float16") {
    const halves = new Uint16Array(own);
    const bits = new Uint32Array(values.buffer);
    for (let i = 0; i < p.size; i++) bits[i] = float16BitsToFloat32(halves[i]);
    return values;
  }
  const codes = q.dtype === "uint8" ? new Uint8Array(own) : new Uint16Array(own);
  const scale = q.scale!, min = q.min!;
  // Same arithmetic as tfjs (q·scale + min in float64, one rounding to float32); int32 weights round to integers
  // and go through an Int32Array as in tfjs (so −0 becomes 0 and out-of-range values wrap identically).
  if (p.dtype === "float32") {
    for (let i = 0; i < p.size; i++) values[i] = codes[i] * scale + min;
    return values;
  }
  const ints = new Int32Array(p.size);
  for (let i = 0; i < p.size; i++) ints[i] = Math.round(codes[i] * scale + min);
  values.set(ints);
  return values;
}
