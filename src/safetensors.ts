/**
 * simdnn/safetensors: read and write safetensors files, and load a PyTorch state_dict (or simdnn's own
 * export) into a Sequential built in code. Its own entry point, so an inference bundle that does not
 * import it does not carry it.
 */
export * from "./io/safetensors.js";
