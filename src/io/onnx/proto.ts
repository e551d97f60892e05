// A minimal reader of the protobuf wire format, enough for ONNX's messages. Every length is checked
// against the bytes actually left before anything is sliced or allocated, nesting is bounded, varints
// longer than 10 bytes are refused, and every problem is a FormatError naming the byte offset.
import { FormatError } from "../../errors.js";

/** Wire types (protobuf encoding spec): 0 varint, 1 fixed 64-bit, 2 length-delimited, 5 fixed 32-bit. */
export const VARINT = 0, FIXED64 = 1, LEN = 2, FIXED32 = 5;

/** Messages nest this deep at most (ONNX needs ~6: model → graph → node → attribute → tensor → entry). */
const MAX_DEPTH = 32;

export class ProtoReader {
  #view: DataView;

  /** Reads `bytes[pos, end)`; `where` (file name) starts every error message. */
  constructor(readonly bytes: Uint8Array, public pos: number, readonly end: number, readonly where: string, readonly depth = 0) {
    if (depth > MAX_DEPTH) this.fail(`messages nested deeper than ${MAX_DEPTH} levels`);
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  static of(bytes: Uint8Array, where: string): ProtoReader {
    return new ProtoReader(bytes, 0, bytes.length, where);
  }

  fail(what: string, at = this.pos): never {
    throw new FormatError(`${this.where}: byte ${at}: ${what}.`);
  }

  more(): boolean {
    return this.pos < this.end;
  }

  /** The next varint as its low and high 32 bits (unsigned). */
  #varint(): [number, number] {
    const start = this.pos;
    let lo = 0, hi = 0;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) this.fail("varint runs past the end of its message", start);
      const b = this.bytes[this.pos++];
      const bits = b & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= (bits & 0x0f) << 28;
        hi |= bits >> 4;
      } else hi |= bits << (7 * i - 32);
      if ((b & 0x80) === 0) return [lo >>> 0, hi >>> 0];
    }
    return this.fail("varint longer than 10 bytes", start);
  }

  /** An unsigned varint that must be at most `max` (tags, lengths, enums). */
  uint(what: string, max = 0xffffffff): number {
    const start = this.pos;
    const [lo, hi] = this.#varint();
    const v = hi * 2 ** 32 + lo;
    if (v > max) this.fail(`${what} ${v} is larger than ${max}`, start);
    return v;
  }

  /** A signed 64-bit varint (int64: negatives take 10 bytes) that must be an exact JavaScript integer. */
  int64(what: string): number {
    const start = this.pos;
    const [lo, hi] = this.#varint();
    const v = hi >= 0x80000000 ? (hi - 2 ** 32) * 2 ** 32 + lo : hi * 2 ** 32 + lo;
    if (!Number.isSafeInteger(v)) this.fail(`${what} ${v} is beyond ±2^53`, start);
    return v;
  }

  float32(): number {
    if (this.end - this.pos < 4) this.fail("a 32-bit value runs past the end of its message");
    const v = this.#view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    if (this.end - this.pos < 8) this.fail("a 64-bit value runs past the end of its message");
    const v = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** A field's key: field number and wire type. */
  tag(): { field: number; wire: number } {
    const start = this.pos;
    const key = this.uint("field key");
    const field = Math.floor(key / 8), wire = key & 7;
    if (field === 0) this.fail("field number 0", start);
    return { field, wire };
  }

  /** The payload of a length-delimited field, as a view (no copy); its length checked against the bytes left. */
  bytesField(): Uint8Array {
    const start = this.pos;
    const n = this.uint("length");
    if (n > this.end - this.pos) this.fail(`length ${n} runs past the end of its message (${this.end - this.pos} bytes left)`, start);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  string(): string {
    return new TextDecoder().decode(this.bytesField());
  }

  /** A nested message, read by the returned reader. */
  message(): ProtoReader {
    const start = this.pos;
    const n = this.uint("length");
    if (n > this.end - this.pos) this.fail(`message length ${n} runs past the end of its parent (${this.end - this.pos} bytes left)`, start);
    const sub = new ProtoReader(this.bytes, this.pos, this.pos + n, this.where, this.depth + 1);
    this.pos += n;
    return sub;
  }

  /** Skips a field of an unknown number. Groups (wire types 3, 4) are refused: ONNX never writes them. */
  skip(wire: number): void {
    const start = this.pos;
    if (wire === VARINT) this.#varint();
    else if (wire === FIXED64) this.float64();
    else if (wire === FIXED32) this.float32();
    else if (wire === LEN) this.bytesField();
    else this.fail(`unsupported wire type ${wire}`, start);
  }

  /** Repeated int64, packed (one length-delimited run) or not (one varint per field). */
  int64s(wire: number, into: number[], what: string): void {
    if (wire === VARINT) {
      into.push(this.int64(what));
      return;
    }
    this.expect(wire, LEN, what);
    const sub = this.message();
    while (sub.more()) into.push(sub.int64(what));
  }

  /** Repeated float, packed (one length-delimited run) or not. */
  float32s(wire: number, into: number[], what: string): void {
    if (wire === FIXED32) {
      into.push(this.float32());
      return;
    }
    this.expect(wire, LEN, what);
    const bytes = this.bytesField();
    if (bytes.length % 4 !== 0) this.fail(`${what}: packed floats of ${bytes.length} bytes (not a multiple of 4)`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < bytes.length; i += 4) into.push(view.getFloat32(i, true));
  }

  /** Repeated double, packed or not. */
  float64s(wire: number, into: number[], what: string): void {
    if (wire === FIXED64) {
      into.push(this.float64());
      return;
    }
    this.expect(wire, LEN, what);
    const bytes = this.bytesField();
    if (bytes.length % 8 !== 0) this.fail(`${what}: packed doubles of ${bytes.length} bytes (not a multiple of 8)`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < bytes.length; i += 8) into.push(view.getFloat64(i, true));
  }

  expect(wire: number, expected: number, what: string): void {
    if (wire !== expected) this.fail(`${what} has wire type ${wire}; expected ${expected}`);
  }
}
