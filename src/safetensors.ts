/**
 * simdnn/safetensors: read and write safetensors files, and load a PyTorch state_dict (or simdnn's own
 * export) into a Sequential built in code, synchronously. Its own entry point, so an inference bundle that
 * does not import it does not carry it; importing it also serves nn.io's (async) safetensors functions in
 * bundled code.
 */
// The main entry as a whole, so its modules form one chunk that every entry shares (fewer files to load).
import "./index.js";
import * as reader from "./io/safetensors.js";
import { registerReader } from "./io/readers.js";

registerReader("safetensors", reader);

export * from "./io/safetensors.js";
