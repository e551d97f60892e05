// Keras 3's `.keras` file (model.save("x.keras")): a zip of config.json (the model's Keras 3 config, which
// topology.ts reads), metadata.json and model.weights.h5 (each layer's variables under layers/<name>/vars/<i>,
// in the layer's creation order). Turned into layers-model artifacts, so loading is the one path every format
// takes. Keras writes the zip uncompressed; a compressed entry is refused by name, as is anything hdf5.ts does
// not read.
import { FormatError, show } from "../errors.js";
import type { ModelArtifacts, WeightsManifestEntry } from "./artifacts.js";
import { readHdf5 } from "./hdf5.js";
import { isObject } from "./json.js";


/** The stored (uncompressed) entries of a zip archive, by name: views into `bytes`. */
export function readZip(bytes: Uint8Array, where: string): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (what: string): never => { throw new FormatError(`${where}: ${what}.`); };
  // the end-of-central-directory record: the last "PK\5\6" within the final 64 KiB + 22 bytes
  let end = -1;
  for (let o = bytes.length - 22; o >= Math.max(0, bytes.length - 22 - 0xffff); o--) {
    if (view.getUint32(o, true) === 0x06054b50) { end = o; break; }
  }
  if (end < 0) fail("not a zip archive (no end of central directory); a .keras file is the zip Keras 3's model.save writes");
  const count = view.getUint16(end + 10, true), size = view.getUint32(end + 12, true), start = view.getUint32(end + 16, true);
  if (start + size > end) fail("its central directory lies outside the file (truncated?)");
  const out = new Map<string, Uint8Array>();
  for (let i = 0, o = start; i < count; i++) {
    if (o + 46 > end || view.getUint32(o, true) !== 0x02014b50) fail(`central directory entry ${i} is damaged`);
    const method = view.getUint16(o + 10, true), stored = view.getUint32(o + 20, true), plain = view.getUint32(o + 24, true);
    const nameLength = view.getUint16(o + 28, true), extra = view.getUint16(o + 30, true), comment = view.getUint16(o + 32, true);
    const local = view.getUint32(o + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(o + 46, o + 46 + nameLength));
    o += 46 + nameLength + extra + comment;
    if (stored === 0xffffffff || local === 0xffffffff) fail(`entry "${name}" needs zip64, which is not read`);
    if (local + 30 > bytes.length || view.getUint32(local, true) !== 0x04034b50) fail(`entry "${name}" has no local header at byte ${local}`);
    const data = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    if (data + stored > bytes.length) fail(`entry "${name}" runs past the end of the file (truncated?)`);
    if (method !== 0 || stored !== plain) {
      out.set(name, new Uint8Array(0));
      if (name === "config.json" || name.endsWith(".weights.h5")) fail(`entry "${name}" is compressed (method ${method}); Keras writes .keras files uncompressed, and only those are read`);
      continue;
    }
    out.set(name, bytes.subarray(data, data + stored));
  }
  return out;
}

/** Keras' naming.to_snake_case: "PReLU" → "p_re_lu", "BatchNormalization" → "batch_normalization". */
const snakeCase = (name: string) => name.replace(/(.)([A-Z][a-z]+)/g, "$1_$2").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();

/** The names of a layer's variables in Keras 3's creation order, from its config. */
function variableNames(cls: string, c: Record<string, unknown>): string[] {
  switch (cls) {
    case "Dense":
      return c.use_bias === false ? ["kernel"] : ["kernel", "bias"];
    case "BatchNormalization":
      return [...(c.scale === false ? [] : ["gamma"]), ...(c.center === false ? [] : ["beta"]), "moving_mean", "moving_variance"];
    case "LayerNormalization":
      return [...(c.scale === false ? [] : ["gamma"]), ...(c.center === false ? [] : ["beta"])];
    case "PReLU":
      return ["alpha"];
    default:
      return [];
  }
}

/** A .keras file's bytes as layers-model artifacts (modelTopology = config.json; weights named layer/variable). */
export function kerasArchiveToArtifacts(bytes: Uint8Array, where: string): ModelArtifacts {
  const files = readZip(bytes, where);
  const configBytes = files.get("config.json"), h5 = files.get("model.weights.h5");
  if (!configBytes || !h5) throw new FormatError(`${where}: a .keras file holds config.json and model.weights.h5; this one has ${[...files.keys()].map((n) => `"${n}"`).join(", ") || "no entries"}.`);
  let config: unknown;
  try {
    config = JSON.parse(new TextDecoder().decode(configBytes));
  } catch (error) {
    throw new FormatError(`${where}: config.json is not JSON (${(error as Error).message}).`, { cause: error });
  }
  if (!isObject(config) || !isObject(config.config)) throw new FormatError(`${where}: config.json must be a Keras model config { class_name, config }; received ${show(config)}.`);
  const datasets = readHdf5(h5, `${where}: model.weights.h5`);
  const layers = Array.isArray(config.config.layers) ? config.config.layers : [];
  const specs: WeightsManifestEntry[] = [], parts: Float32Array[] = [];
  const used = new Set<string>(), counts = new Map<string, number>();
  for (const entry of layers) {
    if (!isObject(entry) || typeof entry.class_name !== "string" || entry.class_name === "InputLayer") continue; // topology.ts names what is wrong
    const c = isObject(entry.config) ? entry.config : {};
    const name = typeof c.name === "string" ? c.name : typeof entry.name === "string" ? entry.name : "";
    // Keras 3 files a layer's variables under its class name made unique within the model (dense, dense_1, …,
    // p_re_lu), not under the layer's own name (saving_lib's container walk)
    const base = snakeCase(entry.class_name), k = counts.get(base) ?? -1;
    counts.set(base, k + 1);
    const group = k < 0 ? base : `${base}_${k + 1}`;
    variableNames(entry.class_name, c).forEach((variable, i) => {
      const path = `layers/${group}/vars/${i}`, d = datasets.get(path);
      if (!d) throw new FormatError(`${where}: model.weights.h5 has no ${path} (${entry.class_name} '${name}' ${variable}); it has ${[...datasets.keys()].slice(0, 12).join(", ") || "no datasets"}.`);
      used.add(path);
      specs.push({ name: `${name}/${variable}`, shape: d.shape, dtype: "float32" });
      parts.push(d.data);
    });
  }
  const extra = [...datasets.keys()].filter((k) => k.startsWith("layers/") && !used.has(k));
  if (extra.length) throw new FormatError(`${where}: model.weights.h5 holds variables no layer of config.json takes: ${extra.slice(0, 8).join(", ")}.`);
  const weightData = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((o, p) => (weightData.set(p, o), o + p.length), 0);
  let version = "";
  try {
    const meta: unknown = JSON.parse(new TextDecoder().decode(files.get("metadata.json") ?? new Uint8Array(0)));
    if (isObject(meta) && typeof meta.keras_version === "string") version = ` ${meta.keras_version}`;
  } catch {
    // metadata.json is informational (the producer's version for messages and inspect); config.json is what loads
  }
  return { modelTopology: config, weightSpecs: specs, weightData: weightData.buffer, format: "layers-model", generatedBy: `keras${version} (.keras)`, convertedBy: null };
}
