/**
 * simdnn/onnx: ONNX import without the rest — `onnxToArtifacts(bytes)` turns a PyTorch or tf2onnx MLP
 * into layers-model artifacts (load them with nn.loadLayersModel(nn.io.fromMemory(artifacts)) or save
 * them as files), `inspectOnnx(bytes)` summarises a file. `nn.loadOnnx` does both steps in one call.
 */
export { type ExternalData, inspectOnnx, onnxToArtifacts, type OnnxImportOptions, type OnnxSummary } from "./io/onnx/index.js";
export type { LoadOnnxOptions } from "./io/onnx_loader.js";
