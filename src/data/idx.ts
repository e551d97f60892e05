// IDX files (MNIST, Fashion-MNIST): big-endian header — two zero bytes, a type code, the number of
// dimensions — then each dimension as uint32, then the values. gzip is undone with the standard
// DecompressionStream, so this runs in Node, Deno, Bun, browsers and Workers alike.
import { ShapeError, show, ValueError } from "../errors.js";

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: its shape and its values (typed as the file's type code). */
export interface Idx {
  shape: number[];
  data: IdxData;
}

const TYPES: Record<number, { bytes: number; read: (v: DataView, at: number) => number; make: (n: number) => IdxData }> = {
  0x08: { bytes: 1, read: (v, at) => v.getUint8(at), make: (n) => new Uint8Array(n) },
  0x09: { bytes: 1, read: (v, at) => v.getInt8(at), make: (n) => new Int8Array(n) },
  0x0b: { bytes: 2, read: (v, at) => v.getInt16(at), make: (n) => new Int16Array(n) },
  0x0c: { bytes: 4, read: (v, at) => v.getInt32(at), make: (n) => new Int32Array(n) },
  0x0d: { bytes: 4, read: (v, at) => v.getFloat32(at), make: (n) => new Float32Array(n) },
  0x0e: { bytes: 8, read: (v, at) => v.getFloat64(at), make: (n) => new Float64Array(n) },
};

function bytesOf(what: string, b: unknown): Uint8Array {
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  throw new ValueError(`${what} expects the bytes of an IDX file (Uint8Array or ArrayBuffer); received ${show(b)}.`);
}

/** Parses an uncompressed IDX file; throws on a bad magic, type code or length. */
export function parseIdx(bytes: Uint8Array | ArrayBuffer): Idx {
  const b = bytesOf("parseIdx", bytes);
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) throw new ValueError("parseIdx received gzip data; use await readIdx(bytes), which decompresses it.");
  if (b.length < 4 || b[0] !== 0 || b[1] !== 0) throw new ValueError(`Not an IDX file: it must start with two zero bytes; received ${Array.from(b.subarray(0, 4), (x) => x.toString(16).padStart(2, "0")).join(" ") || "no bytes"}.`);
  const type = TYPES[b[2]];
  if (!type) throw new ValueError(`IDX type code 0x${b[2].toString(16).padStart(2, "0")} is unknown; expected 08, 09, 0b, 0c, 0d or 0e.`);
  const rank = b[3];
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const header = 4 + 4 * rank;
  if (b.length < header) throw new ShapeError(`IDX header declares ${rank} dimensions but the file has only ${b.length} bytes.`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const n = shape.reduce((a, d) => a * d, 1);
  const want = header + n * type.bytes;
  if (b.length !== want) throw new ShapeError(`IDX file of shape [${shape.join(",")}] needs ${want} bytes; received ${b.length}.`);
  if (type.bytes === 1 && b[2] === 0x08) return { shape, data: b.slice(header) };
  const data = type.make(n);
  for (let i = 0; i < n; i++) data[i] = type.read(view, header + i * type.bytes);
  return { shape, data };
}

/** Decompresses gzip bytes with DecompressionStream. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  if (typeof DecompressionStream !== "function") throw new ValueError("gzip data needs DecompressionStream (Node ≥ 18, Deno, Bun, browsers, Workers); decompress it first.");
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Reads an IDX file, gzip-compressed or not. */
export async function readIdx(bytes: Uint8Array | ArrayBuffer): Promise<Idx> {
  const b = bytesOf("readIdx", bytes);
  return parseIdx(b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b ? await gunzip(b) : b);
}

/** Images [n, rows, cols…] as float32 [n, rows·cols…] scaled (default 1/255: pixels into [0, 1]). */
export function imagesToFloat32(idx: Idx, { scale = 1 / 255 }: { scale?: number } = {}): Float32Array {
  const out = new Float32Array(idx.data.length);
  for (let i = 0; i < out.length; i++) out[i] = idx.data[i] * scale;
  return out;
}
