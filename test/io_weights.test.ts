// Weights in tfjs' binary layout: float16 conversion checked over every half and against an
// independent float64 rounding; encode → decode at every dtype and quantization, bit for bit
// against tfjs-core's own io.decodeWeights; tfjs-converter's documented quantization example;
// shards, truncated and extra bytes, and hostile manifests.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import { beforeAll, describe, expect, it } from "vitest";
import { FormatError, ShapeError, ValueError } from "../src/errors.js";
import type { WeightsManifestEntry } from "../src/io/artifacts.js";
import { float16BitsToFloat32, float32BitsToFloat16 } from "../src/io/float16.js";
import { decodeWeights, encodeWeights, float16ToFloat32, float32ToFloat16, type QuantizeDtype, type WeightEntry } from "../src/io/weights.js";
import { uniform } from "./helpers/edge.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const bitsOf = (a: Float32Array): Uint32Array => new Uint32Array(a.buffer, a.byteOffset, a.length);

/** tfjs-core's decodeWeights on the same specs and bytes, as float32 bits per weight. */
function tfjsDecode(specs: WeightsManifestEntry[], data: ArrayBuffer | ArrayBuffer[]): Map<string, Uint32Array> {
  const tensors = tf.io.decodeWeights(data, specs as tf.io.WeightsManifestEntry[]);
  const out = new Map<string, Uint32Array>();
  for (const [name, t] of Object.entries(tensors)) {
    const v = t.dataSync();
    out.set(name, v instanceof Float32Array ? bitsOf(v) : bitsOf(Float32Array.from(v as Int32Array)));
    t.dispose();
  }
  return out;
}

/** Independent float16 rounding in float64: scale to the half's ulp, round half to even, rescale. */
function referenceHalf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  if (a === 0) return x;
  const e = Math.max(Math.floor(Math.log2(a)), -14);
  const ulp = 2 ** (e - 10);
  const q = a / ulp;
  let r = Math.round(q);
  if (r - q === 0.5 && r % 2 !== 0) r -= 1;
  return Math.sign(x) * r * ulp;
}

describe("float16", () => {
  it("decodes all 65536 halves exactly as tfjs-core does (bits, NaN payloads included)", () => {
    const halves = new Uint16Array(65536).map((_, i) => i);
    const spec: WeightsManifestEntry = { name: "h", shape: [65536], dtype: "float32", quantization: { dtype: "float16" } };
    const ours = decodeWeights([spec], halves.buffer, "test").get("h")!.values;
    expect(bitsOf(ours)).toEqual(tfjsDecode([spec], halves.buffer).get("h"));
    for (let h = 0; h < 65536; h += 257) expect(float16BitsToFloat32(h)).toBe(bitsOf(ours)[h]);
  });

  it("every non-NaN half survives float32 → float16 unchanged; NaN stays NaN", () => {
    for (let h = 0; h < 65536; h++) {
      const back = float32ToFloat16(float16ToFloat32(h));
      if ((h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0) expect(back & 0x7fff).toBeGreaterThan(0x7c00);
      else expect(back).toBe(h);
    }
  });

  it("rounds to nearest even, overflows to ±Inf, keeps subnormals and −0 (edge values)", () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [-65504, 0xfbff],
      [65519.99, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-1e6, 0xfc00], [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [1.5 * 2 ** -25, 0x0001], [3 * 2 ** -25, 0x0002], [-(2 ** -24), 0x8001],
      [2 ** -14, 0x0400], [2 ** -14 - 2 ** -24, 0x03ff], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1e-10, 0],
    ];
    for (const [x, h] of cases) expect([x, float32ToFloat16(x)]).toEqual([x, h]);
    expect(Number.isNaN(float16ToFloat32(float32ToFloat16(NaN)))).toBe(true);
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float16ToFloat32(0x0001)).toBe(2 ** -24);
  });

  it("agrees with a float64 reference rounding on 200k float32 values across every exponent", () => {
    const bits = new Uint32Array(200_000);
    let s = 12345;
    for (let i = 0; i < bits.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      // exponents 90..150 cover underflow, subnormal halves, normals and overflow; low bits exercise ties
      const exp = 90 + (s % 61);
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      bits[i] = ((s & 0x80000000) | (exp << 23) | (s & (i % 3 === 0 ? 0x7fe000 | 0x1000 : 0x7fffff))) >>> 0;
    }
    const f = new Float32Array(bits.buffer);
    for (let i = 0; i < f.length; i++) {
      const got = float16ToFloat32(float32BitsToFloat16(bits[i]));
      const want = referenceHalf(f[i]);
      if (!Object.is(got, want)) expect([f[i], got]).toEqual([f[i], want]);
    }
  });
});

const entries = (): WeightEntry[] => [
  { name: "dense/kernel", shape: [7, 5], values: uniform(35, -2, 3, 7) },
  { name: "dense/bias", shape: [5], values: Float32Array.of(0, 0.5, -0.25, 1e-3, 3) },
  { name: "pos/only", shape: [3, 1], values: Float32Array.of(0.5, 2, 1.25) }, // 0 outside the range: no nudge
  { name: "neg/only", shape: [3], values: Float32Array.of(-4, -1, -0.5) },
  { name: "const", shape: [2, 2], values: new Float32Array(4).fill(-0.75) },
  { name: "odd", shape: [3], values: Float32Array.of(1e-8, -65504, 70000) }, // float16 subnormal and overflow
  { name: "empty", shape: [0, 4], values: new Float32Array(0) },
  { name: "dense/kernel/m", shape: [3], values: Float32Array.of(0.1, 0.2, 0.3), group: "optimizer" },
];

describe.each<[QuantizeDtype | undefined, number]>([
  [undefined, 4], ["float16", 2], ["uint8", 1], ["uint16", 2],
])("encode %s → decode", (quantize, bytesPerValue) => {
  it("decodes bit for bit as tfjs-core's io.decodeWeights, within the quantization step of the input", () => {
    const input = entries();
    const { specs, data } = encodeWeights(input, quantize === undefined ? undefined : { quantize });
    const modelValues = input.filter((e) => e.group !== "optimizer").reduce((a, e) => a + e.values.length, 0);
    expect(data.byteLength).toBe(modelValues * bytesPerValue + 3 * 4); // the optimizer weight stays float32
    const ours = decodeWeights(specs, data, "test");
    const theirs = tfjsDecode(specs, data);
    for (const e of input) {
      const got = ours.get(e.name)!;
      expect(got.shape).toEqual(e.shape);
      expect(got.group).toBe(e.group ?? "model");
      expect(bitsOf(got.values)).toEqual(theirs.get(e.name));
      const spec = specs.find((s) => s.name === e.name)!;
      if (e.group === "optimizer" || quantize === undefined) {
        expect(spec.quantization).toBeUndefined();
        expect(bitsOf(got.values)).toEqual(bitsOf(e.values));
      } else if (quantize === "float16") {
        expect(spec.quantization).toEqual({ dtype: "float16", original_dtype: "float32" });
        for (let i = 0; i < e.values.length; i++) expect(got.values[i]).toBe(referenceHalf(e.values[i]));
      } else {
        const { scale, min } = spec.quantization as { scale: number; min: number };
        expect(spec.quantization!.original_dtype).toBe("float32");
        const tol = scale / 2 + 4e-7 * Math.max(...e.values.map(Math.abs), 0);
        for (let i = 0; i < e.values.length; i++) expect(Math.abs(got.values[i] - e.values[i])).toBeLessThanOrEqual(tol);
        if (e.name === "const") expect([scale, min, ...got.values]).toEqual([1, -0.75, -0.75, -0.75, -0.75, -0.75]);
        if (e.name === "dense/bias") expect(got.values[0]).toBe(0); // 0 in range: nudged to a grid point, exact
        if (e.name === "pos/only") expect(min).toBe(0.5); // no nudge when 0 is outside
      }
    }
  });
});

describe("tfjs-converter's quantization", () => {
  it("reproduces the converter's documented uint8 example: [0, −0.1, 1.2] → [20, 0, 255], min −0.10196078817, scale 0.00509803940852", () => {
    const { specs, data } = encodeWeights([{ name: "weight1", shape: [3], values: Float32Array.of(0, -0.1, 1.2) }], { quantize: "uint8" });
    expect([...new Uint8Array(data)]).toEqual([20, 0, 255]);
    const q = specs[0].quantization!;
    expect(Object.keys(q)).toEqual(["dtype", "min", "scale", "original_dtype"]);
    expect(q.min).toBeCloseTo(-0.10196078817, 10);
    expect(q.scale).toBeCloseTo(0.00509803940852, 12);
  });

  it("int32 weights: plain and uint8-quantized decode as tfjs (rounded to integers) and come back as float", () => {
    const ints = Int32Array.of(-3, 0, 7, 2147483647);
    const codes = Uint8Array.of(0, 1, 2, 255);
    const data = new Uint8Array(20);
    data.set(new Uint8Array(ints.buffer), 0);
    data.set(codes, 16);
    const specs: WeightsManifestEntry[] = [
      { name: "i", shape: [4], dtype: "int32" },
      { name: "q", shape: [2, 2], dtype: "int32", quantization: { dtype: "uint8", scale: 0.4, min: -1 } },
    ];
    const ours = decodeWeights(specs, data.buffer, "test");
    const theirs = tfjsDecode(specs, data.buffer);
    expect([...ours.get("i")!.values]).toEqual([-3, 0, 7, 2147483648]);
    expect([...ours.get("q")!.values]).toEqual([-1, -1, 0, 101]); // round(0.4q − 1); −0.6 → −1, −0.2 → −0 → 0
    expect(bitsOf(ours.get("q")!.values)).toEqual(theirs.get("q"));
  });
});

describe("shards and byte counts", () => {
  const { specs, data } = encodeWeights(entries(), { quantize: "uint8" });

  it("an array of shards cut anywhere (even mid-weight) decodes as the single buffer", () => {
    const whole = decodeWeights(specs, data, "test");
    for (const cuts of [[1], [13, 14, 40], [data.byteLength - 1]]) {
      const bounds = [0, ...cuts, data.byteLength];
      const shards = bounds.slice(1).map((end, i) => data.slice(bounds[i], end));
      const split = decodeWeights(specs, shards, "test");
      for (const [name, w] of whole) expect(bitsOf(split.get(name)!.values)).toEqual(bitsOf(w.values));
    }
  });

  it("truncated data names the weight that runs past the end, and both byte counts", () => {
    const short = data.slice(0, 37);
    expect(() => decodeWeights(specs, short, "model.json at file:///m")).toThrow(FormatError);
    expect(() => decodeWeights(specs, short, "model.json at file:///m")).toThrow(
      /model\.json at file:\/\/\/m: weight "dense\/bias" \(bytes 35\.\.40\) runs past the end .* needs 65 bytes, received 37/,
    );
    expect(() => decodeWeights(specs, [], "w")).toThrow(/"dense\/kernel" .*received 0/);
  });

  it("extra bytes after the last weight are refused", () => {
    const long = new Uint8Array(data.byteLength + 3);
    long.set(new Uint8Array(data));
    expect(() => decodeWeights(specs, long.buffer, "w")).toThrow(/needs 65 bytes .* received 68 \(3 extra bytes/);
  });
});

describe("hostile manifests", () => {
  const spec = (over: Record<string, unknown>): WeightsManifestEntry => ({ name: "w", shape: [2], dtype: "float32", ...over }) as WeightsManifestEntry;
  const cases: [string, unknown, ArrayBuffer, RegExp][] = [
    ["specs not an array", { name: "w" }, new ArrayBuffer(0), /specs must be an array/],
    ["a spec not an object", [null], new ArrayBuffer(0), /weight 0 must be an object/],
    ["name not a string", [spec({ name: 3 })], new ArrayBuffer(8), /weight 0: name must be a string; received 3/],
    ["duplicate names", [spec({}), spec({})], new ArrayBuffer(16), /"w" appears twice/],
    ["negative dimension", [spec({ shape: [2, -1] })], new ArrayBuffer(8), /bad dimension -1/],
    ["fractional dimension", [spec({ shape: [1.5] })], new ArrayBuffer(8), /bad dimension 1.5/],
    ["NaN dimension", [spec({ shape: [NaN] })], new ArrayBuffer(8), /bad dimension NaN/],
    ["string dimension", [spec({ shape: ["2"] })], new ArrayBuffer(8), /bad dimension "2"/],
    ["shape not an array", [spec({ shape: 2 })], new ArrayBuffer(8), /shape must be an array/],
    ["huge shape", [spec({ shape: [65536, 65536, 65536] })], new ArrayBuffer(8), /more than 268435456 values/],
    ["huge shape past 2^53", [spec({ shape: [2 ** 40, 2 ** 40, 0] })], new ArrayBuffer(0), /more than 268435456 values/],
    ["bool dtype", [spec({ dtype: "bool" })], new ArrayBuffer(2), /unsupported dtype "bool"/],
    ["string dtype", [spec({ dtype: "string" })], new ArrayBuffer(8), /unsupported dtype "string"/],
    ["complex64 dtype", [spec({ dtype: "complex64" })], new ArrayBuffer(16), /unsupported dtype "complex64"/],
    ["unknown dtype", [spec({ dtype: "float64" })], new ArrayBuffer(16), /unknown dtype "float64"/],
    ["uint8 without scale", [spec({ quantization: { dtype: "uint8", min: 0 } })], new ArrayBuffer(2), /needs a finite number "scale"; received undefined/],
    ["uint16 with NaN-ish min", [spec({ quantization: { dtype: "uint16", scale: 1, min: "0" } })], new ArrayBuffer(4), /"min"; received "0"/],
    ["unknown quantization", [spec({ quantization: { dtype: "int4", scale: 1, min: 0 } })], new ArrayBuffer(1), /unknown quantization dtype "int4"/],
    ["quantization not an object", [spec({ quantization: "uint8" })], new ArrayBuffer(2), /quantization must be an object/],
    ["float16 on int32", [spec({ dtype: "int32", quantization: { dtype: "float16" } })], new ArrayBuffer(4), /float16 quantization is for float32 weights/],
    ["bad group", [spec({ group: "extra" })], new ArrayBuffer(8), /group must be "model" or "optimizer"; received "extra"/],
  ];
  it.each(cases)("%s → FormatError naming the file and the weight", (_, specs, data, message) => {
    let error: unknown;
    try {
      decodeWeights(specs as WeightsManifestEntry[], data, "model.json at http://h/m.json");
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(/^model\.json at http:\/\/h\/m\.json: /);
    expect((error as Error).message).toMatch(message);
  });

  it("weight data that is not a buffer is a FormatError", () => {
    expect(() => decodeWeights([], "bytes" as unknown as ArrayBuffer, "w")).toThrow(/ArrayBuffer or an array of them/);
  });
});

describe("encodeWeights arguments", () => {
  const w = (over: Partial<WeightEntry>): WeightEntry => ({ name: "w", shape: [2], values: new Float32Array(2), ...over });
  it("refuses misuse with ValueError / ShapeError", () => {
    expect(() => encodeWeights([w({}), w({})])).toThrow(/duplicate weight name "w"/);
    expect(() => encodeWeights([w({ shape: [3] })])).toThrow(ShapeError);
    expect(() => encodeWeights([w({ shape: [-2] })])).toThrow(ValueError);
    expect(() => encodeWeights([w({ values: [1, 2] as unknown as Float32Array })])).toThrow(/must be a Float32Array/);
    expect(() => encodeWeights([w({})], { quantize: "int8" as QuantizeDtype })).toThrow(/unknown quantize "int8"; expected one of: float16, uint8, uint16/);
    expect(() => encodeWeights([w({ values: Float32Array.of(1, NaN) })], { quantize: "uint8" })).toThrow(/holds NaN at index 1/);
    expect(() => encodeWeights([w({ name: "" })])).toThrow(ValueError);
  });

  it("a Float32Array view at an offset and an unaligned layout (odd uint8 weight, then float32 optimizer state) round-trip", () => {
    const backing = Float32Array.of(9, 1, 2, 3, 9);
    const input: WeightEntry[] = [
      { name: "a", shape: [3], values: backing.subarray(1, 4) },
      { name: "a/v", shape: [3], values: backing.subarray(1, 4), group: "optimizer" },
    ];
    const { specs, data } = encodeWeights(input, { quantize: "uint8" });
    expect(data.byteLength).toBe(3 + 12);
    const out = decodeWeights(specs, data, "t");
    // 0 outside [1, 3]: min 1, scale 2/255; the ends are exact, 2 lands on the nearest code 128 = 1 + 256/255
    expect([...out.get("a")!.values]).toEqual([1, Math.fround(1 + 128 * (2 / 255)), 3]);
    expect([...out.get("a/v")!.values]).toEqual([1, 2, 3]);
  });
});
