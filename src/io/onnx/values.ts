// A TensorProto's numbers, from raw_data, the typed repeated fields or external data. The element
// count comes from dims, is capped, and must match the bytes present before an array is made.
import { FormatError } from "../../errors.js";
import { DATA_TYPES, DOUBLE, FLOAT, INT32, INT64, type OnnxTensor } from "./model.js";

/** More values than this in one tensor is not an MLP weight (1 GiB of float32). */
const MAX_VALUES = 2 ** 28;

export interface TensorValues {
  dims: number[];
  dataType: number;
  /** float32 tensors keep float32; the integer and double types are widened to float64. */
  values: Float32Array | Float64Array;
}

/** Where external tensors' bytes come from: the `location` of each tensor → that file's bytes. */
export type ExternalData = Readonly<Record<string, Uint8Array | ArrayBuffer>>;

export function elementCount(dims: readonly number[], what: string): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new FormatError(`${what}: dims ${JSON.stringify(dims)} hold ${d}; expected non-negative integers.`);
    n *= d;
    if (n > MAX_VALUES) throw new FormatError(`${what}: dims ${JSON.stringify(dims)} claim more than ${MAX_VALUES} values.`);
  }
  return n;
}

const BYTES: Record<number, number> = { [FLOAT]: 4, [DOUBLE]: 8, [INT32]: 4, [INT64]: 8 };

/** The bytes an external tensor points at, with offset and length checked against the file given. */
function externalBytes(t: OnnxTensor, size: number, external: ExternalData | undefined, what: string): Uint8Array {
  const e = t.external!;
  const location = e.location ?? "";
  const file = external && Object.hasOwn(external, location) ? external[location] : undefined;
  if (!file) {
    throw new FormatError(`${what}: its data is in the external file ${JSON.stringify(location)}, which was not given; pass its bytes as options.externalData[${JSON.stringify(location)}] (it is written beside the .onnx file).`);
  }
  const bytes = file instanceof Uint8Array ? file : new Uint8Array(file);
  const offset = e.offset === undefined ? 0 : Number(e.offset);
  if (!/^\d+$/.test(e.offset ?? "0") || !Number.isSafeInteger(offset)) throw new FormatError(`${what}: external offset ${JSON.stringify(e.offset)} is not a non-negative integer.`);
  if (e.length !== undefined && (!/^\d+$/.test(e.length) || Number(e.length) !== size)) {
    throw new FormatError(`${what}: external length ${JSON.stringify(e.length)} disagrees with its dims (${size} bytes expected).`);
  }
  if (offset + size > bytes.length) {
    throw new FormatError(`${what}: external data ${JSON.stringify(location)} holds ${bytes.length} bytes; the tensor needs bytes ${offset}…${offset + size}.`);
  }
  return bytes.subarray(offset, offset + size);
}

/** Decodes a tensor's values (float32, float64, int32, int64). Other types are a FormatError naming the type. */
const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;

export function tensorValues(t: OnnxTensor, external: ExternalData | undefined, what: string): TensorValues {
  const count = elementCount(t.dims, what);
  const width = BYTES[t.dataType];
  if (!width) throw new FormatError(`${what} has data type ${DATA_TYPES[t.dataType] ?? t.dataType}; simdnn reads float32 weights (and int64/int32 shapes and axes).`);
  let raw = t.raw;
  if (t.external) raw = externalBytes(t, count * width, external, what);
  if (raw) {
    if (raw.length !== count * width) throw new FormatError(`${what}: raw_data holds ${raw.length} bytes; dims ${JSON.stringify(t.dims)} of ${DATA_TYPES[t.dataType]} need ${count * width}.`);
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (t.dataType === FLOAT) {
      const out = new Float32Array(count);
      // little-endian host: the bytes are the floats (one memcpy); else read each through the DataView
      if (LITTLE_ENDIAN) new Uint8Array(out.buffer).set(raw);
      else for (let i = 0; i < count; i++) out[i] = view.getFloat32(4 * i, true);
      return { dims: t.dims, dataType: t.dataType, values: out };
    }
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      if (t.dataType === DOUBLE) out[i] = view.getFloat64(8 * i, true);
      else if (t.dataType === INT32) out[i] = view.getInt32(4 * i, true);
      else out[i] = Number(view.getBigInt64(8 * i, true));
    }
    return { dims: t.dims, dataType: t.dataType, values: out };
  }
  const field = t.dataType === FLOAT ? t.floatData : t.dataType === DOUBLE ? t.doubleData : t.dataType === INT32 ? t.int32Data : t.int64Data;
  if (field.length !== count) throw new FormatError(`${what}: holds ${field.length} values; dims ${JSON.stringify(t.dims)} need ${count}.`);
  return { dims: t.dims, dataType: t.dataType, values: t.dataType === FLOAT ? Float32Array.from(field) : Float64Array.from(field) };
}
