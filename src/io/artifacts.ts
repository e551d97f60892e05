// The interchange types of model files, in tfjs' own shapes (tfjs-core io/types.ts), so that handlers
// written for tfjs (`load(): Promise<ModelArtifacts>`, `save(artifacts)`) work here unchanged. Every
// reader (layers-model JSON, ONNX, safetensors) produces ModelArtifacts; the one loader builds the model.

/** dtypes a weights manifest may name. Only float32 and int32 are loaded (int32 as float). */
export type WeightDtype = "float32" | "int32" | "bool" | "string" | "complex64";

/** tfjs' quantization entry: uint8/uint16 affine (value = q·scale + min) or IEEE float16. */
export interface Quantization {
  dtype: "uint8" | "uint16" | "float16";
  scale?: number;
  min?: number;
  /** tfjs writes it for float16 too; ignored on read. */
  original_dtype?: string;
}

/** One weight in a manifest: the bytes follow in manifest order, `size(shape)·bytes(dtype)` each. */
export interface WeightsManifestEntry {
  /** `<layer name>/<weight name>`, e.g. `dense_1/kernel` (tfjs, Keras) */
  name: string;
  shape: number[];
  dtype: WeightDtype;
  /** 'optimizer' for optimizer state saved with includeOptimizer. */
  group?: "model" | "optimizer";
  quantization?: Quantization;
}

/** One group of model.json's weightsManifest: shard file paths (relative to model.json) and their weights. */
export interface WeightsManifestGroupConfig {
  paths: string[];
  weights: WeightsManifestEntry[];
}

/** Keras' training configuration as tfjs writes it in model.json (`training_config`). */
export interface TrainingConfig {
  optimizer_config: { class_name: string; config: Record<string, unknown> };
  loss: string | string[] | Record<string, unknown>;
  metrics?: string[] | Record<string, unknown>;
  [key: string]: unknown;
}

/**
 * Key under which a file:// load hands its shards over unread (a WeightSource, weights.ts), so the loader can
 * read each weight straight into WASM memory; `weightData` stays a plain property that reads them when asked.
 * @internal
 */
export const WEIGHT_SOURCE: unique symbol = Symbol("simdnn.weightSource");

/** What a reader produces and a writer consumes (tfjs' ModelArtifacts). */
export interface ModelArtifacts {
  /** Keras' model JSON: `{ class_name: 'Sequential', config: { name, layers: [...] } }` (see topology.ts). */
  modelTopology?: object;
  trainingConfig?: TrainingConfig;
  weightSpecs?: WeightsManifestEntry[];
  /** The weights' bytes in weightSpecs order: one buffer, or shards concatenated in order. */
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: Record<string, unknown>;
}

/** What model.json holds (the weights manifest replaces weightSpecs and weightData). */
export interface ModelJSON {
  modelTopology: object;
  weightsManifest: WeightsManifestGroupConfig[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: TrainingConfig;
  userDefinedMetadata?: Record<string, unknown>;
}

/** tfjs' summary of a save. */
export interface ModelArtifactsInfo {
  dateSaved: Date;
  modelTopologyType: "JSON";
  modelTopologyBytes?: number;
  weightSpecsBytes?: number;
  weightDataBytes?: number;
}

/** What save() resolves to (tfjs' SaveResult). */
export interface SaveResult {
  modelArtifactsInfo: ModelArtifactsInfo;
  responses?: Response[];
  errors?: unknown[];
}

/** Anything with load() (tfjs' IOHandler for loading). */
export interface LoadHandler {
  load(): Promise<ModelArtifacts>;
}

/** Anything with save() (tfjs' IOHandler for saving). */
export interface SaveHandler {
  save(artifacts: ModelArtifacts): Promise<SaveResult>;
}
