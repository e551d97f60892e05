// safetensors read/write and PyTorch state_dict import. Independent references: the byte layouts in
// the reference implementation's own tests (safetensors/src/tensor.rs), and fixtures written by
// scripts/safetensors_fixtures.py (a hand-written writer) from real torch.nn.Sequential state_dicts
// with torch's outputs, predicted here on all three builds. Hostile files must be refused with a
// FormatError naming the problem, and random damage must never escape as anything but a SimdnnError.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FormatError, SimdnnError, ShapeError, ValueError } from "../src/errors.js";
import { loadStateDict, modelStateDict, modelToSafetensors, readSafetensors, type SafetensorsTensor, writeSafetensors } from "../src/io/safetensors.js";
import type { NN } from "../src/nn.js";
import type { Sequential } from "../src/model/sequential.js";
import { BUILDS, instance } from "./helpers/backends.js";

const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/safetensors/${name}.safetensors`, import.meta.url)));
const utf8 = (s: string) => new TextEncoder().encode(s);
const u64 = (n: number | bigint) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n), true);
  return b;
};
const concat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
};
const f32bytes = (values: number[]) => new Uint8Array(new Float32Array(values).buffer);
/** A file with a hand-made header (any JSON, even invalid) and data section. */
const file = (header: string | object, data: Uint8Array = new Uint8Array(0)) => {
  const h = utf8(typeof header === "string" ? header : JSON.stringify(header));
  return concat(u64(h.length), h, data);
};
const headerOf = (bytes: Uint8Array) => {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { n, text: new TextDecoder().decode(bytes.subarray(8, 8 + n)) };
};
/** Same values bit for bit, NaN equal to NaN and +0 distinct from −0; names the first index that differs. */
function expectSameValues(actual: Float32Array, expected: Float32Array, what: string) {
  expect(actual.length, what).toBe(expected.length);
  const bad = Array.from(actual).findIndex((v, i) => !Object.is(v, expected[i]));
  expect(bad, `${what}: first difference at ${bad}: ${actual[bad]} vs ${expected[bad]}`).toBe(-1);
}
function expectFormatError(fn: () => unknown, pattern: RegExp) {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(FormatError);
  expect((thrown as Error).message).toMatch(pattern);
}

describe("safetensors format", () => {
  it("writes byte for byte what the reference writer writes (its own test vectors)", () => {
    // safetensors/src/tensor.rs test_serialization, test_serialization_forced_alignement, test_empty
    const values = [0, 1, 2, 3, 4, 5];
    expect(writeSafetensors({ "attn.0": { data: new Float32Array(values), shape: [1, 2, 3] } })).toEqual(
      concat(u64(64), utf8('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'), f32bytes(values)),
    );
    expect(writeSafetensors({ attn0: { data: new Float32Array(values), shape: [1, 1, 2, 3] } })).toEqual(
      concat(u64(72), utf8('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}' + " ".repeat(7)), f32bytes(values)),
    );
    expect(writeSafetensors({})).toEqual(concat(u64(8), utf8("{}      ")));
    expect(writeSafetensors({}, { framework: "pt" })).toEqual(concat(u64(40), utf8('{"__metadata__":{"framework":"pt"}}     ')));
  });

  it("round-trips Float32Arrays, shaped values, Tensors, scalars, empty tensors and metadata; names in UTF-8 byte order", async () => {
    const nn = await instance("simd");
    const t = nn.tensor([[1.5, -2], [3e38, -0]]);
    const record = {
      "z": new Float32Array([1, 2, 3]), "Z": { data: new Float32Array([7]), shape: [] }, "é": { data: new Float32Array(0), shape: [0, 4] },
      "😀": { data: new Float32Array([NaN, Infinity, -Infinity, 1e-45]), shape: [2, 2] }, "ｚ": t, "a.0.weight": { data: new Float32Array(6).map((_, i) => i / 7), shape: [3, 2] },
    };
    const bytes = writeSafetensors(record, { format: "pt", note: 'quotes " and \\ and\nnewlines' });
    const { n, text } = headerOf(bytes);
    expect(n % 8).toBe(0);
    // UTF-8 byte order: "Z" < "a.0.weight" < "z" < "é" (C3 A9) < "ｚ" (EF BD 9A) < "😀" (F0 9F…); UTF-16 order would put 😀 (D83D) before ｚ (FF5A)
    const order = Object.keys(JSON.parse(text));
    expect(order).toEqual(["__metadata__", "Z", "a.0.weight", "z", "é", "ｚ", "😀"]);
    const back = readSafetensors(bytes);
    expect(back.metadata).toEqual({ format: "pt", note: 'quotes " and \\ and\nnewlines' });
    expect(back.tensors["ｚ"].shape).toEqual([2, 2]);
    expectSameValues(back.tensors["ｚ"].data, t.data, "tensor");
    expect(back.tensors.Z).toMatchObject({ dtype: "F32", shape: [] });
    expect(back.tensors["é"].shape).toEqual([0, 4]);
    for (const [k, v] of Object.entries(record)) if (v instanceof Float32Array || "shape" in v) expectSameValues(back.tensors[k].data, v instanceof Float32Array ? v : v.data, k);
    t.dispose();
  });

  it("reads an unaligned view and an ArrayBuffer, and returns copies that do not alias the input", () => {
    const bytes = writeSafetensors({ w: { data: new Float32Array([1, 2, 3, 4, 5, 6]), shape: [2, 3] } });
    const big = new Uint8Array(bytes.length + 3);
    big.set(bytes, 3);
    const fromView = readSafetensors(big.subarray(3));
    expect(Array.from(fromView.tensors.w.data)).toEqual([1, 2, 3, 4, 5, 6]);
    big.fill(0);
    expect(Array.from(fromView.tensors.w.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(readSafetensors(bytes.slice().buffer).tensors.w.data)).toEqual([1, 2, 3, 4, 5, 6]);
    // every dtype through an odd offset (the DataView paths) reads as through an aligned copy (the typed-array paths)
    const dtypes = fixture("dtypes"), odd = new Uint8Array(dtypes.length + 1);
    odd.set(dtypes, 1);
    const aligned = readSafetensors(dtypes).tensors, unaligned = readSafetensors(odd.subarray(1)).tensors;
    for (const k of Object.keys(aligned)) expectSameValues(unaligned[k].data, aligned[k].data, k);
  });

  it("reads torch's file (I64 num_batches_tracked first, by alignment) and converts every dtype as torch's .float() does", () => {
    const mlp = readSafetensors(fixture("mlp"));
    expect(mlp.metadata).toEqual({ format: "pt", source: "scripts/safetensors_fixtures.py" });
    expect(mlp.tensors["2.num_batches_tracked"]).toMatchObject({ dtype: "I64", shape: [] });
    expect(mlp.tensors["2.num_batches_tracked"].data[0]).toBe(37);
    expect(mlp.tensors["0.weight"].shape).toEqual([7, 5]);
    const { tensors } = readSafetensors(fixture("dtypes"));
    const stored = Object.keys(tensors).filter((k) => !k.endsWith(".as_f32"));
    expect(stored.map((k) => tensors[k].dtype).sort()).toEqual(["BF16", "BOOL", "F16", "F32", "F32", "F64", "I16", "I32", "I64", "I8", "U8"]);
    for (const k of stored) {
      expect(tensors[k].shape, k).toEqual(tensors[`${k}.as_f32`].shape);
      expectSameValues(tensors[k].data, tensors[`${k}.as_f32`].data, k);
    }
  });
});

describe("safetensors: hostile files", () => {
  const good = writeSafetensors({ a: { data: new Float32Array([1, 2]), shape: [2] }, b: { data: new Float32Array([3]), shape: [1] } });
  const entry = (dtype: unknown, shape: unknown, offsets: unknown) => ({ dtype, shape, data_offsets: offsets });

  it.each([
    ["an empty file", new Uint8Array(0), /0 bytes; it must start with an 8-byte header length/],
    ["a header length past the end", good.subarray(0, 20), /header length .* is \d+ but only 12 bytes follow/],
    ["a header length of 2^63", concat(u64(2n ** 63n), utf8("{}")), /at most 100000000/],
    ["a header length of 200 MB", concat(u64(200_000_000), utf8("{}")), /at most 100000000/],
    ["a header that is not UTF-8", concat(u64(4), new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/],
    ["a header that is not JSON", file('{"a": {"dtype": "F32",'), /not JSON/],
    ["a header that is not an object", file("[1, 2]"), /must start with "\{"/],
    ["a duplicate name", file('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', f32bytes([1, 2])), /names "a" twice/],
    ["an unknown dtype", file({ w: entry("F128", [1], [0, 16]) }, new Uint8Array(16)), /tensor "w": unknown dtype "F128"; expected one of: BOOL/],
    ["a negative dimension", file({ w: entry("F32", [-1, 2], [0, 8]) }, new Uint8Array(8)), /tensor "w": shape must be an array of non-negative integers/],
    ["a fractional dimension", file({ w: entry("F32", [1.5], [0, 6]) }, new Uint8Array(6)), /tensor "w": shape/],
    ["a shape whose size overflows", file({ w: entry("F32", [2 ** 40, 2 ** 40], [0, 8]) }, new Uint8Array(8)), /tensor "w": data_offsets \[0, 8\] span 8 bytes/],
    ["offsets that do not fit the shape", file({ w: entry("F32", [3], [0, 8]) }, new Uint8Array(8)), /tensor "w": data_offsets \[0, 8\] span 8 bytes; F32 \[3\] needs 3 × 4 = 12/],
    ["offsets reversed", file({ w: entry("F32", [0], [8, 0]) }, new Uint8Array(8)), /0 ≤ begin ≤ end/],
    ["offsets out of range (a billion floats claimed)", file({ w: entry("F32", [1e9], [0, 4e9]) }, new Uint8Array(8)), /tensor "w" data_offsets \[0, 4000000000\] end past the 8 bytes of data/],
    ["overlapping tensors", file({ a: entry("F32", [2], [0, 8]), b: entry("F32", [2], [4, 12]) }, new Uint8Array(12)), /tensor "b" starts at data offset 4 but the previous tensor ends at 8 \(overlap\)/],
    ["a hole between tensors", file({ a: entry("F32", [1], [0, 4]), b: entry("F32", [1], [8, 12]) }, new Uint8Array(12)), /tensor "b" starts at data offset 8 .*\(hole\)/],
    ["bytes after the last tensor", file({ a: entry("F32", [1], [0, 4]) }, new Uint8Array(8)), /cover 4 bytes of data but 8 follow/],
    ["truncated data", good.subarray(0, good.length - 1), /tensor "b" data_offsets \[8, 12\] end past the 11 bytes of data \(truncated file\?\)/],
    ["an entry that is not an object", file({ w: [1, 2] }), /tensor "w": expected \{ dtype, shape, data_offsets \}/],
    ["metadata that is not strings", file({ __metadata__: { epochs: 3 } }), /__metadata__ "epochs" must be a string; received 3/],
    ["metadata that is not an object", file({ __metadata__: "pt" }), /__metadata__ must be an object/],
  ])("refuses %s with a FormatError saying what is wrong", (_, bytes, pattern) => {
    expectFormatError(() => readSafetensors(bytes), pattern);
  });

  it("names the file when told its name; wrong arguments are ValueErrors", () => {
    expectFormatError(() => readSafetensors(new Uint8Array(3), { name: "model.safetensors" }), /^model\.safetensors: the file is 3 bytes/);
    expect(() => readSafetensors([1, 2, 3] as unknown as Uint8Array)).toThrow(ValueError);
    expect(() => writeSafetensors({ w: { data: new Float32Array(3), shape: [2, 2] } })).toThrow(ShapeError);
    expect(() => writeSafetensors({ w: [1, 2] as unknown as Float32Array })).toThrow(ValueError);
    expect(() => writeSafetensors({ __metadata__: new Float32Array(1) })).toThrow(/reserved/);
    expect(() => writeSafetensors({}, { epochs: 3 as unknown as string })).toThrow(ValueError);
  });

  it("accepts what the format allows: null metadata, space padding, a name such as __proto__", () => {
    const bytes = file('{"__metadata__":null,"__proto__":{"dtype":"F16","shape":[1],"data_offsets":[0,2]}}   ', new Uint8Array([0x00, 0x3c]));
    const { tensors, metadata } = readSafetensors(bytes);
    expect(metadata).toEqual({});
    expect(Object.keys(tensors)).toEqual(["__proto__"]);
    expect(tensors["__proto__"].data[0]).toBe(1);
  });

  it("property: every truncation is refused, and random byte changes are read or refused with a SimdnnError", () => {
    const valid = fixture("mlp");
    for (let len = 0; len < valid.length; len++) expect(() => readSafetensors(valid.subarray(0, len)), `truncated to ${len}`).toThrow(FormatError);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 }), (changes) => {
        const bytes = valid.slice();
        for (const [at, value] of changes) bytes[at] = value;
        try {
          readSafetensors(bytes);
        } catch (error) {
          if (!(error instanceof SimdnnError)) throw error;
        }
      }),
      { numRuns: 400, seed: 15 },
    );
  });

  it("property: any set of float32 tensors round-trips", () => {
    const tensor = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }).chain((shape) => {
      const n = shape.reduce((a, d) => a * d, 1);
      return fc.float32Array({ minLength: n, maxLength: n }).map((data) => ({ data, shape }));
    });
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }).filter((k) => k !== "__metadata__"), tensor, { maxKeys: 5 }), (record) => {
        const back = readSafetensors(writeSafetensors(record)).tensors;
        expect(Object.keys(back).sort()).toEqual(Object.keys(record).sort());
        for (const [k, v] of Object.entries(record)) {
          expect(back[k].shape).toEqual(v.shape);
          expectSameValues(back[k].data, v.data, k);
        }
      }),
      { numRuns: 200, seed: 15 },
    );
  });
});

/** simdnn's build of the fixture's torch.nn.Sequential (Linear+ReLU fused into one dense layer). */
const mlpModel = (nn: NN, names = false) => nn.sequential({ seed: 3, layers: [
  nn.layers.dense({ units: 7, activation: "relu", inputShape: [5], ...(names && { name: "fc1" }) }),
  nn.layers.batchNormalization({ epsilon: 1e-5, ...(names && { name: "bn" }) }),
  nn.layers.dense({ units: 7, ...(names && { name: "square" }) }),
  nn.layers.prelu(names ? { name: "act" } : {}),
  nn.layers.layerNormalization({ epsilon: 1e-5, ...(names && { name: "ln" }) }),
  nn.layers.dense({ units: 3, ...(names && { name: "out" }) }),
] });

/** Predicts the io fixture's x and checks torch's y within 2e-5 relative + 1e-6 absolute; returns the worst error. */
function expectTorchOutput(nn: NN, model: Sequential, io: Record<string, SafetensorsTensor>): number {
  const x = nn.tensor(io.x.data, io.x.shape);
  const y = model.predict(x);
  expect(y.shape).toEqual(io.y.shape);
  const got = y.data.slice();
  x.dispose();
  y.dispose();
  let worst = 0;
  got.forEach((v, i) => {
    const want = io.y.data[i], err = Math.abs(v - want) - 2e-5 * Math.abs(want);
    worst = Math.max(worst, err);
  });
  return worst;
}
const snapshot = (model: Sequential) => model.getWeights().map((t) => {
  const copy = t.data.slice();
  t.dispose();
  return copy;
});

describe.each(BUILDS)("PyTorch state_dict into a simdnn Sequential (%s)", (build) => {
  const dict = readSafetensors(fixture("mlp"), { name: "mlp.safetensors" }).tensors;
  const io = readSafetensors(fixture("mlp_io")).tensors;

  it("predicts what torch predicted (Linear 5→7, ReLU, BatchNorm1d, Linear 7→7, PReLU, LayerNorm, Linear 7→3)", async () => {
    const nn = await instance(build);
    const model = mlpModel(nn);
    const result = loadStateDict(model, dict);
    expect(result.missingKeys).toEqual([]);
    expect(result.unexpectedKeys).toEqual([]);
    expect(result.loaded.sort()).toEqual(Object.keys(dict).filter((k) => !k.endsWith("num_batches_tracked")).sort());
    expect(expectTorchOutput(nn, model, io)).toBeLessThanOrEqual(1e-6);
    // the square 7→7 weight is transposed like the others: loading it untransposed gives another function
    const w = dict["3.weight"].data, wt = w.map((_, j) => w[(j % 7) * 7 + Math.floor(j / 7)]);
    loadStateDict(model, { ...dict, "3.weight": { data: wt, shape: [7, 7] } });
    expect(expectTorchOutput(nn, model, io)).toBeGreaterThan(1e-2);
    model.dispose();
  });

  it("loads a [C] PReLU weight per channel under a module prefix (net.0, net.1, net.2)", async () => {
    const nn = await instance(build);
    const model = nn.sequential({ layers: [nn.layers.dense({ units: 4, inputShape: [5] }), nn.layers.prelu(), nn.layers.dense({ units: 2 })] });
    const channels = readSafetensors(fixture("prelu_channels")).tensors;
    expect(channels["net.1.weight"].shape).toEqual([4]);
    loadStateDict(model, channels);
    expect(expectTorchOutput(nn, model, readSafetensors(fixture("prelu_channels_io")).tensors)).toBeLessThanOrEqual(1e-6);
    model.dispose();
  });

  it("writes torch and keras layouts that load back into a fresh model with the same outputs", async () => {
    const nn = await instance(build);
    const a = mlpModel(nn, true);
    loadStateDict(a, dict);
    const torchFile = readSafetensors(modelToSafetensors(a));
    expect(torchFile.metadata).toEqual({ format: "pt" });
    expect(torchFile.tensors["0.weight"].shape).toEqual([7, 5]);
    expectSameValues(torchFile.tensors["0.weight"].data, dict["0.weight"].data, "0.weight back in torch layout");
    const kerasFile = readSafetensors(modelToSafetensors(a, { layout: "keras", metadata: { by: "test" } }));
    expect(Object.keys(kerasFile.tensors).sort()).toEqual(["act/alpha", "bn/beta", "bn/gamma", "bn/moving_mean", "bn/moving_variance", "fc1/bias", "fc1/kernel", "ln/beta", "ln/gamma", "out/bias", "out/kernel", "square/bias", "square/kernel"]);
    expect(kerasFile.tensors["fc1/kernel"].shape).toEqual([5, 7]);
    a.dispose();
    for (const [layout, file] of [["torch", torchFile], ["keras", kerasFile]] as const) {
      const b = mlpModel(nn, true);
      loadStateDict(b, file.tensors, { layout });
      expect(expectTorchOutput(nn, b, io), layout).toBeLessThanOrEqual(1e-6);
      expect(Object.keys(modelStateDict(b, layout)).sort()).toEqual(Object.keys(file.tensors).sort());
      b.dispose();
    }
  });
});

describe("loadStateDict refuses what does not fit, and then changes nothing", () => {
  const dict = readSafetensors(fixture("mlp")).tensors;

  async function failing(tensors: Record<string, SafetensorsTensor | { data: Float32Array; shape: number[] }>, options: Parameters<typeof loadStateDict>[2], pattern: RegExp) {
    const nn = await instance("scalar");
    const model = mlpModel(nn, true);
    const before = snapshot(model);
    expectFormatError(() => loadStateDict(model, tensors, options), pattern);
    snapshot(model).forEach((w, i) => expectSameValues(w, before[i], `weight ${i} after the failed load`));
    model.dispose();
  }

  it("a Linear weight that fits only untransposed (Keras' [in, out])", async () => {
    await failing({ ...dict, "6.weight": { data: new Float32Array(21), shape: [7, 3] } }, {}, /'6\.weight' \[7,3\] → layer 'out' kernel \[7,3\].*fits only untransposed.*\[out, in\] = \[3,7\]/);
  });
  it("a shape that fits neither way names both sides", async () => {
    await failing({ ...dict, "5.weight": { data: new Float32Array(6), shape: [6] } }, {}, /'5\.weight' \[6\] → layer 'ln' gamma \[7\]: the shapes differ/);
  });
  it("missing and unexpected keys under strict, with the pairing", async () => {
    const { ["6.bias"]: _dropped, ...rest } = dict;
    await failing({ ...rest, "head.weight": { data: new Float32Array(2), shape: [2] } }, {}, /paired in order: 0 → fc1, 2 → bn, 3 → square, 4 → act, 5 → ln, 6 → out; modules left over: head\)\. Missing: 6\.bias\. Unexpected: head\.weight\./);
  });
  it("a NaN in the last tensor", async () => {
    const bad = dict["6.bias"].data.slice();
    bad[2] = NaN;
    await failing({ ...dict, "6.bias": { data: bad, shape: [3] } }, {}, /layer 'out' bias is NaN at flat index 2/);
  });
  it("torch's [out, in] kernel given as Keras layout", async () => {
    const keras = modelStateDict(mlpModel(await instance("scalar"), true), "keras");
    await failing({ ...keras, "out/kernel": { data: new Float32Array(21), shape: [3, 7] } }, { layout: "keras" }, /'out\/kernel' \[3,7\].*expected \[7,3\] \(this is PyTorch's \[out, in\] layout/);
    await failing(keras, {}, /keys look Keras-named/);
  });

  it("strict: false loads what fits and reports the rest; argument misuse is a ValueError", async () => {
    const nn = await instance("scalar");
    const model = mlpModel(nn, true);
    const biasBefore = model.layers[5].getWeights()[1];
    const { ["6.bias"]: _dropped, ...rest } = dict;
    const result = loadStateDict(model, { ...rest, "head.weight": { data: new Float32Array(2), shape: [2] } }, { strict: false });
    expect(result.missingKeys).toEqual(["6.bias"]);
    expect(result.unexpectedKeys).toEqual(["head.weight"]);
    const [kernel, bias] = model.layers[5].getWeights();
    expectSameValues(bias.data, biasBefore.data, "bias kept");
    expect(kernel.data[1]).toBe(dict["6.weight"].data[7]); // kernel[0][1] = weight[1][0]
    for (const t of [kernel, bias, biasBefore]) t.dispose();
    expect(() => loadStateDict(model, dict, { layout: "onnx" as "torch" })).toThrow(ValueError);
    expect(() => loadStateDict(model, dict, { modules: ["nope"] })).toThrow(/prefixes present in the state dict/);
    expect(() => loadStateDict(model, dict, { modules: ["0", "0"] })).toThrow(ValueError);
    expect(() => loadStateDict(model, { w: { data: new Float32Array(3), shape: [2] } })).toThrow(ValueError);
    const unbuilt = nn.sequential({ layers: [nn.layers.dense({ units: 2 })] });
    expect(() => loadStateDict(unbuilt, dict)).toThrow(/no weights yet/);
    model.dispose();
  });
});
