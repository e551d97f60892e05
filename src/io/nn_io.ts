// nn.io: tfjs' load/save handlers and the safetensors functions, each loading its code on first use.
import type { LoadHandler, SaveHandler } from "./artifacts.js";
import type * as Handlers from "./handlers.js";
import { safetensorsReader } from "./readers.js";
import type * as Safetensors from "./safetensors.js";

// nn.io: what reads and writes files loads on first use (its own chunks), so an instance that never
// touches a file parses none of it at import: the handlers check their arguments when they run.
const handlers = () => import("./handlers.js");
type Args<F extends (...a: never[]) => unknown> = Parameters<F>;
export const io = Object.freeze({
  /** tfjs' io.fromMemory: model.json (object or text) and its weights, one buffer or the shards in manifest order. */
  fromMemory: (...a: Args<typeof Handlers.fromMemory>): LoadHandler => ({ load: async () => (await handlers()).fromMemory(...a).load() }),
  /** tfjs' io.withSaveHandler: model.save hands the artifacts to fn. */
  withSaveHandler: (...a: Args<typeof Handlers.withSaveHandler>): SaveHandler => ({ save: async (artifacts) => (await handlers()).withSaveHandler(...a).save(artifacts) }),
  /** tfjs-node's file handler (what 'file://' resolves to). */
  fileSystem: (...a: Args<typeof Handlers.fileSystem>): LoadHandler & SaveHandler => ({
    load: async () => (await handlers()).fileSystem(...a).load(),
    save: async (artifacts) => (await handlers()).fileSystem(...a).save(artifacts),
  }),
  /** tfjs' io.http (loading): model.json by fetch, shards relative to it. */
  http: (...a: Args<typeof Handlers.http>): LoadHandler => ({ load: async () => (await handlers()).http(...a).load() }),
  /** A safetensors file's tensors (as float32) and metadata. Synchronous in `simdnn/safetensors`. */
  readSafetensors: async (...a: Args<typeof Safetensors.readSafetensors>) => (await safetensorsReader("nn.io.readSafetensors")).readSafetensors(...a),
  /** Float32 tensors as safetensors bytes. Synchronous in `simdnn/safetensors`. */
  writeSafetensors: async (...a: Args<typeof Safetensors.writeSafetensors>) => (await safetensorsReader("nn.io.writeSafetensors")).writeSafetensors(...a),
  /** A PyTorch state_dict (or `<layer>/<weight>` keys) into a Sequential built in code. Synchronous in `simdnn/safetensors`. */
  loadStateDict: async (...a: Args<typeof Safetensors.loadStateDict>) => (await safetensorsReader("nn.io.loadStateDict")).loadStateDict(...a),
});
