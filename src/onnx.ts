/**
 * simdnn/onnx: ONNX import — `onnxToArtifacts(bytes)` turns a PyTorch or tf2onnx MLP into layers-model
 * artifacts (load them with nn.loadLayersModel(nn.io.fromMemory(artifacts)) or save them as files),
 * `inspectOnnx(bytes)` summarises a file. Importing this entry also makes `nn.loadOnnx` available in bundled
 * code (unbundled, nn.loadOnnx loads it by itself).
 */
// The main entry as a whole, so its modules form one chunk that every entry shares (fewer files to load).
import "./index.js";
import * as reader from "./io/onnx_loader.js";
import { registerReader } from "./io/readers.js";

registerReader("onnx", reader);

export { type ExternalData, inspectOnnx, onnxToArtifacts, type OnnxImportOptions, type OnnxSummary } from "./io/onnx/index.js";
export type { LoadOnnxOptions } from "./io/onnx_loader.js";
