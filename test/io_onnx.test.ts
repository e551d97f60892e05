// ONNX import: MLPs exported by torch 1.13 (opsets 13 and 17) and hand-built graphs (opset-18 dynamo
// style, Gelu of opset 20, tf2onnx's Keras MLP, external data, float_data) are imported and must
// predict what PyTorch computed (fixture JSON, written by scripts/onnx_fixtures.py) on every build;
// graphs that are not chains of supported layers are refused naming the operator and node; truncated
// and bit-flipped files are loaded or refused with a SimdnnError, never anything else.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FormatError, SimdnnError } from "../src/errors.js";
import { inspectOnnx, onnxToArtifacts } from "../src/io/onnx/index.js";
import { decodeModel } from "../src/io/onnx/model.js";
import { ProtoReader } from "../src/io/onnx/proto.js";
import { tensorValues } from "../src/io/onnx/values.js";
import { BUILDS, instance } from "./helpers/backends.js";

const DIR = new URL("./fixtures/onnx/", import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(new URL(name, DIR)));

interface Case {
  input: number[][] | number[][][];
  inputShape: number[];
  output: number[][];
  opset?: number;
}

/** Every fixture with a PyTorch output: `<name>.onnx` beside `<name>.json` (external/model.* too). */
const CASES = [...readdirSync(DIR).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5)), "external/model"].sort();
const caseOf = (name: string): Case => JSON.parse(readFileSync(new URL(`${name}.json`, DIR), "utf8")) as Case;
const externalData = { "model.onnx.data": read("external/model.onnx.data") };
const load = (name: string) => onnxToArtifacts(read(`${name}.onnx`), { fileName: `${name}.onnx`, externalData });

type Layer = { class_name: string; config: Record<string, unknown> };
const layersOf = (name: string) => (load(name).modelTopology as { config: { layers: Layer[] } }).config.layers;
/** "Dense:relu", "LayerNormalization", … one string per layer, to compare topologies at a glance. */
const summary = (name: string) => layersOf(name).map((l) => (l.class_name === "Dense" || l.class_name === "Activation" ? `${l.class_name}:${String(l.config.activation)}` : l.class_name));

describe("ONNX fixtures predict what PyTorch computed", () => {
  it("finds the fixtures", () => {
    expect(CASES.length).toBeGreaterThan(45);
  });

  describe.each(BUILDS)("%s", (backend) => {
    it.each(CASES)("%s", async (name) => {
      const nn = await instance(backend);
      const c = caseOf(name);
      const model = await nn.loadLayersModel(nn.io.fromMemory(load(name)));
      const x = nn.tensor(c.input.flat(2) as number[], c.inputShape);
      const y = model.predict(x);
      const got = y.toArray() as number[][];
      expect(y.shape).toEqual([c.output.length, c.output[0].length]);
      c.output.forEach((row, i) => row.forEach((want, j) => {
        const err = Math.abs(got[i][j] - want);
        if (err > 1e-6 + 2e-5 * Math.abs(want)) expect.fail(`${name} row ${i} col ${j}: simdnn ${got[i][j]}, PyTorch ${want}`);
      }));
      x.dispose();
      y.dispose();
      model.dispose();
    });
  });
});

describe("what each export becomes", () => {
  it.each([
    ["relu_softmax_op13", ["Dense:relu", "Dense:softmax"]],
    ["gelu_op13", ["Dense:gelu", "Dense:linear"]],
    ["gelu_tanh_op17", ["Dense:gelu_new", "Dense:linear"]],
    ["silu_op13", ["Dense:swish", "Dense:linear"]],
    ["mish_op17", ["Dense:mish", "Dense:linear"]],
    ["softsign_op13", ["Dense:softsign", "Dense:linear"]],
    ["hardswish_op13", ["Dense:simdnn.hardSwish", "Dense:linear"]],
    ["hardswish_op17", ["Dense:simdnn.hardSwish", "Dense:linear"]],
    ["relu6_op13", ["Dense:relu6", "Dense:linear"]],
    ["log_softmax_op13", ["Dense:tanh", "Dense:log_softmax"]],
    ["layernorm_op13", ["Dense:linear", "LayerNormalization", "Activation:relu", "Dense:linear"]],
    ["layernorm_op17", ["Dense:linear", "LayerNormalization", "Activation:relu", "Dense:linear"]],
    ["batchnorm_op13", ["Dense:linear", "BatchNormalization", "Activation:relu", "Dense:linear"]],
    ["prelu_op13", ["Dense:linear", "PReLU", "Dense:linear"]],
    ["leaky_relu_op13", ["Dense:linear", "LeakyReLU", "Dense:linear"]],
    ["elu_op17", ["Dense:linear", "ELU", "Dense:linear"]],
    ["dropout_op13", ["Dense:relu", "Dense:linear"]],
    ["flatten_op13", ["Flatten", "Dense:relu", "Dense:linear"]],
    ["dynamo_op18", ["Dense:linear", "LayerNormalization", "Activation:relu", "Dense:linear", "LayerNormalization", "Activation:tanh", "Dense:linear"]],
    ["gelu_op20", ["Dense:gelu", "Dense:gelu_new", "Dense:linear"]],
    ["keras_tf2onnx_op13", ["Dense:relu", "Dense:softmax"]],
    ["float_data_op13", ["Dense:relu", "Dense:softmax"]],
    ["no_bias_op13", ["Dense:relu", "Dense:linear"]],
    ["clip_attrs_op10", ["Dense:relu6", "Dense:softmax"]],
    ["hardtanh_op13", ["Dense:linear", "ReLU", "Dense:linear"]],
    ["reshape_dropout_op13", ["Flatten", "Dense:relu", "Dense:log_softmax"]],
    ["defaults_op13", ["Dense:hard_sigmoid", "Dense:relu", "Dense:linear", "LeakyReLU"]],
    ["view_fixed_batch_op13", ["Flatten", "Dense:sigmoid"]],
  ])("%s → %j", (name, layers) => {
    expect(summary(name)).toEqual(layers);
  });

  it("keeps the parameters: epsilon, momentum, slopes, PyTorch's Hardsigmoid slope 1/6", () => {
    const ln = layersOf("layernorm_op13")[1].config;
    expect(ln.epsilon).toBeCloseTo(1e-5, 9);
    expect([ln.center, ln.scale]).toEqual([true, true]);
    expect(layersOf("batchnorm_op17")[1].config).toMatchObject({ momentum: Math.fround(0.9), axis: -1 });
    expect(layersOf("leaky_relu_op13")[1].config.alpha).toBeCloseTo(0.07, 7);
    expect(layersOf("elu_op13")[1].config.alpha).toBeCloseTo(0.8, 7);
    expect(layersOf("defaults_op13")[3].config.alpha).toBeCloseTo(0.01, 9);
    expect(layersOf("hardsigmoid_op13")[0].config).toMatchObject({ activation: "simdnn.hardSigmoid", activation_params: { alpha: Math.fround(1 / 6) } });
  });

  it("writes the artifacts the layers-model loader reads: input shape, weight names and sizes, producer", () => {
    const a = load("batchnorm_op13");
    const layers = layersOf("batchnorm_op13");
    expect(layers[0].config.batch_input_shape).toEqual([null, 5]);
    expect(a.format).toBe("layers-model");
    expect(a.convertedBy).toBe("simdnn onnx import (pytorch 1.13.0, opset 13)");
    expect(a.weightSpecs!.map((w) => `${w.name} ${w.shape.join("x")}`)).toEqual([
      "dense/kernel 5x7", "dense/bias 7", "batch_normalization/gamma 7", "batch_normalization/beta 7",
      "batch_normalization/moving_mean 7", "batch_normalization/moving_variance 7", "dense_1/kernel 7x3", "dense_1/bias 3",
    ]);
    expect((a.weightData as ArrayBuffer).byteLength).toBe(4 * a.weightSpecs!.reduce((s, w) => s + w.shape.reduce((p, d) => p * d, 1), 0));
  });

  it("folds Gemm's alpha into the kernel (transposed from [out, in]) and beta into the bias", () => {
    // gelu_op20's first Gemm: transB = 1, alpha 0.5, beta 2.
    const g = decodeModel(read("gelu_op20.onnx"), "gelu_op20.onnx").graph!;
    const init = (name: string) => tensorValues(g.initializer.find((t) => t.name === name)!, undefined, name).values;
    const w = init("w1"), b = init("b1");
    const a = load("gelu_op20");
    expect(a.weightSpecs!.slice(0, 2)).toEqual([{ name: "dense/kernel", shape: [5, 7], dtype: "float32" }, { name: "dense/bias", shape: [7], dtype: "float32" }]);
    const data = new Float32Array(a.weightData as ArrayBuffer);
    for (let i = 0; i < 5; i++) for (let o = 0; o < 7; o++) expect(data[i * 7 + o]).toBe(Math.fround(0.5 * w[o * 5 + i]));
    for (let o = 0; o < 7; o++) expect(data[35 + o]).toBe(Math.fround(2 * b[o]));
  });

  it("inspectOnnx summarises producer, opset, operators and initializer bytes", () => {
    const s = inspectOnnx(read("relu_softmax_op13.onnx"));
    expect(s).toMatchObject({ producer: "pytorch", producerVersion: "1.13.0", operators: { Gemm: 2, Relu: 1, Softmax: 1 }, initializers: 4 });
    expect(s.opsets).toContainEqual({ domain: "", version: 13 });
    expect(s.initializerBytes).toBe(4 * (5 * 7 + 7 + 7 * 3 + 3));
    expect(s.inputs).toEqual([{ name: "x", shape: ["batch", 5] }]);
    expect(inspectOnnx(read("external/model.onnx")).externalFiles).toEqual(["model.onnx.data"]);
  });
});

describe("refusals name the operator and the node", () => {
  const refuse = (name: string, options = {}) => () => onnxToArtifacts(read(`${name}.onnx`), { fileName: `${name}.onnx`, ...options });
  it.each([
    ["refuse_conv", /refuse_conv\.onnx: node 0 'conv1' \(Conv\): operator Conv is not supported/],
    ["refuse_residual", /'residual_add' \(Add\).*not a chain/],
    ["refuse_double", /'fc64' \(Gemm\): weight 'w' is float64; simdnn loads float32 weights only/],
    ["refuse_transa", /'fc_t' \(Gemm\): transA = 1/],
    ["refuse_clip", /'clip5' \(Clip\): Clip\(min -1, max 5\) is not supported; Clip\(0, max ≥ 0\) is a ReLU clipped at max/],
    ["refuse_gelu_constant", /\(Mul, Mul, Mul, Add, Mul, Tanh, Add, Mul, Mul\) compute an elementwise function that is none of gelu, gelu_new/],
    ["refuse_selu_alpha", /'selu_custom' \(Selu\): Selu\(alpha 1\.5/],
    ["refuse_shape", /'fc_mismatch' \(Gemm\): its weight expects 5 input features; the chain has shape \[batch,7\]/],
    ["refuse_missing_weight", /'fc_missing' \(Gemm\): input 'w_missing' is neither on the layer chain nor an initializer or constant/],
    ["refuse_domain", /'fused' \(FusedGemm\): operator domain 'com\.microsoft' is not supported/],
    ["refuse_softmax_axis", /'softmax_batch' \(Softmax\): axis 0 on shape \[batch,7\]; only the last axis/],
    ["refuse_two_inputs", /the graph has 2 inputs \('x', 'x2'\); a chain of layers has exactly one/],
  ])("%s", (name, message) => {
    expect(refuse(name)).toThrow(FormatError);
    expect(refuse(name)).toThrow(message);
  });

  it("external data: missing file, short file and wrong offsets say what to pass", () => {
    const bytes = read("external/model.onnx");
    expect(() => onnxToArtifacts(bytes, { fileName: "model.onnx" })).toThrow(/model\.onnx: initializer 'dense\/kernel'.*"model\.onnx\.data", which was not given; pass its bytes as options\.externalData/);
    const short = externalData["model.onnx.data"].subarray(0, 100);
    expect(() => onnxToArtifacts(bytes, { externalData: { "model.onnx.data": short } })).toThrow(/holds 100 bytes; the tensor needs bytes/);
    expect(() => onnxToArtifacts(bytes, { externalData: { "__proto__": short } as never })).toThrow(FormatError);
  });

  it("argument misuse is a ValueError", () => {
    expect(() => onnxToArtifacts("model.onnx" as never)).toThrow(/must be a Uint8Array or ArrayBuffer/);
    expect(() => onnxToArtifacts(new Uint8Array(0))).toThrow(/no graph/);
  });
});

describe("the protobuf reader", () => {
  const reader = (...bytes: number[]) => ProtoReader.of(Uint8Array.from(bytes), "t.onnx");
  it("reads negative int64 from 10-byte varints (axis = -1) and the 64-bit extremes", () => {
    expect(reader(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).int64("axis")).toBe(-1);
    expect(reader(0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01).int64("axis")).toBe(-2);
    expect(reader(0x96, 0x01).int64("n")).toBe(150);
    expect(() => reader(0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01).int64("n")).toThrow(/beyond ±2\^53/);
  });
  it("refuses varints over 10 bytes, lengths past the end, groups and deep nesting", () => {
    expect(() => reader(...Array(10).fill(0x80), 0x01).int64("n")).toThrow(/t\.onnx: byte 0: varint longer than 10 bytes/);
    expect(() => reader(0x05, 1, 2).bytesField()).toThrow(/length 5 runs past the end of its message \(2 bytes left\)/);
    expect(() => reader(0x80).uint("length")).toThrow(/runs past the end/);
    expect(() => reader(0x0b).skip(3)).toThrow(/unsupported wire type 3/);
    // 40 nested messages of length n, n−2, …
    const nested: number[] = [];
    for (let i = 0; i < 40; i++) nested.unshift(0x0a, nested.length);
    const r = ProtoReader.of(Uint8Array.from(nested), "t.onnx");
    expect(() => { let m = r; for (;;) { m.tag(); m = m.message(); } }).toThrow(/nested deeper than 32/);
  });
  it("the opset-13 tf2onnx fixture's Softmax axis -1 is written as a 10-byte varint and read back", () => {
    const bytes = read("keras_tf2onnx_op13.onnx");
    const axis = Uint8Array.of(0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01); // field 3 (i), varint −1
    expect(Buffer.from(bytes).indexOf(Buffer.from(axis))).toBeGreaterThan(0);
    expect(summary("keras_tf2onnx_op13").at(-1)).toBe("Dense:softmax");
  });
});

describe("hostile bytes: loaded or refused with a SimdnnError", () => {
  const FILES = CASES.filter((n) => !n.includes("/")).map((n) => `${n}.onnx`).concat(readdirSync(DIR).filter((f) => f.startsWith("refuse_")));
  const attempt = (bytes: Uint8Array) => {
    try {
      onnxToArtifacts(bytes, { externalData });
    } catch (e) {
      if (!(e instanceof SimdnnError)) throw e;
    }
  };
  it.each(FILES)("%s: every truncation, random byte changes", (file) => {
    const bytes = read(file);
    for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 150))) attempt(bytes.subarray(0, n));
    fc.assert(fc.property(fc.array(fc.tuple(fc.nat(bytes.length - 1), fc.nat(255)), { minLength: 1, maxLength: 4 }), (changes) => {
      const b = bytes.slice();
      for (const [at, v] of changes) b[at] = v;
      attempt(b);
    }), { numRuns: 200, seed: 15 });
  });

  it("a flipped byte that still imports builds a model or is refused by the loader with a SimdnnError", async () => {
    const nn = await instance("simd");
    const bytes = read("layernorm_op13.onnx");
    let built = 0;
    for (let at = 0; at < bytes.length; at += 7) {
      const b = bytes.slice();
      b[at] ^= 0x10;
      try {
        const model = await nn.loadLayersModel(nn.io.fromMemory(onnxToArtifacts(b)));
        built++;
        model.dispose();
      } catch (e) {
        if (!(e instanceof SimdnnError)) throw e;
      }
    }
    expect(built).toBeGreaterThan(0); // flips inside weight values still load
  });
});

describe("nn.loadOnnx (the layers-model loader on top of onnxToArtifacts)", () => {
  it("reads a file:// graph and its external data beside it, and predicts what PyTorch computed", async () => {
    const nn = await instance("simd");
    const c = caseOf("external/model");
    const model = await nn.loadOnnx(new URL("external/model.onnx", DIR).href);
    const y = model.predict(nn.tensor(c.input as number[][]));
    (y.toArray() as number[][]).forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - c.output[i][j])).toBeLessThan(1e-6 + 2e-5 * Math.abs(c.output[i][j]))));
    model.dispose();
  });

  it("bytes without externalData are refused naming the file to pass; an external location outside the folder is refused", async () => {
    const nn = await instance("simd");
    await expect(nn.loadOnnx(read("external/model.onnx"))).rejects.toThrow(/"model\.onnx\.data", which was not given/);
    // The same graph whose external location is rewritten (same length) to climb out of its folder.
    const bytes = Buffer.from(read("external/model.onnx"));
    const escaped = Buffer.from(bytes.toString("latin1").split("model.onnx.data").join("../../etc/passw"), "latin1");
    const dir = mkdtempSync(join(tmpdir(), "simdnn-onnx-"));
    try {
      writeFileSync(join(dir, "model.onnx"), escaped);
      const error = await nn.loadOnnx(pathToFileURL(join(dir, "model.onnx")).href).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(FormatError);
      expect((error as Error).message).toMatch(/refusing path "\.\.\/\.\.\/etc\/passw"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
