// model.json ⇄ ModelArtifacts: the structure checks every loader shares (file://, http, fromMemory),
// and what a save writes. The topology inside is the lead's topology.ts; the weights, weights.ts.
import { FormatError, ValueError, show } from "../errors.js";
import { type ModelArtifacts, type ModelArtifactsInfo, type ModelJSON, WEIGHT_SOURCE, type WeightsManifestEntry, type WeightsManifestGroupConfig } from "./artifacts.js";
import type { WeightSource } from "./weights.js";
import { isObject } from "./json.js";

/** The largest model.json read (the topology is small; weights live in the shards). */
export const MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024;


/** Parses model.json's bytes (UTF-8, BOM allowed) or text; FormatError naming `where` when too large or not JSON. */
export function parseModelJson(source: string | Uint8Array, where: string): unknown {
  const size = typeof source === "string" ? source.length : source.byteLength;
  if (size > MAX_MODEL_JSON_BYTES) {
    throw new FormatError(`${where}: model.json is ${size} bytes, more than the ${MAX_MODEL_JSON_BYTES} accepted (weights belong in the .bin shards).`);
  }
  let text: string;
  if (typeof source === "string") text = source;
  else {
    try {
      text = new TextDecoder("utf-8", { fatal: true }).decode(source);
    } catch (cause) {
      throw new FormatError(`${where}: model.json is not valid UTF-8 text.`, { cause });
    }
  }
  try {
    return JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (cause) {
    throw new FormatError(`${where}: model.json is not valid JSON (${(cause as Error).message}).`, { cause });
  }
}

/**
 * Checks model.json's structure: an object with an object `modelTopology`, and `weightsManifest` (optional)
 * an array of `{ paths: string[], weights: object[] }`; the optional fields have their types. Weight specs
 * themselves are checked by decodeWeights and paths by the loader that follows them.
 */
export function checkModelJson(json: unknown, where: string): ModelJSON {
  if (!isObject(json)) throw new FormatError(`${where}: model.json must hold a JSON object; received ${show(json)}.`);
  if (!isObject(json.modelTopology)) {
    throw new FormatError(`${where}: "modelTopology" must be an object (Keras' model JSON); received ${show(json.modelTopology)}.`);
  }
  const manifest = json.weightsManifest ?? [];
  if (!Array.isArray(manifest)) throw new FormatError(`${where}: "weightsManifest" must be an array of { paths, weights }; received ${show(manifest)}.`);
  manifest.forEach((group: unknown, g: number) => {
    const at = `${where}: weightsManifest[${g}]`;
    if (!isObject(group)) throw new FormatError(`${at} must be an object { paths, weights }; received ${show(group)}.`);
    if (!Array.isArray(group.paths) || !group.paths.every((p) => typeof p === "string")) {
      throw new FormatError(`${at}.paths must be an array of strings; received ${show(group.paths)}.`);
    }
    if (!Array.isArray(group.weights) || !group.weights.every(isObject)) {
      throw new FormatError(`${at}.weights must be an array of weight specs { name, shape, dtype }; received ${show(group.weights)}.`);
    }
  });
  for (const key of ["trainingConfig", "userDefinedMetadata"] as const) {
    if (json[key] != null && !isObject(json[key])) throw new FormatError(`${where}: "${key}" must be an object; received ${show(json[key])}.`);
  }
  for (const key of ["format", "generatedBy", "convertedBy"] as const) {
    if (json[key] != null && typeof json[key] !== "string") throw new FormatError(`${where}: "${key}" must be a string; received ${show(json[key])}.`);
  }
  return { ...(json as unknown as ModelJSON), weightsManifest: manifest as WeightsManifestGroupConfig[] };
}

/** Every shard path of a checked model.json, in order, with where it was named (for messages). */
export function manifestPaths(json: ModelJSON): { path: string; field: string }[] {
  return json.weightsManifest.flatMap((group, g) => group.paths.map((path, i) => ({ path, field: `weightsManifest[${g}].paths[${i}]` })));
}

/** model.json (parsed) plus its shards' bytes → ModelArtifacts, with weightSpecs flattened from the manifest. */
export function modelJsonToArtifacts(json: unknown, shards: ArrayBuffer[] | ShardFiles, where: string): ModelArtifacts {
  const checked = checkModelJson(json, where);
  const artifacts: ModelArtifacts = { modelTopology: checked.modelTopology };
  for (const key of ["format", "generatedBy", "convertedBy", "trainingConfig", "userDefinedMetadata"] as const) {
    if (checked[key] != null) (artifacts as Record<string, unknown>)[key] = checked[key];
  }
  artifacts.weightSpecs = checked.weightsManifest.flatMap((group) => group.weights as WeightsManifestEntry[]);
  if (Array.isArray(shards)) {
    artifacts.weightData = shards.length === 1 ? shards[0] : shards;
    if (shards.length === manifestPaths(checked).length) checkGroupSizes(checked, shards.map((b) => b.byteLength), where);
    return artifacts;
  }
  checkGroupSizes(checked, shards.sizes, where);
  const source = shards.source;
  let read: ArrayBuffer | undefined;
  Object.defineProperty(artifacts, "weightData", {
    enumerable: true,
    configurable: true,
    get(): ArrayBuffer {
      if (read === undefined) {
        const all = new Uint8Array(source.byteLength);
        source.read(all, 0);
        read = all.buffer;
      }
      return read;
    },
    set(v: ArrayBuffer) {
      read = v;
    },
  });
  (artifacts as ModelArtifacts & { [WEIGHT_SOURCE]?: WeightSource })[WEIGHT_SOURCE] = source;
  return artifacts;
}

/** Shard files not read yet: their sizes (checked against the manifest) and a reader over them joined. */
export interface ShardFiles {
  sizes: number[];
  source: WeightSource;
}

const ENTRY_BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2 };

/**
 * With one buffer per shard file, each group's files must hold exactly its weights' bytes: a short or
 * long file is named here (decodeWeights, which sees only the joined bytes, would name the weight).
 */
function checkGroupSizes(json: ModelJSON, shardSizes: readonly number[], where: string): void {
  let at = 0;
  for (const group of json.weightsManifest) {
    const files = shardSizes.slice(at, at + group.paths.length);
    at += group.paths.length;
    const have = files.reduce((a, b) => a + b, 0);
    let need = 0;
    let cut = "";
    for (const w of group.weights as WeightsManifestEntry[]) {
      const bytes = ENTRY_BYTES[w?.quantization?.dtype ?? w?.dtype];
      if (!bytes || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) return; // decodeWeights names the bad entry
      const end = need + bytes * w.shape.reduce((a, b) => a * b, 1);
      if (end > have && !cut) cut = `; weight '${w.name}' (bytes ${need}–${end}) runs past the end`;
      need = end;
    }
    if (have !== need) {
      const names = group.paths.map((p) => `'${p}'`).join(", ");
      throw new FormatError(`${where}: shard file${group.paths.length > 1 ? "s" : ""} ${names} hold${group.paths.length > 1 ? "" : "s"} ${have} bytes but the ${group.weights.length} weight${group.weights.length > 1 ? "s" : ""} listed for ${group.paths.length > 1 ? "them" : "it"} need ${need}${have < need ? ` (truncated file?)${cut}` : ""}.`);
    }
  }
}

/** What model.json holds for `artifacts`, the weights in one file `weightsPath` (tfjs-node's layout). */
export function artifactsToModelJson(artifacts: ModelArtifacts, weightsPath = "weights.bin"): ModelJSON {
  const topology: unknown = (artifacts as ModelArtifacts | undefined)?.modelTopology;
  if (!isObject(topology)) {
    throw new ValueError(`artifactsToModelJson: artifacts.modelTopology must be an object (Keras' model JSON); received ${show(topology)}.`);
  }
  const json: ModelJSON = {
    modelTopology: topology,
    weightsManifest: [{ paths: [weightsPath], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.format != null) json.format = artifacts.format;
  if (artifacts.generatedBy != null) json.generatedBy = artifacts.generatedBy;
  if (artifacts.convertedBy !== undefined) json.convertedBy = artifacts.convertedBy;
  if (artifacts.trainingConfig != null) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata != null) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  return json;
}

/** The artifacts' weight bytes as one buffer (shards concatenated; an empty buffer when there are none). */
export function joinWeightData(data: ArrayBuffer | readonly ArrayBuffer[] | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  if (data instanceof ArrayBuffer) return data;
  const out = new Uint8Array(data.reduce((a, b) => a + b.byteLength, 0));
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out.buffer;
}

const utf8Length = (value: unknown): number => new TextEncoder().encode(JSON.stringify(value)).byteLength;

/** tfjs' getModelArtifactsInfoForJSON: the date and the byte sizes of topology, specs and weights. */
export function artifactsInfo(artifacts: ModelArtifacts): ModelArtifactsInfo {
  const data = artifacts.weightData;
  return {
    dateSaved: new Date(),
    modelTopologyType: "JSON",
    modelTopologyBytes: artifacts.modelTopology == null ? 0 : utf8Length(artifacts.modelTopology),
    weightSpecsBytes: artifacts.weightSpecs == null ? 0 : utf8Length(artifacts.weightSpecs),
    weightDataBytes: data == null ? 0 : data instanceof ArrayBuffer ? data.byteLength : data.reduce((a, b) => a + b.byteLength, 0),
  };
}
