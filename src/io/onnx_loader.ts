// nn.loadOnnx: bytes, a file:// path or a URL → the ONNX graph's chain of layers as a loaded Sequential.
// External data (PyTorch ≥ 2.9 writes weights to `<name>.onnx.data`) is read beside the graph when the
// source is a path or URL, or taken from options.externalData (location → bytes).
import { ValueError, show } from "../errors.js";
import type { Sequential } from "../model/sequential.js";
import type { Runtime } from "../runtime.js";
import { type HttpOptions, readBytes } from "./handlers.js";
import { modelFromArtifacts } from "./layers_model.js";
import { type ExternalData, inspectOnnx, onnxToArtifacts } from "./onnx/index.js";

/** Options of nn.loadOnnx. */
export interface LoadOnnxOptions extends HttpOptions {
  /** External-data files by the location the graph names (needed when the graph is given as bytes). */
  externalData?: ExternalData;
}

/** ONNX files larger than this are refused before they are read (2 GiB: protobuf's own limit). */
const MAX_ONNX_BYTES = 2 ** 31;

export async function loadOnnxDetailed(rt: Runtime, source: string | Uint8Array | ArrayBuffer, options: LoadOnnxOptions = {}): Promise<{ model: Sequential; producer: string }> {
  if (options === null || typeof options !== "object") throw new ValueError(`loadOnnx options must be an object; received ${show(options)}.`);
  const { externalData, ...http } = options;
  const src = await readBytes(source as string, { ...http, maxBytes: MAX_ONNX_BYTES });
  let external = externalData;
  if (external === undefined && src.name !== "<memory>") {
    const files = inspectOnnx(src.bytes, { fileName: src.name }).externalFiles;
    if (files.length) external = Object.fromEntries(await Promise.all(files.map(async (f) => [f, await src.sibling(f)] as const)));
  }
  const artifacts = onnxToArtifacts(src.bytes, { externalData: external, fileName: src.name });
  return { model: modelFromArtifacts(rt, artifacts, src.name), producer: artifacts.convertedBy ?? "ONNX" };
}

/** The loaded model only (nn.loadOnnx). */
export async function loadOnnx(rt: Runtime, source: string | Uint8Array | ArrayBuffer, options?: LoadOnnxOptions): Promise<Sequential> {
  return (await loadOnnxDetailed(rt, source, options)).model;
}
