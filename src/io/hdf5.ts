// The part of HDF5 that Keras 3 writes into model.weights.h5 (h5py defaults): superblock 0 or 1, version-1
// object headers with continuations, groups as symbol tables (a version-1 B-tree of symbol nodes, names in a
// local heap), and float32 datasets stored contiguously or compactly. Anything else (chunked or filtered data,
// other types, newer group formats) is refused by name rather than read wrongly. Format: the HDF5 File Format
// Specification, version 2.0 (sections II.A superblock, III.A B-trees, III.B symbol nodes, III.D local heaps,
// IV.A object headers and their messages).
import { FormatError } from "../errors.js";

/** A float32 dataset: its shape and its values (a copy, row-major). */
export interface Hdf5Dataset {
  readonly shape: number[];
  readonly data: Float32Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Float32Array([1]).buffer)[3] === 0x3f;
const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
const MSG = { dataspace: 0x1, linkInfo: 0x2, datatype: 0x3, link: 0x6, layout: 0x8, filters: 0xb, continuation: 0x10, symbolTable: 0x11 };

/** Every float32 dataset of the file, by path ("layers/dense/vars/0"), in the order the groups list them. */
export function readHdf5(bytes: Uint8Array, where: string): Map<string, Hdf5Dataset> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => { throw new FormatError(`${where}: ${what}.`); };
  const at = (offset: number, size: number, what: string): number => {
    if (!(offset >= 0 && offset + size <= bytes.length)) fail(`${what} at byte ${offset} lies outside the file (${bytes.length} bytes)`);
    return offset;
  };
  const u8 = (o: number) => view.getUint8(at(o, 1, "a field"));
  const u16 = (o: number) => view.getUint16(at(o, 2, "a field"), true);
  const u32 = (o: number) => view.getUint32(at(o, 4, "a field"), true);
  const u64 = (o: number) => {
    const lo = view.getUint32(at(o, 8, "a field"), true), hi = view.getUint32(o + 4, true);
    if (hi === 0xffffffff && lo === 0xffffffff) return -1; // the undefined address
    if (hi > 0x1fffff) fail(`an offset at byte ${o} is beyond 2^53`);
    return hi * 2 ** 32 + lo;
  };
  const magic = (o: number, text: string) => {
    for (let i = 0; i < text.length; i++) if (u8(o + i) !== text.charCodeAt(i)) fail(`expected "${text}" at byte ${o}`);
  };

  if (bytes.length < 64 || SIGNATURE.some((b, i) => bytes[i] !== b)) fail("not an HDF5 file (no HDF5 signature at byte 0)");
  const version = u8(8);
  if (version > 1) fail(`superblock version ${version} is not read (Keras and h5py write 0; only versions 0 and 1 are)`);
  if (u8(13) !== 8 || u8(14) !== 8) fail(`offsets of ${u8(13)} and lengths of ${u8(14)} bytes are not read (only 8 and 8)`);
  // version 0: fixed fields end at byte 24; version 1 adds 4; then 4 addresses, then the root group's symbol table entry
  const rootEntry = (version === 0 ? 24 : 28) + 4 * 8;
  const rootHeader = u64(rootEntry + 8);

  /** The messages of an object header (version 1), continuation blocks included. */
  function messages(address: number): { type: number; at: number; size: number }[] {
    if (u8(at(address, 16, "an object header")) !== 1) fail(`object header at byte ${address} has version ${u8(address)} (only 1 is read)`);
    const count = u16(address + 2), out: { type: number; at: number; size: number }[] = [];
    const blocks: [number, number][] = [[address + 16, u32(address + 8)]];
    while (blocks.length && out.length < count) {
      const [start, length] = blocks.shift()!;
      for (let o = start; o + 8 <= start + length && out.length < count;) {
        const type = u16(o), size = u16(o + 2);
        at(o + 8, size, "a header message");
        if (type === MSG.continuation) blocks.push([u64(o + 8), u64(o + 16)]);
        out.push({ type, at: o + 8, size });
        o += 8 + size;
      }
    }
    return out;
  }

  /** The name → object header address of a group's members (symbol table groups). */
  function members(address: number, path: string): [string, number][] {
    const list = messages(address);
    if (list.some((m) => m.type === MSG.link || m.type === MSG.linkInfo)) fail(`group "${path || "/"}" uses the newer link format, which is not read (save with h5py's default libver)`);
    const table = list.find((m) => m.type === MSG.symbolTable);
    if (!table) return [];
    const btree = u64(table.at), heap = u64(table.at + 8);
    magic(heap, "HEAP");
    const names = u64(heap + 24);
    const name = (offset: number) => {
      let end = at(names + offset, 1, "a name");
      while (end < bytes.length && bytes[end] !== 0) end++;
      return new TextDecoder().decode(bytes.subarray(names + offset, end));
    };
    const out: [string, number][] = [];
    const walk = (node: number, depth: number) => {
      if (depth > 32) fail(`group "${path}": its B-tree is deeper than 32 levels`);
      magic(node, "TREE");
      if (u8(node + 4) !== 0) fail(`group "${path}": a B-tree node of type ${u8(node + 4)} where 0 (group) belongs`);
      const level = u8(node + 5), used = u16(node + 6);
      for (let i = 0; i < used; i++) {
        const child = u64(node + 24 + 8 + i * 16); // key (8), child (8), … after the 24-byte node header
        if (level > 0) walk(child, depth + 1);
        else {
          magic(child, "SNOD");
          const symbols = u16(child + 6);
          for (let s = 0; s < symbols; s++) {
            const entry = child + 8 + s * 40;
            out.push([name(u64(entry)), u64(entry + 8)]);
          }
        }
      }
    };
    walk(btree, 0);
    return out;
  }

  /** A dataset's values, or null for a group. */
  function dataset(address: number, path: string): Hdf5Dataset | null {
    const list = messages(address), find = (t: number) => list.find((m) => m.type === t);
    const space = find(MSG.dataspace), type = find(MSG.datatype), layout = find(MSG.layout);
    if (!space || !type || !layout) return null;
    if (find(MSG.filters)) fail(`dataset "${path}" is compressed or filtered, which is not read`);
    const rank = u8(space.at + 1), sv = u8(space.at);
    const dims = Array.from({ length: rank }, (_, i) => u64(space.at + (sv === 1 ? 8 : 4) + 8 * i));
    const cls = u8(type.at) & 0x0f, size = u32(type.at + 4), bigEndian = (u8(type.at + 1) & 1) === 1;
    if (cls !== 1 || size !== 4 || bigEndian) fail(`dataset "${path}" holds ${cls === 1 ? `${size * 8}-bit${bigEndian ? " big-endian" : ""} floats` : `type class ${cls}`}; only little-endian float32 is read`);
    const lv = u8(layout.at), kind = u8(layout.at + 1);
    if (lv !== 3) fail(`dataset "${path}" has a layout message of version ${lv} (only 3 is read)`);
    const count = dims.reduce((a, b) => a * b, 1);
    let start: number, stored: number;
    if (kind === 0) [start, stored] = [layout.at + 4, u16(layout.at + 2)]; // compact: the values in the header
    else if (kind === 1) [start, stored] = [u64(layout.at + 2), u64(layout.at + 10)]; // contiguous
    else return fail(`dataset "${path}" is stored in chunks, which is not read`);
    if (count === 0) return { shape: dims, data: new Float32Array(0) };
    if (start < 0 || stored < count * 4) fail(`dataset "${path}" has ${stored} bytes of data where ${count * 4} belong`);
    at(start, count * 4, `dataset "${path}"`);
    // a byte copy viewed as floats on little-endian hosts (every JS host in practice); element by element elsewhere
    if (LITTLE_ENDIAN) return { shape: dims, data: new Float32Array(bytes.slice(start, start + count * 4).buffer) };
    const data = new Float32Array(count);
    for (let i = 0; i < count; i++) data[i] = view.getFloat32(start + 4 * i, true);
    return { shape: dims, data };
  }

  const out = new Map<string, Hdf5Dataset>();
  const seen = new Set<number>();
  const visit = (address: number, path: string) => {
    if (seen.has(address)) fail(`object at byte ${address} is reached twice ("${path}"): a cycle`);
    seen.add(address);
    const d = dataset(address, path);
    if (d) return void out.set(path, d);
    for (const [name, child] of members(address, path)) visit(child, path ? `${path}/${name}` : name);
  };
  visit(rootHeader, "");
  return out;
}
