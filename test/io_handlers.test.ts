// The I/O handlers: manifest path safety (every traversal form, each with a readable decoy outside
// the folder so that a leak would load), file:// save → load in a temp folder, http through a
// loopback server (headers on every request, shards relative to model.json, status errors),
// fromMemory, withSaveHandler, the resolvers and readBytes.
import * as tf from "@tensorflow/tfjs-core";
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, truncate, writeFile, chmod } from "node:fs/promises";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FormatError, ValueError } from "../src/errors.js";
import type { ModelArtifacts, ModelJSON, WeightsManifestEntry } from "../src/io/artifacts.js";
import {
  artifactsToModelJson, fileSystem, fromMemory, http, modelJsonToArtifacts, readBytes, resolveLoadHandler, resolveSaveHandler, safeRelativePath, withSaveHandler,
} from "../src/io/handlers.js";
import { decodeWeights, encodeWeights } from "../src/io/weights.js";
import { init } from "../src/index.js";

const topology = { class_name: "Sequential", config: { name: "m", layers: [{ class_name: "Dense", config: { name: "d", units: 2, activation: "relu", use_bias: true, batch_input_shape: [null, 3] } }] } };
const encoded = encodeWeights([
  { name: "d/kernel", shape: [3, 2], values: Float32Array.of(1, -2, 3, -4, 5, -6) },
  { name: "d/bias", shape: [2], values: Float32Array.of(0.5, -0.5) },
]);
const artifacts: ModelArtifacts = { modelTopology: topology, weightSpecs: encoded.specs, weightData: encoded.data, format: "layers-model", generatedBy: "simdnn" };
/** The weight bytes cut into two shards mid-kernel, as tfjs-converter's sharding does. */
const shard1 = encoded.data.slice(0, 10), shard2 = encoded.data.slice(10);
const values = (a: ModelArtifacts) => [...decodeWeights(a.weightSpecs!, a.weightData!, "t")].map(([n, w]) => [n, w.shape, [...w.values]]);
const expected = values(artifacts);

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    return e as Error;
  }
  throw new Error("expected a rejection");
}

const HOSTILE = [
  "../../etc/passwd", "../decoy.bin", "/etc/passwd", "a/../../decoy.bin", "sub/../../decoy.bin", "C:\\x", "C:/decoy.bin", "..\\decoy.bin",
  "file:///etc/passwd", "http://evil.example/x", "//evil.example/x", "%2e%2e/decoy.bin", "%2E%2E/decoy.bin", ".%2e/decoy.bin",
  "sub/%2e%2e/%2e%2e/decoy.bin", "..%2fdecoy.bin", "%2f%2fevil.example", "%5c..%5cdecoy.bin", "a\u0000b", "", ".", "./", "a//b", "a/", "%zz", "%00",
];

describe("safeRelativePath", () => {
  it.each(["weights.bin", "./weights.bin", "sub/group1-shard1of2.bin", "a%20b.bin", "%2e/x.bin", "x..y.bin", "..bin", "w.bin?v=2"])("accepts %j", (p) => {
    expect(safeRelativePath(p, "t").join("/")).toBe(p.replace(/^\.\//, "").replace(/^%2e\//, "%2e/"));
  });
  it.each(HOSTILE)("refuses %j with a FormatError naming it", (p) => {
    expect(() => safeRelativePath(p, "model.json at file:///m")).toThrow(FormatError);
    expect(() => safeRelativePath(p, "model.json at file:///m")).toThrow(/^model\.json at file:\/\/\/m: refusing path /);
  });
  it("refuses a non-string", () => expect(() => safeRelativePath(3, "t")).toThrow(/refusing path 3: not a string/));
});

describe("file://", () => {
  let root = "";
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), "simdnn-io-"));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it("saves model.json + weights.bin and loads them back by folder, by model.json and through resolveLoadHandler", async () => {
    const result = await resolveSaveHandler(`file://${root}/saved/deeper`).save(artifacts);
    expect(result.modelArtifactsInfo.weightDataBytes).toBe(32);
    const json = JSON.parse(await readFile(join(root, "saved/deeper/model.json"), "utf8")) as ModelJSON;
    expect(json.weightsManifest).toEqual([{ paths: ["weights.bin"], weights: encoded.specs }]);
    expect(new Uint8Array(await readFile(join(root, "saved/deeper/weights.bin")))).toEqual(new Uint8Array(encoded.data));
    for (const source of [`file://${root}/saved/deeper`, `file://${root}/saved/deeper/model.json`, join(root, "saved/deeper")]) {
      const loaded = await (source.startsWith("file://") ? resolveLoadHandler(source) : fileSystem(source)).load();
      expect(loaded.modelTopology).toEqual(topology);
      expect([loaded.format, loaded.generatedBy]).toEqual(["layers-model", "simdnn"]);
      expect(values(loaded)).toEqual(expected);
    }
  });

  it("saves to a *.json path as that file with weights.bin beside it", async () => {
    await fileSystem(`file://${root}/named/my-model.json`).save(artifacts);
    expect(values(await fileSystem(`${root}/named/my-model.json`).load())).toEqual(expected);
  });

  it("loads tfjs-converter's layout: two groups, shards in a subfolder, './' paths", async () => {
    const dir = join(root, "converter");
    await mkdir(join(dir, "sub"), { recursive: true });
    await writeFile(join(dir, "group1-shard1of2.bin"), new Uint8Array(shard1));
    await writeFile(join(dir, "sub/group1-shard2of2.bin"), new Uint8Array(shard2));
    await writeFile(join(dir, "group2-shard1of1.bin"), new Uint8Array(0));
    const manifest = [
      { paths: ["group1-shard1of2.bin", "./sub/group1-shard2of2.bin"], weights: encoded.specs },
      { paths: ["group2-shard1of1.bin"], weights: [] },
    ];
    await writeFile(join(dir, "model.json"), JSON.stringify({ modelTopology: topology, weightsManifest: manifest }));
    const loaded = await fileSystem(`file://${dir}`).load();
    expect(values(loaded)).toEqual(expected);
  });

  // Node's sync fs: loadLayersModel reads each float32 weight straight into its place in WASM memory.
  it("a model loads from shards cut mid-float straight into WASM memory; weightData still reads them when asked", async () => {
    const nn = await init({ backend: "simd" });
    const dir = join(root, "direct");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "a.bin"), new Uint8Array(shard1));
    await writeFile(join(dir, "b.bin"), new Uint8Array(shard2));
    await writeFile(join(dir, "model.json"), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ["a.bin", "b.bin"], weights: encoded.specs }] }));
    const m0 = nn.memory();
    const model = await nn.loadLayersModel(`file://${dir}`);
    expect(model.getWeights().map((t) => { const v = [...t.data]; t.dispose(); return v; })).toEqual(expected.map(([, , v]) => v));
    // relu([1, 2, 3]·[[1, −2], [3, −4], [5, −6]] + [0.5, −0.5]) = relu([22.5, −28.5])
    expect([...(model.predict([[1, 2, 3]]) as { data: Float32Array }).data]).toEqual([22.5, 0]);
    model.dispose();
    expect(nn.memory().bytesInUse).toBeGreaterThanOrEqual(m0.bytesInUse);
    const a = await fileSystem(dir).load();
    expect(new Uint8Array(a.weightData as ArrayBuffer)).toEqual(new Uint8Array(encoded.data));
    expect(values({ ...a })).toEqual(expected); // a spread copy (a user's wrapper) reads through the getter
  });

  it("a shard that shrinks or vanishes between load() and the model is a FormatError, and nothing leaks", async () => {
    const nn = await init({ backend: "simd" });
    const dir = join(root, "shrinks");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "model.json"), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ["w.bin"], weights: encoded.specs }] }));
    for (const change of [() => truncate(join(dir, "w.bin"), 20), () => rm(join(dir, "w.bin"))]) {
      await writeFile(join(dir, "w.bin"), new Uint8Array(encoded.data));
      const before = nn.memory();
      const error = await rejection(nn.loadLayersModel({ load: async () => { const a = await fileSystem(dir).load(); await change(); return a; } }));
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toMatch(/w\.bin( became shorter while it was read|: ENOENT)/);
      expect(nn.memory()).toEqual(before);
    }
  });

  it.each(HOSTILE)("refuses manifest path %j before reading (a readable decoy of the right size sits outside)", async (bad) => {
    const dir = join(root, "hostile", "m");
    await mkdir(join(dir, "sub"), { recursive: true });
    await writeFile(join(root, "hostile", "decoy.bin"), new Uint8Array(encoded.data));
    await writeFile(join(dir, "model.json"), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: [bad], weights: encoded.specs }] }));
    const error = await rejection(fileSystem(`file://${dir}`).load());
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/model\.json at file:\/\/.*hostile\/m\/model\.json: weightsManifest\[0\]\.paths\[0\]: refusing path/);
  });

  it("missing files, folders where files belong, bad JSON and oversized model.json are FormatErrors naming the file", async () => {
    const dir = join(root, "broken");
    await mkdir(join(dir, "shard.bin"), { recursive: true });
    const missing = await rejection(fileSystem(`file://${dir}/nothing.json`).load());
    expect(missing).toBeInstanceOf(FormatError);
    expect(missing.message).toMatch(/missing file .*broken\/nothing\.json/);
    await writeFile(join(dir, "model.json"), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ["gone.bin"], weights: [] }] }));
    expect((await rejection(fileSystem(dir).load())).message).toMatch(/missing file .*broken\/gone\.bin/);
    await writeFile(join(dir, "model.json"), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ["shard.bin"], weights: [] }] }));
    const isDir = await rejection(fileSystem(dir).load());
    expect(isDir.message).toMatch(/cannot read .*broken\/shard\.bin: EISDIR/);
    expect(isDir.cause).toBeDefined();
    execFileSync("mkfifo", [join(dir, "fifo.bin")]); // reading a FIFO would block forever
    await writeFile(join(dir, "model.json"), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ["fifo.bin"], weights: [] }] }));
    expect((await rejection(fileSystem(dir).load())).message).toMatch(/cannot read .*fifo\.bin: .*not a regular file/);
    await writeFile(join(dir, "model.json"), "{ not json");
    expect((await rejection(fileSystem(dir).load())).message).toMatch(/broken\/model\.json: model\.json is not valid JSON/);
    await writeFile(join(dir, "model.json"), "[]");
    expect((await rejection(fileSystem(dir).load())).message).toMatch(/must hold a JSON object; received \[\]/);
    await truncate(join(dir, "model.json"), 64 * 1024 * 1024 + 1); // sparse: nothing is written or read
    expect((await rejection(fileSystem(dir).load())).message).toMatch(/67108865 bytes, more than the 67108864 accepted/);
  });

  it.skipIf(process.getuid?.() === 0)("an unreadable shard is a FormatError carrying EACCES", async () => {
    const dir = join(root, "locked");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "w.bin"), new Uint8Array(encoded.data));
    await chmod(join(dir, "w.bin"), 0);
    await writeFile(join(dir, "model.json"), JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths: ["w.bin"], weights: encoded.specs }] }));
    expect((await rejection(fileSystem(dir).load())).message).toMatch(/cannot read .*w\.bin: EACCES/);
  });

  it("saving where a file stands is a FormatError", async () => {
    await writeFile(join(root, "plain-file"), "x");
    expect((await rejection(fileSystem(`file://${root}/plain-file`).save(artifacts))).message).toMatch(/cannot write .*plain-file/);
  });

  it("readBytes on a file reads siblings inside its folder and refuses the rest", async () => {
    const dir = join(root, "onnx");
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, "model.onnx"), "abc");
    await writeFile(join(dir, "model.onnx.data"), "0123");
    const source = await readBytes(`file://${dir}/model.onnx`);
    expect(new TextDecoder().decode(source.bytes)).toBe("abc");
    expect(source.name).toBe(`file://${dir}/model.onnx`);
    expect(new TextDecoder().decode(await source.sibling("model.onnx.data"))).toBe("0123");
    await expect(source.sibling("../onnx/model.onnx.data")).rejects.toThrow(/refusing path/);
    await expect(source.sibling("missing.data")).rejects.toThrow(/missing file .*missing\.data/);
    await expect(readBytes(`file://${dir}/model.onnx`, { maxBytes: 2 })).rejects.toThrow(/3 bytes, more than the 2 accepted/);
  });
});

describe("http", () => {
  let server: Server;
  let base = "";
  const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
  const files = new Map<string, Uint8Array | string>();
  const modelJson = (paths: string[]) => JSON.stringify({ modelTopology: topology, weightsManifest: [{ paths, weights: encoded.specs }] });

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ url: req.url!, headers: req.headers });
      const body = files.get(req.url!.replace(/\?.*$/, ""));
      if (body === undefined) res.writeHead(404, "Not Found").end();
      else res.writeHead(200).end(body);
    });
    await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    files.set("/models/a/model.json", modelJson(["group1-shard1of2.bin", "sub/group1-shard2of2.bin"]));
    files.set("/models/a/group1-shard1of2.bin", new Uint8Array(shard1));
    files.set("/models/a/sub/group1-shard2of2.bin", new Uint8Array(shard2));
    files.set("/decoy.bin", new Uint8Array(encoded.data));
    files.set("/models/decoy.bin", new Uint8Array(encoded.data));
    files.set("/cdn/group1-shard1of2.bin", new Uint8Array(shard1));
    files.set("/cdn/sub/group1-shard2of2.bin", new Uint8Array(shard2));
  });
  afterAll(() => new Promise<void>((ok) => server.close(() => ok())));

  it("fetches model.json, then the shards relative to it, with requestInit (headers) and the query on every request", async () => {
    seen.length = 0;
    const loaded = await resolveLoadHandler(`${base}/models/a/model.json?token=t1`, { requestInit: { headers: { "x-simdnn": "yes" } } }).load();
    expect(values(loaded)).toEqual(expected);
    expect(seen.map((s) => s.url).sort()).toEqual(["/models/a/group1-shard1of2.bin?token=t1", "/models/a/model.json?token=t1", "/models/a/sub/group1-shard2of2.bin?token=t1"]);
    expect(seen.every((s) => s.headers["x-simdnn"] === "yes")).toBe(true);
  });

  it("weightPathPrefix takes the shards from elsewhere", async () => {
    seen.length = 0;
    const loaded = await http(`${base}/models/a/model.json`, { weightPathPrefix: `${base}/cdn/` }).load();
    expect(values(loaded)).toEqual(expected);
    expect(seen.map((s) => s.url).filter((u) => u.endsWith(".bin")).sort()).toEqual(["/cdn/group1-shard1of2.bin", "/cdn/sub/group1-shard2of2.bin"]);
  });

  it("a non-2xx answer is a FormatError with the status and the URL", async () => {
    const error = await rejection(http(`${base}/models/none/model.json`).load());
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toContain(`fetching ${base}/models/none/model.json answered HTTP 404 Not Found`);
    files.set("/models/b/model.json", modelJson(["missing.bin"]));
    expect((await rejection(http(`${base}/models/b/model.json`).load())).message).toContain(`${base}/models/b/missing.bin answered HTTP 404`);
  });

  it.each(HOSTILE)("refuses manifest path %j without requesting anything but model.json", async (bad) => {
    files.set("/models/h/model.json", modelJson(["ok.bin", bad]));
    seen.length = 0;
    const error = await rejection(http(`${base}/models/h/model.json`).load());
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/weightsManifest\[0\]\.paths\[1\]: refusing path/);
    expect(seen.map((s) => s.url)).toEqual(["/models/h/model.json"]);
  });

  it("a relative URL goes through fetchFunc, shards resolved beside it", async () => {
    const asked: string[] = [];
    const fetchFunc = (async (input: RequestInfo | URL, init?: RequestInit) => {
      asked.push(String(input));
      return fetch(`${base}/models/a/${String(input).replace(/^models\//, "")}`, init);
    }) as typeof fetch;
    const loaded = await resolveLoadHandler("models/model.json", { fetchFunc }).load();
    expect(values(loaded)).toEqual(expected);
    expect(asked.sort()).toEqual(["models/group1-shard1of2.bin", "models/model.json", "models/sub/group1-shard2of2.bin"]);
  });

  it("a relative URL with no page location and the global fetch fails with a hint", async () => {
    expect((await rejection(http("models/model.json").load())).message).toMatch(/could not fetch models\/model\.json: .*relative URL needs a page location/);
  });

  it("an announced or streamed body over the limit is refused before it is kept", async () => {
    const huge = (async () => new Response("{}", { headers: { "content-length": String(65 * 1024 * 1024) } })) as typeof fetch;
    expect((await rejection(http("http://x/model.json", { fetchFunc: huge }).load())).message).toMatch(/68157440 bytes, more than the 67108864 accepted/);
    const source = await readBytes(`${base}/models/a/model.json`, { maxBytes: 1 << 20 });
    expect(JSON.parse(new TextDecoder().decode(source.bytes)).weightsManifest[0].paths).toHaveLength(2);
    expect(new Uint8Array(await source.sibling("group1-shard1of2.bin"))).toEqual(new Uint8Array(shard1));
    await expect(source.sibling("../decoy.bin")).rejects.toThrow(/refusing path/);
    await expect(readBytes(`${base}/models/a/model.json`, { maxBytes: 8 })).rejects.toThrow(/more than the 8 accepted/);
  });

  it("a connection failure is a FormatError naming the URL", async () => {
    const closed = createServer();
    await new Promise<void>((ok) => closed.listen(0, "127.0.0.1", ok));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/model.json`;
    await new Promise<void>((ok) => closed.close(() => ok()));
    expect((await rejection(http(url).load())).message).toContain(`could not fetch ${url}`);
  });
});

describe("fromMemory", () => {
  const json: ModelJSON = { modelTopology: topology, weightsManifest: [{ paths: ["a.bin", "b.bin"], weights: encoded.specs }] };
  it("takes model.json with one buffer, with shards (typed-array views included), or as JSON text", async () => {
    expect(values(await fromMemory(json, encoded.data).load())).toEqual(expected);
    const padded = new Uint8Array(shard2.byteLength + 4);
    padded.set(new Uint8Array(shard2), 2);
    expect(values(await fromMemory(json, [new Uint8Array(shard1), padded.subarray(2, 2 + shard2.byteLength)]).load())).toEqual(expected);
    const loaded = await fromMemory(JSON.stringify(json), [shard1, shard2]).load();
    expect(values(loaded)).toEqual(expected);
    expect(loaded.weightSpecs).toEqual(encoded.specs);
  });

  it("takes tfjs' ModelArtifacts form, like tfjs-core's io.fromMemory", async () => {
    const ours = await fromMemory(artifacts).load();
    const theirs = await tf.io.fromMemory(artifacts as tf.io.ModelArtifacts).load!();
    expect(ours.modelTopology).toEqual(theirs.modelTopology);
    expect(ours.weightSpecs).toEqual(theirs.weightSpecs);
    expect(values(ours)).toEqual(expected);
  });

  it("refuses broken structure with FormatError and misuse with ValueError", async () => {
    await expect(fromMemory(json).load()).rejects.toThrow(/lists 2 weights but no weightData/);
    await expect(fromMemory({ modelTopology: topology, weightsManifest: {} } as unknown as ModelJSON, encoded.data).load()).rejects.toThrow(/"weightsManifest" must be an array/);
    await expect(fromMemory({ modelTopology: topology, weightsManifest: [{ paths: [1], weights: [] }] } as unknown as ModelJSON).load()).rejects.toThrow(/weightsManifest\[0\]\.paths must be an array of strings/);
    await expect(fromMemory({ modelTopology: "x", weightsManifest: [] } as unknown as ModelJSON).load()).rejects.toThrow(/"modelTopology" must be an object/);
    await expect(fromMemory("{").load()).rejects.toThrow(FormatError);
    expect(() => fromMemory(42 as unknown as string)).toThrow(ValueError);
    expect(() => fromMemory(json, [3] as unknown as ArrayBuffer[])).toThrow(/weightData\[0\] must be an ArrayBuffer or a typed array/);
  });
});

describe("withSaveHandler and model.json", () => {
  it("hands the artifacts over and fills in tfjs' modelArtifactsInfo when fn returns nothing", async () => {
    let got: ModelArtifacts | undefined;
    const result = await withSaveHandler((a) => {
      got = a;
    }).save(artifacts);
    expect(got).toBe(artifacts);
    const info = tf.io.getModelArtifactsInfoForJSON(artifacts as tf.io.ModelArtifacts);
    expect({ ...result.modelArtifactsInfo, dateSaved: 0 }).toEqual({ ...info, dateSaved: 0 });
    const own = { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: "JSON" as const, weightDataBytes: 7 } };
    expect(await withSaveHandler(async () => own).save(artifacts)).toBe(own);
    expect(() => withSaveHandler("f" as unknown as () => void)).toThrow(ValueError);
  });

  it("artifactsToModelJson writes the fields tfjs-core's getModelJSONForModelArtifacts writes; modelJsonToArtifacts inverts it", () => {
    const ours = artifactsToModelJson({ ...artifacts, userDefinedMetadata: { note: 1 } }, "w.bin");
    // tfjs-core io_utils: modelTopology, format, generatedBy, convertedBy, weightsManifest, then the optional ones when set
    expect(JSON.parse(JSON.stringify(ours))).toEqual({
      modelTopology: topology, format: "layers-model", generatedBy: "simdnn", weightsManifest: [{ paths: ["w.bin"], weights: encoded.specs }], userDefinedMetadata: { note: 1 },
    });
    const back = modelJsonToArtifacts(JSON.parse(JSON.stringify(ours)), [encoded.data], "t");
    expect(values(back)).toEqual(expected);
    expect(() => artifactsToModelJson({ weightSpecs: [] as WeightsManifestEntry[] })).toThrow(ValueError);
  });
});

describe("resolvers", () => {
  it("dispatch strings and handlers, and list what is accepted otherwise", async () => {
    const handler = fromMemory(artifacts);
    expect(resolveLoadHandler(handler)).toBe(handler);
    const saver = withSaveHandler(() => undefined);
    expect(resolveSaveHandler(saver)).toBe(saver);
    for (const bad of ["ftp://x/model.json", "", 42, {}, null]) {
      expect(() => resolveLoadHandler(bad as string)).toThrow(/expected a "file:\/\/…" path, an "http\(s\):\/\/…" URL, a relative URL \(fetched\), or an object with load\(\)/);
    }
    expect(() => resolveSaveHandler("https://x/upload")).toThrow(/not supported yet/);
    expect(() => resolveSaveHandler("model-folder")).toThrow(ValueError);
    expect(() => resolveLoadHandler("https://x/m.json", { bogus: 1 } as never)).toThrow(/unknown option "bogus"/);
    await expect(readBytes(new Uint8Array([1, 2]).subarray(1)).then((s) => [...s.bytes])).resolves.toEqual([2]);
    await expect(readBytes(new ArrayBuffer(1)).then((s) => s.sibling("x.data"))).rejects.toThrow(/given as bytes/);
  });
});
