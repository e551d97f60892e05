// nn.io: tfjs' load/save handlers, and the safetensors functions, which load their reader on first use.
import * as Handlers from "./handlers.js";
import { safetensorsReader } from "./readers.js";
import type * as Safetensors from "./safetensors.js";

// The file handlers are part of the main entry: every serverless instance loads a model, and as lazy chunks
// they cost ~9 ms of module loading on a cold load against ~3 ms of import for all (bench/RESULTS.md, 12-07).
type Args<F extends (...a: never[]) => unknown> = Parameters<F>;
export const io = Object.freeze({
  /** tfjs' io.fromMemory: model.json (object or text) and its weights, one buffer or the shards in manifest order. */
  fromMemory: Handlers.fromMemory,
  /** tfjs' io.withSaveHandler: model.save hands the artifacts to fn. */
  withSaveHandler: Handlers.withSaveHandler,
  /** tfjs-node's file handler (what 'file://' resolves to). */
  fileSystem: Handlers.fileSystem,
  /** tfjs' io.http (loading): model.json by fetch, shards relative to it. */
  http: Handlers.http,
  /** Keras 3's .keras file (path, URL or bytes); loadLayersModel takes a path ending in .keras directly. */
  kerasFile: Handlers.kerasFile,
  /** A safetensors file's tensors (as float32) and metadata. Synchronous in `simdnn/safetensors`. */
  readSafetensors: async (...a: Args<typeof Safetensors.readSafetensors>) => (await safetensorsReader("nn.io.readSafetensors")).readSafetensors(...a),
  /** Float32 tensors as safetensors bytes. Synchronous in `simdnn/safetensors`. */
  writeSafetensors: async (...a: Args<typeof Safetensors.writeSafetensors>) => (await safetensorsReader("nn.io.writeSafetensors")).writeSafetensors(...a),
  /** A PyTorch state_dict (or `<layer>/<weight>` keys) into a Sequential built in code. Synchronous in `simdnn/safetensors`. */
  loadStateDict: async (...a: Args<typeof Safetensors.loadStateDict>) => (await safetensorsReader("nn.io.loadStateDict")).loadStateDict(...a),
});
