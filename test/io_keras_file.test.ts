// Keras 3's .keras files (model.save("x.keras"): a zip of config.json and model.weights.h5), written by Keras
// 3.15 itself (scripts/keras_fixtures.py): every build predicts what Keras predicted, by path and from bytes;
// what simdnn does not read (deflated entries, chunked datasets, damaged files) is refused by name, leaking nothing.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FormatError, ValueError } from "../src/errors.js";
import { readZip } from "../src/io/keras_archive.js";
import type { Sequential } from "../src/model/sequential.js";
import { BUILDS, instance } from "./helpers/backends.js";

const dir = fileURLToPath(new URL("./fixtures/keras3/", import.meta.url));
const CASES = {
  mlp: ["Dense", "Dense"],
  norms: ["Dense", "BatchNormalization", "ReLU", "LayerNormalization", "Dense", "PReLU", "Dense"],
  leaky: ["Dense", "LeakyReLU", "Dense"],
  functional: ["Dense", "LayerNormalization", "Dense"],
} as const;

const fixture = (name: string) => JSON.parse(readFileSync(`${dir}${name}.json`, "utf8")) as { input: number[][]; output: number[][] };
const bytes = (name: string) => new Uint8Array(readFileSync(`${dir}${name}.keras`));
const maxDiff = (m: Sequential, c: ReturnType<typeof fixture>) => {
  const y = m.predict(c.input, { output: "array" }) as Float32Array, want = c.output.flat();
  return Math.max(...want.map((v, i) => Math.abs(v - y[i])));
};

/** A zip of stored entries (the format Keras writes), for files the fixtures do not cover. */
function zip(entries: Record<string, Uint8Array>): Uint8Array {
  const local: number[] = [], central: number[] = [];
  const u16 = (v: number) => [v & 255, v >> 8], u32 = (v: number) => [v & 255, (v >> 8) & 255, (v >> 16) & 255, v >>> 24];
  let count = 0;
  for (const [name, data] of Object.entries(entries)) {
    const n = [...new TextEncoder().encode(name)], offset = local.length;
    local.push(...u32(0x04034b50), ...u16(20), ...u16(0), ...u16(0), ...u32(0), ...u32(0), ...u32(data.length), ...u32(data.length), ...u16(n.length), ...u16(0), ...n, ...data);
    central.push(...u32(0x02014b50), ...u16(20), ...u16(20), ...u16(0), ...u16(0), ...u32(0), ...u32(0), ...u32(data.length), ...u32(data.length), ...u16(n.length), ...u16(0), ...u16(0), ...u16(0), ...u16(0), ...u32(0), ...u32(offset), ...n);
    count++;
  }
  return new Uint8Array([...local, ...central, ...u32(0x06054b50), ...u16(0), ...u16(0), ...u16(count), ...u16(count), ...u32(central.length), ...u32(local.length), ...u16(0)]);
}

describe.each(BUILDS)("Keras 3 .keras files (%s)", (backend) => {
  it.each(Object.entries(CASES))("%s predicts what Keras predicted, by path and from bytes", async (name, classes) => {
    const nn = await instance(backend), c = fixture(name);
    const byPath = await nn.loadLayersModel(`file://${dir}${name}.keras`);
    expect(byPath.layers.map((l) => l.className)).toEqual(classes);
    expect(maxDiff(byPath, c)).toBeLessThanOrEqual(1e-5);
    const fromBytes = await nn.loadLayersModel(nn.io.kerasFile(bytes(name)));
    expect(fromBytes.predict(c.input, { output: "array" })).toEqual(byPath.predict(c.input, { output: "array" }));
    byPath.dispose();
    fromBytes.dispose();
  });
});

describe("where a .keras file comes from", () => {
  it("a relative URL ending in .keras is fetched as one (as model.json paths are), options passed on", async () => {
    const nn = await instance("simd"), c = fixture("mlp"), asked: string[] = [];
    const fetchFunc = (async (url: string) => (asked.push(url), new Response(bytes("mlp")))) as unknown as typeof fetch;
    const m = await nn.loadLayersModel("models/mlp.keras", { fetchFunc });
    expect(asked).toEqual(["models/mlp.keras"]);
    expect(maxDiff(m, c)).toBeLessThanOrEqual(1e-5);
    m.dispose();
    await expect(nn.loadLayersModel("models/mlp.keras", { fetchfunc: fetchFunc } as never)).rejects.toThrow(/fetchfunc/);
  });
});

describe("what is not read is refused by name, and leaks nothing", () => {
  it("deflated entries, chunked datasets, damaged and foreign files, a missing weight", async () => {
    const nn = await instance("simd");
    const before = nn.memory();
    const refused = async (source: Uint8Array | string, text: RegExp) => {
      const load = nn.loadLayersModel(typeof source === "string" ? source : nn.io.kerasFile(source));
      await expect(load).rejects.toThrow(FormatError);
      await expect(typeof source === "string" ? nn.loadLayersModel(source) : nn.loadLayersModel(nn.io.kerasFile(source))).rejects.toThrow(text);
    };
    await refused(`file://${dir}refuse_deflated.keras`, /entry "(config\.json|model\.weights\.h5)" is compressed \(method 8\); Keras writes \.keras files uncompressed/);
    await refused(`file://${dir}refuse_chunked.keras`, /model\.weights\.h5: dataset "layers\/dense\/vars\/0" is stored in chunks, which is not read/);
    const mlp = bytes("mlp");
    await refused(mlp.subarray(0, mlp.length - 30), /not a zip archive|lies outside|truncated/);
    await refused(new Uint8Array(4096).fill(7), /not a zip archive \(no end of central directory\)/);
    const entries = readZip(mlp, "mlp.keras");
    await refused(zip({ "config.json": entries.get("config.json")! }), /a \.keras file holds config\.json and model\.weights\.h5; this one has "config\.json"/);
    await refused(zip({ "config.json": new TextEncoder().encode("{oops"), "model.weights.h5": entries.get("model.weights.h5")! }), /config\.json is not JSON/);
    await refused(zip({ "config.json": entries.get("config.json")!, "model.weights.h5": new Uint8Array(100) }), /not an HDF5 file/);
    // a config with one Dense more than the weights file holds
    const config = JSON.parse(new TextDecoder().decode(entries.get("config.json")!));
    config.config.layers.push({ ...config.config.layers[2], config: { ...config.config.layers[2].config, name: "extra" } });
    await refused(zip({ "config.json": new TextEncoder().encode(JSON.stringify(config)), "model.weights.h5": entries.get("model.weights.h5")! }), /has no layers\/dense_2\/vars\/0 \(Dense 'extra' kernel\)/);
    expect(() => nn.io.kerasFile(42 as never)).toThrow(ValueError);
    expect(nn.memory()).toEqual(before);
  });

  it("the zip writer above makes what readZip reads (so the refusals test the files they describe)", () => {
    const entries = readZip(zip({ "a.txt": new TextEncoder().encode("hello"), "b.bin": new Uint8Array([1, 2, 3]) }), "test");
    expect(new TextDecoder().decode(entries.get("a.txt"))).toBe("hello");
    expect(Array.from(entries.get("b.bin")!)).toEqual([1, 2, 3]);
  });
});
