// safetensors (huggingface/safetensors, README "Format"): an 8-byte little-endian u64 N, N bytes of
// UTF-8 JSON header `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": {…} }`,
// then the byte buffer, tensors row-major little endian, offsets relative to the buffer. The reader
// trusts nothing: every length is checked against the bytes present before anything is allocated,
// so a hostile file costs at most a few times its own size. Entry point `simdnn/safetensors`.
import { FormatError, ShapeError, show, showShape, ValueError } from "../errors.js";
import { Tensor } from "../tensor.js";
import { float16ToFloat32 } from "./float16.js";

export { loadStateDict, modelStateDict, modelToSafetensors, type LoadStateDictOptions, type LoadStateDictResult, type StateDictLayout, type StateDictTensor } from "./state_dict.js";

/** The reference implementation refuses headers above 100 MB (MAX_HEADER_SIZE in safetensors/src/tensor.rs). */
export const MAX_HEADER_BYTES = 100_000_000;

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** 8-bit floats: E5M2 is the top byte of a half; E4M3 is the "fn" variant (no Inf, S.1111.111 is NaN, bias 7). */
function f8e4m3(b: number): number {
  const s = b & 0x80 ? -1 : 1, e = (b >> 3) & 15, m = b & 7;
  if (e === 15 && m === 7) return NaN;
  return e === 0 ? s * m * 2 ** -9 : s * (1 + m / 8) * 2 ** (e - 7);
}

const bf16Bits = new Uint32Array(1);
const bf16Value = new Float32Array(bf16Bits.buffer);

/**
 * The dtypes read, in the reference's alignment order (its `Dtype` enum), with their size and how one
 * element at a byte offset becomes a number (float32 stores it: F64 and 64-bit integers round to nearest).
 */
const DTYPES = {
  BOOL: { bytes: 1, read: (v: DataView, o: number) => (v.getUint8(o) ? 1 : 0) },
  U8: { bytes: 1, read: (v: DataView, o: number) => v.getUint8(o) },
  I8: { bytes: 1, read: (v: DataView, o: number) => v.getInt8(o) },
  F8_E5M2: { bytes: 1, read: (v: DataView, o: number) => float16ToFloat32(v.getUint8(o) << 8) },
  F8_E4M3: { bytes: 1, read: (v: DataView, o: number) => f8e4m3(v.getUint8(o)) },
  I16: { bytes: 2, read: (v: DataView, o: number) => v.getInt16(o, true) },
  U16: { bytes: 2, read: (v: DataView, o: number) => v.getUint16(o, true) },
  F16: { bytes: 2, read: (v: DataView, o: number) => float16ToFloat32(v.getUint16(o, true)) },
  BF16: { bytes: 2, read: (v: DataView, o: number) => ((bf16Bits[0] = v.getUint16(o, true) << 16), bf16Value[0]) },
  I32: { bytes: 4, read: (v: DataView, o: number) => v.getInt32(o, true) },
  U32: { bytes: 4, read: (v: DataView, o: number) => v.getUint32(o, true) },
  F32: { bytes: 4, read: (v: DataView, o: number) => v.getFloat32(o, true) },
  F64: { bytes: 8, read: (v: DataView, o: number) => v.getFloat64(o, true) },
  I64: { bytes: 8, read: (v: DataView, o: number) => Number(v.getBigInt64(o, true)) },
  U64: { bytes: 8, read: (v: DataView, o: number) => Number(v.getBigUint64(o, true)) },
} as const;

/** A dtype name as the header spells it. */
export type SafetensorsDtype = keyof typeof DTYPES;
export const SAFETENSORS_DTYPES = Object.keys(DTYPES) as SafetensorsDtype[];

/** One tensor read from a file: its stored dtype and shape, and its values converted to float32 (a copy). */
export interface SafetensorsTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

/** A whole file: tensors by name (in header order) and the `__metadata__` strings. */
export interface Safetensors {
  tensors: Record<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

/** What writeSafetensors takes for one tensor: a Float32Array (shape [length]), values with a shape, or a Tensor. */
export type SafetensorsSource = Float32Array | Readonly<{ data: Float32Array; shape: readonly number[] }> | Tensor;

/** Sets a key without ever touching the prototype (a tensor may be called "__proto__"). */
function define<T>(record: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;

/**
 * The top-level keys of a header JSON.parse has already accepted, in order, duplicates included:
 * JSON.parse keeps the last of two equal keys silently, and the format forbids duplicates.
 */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i;
      for (i++; text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      if (depth !== 1) continue;
      let j = i + 1;
      while (/\s/.test(text[j])) j++;
      if (text[j] === ":") keys.push(JSON.parse(text.slice(start, i + 1)) as string);
    } else if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return keys;
}

interface Entry {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  size: number;
  begin: number;
  end: number;
}

/** Checks one header entry: known dtype, non-negative integer shape, offsets whose span fits shape·bytes(dtype). */
function parseEntry(where: string, name: string, info: unknown): Entry {
  const at = `${where}: tensor ${JSON.stringify(name)}`;
  if (!isRecord(info)) throw new FormatError(`${at}: expected { dtype, shape, data_offsets }; received ${show(info)}.`);
  const { dtype, shape, data_offsets: offsets } = info;
  if (typeof dtype !== "string" || !Object.hasOwn(DTYPES, dtype)) {
    throw new FormatError(`${at}: unknown dtype ${show(dtype)}; expected one of: ${SAFETENSORS_DTYPES.join(", ")}.`);
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new FormatError(`${at}: shape must be an array of non-negative integers; received ${show(shape)}.`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[1] < offsets[0]) {
    throw new FormatError(`${at}: data_offsets must be [begin, end] with 0 ≤ begin ≤ end; received ${show(offsets)}.`);
  }
  // the product is exact while it stays below 2^53; above that it cannot match any span a file holds
  const size = shape.reduce((a: number, d: number) => a * d, 1);
  const bytes = DTYPES[dtype as SafetensorsDtype].bytes;
  const [begin, end] = offsets as number[];
  if (size * bytes !== end - begin) {
    throw new FormatError(`${at}: data_offsets [${begin}, ${end}] span ${end - begin} bytes; ${dtype} ${showShape(shape)} needs ${size} × ${bytes} = ${size * bytes}.`);
  }
  return { name, dtype: dtype as SafetensorsDtype, shape: shape.slice(), size, begin, end };
}

/** An entry's values as float32 (F32 copied as is, every other dtype converted). */
function decode(bytes: Uint8Array, start: number, e: Entry): Float32Array {
  const out = new Float32Array(e.size);
  // a byte copy into fresh float32 storage: the input may be unaligned, or a Node Buffer whose slice() is a view
  if (e.dtype === "F32" && LITTLE_ENDIAN) {
    new Uint8Array(out.buffer).set(bytes.subarray(start + e.begin, start + e.end));
    return out;
  }
  const at = bytes.byteOffset + start + e.begin;
  if (e.dtype === "BF16" && LITTLE_ENDIAN && at % 2 === 0) {
    // bfloat16 is the top half of a float32: one shift per value (about half the DataView path's time)
    const half = new Uint16Array(bytes.buffer, at, e.size), bits = new Uint32Array(out.buffer);
    for (let i = 0; i < e.size; i++) bits[i] = half[i] << 16;
    return out;
  }
  const view = new DataView(bytes.buffer, at, e.end - e.begin);
  const { bytes: step, read } = DTYPES[e.dtype];
  for (let i = 0; i < e.size; i++) out[i] = read(view, i * step);
  return out;
}

/**
 * Reads a safetensors file. Every dtype is returned as float32 values (`dtype` says what was stored),
 * so BF16/F16 weights and I64 counters such as `num_batches_tracked` are usable as they are.
 * Throws FormatError naming the file (options.name), the tensor and the problem for anything malformed:
 * truncated data, a header length past the end or above 100 MB, a header that is not UTF-8 JSON, an
 * unknown dtype, a shape that is not non-negative integers, offsets out of range, overlapping, leaving
 * holes or not matching the shape, duplicate names, non-string metadata.
 */
export function readSafetensors(input: Uint8Array | ArrayBuffer, options: { name?: string } = {}): Safetensors {
  const bytes = input instanceof ArrayBuffer ? new Uint8Array(input) : input;
  if (!(bytes instanceof Uint8Array)) throw new ValueError(`readSafetensors expects a Uint8Array or an ArrayBuffer; received ${show(input)}.`);
  const where = options.name ?? "safetensors";
  if (bytes.length < 8) throw new FormatError(`${where}: the file is ${bytes.length} bytes; it must start with an 8-byte header length.`);
  const head = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const n = head.getUint32(0, true) + head.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER_BYTES) throw new FormatError(`${where}: the header length (bytes 0–7) is ${n}; at most ${MAX_HEADER_BYTES} is accepted.`);
  if (8 + n > bytes.length) throw new FormatError(`${where}: the header length (bytes 0–7) is ${n} but only ${bytes.length - 8} bytes follow (truncated file?).`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    throw new FormatError(`${where}: the header (bytes 8–${8 + n}) is not valid UTF-8.`);
  }
  if (text[0] !== "{") throw new FormatError(`${where}: the header (byte 8) must start with "{"; received ${show(text.slice(0, 16))}.`);
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    throw new FormatError(`${where}: the header (bytes 8–${8 + n}) is not JSON: ${(error as Error).message}.`);
  }
  if (!isRecord(header)) throw new FormatError(`${where}: the header must be a JSON object; received ${show(header)}.`);
  const keys = topLevelKeys(text);
  if (keys.length !== Object.keys(header).length) {
    const seen = new Set<string>();
    const dup = keys.find((k) => seen.size === seen.add(k).size);
    throw new FormatError(`${where}: the header names ${show(dup)} twice; names must be unique.`);
  }
  const metadata: Record<string, string> = {};
  const meta = header.__metadata__;
  if (meta !== undefined && meta !== null) {
    if (!isRecord(meta)) throw new FormatError(`${where}: __metadata__ must be an object of strings; received ${show(meta)}.`);
    for (const [k, v] of Object.entries(meta)) {
      if (typeof v !== "string") throw new FormatError(`${where}: __metadata__ ${JSON.stringify(k)} must be a string; received ${show(v)}.`);
      define(metadata, k, v);
    }
  }
  const entries = Object.keys(header).filter((k) => k !== "__metadata__").map((k) => parseEntry(where, k, header[k]));
  // The tensors must tile the buffer exactly: sorted by offset, each starts where the previous ended.
  const start = 8 + n, length = bytes.length - start;
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.end > length) throw new FormatError(`${where}: tensor ${JSON.stringify(e.name)} data_offsets [${e.begin}, ${e.end}] end past the ${length} bytes of data (truncated file?).`);
    if (e.begin !== at) {
      throw new FormatError(`${where}: tensor ${JSON.stringify(e.name)} starts at data offset ${e.begin} but the previous tensor ends at ${at} (${e.begin < at ? "overlap" : "hole"}); tensors must be contiguous.`);
    }
    at = e.end;
  }
  if (at !== length) throw new FormatError(`${where}: the tensors cover ${at} bytes of data but ${length} follow the header; the last offset must be the end of the file.`);
  const tensors: Record<string, SafetensorsTensor> = {};
  for (const e of entries) define(tensors, e.name, { dtype: e.dtype, shape: e.shape, data: decode(bytes, start, e) });
  return { tensors, metadata };
}

/** Strings in UTF-8 byte order (Rust's `str` order, which the reference writer sorts names by). */
function byUtf8(a: string, b: string): number {
  const enc = new TextEncoder(), x = enc.encode(a), y = enc.encode(b);
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

function source(name: string, value: unknown): { data: Float32Array; shape: readonly number[] } {
  if (value instanceof Float32Array) return { data: value, shape: [value.length] };
  if (value instanceof Tensor) return { data: value.data, shape: value.shape };
  if (isRecord(value) && value.data instanceof Float32Array) {
    const shape = value.shape;
    if (!Array.isArray(shape) || !shape.every(isCount)) throw new ShapeError(`writeSafetensors: ${JSON.stringify(name)} shape must be an array of non-negative integers; received ${show(shape)}.`);
    const size = shape.reduce((a: number, d: number) => a * d, 1);
    if (size !== value.data.length) throw new ShapeError(`writeSafetensors: ${JSON.stringify(name)} has ${value.data.length} values but shape ${showShape(shape)} holds ${size}.`);
    return { data: value.data, shape };
  }
  throw new ValueError(`writeSafetensors: ${JSON.stringify(name)} must be a Float32Array, { data: Float32Array, shape } or a Tensor; received ${show(value)}.`);
}

/**
 * Writes F32 tensors as the reference writer does: `__metadata__` first, tensors sorted by name (UTF-8
 * byte order; they share one dtype, so the reference's alignment-first sort reduces to that), compact
 * JSON, the header padded with spaces to a multiple of 8 so every tensor starts 8-byte aligned.
 */
export function writeSafetensors(record: Readonly<Record<string, SafetensorsSource>>, metadata?: Readonly<Record<string, string>>): Uint8Array {
  if (!isRecord(record)) throw new ValueError(`writeSafetensors expects an object of tensors by name; received ${show(record)}.`);
  if (metadata !== undefined && !isRecord(metadata)) throw new ValueError(`writeSafetensors metadata must be an object of strings; received ${show(metadata)}.`);
  const names = Object.keys(record).sort(byUtf8);
  if (names.includes("__metadata__")) throw new ValueError(`writeSafetensors: "__metadata__" is reserved for the metadata; rename that tensor.`);
  const items = names.map((name) => ({ name, ...source(name, record[name]) }));
  const parts: string[] = [];
  if (metadata !== undefined) {
    const keys = Object.keys(metadata).sort(byUtf8);
    for (const k of keys) if (typeof metadata[k] !== "string") throw new ValueError(`writeSafetensors metadata ${JSON.stringify(k)} must be a string; received ${show(metadata[k])}.`);
    parts.push(`"__metadata__":{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(metadata[k])}`).join(",")}}`);
  }
  let offset = 0;
  for (const t of items) {
    const end = offset + 4 * t.data.length;
    parts.push(`${JSON.stringify(t.name)}:{"dtype":"F32","shape":[${t.shape.join(",")}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }
  const json = new TextEncoder().encode(`{${parts.join(",")}}`);
  const n = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + n + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, n % 2 ** 32, true);
  view.setUint32(4, Math.floor(n / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const { data } of items) {
    if (LITTLE_ENDIAN) out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), at);
    else for (let i = 0; i < data.length; i++) view.setFloat32(at + 4 * i, data[i], true);
    at += data.byteLength;
  }
  return out;
}
