// IDX reader (every type code, gzip, every error) on synthetic files and on Fashion-MNIST, and the
// embedded digits.
import { existsSync, readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { imagesToFloat32, loadDigits, oneHot, parseIdx, readIdx, trainTestSplit } from "../src/data/index.js";

function idx(type: number, shape: number[], write: (v: DataView, at: number, i: number) => void, bytes: number): Uint8Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const b = new Uint8Array(4 + 4 * shape.length + n * bytes);
  const v = new DataView(b.buffer);
  b[2] = type;
  b[3] = shape.length;
  shape.forEach((d, i) => v.setUint32(4 + 4 * i, d));
  for (let i = 0; i < n; i++) write(v, 4 + 4 * shape.length + i * bytes, i);
  return b;
}

const FASHION = new URL("../../shared/data/fashion-mnist/", import.meta.url);

describe("IDX", () => {
  it.each([
    [0x08, 1, (v: DataView, at: number, i: number) => v.setUint8(at, i * 3), (i: number) => i * 3, Uint8Array],
    [0x09, 1, (v: DataView, at: number, i: number) => v.setInt8(at, -i), (i: number) => (i ? -i : 0), Int8Array],
    [0x0b, 2, (v: DataView, at: number, i: number) => v.setInt16(at, -300 * i), (i: number) => (i ? -300 * i : 0), Int16Array],
    [0x0c, 4, (v: DataView, at: number, i: number) => v.setInt32(at, 70000 * i), (i: number) => 70000 * i, Int32Array],
    [0x0d, 4, (v: DataView, at: number, i: number) => v.setFloat32(at, i / 4), (i: number) => i / 4, Float32Array],
    [0x0e, 8, (v: DataView, at: number, i: number) => v.setFloat64(at, i / 3), (i: number) => i / 3, Float64Array],
  ] as const)("type %i reads big-endian values of its type", async (type, bytes, write, value, Kind) => {
    const file = idx(type, [2, 3], write, bytes);
    for (const r of [parseIdx(file), await readIdx(gzipSync(file))]) {
      expect(r.shape).toEqual([2, 3]);
      expect(r.data).toBeInstanceOf(Kind);
      expect(Array.from(r.data)).toEqual([0, 1, 2, 3, 4, 5].map(value));
    }
  });

  it("rejects bad files, naming what was received and expected", async () => {
    expect(() => parseIdx(new Uint8Array([1, 0, 8, 1]))).toThrow(/must start with two zero bytes; received 01 00 08 01/);
    expect(() => parseIdx(new Uint8Array([0, 0, 7, 1, 0, 0, 0, 0]))).toThrow(/type code 0x07 is unknown/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 2, 0, 0, 0, 1]))).toThrow(/declares 2 dimensions but the file has only 8 bytes/);
    expect(() => parseIdx(new Uint8Array([0, 0, 8, 1, 0, 0, 0, 3, 1, 2]))).toThrow(/shape \[3\] needs 11 bytes; received 10/);
    expect(() => parseIdx(gzipSync(new Uint8Array([0, 0, 8, 0])))).toThrow(/use await readIdx/);
    expect(() => parseIdx("x" as never)).toThrow(/expects the bytes of an IDX file/);
    expect(() => oneHot([0, 3], 3)).toThrow(/label 1 is 3; expected an integer in \[0, 2\]/);
  });

  it.skipIf(!existsSync(FASHION))("reads the Fashion-MNIST test set (10000 × 28 × 28 images, labels 0–9)", async () => {
    const images = await readIdx(readFileSync(new URL("t10k-images-idx3-ubyte.gz", FASHION)));
    const labels = await readIdx(readFileSync(new URL("t10k-labels-idx1-ubyte.gz", FASHION)));
    expect(images.shape).toEqual([10000, 28, 28]);
    expect(labels.shape).toEqual([10000]);
    expect(Array.from(labels.data.subarray(0, 5))).toEqual([9, 2, 1, 1, 6]);
    const x = imagesToFloat32(images);
    expect(Math.max(...x.subarray(0, 784))).toBeLessThanOrEqual(1);
    expect(x.some((v) => v > 0.99)).toBe(true);
    const counts = new Array(10).fill(0);
    for (const l of labels.data) counts[l]++;
    expect(counts).toEqual(new Array(10).fill(1000));
    const y = oneHot(labels.data, 10);
    expect(Array.from(y.subarray(0, 10))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });
});

describe("embedded digits", () => {
  it("holds 1797 images of 64 pixels in [0, 1] with sklearn's class counts", async () => {
    const d = await loadDigits();
    expect(d.count).toBe(1797);
    expect(d.x.length).toBe(1797 * 64);
    expect(Math.min(...d.x)).toBe(0);
    expect(Math.max(...d.x)).toBe(1);
    const counts = new Array(10).fill(0);
    for (const l of d.y) counts[l]++;
    expect(counts).toEqual([178, 182, 177, 183, 181, 182, 181, 179, 174, 180]);
    expect(Array.from(d.x.subarray(0, 8)).map((v) => v * 16)).toEqual([0, 0, 5, 13, 9, 1, 0, 0]);
  });

  it("splits deterministically and disjointly", () => {
    const a = trainTestSplit(100, 0.25, 3), b = trainTestSplit(100, 0.25, 3);
    expect(a.test).toEqual(b.test);
    expect(a.test.length).toBe(25);
    expect(new Set([...a.train, ...a.test]).size).toBe(100);
  });
});

describe("nn.datasets (moved)", () => {
  it("says where the data sets went instead of being undefined", async () => {
    const { init, ValueError } = await import("../src/index.js");
    const nn = await init({ backend: "scalar" });
    expect(() => (nn as unknown as { datasets: unknown }).datasets).toThrow(ValueError);
    expect(() => (nn as unknown as { datasets: unknown }).datasets).toThrow(/import \{ loadDigits \} from "simdnn\/datasets"/);
  });
});
