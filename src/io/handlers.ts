// Where model files come from and go to, in tfjs' handler shapes: fromMemory, withSaveHandler,
// file:// (files.ts), http(s) (http.ts), and the resolvers that turn a string into one of them.
// Nothing here imports node:* statically, so it runs in Node, Deno, Bun, browsers and workerd.
import { FormatError, ValueError, checkOptions, show } from "../errors.js";
import type { LoadHandler, ModelArtifacts, ModelJSON, SaveHandler, SaveResult } from "./artifacts.js";
import { fileSource, fileSystem } from "./files.js";
import { http, urlSource, type HttpOptions } from "./http.js";
import { kerasReader } from "./readers.js";
import { artifactsInfo, checkModelJson, modelJsonToArtifacts, parseModelJson } from "./model_json.js";
import { isObject } from "./json.js";

export { fileSystem } from "./files.js";
export { http, type HttpOptions } from "./http.js";
export { artifactsInfo, artifactsToModelJson, modelJsonToArtifacts, MAX_MODEL_JSON_BYTES } from "./model_json.js";
export { safeRelativePath } from "./paths.js";

type Bytes = ArrayBuffer | ArrayBufferView;


/** A private ArrayBuffer holding exactly the view's bytes (a whole ArrayBuffer is used as is). */
function toArrayBuffer(data: unknown, what: string): ArrayBuffer {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice().buffer;
  throw new ValueError(`${what} must be an ArrayBuffer or a typed array; received ${show(data)}.`);
}

/**
 * A LoadHandler over what is already in memory. `modelJson` is model.json's content (object or JSON
 * text, with `weightsManifest`) and `weightData` one buffer (all shards concatenated) or the shards in
 * manifest order; or, as in tfjs, `modelJson` is ModelArtifacts (`weightSpecs`, `weightData` inside).
 * The structure is checked at load() (FormatError); the weights themselves by decodeWeights.
 */
export function fromMemory(modelJson: ModelJSON | ModelArtifacts | string, weightData?: Bytes | readonly Bytes[]): LoadHandler {
  if (typeof modelJson !== "string" && !isObject(modelJson)) {
    throw new ValueError(`fromMemory: modelJson must be model.json's object or text, or ModelArtifacts; received ${show(modelJson)}.`);
  }
  const shards = weightData === undefined ? undefined : Array.isArray(weightData)
    ? weightData.map((d, i) => toArrayBuffer(d, `fromMemory: weightData[${i}]`))
    : [toArrayBuffer(weightData, "fromMemory: weightData")];
  return {
    async load(): Promise<ModelArtifacts> {
      const where = "model.json from memory";
      const json: unknown = typeof modelJson === "string" ? parseModelJson(modelJson, where) : modelJson;
      if (isObject(json) && json.weightsManifest === undefined && ("weightSpecs" in json || "weightData" in json || !("modelTopology" in json))) {
        return artifactsFromMemory(json, shards, "artifacts from memory");
      }
      const checked = checkModelJson(json, where);
      const specs = checked.weightsManifest.reduce((n, g) => n + g.weights.length, 0);
      if (shards === undefined && specs > 0) throw new FormatError(`${where}: the manifest lists ${specs} weights but no weightData was given.`);
      return modelJsonToArtifacts(checked, shards ?? [], where);
    },
  };
}

/** tfjs' fromMemory(artifacts): a copy of the artifacts, weightData normalized to ArrayBuffer(s). */
function artifactsFromMemory(a: Record<string, unknown>, shards: ArrayBuffer[] | undefined, where: string): ModelArtifacts {
  if (a.modelTopology !== undefined && !isObject(a.modelTopology)) throw new FormatError(`${where}: modelTopology must be an object; received ${show(a.modelTopology)}.`);
  if (a.weightSpecs !== undefined && !Array.isArray(a.weightSpecs)) throw new FormatError(`${where}: weightSpecs must be an array; received ${show(a.weightSpecs)}.`);
  const artifacts = { ...a } as ModelArtifacts;
  const own = a.weightData === undefined ? undefined : Array.isArray(a.weightData)
    ? a.weightData.map((d, i) => toArrayBuffer(d, `${where}: weightData[${i}]`))
    : [toArrayBuffer(a.weightData, `${where}: weightData`)];
  const data = shards ?? own;
  if (data !== undefined) artifacts.weightData = data.length === 1 ? data[0] : data;
  return artifacts;
}

/** tfjs' withSaveHandler: `fn` receives the artifacts; when it returns nothing, the SaveResult is filled in. */
export function withSaveHandler(fn: (artifacts: ModelArtifacts) => Promise<SaveResult> | SaveResult | Promise<void> | void): SaveHandler {
  if (typeof fn !== "function") throw new ValueError(`withSaveHandler: expected a function (artifacts) => SaveResult | void; received ${show(fn)}.`);
  return {
    async save(artifacts: ModelArtifacts): Promise<SaveResult> {
      const result = await fn(artifacts);
      return isObject(result) && isObject(result.modelArtifactsInfo) ? (result as unknown as SaveResult) : { modelArtifactsInfo: artifactsInfo(artifacts) };
    },
  };
}

const ACCEPTED_LOAD = `a "file://…" path, an "http(s)://…" URL, a relative URL (fetched), or an object with load()`;
const HTTP_OPTION_KEYS = ["requestInit", "fetchFunc", "weightPathPrefix"];

function scheme(source: string): string | undefined {
  return /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(source)?.[1].toLowerCase();
}

/** A string or handler → a LoadHandler: file:// → fileSystem, http(s):// and relative URLs → http. */
export function resolveLoadHandler(source: string | LoadHandler, options?: HttpOptions): LoadHandler {
  if (typeof source === "string") {
    const s = scheme(source);
    // Keras 3's model.save("x.keras"), by file://, http(s) or a relative URL as model.json paths are
    if (/\.keras$/i.test(source.split(/[?#]/)[0])) return kerasFile(source, checkOptions<HttpOptions>("load", options, HTTP_OPTION_KEYS));
    if (s === "file") return fileSystem(source);
    const opts = checkOptions<HttpOptions>("load", options, HTTP_OPTION_KEYS);
    if (s === "http" || s === "https" || (s === undefined && source !== "")) return http(source, opts);
    throw new ValueError(`Cannot load from ${show(source)}; expected ${ACCEPTED_LOAD}.`);
  }
  if (isObject(source) && typeof source.load === "function") return source as LoadHandler;
  throw new ValueError(`Cannot load from ${show(source)}; expected ${ACCEPTED_LOAD}.`);
}

/**
 * Keras 3's `.keras` file (model.save("x.keras")): a "file://…" path, an http(s) URL or the file's bytes. What
 * loadLayersModel resolves a path ending in .keras to; config.json and model.weights.h5 are read at load(), by
 * the reader in simdnn/keras (loaded by itself unbundled; a bundle imports "simdnn/keras").
 */
export function kerasFile(source: string | Bytes, options?: HttpOptions): LoadHandler {
  if (typeof source !== "string" && !(source instanceof ArrayBuffer) && !ArrayBuffer.isView(source)) {
    throw new ValueError(`kerasFile: source must be a "file://…" path, an http(s) URL or the file's bytes; received ${show(source)}.`);
  }
  return {
    async load(): Promise<ModelArtifacts> {
      const { kerasArchiveToArtifacts } = await kerasReader("loading a .keras file");
      const { bytes, name } = await readBytes(source, options);
      return kerasArchiveToArtifacts(bytes, name === "<memory>" ? "the .keras file" : name);
    },
  };
}

/** A string or handler → a SaveHandler: file:// → fileSystem; http(s) saving is not supported yet. */
export function resolveSaveHandler(destination: string | SaveHandler): SaveHandler {
  const accepted = `a "file://…" path or an object with save() (e.g. withSaveHandler(fn))`;
  if (typeof destination === "string") {
    const s = scheme(destination);
    if (s === "file") return fileSystem(destination);
    if (s === "http" || s === "https") throw new ValueError(`Saving to ${show(destination)} is not supported yet (no HTTP upload); expected ${accepted}.`);
    throw new ValueError(`Cannot save to ${show(destination)}; expected ${accepted}.`);
  }
  if (isObject(destination) && typeof destination.save === "function") return destination as SaveHandler;
  throw new ValueError(`Cannot save to ${show(destination)}; expected ${accepted}.`);
}

/** Bytes for a reader (ONNX, safetensors) and a way to read the files beside them (ONNX external data). */
export interface ByteSource {
  bytes: Uint8Array;
  /** The file's name or URL, for messages ("<memory>" for bytes). */
  name: string;
  /** Reads `relativePath` next to the source (same path rules as weight manifests). */
  sibling(relativePath: string): Promise<Uint8Array>;
}

/**
 * Reads a model file from `file://…`, an http(s) or relative URL, or bytes in memory. `maxBytes`
 * refuses larger files before they are read (file) or while they stream (http).
 */
export async function readBytes(source: string | Bytes, options?: HttpOptions & { readonly maxBytes?: number }): Promise<ByteSource> {
  const opts = checkOptions<HttpOptions & { maxBytes: number }>("readBytes", options, [...HTTP_OPTION_KEYS, "maxBytes"]);
  if (typeof source === "string") {
    const s = scheme(source);
    if (s === "file") return fileSource(source, opts.maxBytes);
    if (s === "http" || s === "https" || (s === undefined && source !== "")) return urlSource(source, opts);
    throw new ValueError(`readBytes: cannot read ${show(source)}; expected a "file://…" path, an http(s) URL, a relative URL or bytes.`);
  }
  const bytes = source instanceof ArrayBuffer ? new Uint8Array(source) : ArrayBuffer.isView(source) ? new Uint8Array(source.buffer, source.byteOffset, source.byteLength) : undefined;
  if (bytes === undefined) throw new ValueError(`readBytes: source must be a string, an ArrayBuffer or a typed array; received ${show(source)}.`);
  return {
    bytes,
    name: "<memory>",
    async sibling(relativePath: string): Promise<Uint8Array> {
      throw new FormatError(`<memory>: the model refers to the external file ${show(relativePath)}, but it was given as bytes; load it from a file:// path or URL so the file beside it can be read.`);
    },
  };
}
