// ONNX import: an MLP exported by torch.onnx.export (TorchScript or dynamo) or tf2onnx becomes the
// ModelArtifacts of a Keras Sequential (topology JSON + float32 weights), which the layers-model
// loader builds like any other. Only chains of layers are imported; everything else is a FormatError.
import type { ModelArtifacts, WeightsManifestEntry } from "../artifacts.js";
import { FormatError, ValueError, show } from "../../errors.js";
import { DATA_TYPES, decodeModel } from "./model.js";
import { defaultOpset, graphToChain } from "./graph.js";
import { elementCount, type ExternalData } from "./values.js";

export type { ExternalData } from "./values.js";

export interface OnnxImportOptions {
  /** The bytes of external-data files, by the `location` the model names (e.g. `model.onnx.data`). */
  externalData?: ExternalData;
  /** Used in error messages. */
  fileName?: string;
}

function toBytes(bytes: unknown, what: string): Uint8Array {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new ValueError(`${what} must be a Uint8Array or ArrayBuffer; received ${show(bytes)}.`);
}

function checkOptions(options: OnnxImportOptions): void {
  if (options === null || typeof options !== "object") throw new ValueError(`onnxToArtifacts options must be an object; received ${show(options)}.`);
  const ext = options.externalData;
  if (ext !== undefined && (ext === null || typeof ext !== "object")) throw new ValueError(`externalData must be an object { location: bytes }; received ${show(ext)}.`);
}

/**
 * Reads an ONNX model (a chain of layers) into ModelArtifacts: a Sequential topology whose first layer
 * carries `batch_input_shape`, float32 weights named `<layer>/<weight>` in one buffer.
 * Throws FormatError naming the file, node, operator or byte offset for anything it cannot import exactly.
 */
export function onnxToArtifacts(bytes: Uint8Array | ArrayBuffer, options: OnnxImportOptions = {}): ModelArtifacts {
  checkOptions(options);
  const where = options.fileName ?? "ONNX model";
  const model = decodeModel(toBytes(bytes, "onnxToArtifacts bytes"), where);
  const { chain, inputShape } = graphToChain(model, where, options.externalData);
  const layers = chain.layers.map((l, i) => (i === 0 ? { ...l, config: { batch_input_shape: [null, ...inputShape], ...l.config } } : l));
  const total = chain.weights.reduce((s, w) => s + w.values.length, 0);
  const data = new Float32Array(total);
  const weightSpecs: WeightsManifestEntry[] = [];
  let at = 0;
  for (const w of chain.weights) {
    data.set(w.values, at);
    at += w.values.length;
    weightSpecs.push({ name: w.name, shape: w.shape, dtype: "float32" });
  }
  const producer = [model.producerName, model.producerVersion].filter(Boolean).join(" ") || "unknown producer";
  return {
    modelTopology: { class_name: "Sequential", config: { name: model.graph!.name || "onnx_model", layers } },
    weightSpecs,
    weightData: data.buffer,
    format: "layers-model",
    generatedBy: "simdnn",
    convertedBy: `simdnn onnx import (${producer}, opset ${chain.opset})`,
  };
}

/** What an ONNX file holds, without importing it (for a CLI's `inspect`). */
export interface OnnxSummary {
  irVersion: number;
  producer: string;
  producerVersion: string;
  opsets: { domain: string; version: number }[];
  /** Graph inputs that are not initializers, with their shapes (symbolic dims as names, unknown as null). */
  inputs: { name: string; shape: (number | string | null)[] | null }[];
  outputs: { name: string; shape: (number | string | null)[] | null }[];
  /** Operator → number of nodes. */
  operators: Record<string, number>;
  nodes: number;
  initializers: number;
  /** Bytes of initializer values (as their dims and types say), external ones included. */
  initializerBytes: number;
  /** Files external initializers point at. */
  externalFiles: string[];
}

const WIDTH: Record<string, number> = { float32: 4, uint8: 1, int8: 1, uint16: 2, int16: 2, int32: 4, int64: 8, bool: 1, float16: 2, float64: 8, uint32: 4, uint64: 8, complex64: 8, complex128: 16, bfloat16: 2 };

/** Summarises an ONNX file (producer, opsets, operators, initializer sizes); throws FormatError on malformed bytes. */
export function inspectOnnx(bytes: Uint8Array | ArrayBuffer, options: { fileName?: string } = {}): OnnxSummary {
  const where = options.fileName ?? "ONNX model";
  const model = decodeModel(toBytes(bytes, "inspectOnnx bytes"), where);
  defaultOpset(model, where);
  const g = model.graph!;
  const inits = new Set(g.initializer.map((t) => t.name));
  const operators: Record<string, number> = {};
  for (const n of g.node) operators[n.opType] = (operators[n.opType] ?? 0) + 1;
  let initializerBytes = 0;
  const externalFiles = new Set<string>();
  for (const t of g.initializer) {
    initializerBytes += elementCount(t.dims, `${where}: initializer '${t.name}'`) * (WIDTH[DATA_TYPES[t.dataType]] ?? 0);
    if (t.external) externalFiles.add(t.external.location ?? "");
  }
  if (!Number.isFinite(initializerBytes)) throw new FormatError(`${where}: initializer sizes overflow.`);
  const info = (v: { name: string; shape?: (number | string | null)[] }) => ({ name: v.name, shape: v.shape ?? null });
  return {
    irVersion: model.irVersion, producer: model.producerName, producerVersion: model.producerVersion, opsets: model.opsets,
    inputs: g.input.filter((i) => !inits.has(i.name)).map(info), outputs: g.output.map(info),
    operators, nodes: g.node.length, initializers: g.initializer.length, initializerBytes, externalFiles: [...externalFiles],
  };
}
