// The tfjs layers-model format, both ways: artifacts (topology + weights manifest + bytes) → a built,
// loaded Sequential, and a Sequential → artifacts any tfjs save handler takes. Weights are matched to
// layers by name, never by position (tfjs lists non-trainable weights after every trainable one).
import { FormatError, SimdnnError, show, showShape, ValueError } from "../errors.js";
import type { Weight } from "../model/layer.js";
import { Sequential } from "../model/sequential.js";
import type { Runtime } from "../runtime.js";
import { type LoadHandler, type ModelArtifacts, type SaveHandler, type SaveResult, type TrainingConfig, WEIGHT_SOURCE } from "./artifacts.js";
import { type HttpOptions, resolveLoadHandler, resolveSaveHandler } from "./handlers.js";
import { checkAxes, readTopology, writeTopology } from "./topology.js";
import { compileFrom, optimizerWeights, restoreOptimizer, trainingConfigOf } from "./training_config.js";
import { type DecodedWeight, decodeWeights, encodeWeights, type QuantizeDtype, type WeightEntry, type WeightSource } from "./weights.js";

/** Options of loadLayersModel. */
export interface LoadOptions extends HttpOptions {
  /** Refuse weights in the file that no layer takes (default true; tfjs' strict). */
  strict?: boolean;
}

/** Options of model.save. */
export interface SaveOptions {
  /** Store weights as float16, or uint8 / uint16 with tfjs' affine quantization (dequantized at load). */
  quantize?: QuantizeDtype;
  /** Also save the compile configuration and the optimizer's state, so that fit resumes after loading. */
  includeOptimizer?: boolean;
}

/** Manifest names are `<layer>/<weight>`, possibly under a model scope (`sequential/dense/kernel`) or with `:0`. */
function findWeight(weights: ReadonlyMap<string, DecodedWeight>, layer: string, weight: string): string | undefined {
  const exact = `${layer}/${weight}`;
  if (weights.has(exact)) return exact;
  const hits: string[] = [];
  for (const [name, w] of weights) {
    if (w.group !== "model") continue;
    const parts = name.replace(/:0$/, "").split("/");
    if (parts[parts.length - 1] === weight && parts.slice(0, -1).includes(layer)) hits.push(name);
  }
  return hits.length === 1 ? hits[0] : undefined;
}

/** A file shape fits a weight only when equal: a kernel [in, out] read as [out, in] must never load. */
function shapeFits(w: Weight, shape: readonly number[]): boolean {
  return w.shape.length === shape.length && w.shape.every((d, i) => d === shape[i]);
}

/** Builds a Sequential from artifacts; every check happens before the model is returned, and a failure frees it. */
export function modelFromArtifacts(rt: Runtime, artifacts: ModelArtifacts, where: string, options: LoadOptions = {}): Sequential {
  if (artifacts === null || typeof artifacts !== "object") throw new FormatError(`${where}: a loader returned ${show(artifacts)} instead of model artifacts.`);
  if (artifacts.format !== undefined && artifacts.format !== "layers-model") {
    throw new FormatError(`${where}: format '${artifacts.format}' is not a layers model (a tfjs graph model cannot be loaded; convert the Keras or PyTorch model instead).`);
  }
  const topology = readTopology(artifacts.modelTopology, where);
  const source = (artifacts as ModelArtifacts & { [WEIGHT_SOURCE]?: WeightSource })[WEIGHT_SOURCE];
  const weights = decodeWeights(artifacts.weightSpecs ?? [], source ?? artifacts.weightData ?? new ArrayBuffer(0), where);
  let model: Sequential;
  try {
    model = new Sequential(rt, { name: topology.name, layers: topology.layers, seed: 0 });
  } catch (error) {
    throw new FormatError(`${where}: ${(error as Error).message}`, { cause: error });
  }
  try {
    try {
      model.buildUninitialized(topology.inputShape, "written"); // every weight is written below, or the model disposed
    } catch (error) {
      throw error instanceof FormatError ? error : new FormatError(`${where}: ${(error as Error).message}`, { cause: error });
    }
    checkAxes(model.layers, where);
    const used = new Set<string>();
    const writes: [Weight, DecodedWeight][] = [];
    for (const layer of model.layers) {
      for (const w of layer.weights) {
        const key = findWeight(weights, layer.name, w.name);
        if (key === undefined) {
          throw new FormatError(`${where}: no weight '${layer.name}/${w.name}' ${showShape(w.shape)} for layer '${layer.name}' (${layer.className}); the file has ${[...weights.keys()].slice(0, 12).join(", ") || "no weights"}.`);
        }
        const d = weights.get(key)!;
        if (!shapeFits(w, d.shape)) throw new FormatError(`${where}: weight '${key}' has shape ${showShape(d.shape)} but layer '${layer.name}' (${layer.className}) needs ${w.name} ${showShape(w.shape)}.`);
        used.add(key);
        writes.push([w, d]);
      }
    }
    const extra = [...weights].filter(([k, d]) => d.group === "model" && !used.has(k)).map(([k]) => k);
    if (extra.length && options.strict !== false) {
      throw new FormatError(`${where}: ${extra.length} weight${extra.length > 1 ? "s" : ""} in the file belong to no layer: ${extra.slice(0, 8).join(", ")} (pass { strict: false } to ignore them).`);
    }
    for (const [w, d] of writes) {
      d.writeTo(rt.f32.subarray(w.ptr >> 2, (w.ptr >> 2) + w.size));
      // NaN found by the SIMD range check in place (a JS loop over 2 MB of weights took as long as the rest of the load)
      const bad = rt.k.loss_check_range(w.ptr, w.size, -Infinity, Infinity);
      if (bad >= 0) throw new FormatError(`${where}: weight '${w.layer.name}/${w.name}' holds NaN at flat index ${bad}.`);
    }
    model.weightState.version++;
    if (artifacts.trainingConfig) {
      compileFrom(model, artifacts.trainingConfig, where);
      restoreOptimizer(model, weights, artifacts.weightSpecs ?? [], where);
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

/** tfjs' tf.loadLayersModel: a source string ('file://…', a URL, a relative path) or any { load() }. */
export async function loadLayersModel(rt: Runtime, source: string | LoadHandler, options: LoadOptions = {}): Promise<Sequential> {
  if (options === null || typeof options !== "object") throw new ValueError(`loadLayersModel options must be an object; received ${show(options)}.`);
  const { strict, ...handlerOptions } = options;
  if (strict !== undefined && typeof strict !== "boolean") throw new ValueError(`loadLayersModel strict must be a boolean; received ${show(strict)}.`);
  const handler = resolveLoadHandler(source, handlerOptions);
  const where = typeof source === "string" ? source : "the model";
  let artifacts: ModelArtifacts;
  try {
    artifacts = await handler.load();
  } catch (error) {
    if (error instanceof SimdnnError) throw error;
    throw new FormatError(`${where}: loading failed: ${(error as Error)?.message ?? show(error)}`, { cause: error });
  }
  return modelFromArtifacts(rt, artifacts, where, { strict });
}

/** The model as tfjs artifacts: topology, weights in tfjs' order, and with includeOptimizer the training state. */
export function modelToArtifacts(model: Sequential, options: SaveOptions = {}): ModelArtifacts {
  if (options === null || typeof options !== "object") throw new ValueError(`save options must be an object; received ${show(options)}.`);
  for (const k of Object.keys(options)) if (!["quantize", "includeOptimizer"].includes(k)) throw new ValueError(`save has no option '${k}'; it accepts: quantize, includeOptimizer.`);
  if (options.includeOptimizer !== undefined && typeof options.includeOptimizer !== "boolean") throw new ValueError(`save includeOptimizer must be a boolean; received ${show(options.includeOptimizer)}.`);
  if (!model.inputShape) throw new ValueError(`Model '${model.name}' is not built: give the first layer an inputShape (or fit/predict once) before saving.`);
  const f32 = model.rt.f32;
  const entries: WeightEntry[] = [];
  for (const w of model.layers.flatMap((l) => l.weights).sort((a, b) => Number(b.trainable) - Number(a.trainable))) {
    entries.push({ name: `${w.layer.name}/${w.name}`, shape: w.shape.slice(), values: f32.slice(w.ptr >> 2, (w.ptr >> 2) + w.size) });
  }
  let trainingConfig: TrainingConfig | undefined;
  if (options.includeOptimizer) {
    if (!model.compiled) throw new ValueError(`save: includeOptimizer needs a compiled model; model '${model.name}' is not compiled.`);
    // the optimizer state covers the weights trainable at compile; the file would say otherwise and not load back
    const changed = model.trainableChangedSinceLayout();
    if (changed) throw new ValueError(`save: layer '${changed.name}' was ${changed.trainable ? "unfrozen" : "frozen"} after compile, so the optimizer state no longer matches the trainable weights; compile again (a fresh optimizer) or save without includeOptimizer.`);
    trainingConfig = trainingConfigOf(model);
    entries.push(...optimizerWeights(model));
  }
  const { specs, data } = encodeWeights(entries, { quantize: options.quantize });
  return {
    modelTopology: writeTopology(model), weightSpecs: specs, weightData: data, format: "layers-model", generatedBy: "simdnn 0.1.0", convertedBy: null,
    ...(trainingConfig ? { trainingConfig } : {}),
  };
}

/** tfjs' model.save(destination, options). */
export async function saveModel(model: Sequential, destination: string | SaveHandler, options: SaveOptions = {}): Promise<SaveResult> {
  const handler = resolveSaveHandler(destination);
  return handler.save(modelToArtifacts(model, options));
}
