// model.json as the python tensorflowjs_converter writes it: Keras 2 (.h5: model_config nesting,
// batch_input_shape, axis [1], "Custom>Adam"), Keras 3 (.keras: module / registered_name keys,
// DTypePolicy dtypes, batch_shape, weights named sequential/<layer>/<weight>, hard_sigmoid with slope
// 1/6, silu, negative_slope) and the Keras 2.1 era (config = the layers array, one weight group per
// layer, shard files without .bin). Fixtures in test/fixtures/layers-model; weights from a seeded
// generator; the expected output from a float64 forward written here, and from tfjs where it reads
// the file. Then the refusals: each names the layer or weight, what was received and what was expected.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { FormatError } from "../src/errors.js";
import type { ModelJSON, WeightsManifestEntry } from "../src/io/artifacts.js";
import type { NN } from "../src/nn.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { normalCdf } from "./helpers/reference.js";
import { seededValues, tf, tfl, tfPredict, tfReady } from "./helpers/tfjs_interop.js";

const FIXTURES = fileURLToPath(new URL("./fixtures/layers-model/", import.meta.url));
const readFixture = (dir: string) => JSON.parse(readFileSync(join(FIXTURES, dir, "model.json"), "utf8")) as ModelJSON;
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const ROWS = 7;
const TOL = { rtol: 2e-5, atol: 2e-6 };

/** Seeded float32 values for every manifest entry, one buffer per group (the shard files). */
function seededShards(json: ModelJSON): { buffers: ArrayBuffer[]; byName: Map<string, Float32Array> } {
  const byName = new Map<string, Float32Array>();
  let k = 0;
  const buffers = json.weightsManifest.map((g) => {
    const parts = g.weights.map((w) => {
      const v = seededValues(w.name, size(w.shape), 500 + 13 * k++, 1);
      byName.set(w.name, v);
      return v;
    });
    const all = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let at = 0;
    for (const p of parts) all.set(p, at), (at += p.length);
    return all.buffer;
  });
  return { buffers, byName };
}

// ---- the float64 reference forward, read straight from the Keras JSON ----
type Row = number[];
interface KLayer { class_name: string; config: Record<string, unknown> }
interface Topology { keras_version?: string; model_config?: { config: unknown }; config?: unknown }

function kerasLayers(t: Topology): KLayer[] {
  const cfg = (t.model_config ?? t).config as KLayer[] | { layers: KLayer[] };
  return Array.isArray(cfg) ? cfg : cfg.layers;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
function activation64(name: string, keras3: boolean): (r: Row) => Row {
  const each = (f: (x: number) => number) => (r: Row) => r.map(f);
  const SELU_A = 1.6732632423543772, SELU_L = 1.0507009873554805;
  switch (name) {
    case "linear": return each((x) => x);
    case "relu": return each((x) => Math.max(x, 0));
    case "sigmoid": return each(sigmoid);
    case "tanh": return each(Math.tanh);
    case "elu": return each((x) => (x > 0 ? x : Math.expm1(x)));
    case "selu": return each((x) => SELU_L * (x > 0 ? x : SELU_A * Math.expm1(x)));
    case "swish": case "silu": return each((x) => x * sigmoid(x));
    case "gelu": return each((x) => x * normalCdf(x));
    // Keras 3 (and PyTorch): relu6(x + 3)/6; Keras 2 and tfjs: clip(0.2x + 0.5, 0, 1)
    case "hard_sigmoid": return each((x) => Math.min(1, Math.max(0, (keras3 ? x / 6 : 0.2 * x) + 0.5)));
    case "softmax": return (r) => {
      const m = Math.max(...r), e = r.map((x) => Math.exp(x - m)), s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    };
    default: throw new Error(`reference has no activation ${name}`);
  }
}

function forward64(t: Topology, w: (layer: string, weight: string) => Float32Array, x: Row): Row {
  const keras3 = (t.keras_version ?? "2").startsWith("3");
  let r = x;
  for (const { class_name: cls, config: c } of kerasLayers(t)) {
    const name = c.name as string;
    const eps = c.epsilon as number;
    if (cls === "Dense") {
      const k = w(name, "kernel"), b = c.use_bias === false ? null : w(name, "bias"), units = c.units as number;
      const z = Array.from({ length: units }, (_, j) => r.reduce((s, v, i) => s + v * k[i * units + j], b ? b[j] : 0));
      r = activation64(c.activation as string, keras3)(z);
    } else if (cls === "BatchNormalization") {
      const [g, b, m, v] = ["gamma", "beta", "moving_mean", "moving_variance"].map((n) => w(name, n));
      r = r.map((x, j) => ((x - m[j]) / Math.sqrt(v[j] + eps)) * g[j] + b[j]);
    } else if (cls === "LayerNormalization") {
      const [g, b] = [w(name, "gamma"), w(name, "beta")];
      const mean = r.reduce((a, v) => a + v, 0) / r.length;
      const vari = r.reduce((a, v) => a + (v - mean) ** 2, 0) / r.length;
      r = r.map((x, j) => ((x - mean) / Math.sqrt(vari + eps)) * g[j] + b[j]);
    } else if (cls === "PReLU") {
      const a = w(name, "alpha");
      r = r.map((x, j) => (x > 0 ? x : a[j] * x));
    } else if (cls === "LeakyReLU") {
      const a = (c.negative_slope ?? c.alpha ?? 0.3) as number;
      r = r.map((x) => (x > 0 ? x : a * x));
    } else if (cls === "ELU") {
      const a = (c.alpha ?? 1) as number;
      r = r.map((x) => (x > 0 ? x : a * Math.expm1(x)));
    } else if (cls === "ReLU") {
      const max = (c.max_value ?? Infinity) as number, slope = (c.negative_slope ?? 0) as number, th = (c.threshold ?? 0) as number;
      r = r.map((x) => (x >= max ? max : x >= th ? x : slope * (x - th)));
    } else if (cls === "Activation") r = activation64(c.activation as string, keras3)(r);
    else if (!["InputLayer", "Dropout", "Flatten"].includes(cls)) throw new Error(`reference has no layer ${cls}`);
  }
  return r;
}

interface Fixture { dir: string; prefix: string; features: number; tfjsReads: boolean }
const FIXTURE_CASES: Fixture[] = [
  { dir: "keras2-h5", prefix: "", features: 6, tfjsReads: true },
  { dir: "keras3-keras", prefix: "sequential/", features: 6, tfjsReads: false },
  { dir: "keras1-legacy", prefix: "", features: 6, tfjsReads: true },
];

const expected = new Map<string, { x: Float32Array; y64: Float64Array; tfjs: Float32Array | null }>();

beforeAll(async () => {
  await tfReady();
  for (const f of FIXTURE_CASES) {
    const json = readFixture(f.dir);
    const { buffers, byName } = seededShards(json);
    const x = uniform(ROWS * f.features, -2.5, 2.5, 77);
    const get = (layer: string, weight: string) => {
      const v = byName.get(`${f.prefix}${layer}/${weight}`);
      if (!v) throw new Error(`fixture ${f.dir} has no weight ${f.prefix}${layer}/${weight}`);
      return v;
    };
    const y64 = Float64Array.from(Array.from({ length: ROWS }, (_, i) => forward64(json.modelTopology as Topology, get, Array.from(x.subarray(i * f.features, (i + 1) * f.features)))).flat());
    let tfjs: Float32Array | null = null;
    if (f.tfjsReads) {
      const all = new Uint8Array(buffers.reduce((s, b) => s + b.byteLength, 0));
      buffers.reduce((at, b) => (all.set(new Uint8Array(b), at), at + b.byteLength), 0);
      const specs = json.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[];
      const m = await tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs, weightData: all.buffer }));
      tfjs = tfPredict(m, x, [f.features]);
    }
    expected.set(f.dir, { x, y64, tfjs });
  }
});

async function load(nn: NN, json: ModelJSON, buffers: ArrayBuffer[]) {
  return nn.loadLayersModel(nn.io.fromMemory(json, buffers));
}

describe("the float64 reference itself", () => {
  it("agrees with tfjs on every fixture tfjs reads (so it can judge the Keras 3 one, which tfjs cannot)", () => {
    for (const f of FIXTURE_CASES.filter((c) => c.tfjsReads)) expect(expected.get(f.dir)!.tfjs!, f.dir).toBeCloseArray(expected.get(f.dir)!.y64, TOL);
  });

  it("tfjs 4.22 cannot read the Keras 3 converter output (batch_shape), which simdnn must", async () => {
    const json = readFixture("keras3-keras");
    await expect(tfl.loadLayersModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest[0].weights as tf.io.WeightsManifestEntry[], weightData: seededShards(json).buffers[0] }))).rejects.toThrow(/batchInputShape/);
  });
});

describe.each(BUILDS)("converter model.json fixtures (%s)", (build) => {
  it.each(FIXTURE_CASES.map((f) => [f.dir, f] as const))("%s loads and predicts as the float64 reference", async (_dir, f) => {
    const nn = await instance(build);
    const json = readFixture(f.dir);
    const model = await load(nn, json, seededShards(json).buffers);
    const { x, y64, tfjs } = expected.get(f.dir)!;
    const t = nn.tensor(x, [ROWS, f.features]);
    const y = model.predict(t);
    expect(y.data).toBeCloseArray(y64, TOL);
    if (tfjs) expect(y.data).toBeCloseArray(tfjs, TOL);
    // the layer names are Keras', whatever prefix the weight names carried
    const names = kerasLayers(json.modelTopology as Topology).filter((l) => l.class_name !== "InputLayer").map((l) => l.config.name);
    expect(model.layers.map((l) => l.name)).toEqual(names);
    nn.dispose(t, y);
    model.dispose();
  });
});

// ---- refusals, on the Keras 2 fixture ----
type Mutate = (json: ModelJSON, bytes: Uint8Array) => Uint8Array | void;
function mutated(mutate: Mutate): { json: ModelJSON; buffer: ArrayBuffer } {
  const json = readFixture("keras2-h5");
  const bytes = new Uint8Array(seededShards(json).buffers[0]);
  const out = mutate(json, bytes) ?? bytes;
  return { json, buffer: out.slice().buffer };
}
const layerConfig = (json: ModelJSON, name: string) => kerasLayers(json.modelTopology as Topology).find((l) => l.config.name === name)!;
const entries = (json: ModelJSON): WeightsManifestEntry[] => json.weightsManifest[0].weights;
/** Byte offset of a weight in the manifest order. */
const offsetOf = (json: ModelJSON, name: string) => {
  let at = 0;
  for (const e of entries(json)) {
    if (e.name === name) return at;
    at += 4 * size(e.shape);
  }
  throw new Error(name);
};

const K2_BYTES = 4 * entries(readFixture("keras2-h5")).reduce((s, e) => s + size(e.shape), 0);

const REFUSALS: [string, Mutate, readonly ("FormatError" | "ValueError")[], RegExp[]][] = [
  ["an unknown layer class (Conv2D)", (j) => void (layerConfig(j, "dense_1").class_name = "Conv2D"), ["FormatError", "ValueError"], [/Conv2D/, /dense_1/]],
  ["an unknown activation", (j) => void (layerConfig(j, "dense_3").config.activation = "swishy"), ["FormatError", "ValueError"], [/swishy/, /dense_3/]],
  ["a weight shape disagreeing with its layer", (j) => void (entries(j).find((e) => e.name === "dense_2/kernel")!.shape = [7, 8]), ["FormatError"], [/dense_2\/kernel/, /\[7, ?8\]/, /\[8, ?7\]/]],
  ["a missing weight", (j, b) => {
    const at = offsetOf(j, "dense_4/bias");
    j.weightsManifest[0].weights = entries(j).filter((e) => e.name !== "dense_4/bias");
    return new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 24)]);
  }, ["FormatError"], [/dense_4\/bias/]],
  ["an extra unknown weight", (j, b) => {
    entries(j).push({ name: "dense_4/extra", shape: [2], dtype: "float32" });
    return new Uint8Array([...b, 0, 0, 128, 63, 0, 0, 0, 64]);
  }, ["FormatError"], [/dense_4\/extra/]],
  // the cut falls inside the last weight: the message names it and the byte counts expected and present
  ["truncated weights", (_j, b) => b.subarray(0, b.length - 6), ["FormatError"], [/dense_5\/bias/, new RegExp(`${K2_BYTES}`), new RegExp(`${K2_BYTES - 6}`)]],
];

describe.each(BUILDS)("refusals (%s)", (build) => {
  it.each(REFUSALS)("%s", async (_what, mutate, classes, patterns) => {
    const nn = await instance(build);
    const { json, buffer } = mutated(mutate);
    const error = await load(nn, json, [buffer]).then(() => null, (e: unknown) => e as Error);
    expect(error, "loading must fail").not.toBeNull();
    expect(classes).toContain(error!.name);
    for (const p of patterns) expect(error!.message).toMatch(p);
  });

  it("model.json that does not parse, and a truncated shard file, name the file", async () => {
    const nn = await instance(build);
    const dir = mkdtempSync(join(tmpdir(), "simdnn-bad-"));
    try {
      const text = readFileSync(join(FIXTURES, "keras2-h5", "model.json"), "utf8");
      writeFileSync(join(dir, "model.json"), text.slice(0, 300));
      const notJson = await nn.loadLayersModel(`file://${join(dir, "model.json")}`).then(() => null, (e: unknown) => e as Error);
      expect(notJson).toBeInstanceOf(FormatError);
      expect(notJson!.message).toContain("model.json");

      writeFileSync(join(dir, "model.json"), text);
      const full = new Uint8Array(seededShards(readFixture("keras2-h5")).buffers[0]);
      writeFileSync(join(dir, "group1-shard1of1.bin"), full.subarray(0, full.length - 10));
      const short = await nn.loadLayersModel(`file://${join(dir, "model.json")}`).then(() => null, (e: unknown) => e as Error);
      expect(short).toBeInstanceOf(FormatError);
      expect(short!.message).toContain("group1-shard1of1.bin");
      expect(short!.message).toContain(String(full.length)); // what was expected
      expect(short!.message).toContain(String(full.length - 10)); // what was there
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
