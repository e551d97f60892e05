// The ONNX, safetensors and Keras 3 readers live in entries of their own (simdnn/onnx, /safetensors, /keras), which
// register themselves here when imported (see import_beside.ts): a bundle carries a reader only when its code
// imports the entry, `import "simdnn/onnx"`.
import { ValueError } from "../errors.js";
import { importBeside } from "../import_beside.js";

export type OnnxReader = typeof import("./onnx_loader.js");
export type SafetensorsReader = typeof import("./safetensors.js");
export type KerasReader = typeof import("./keras_archive.js");

const registered: { onnx?: OnnxReader; safetensors?: SafetensorsReader; keras?: KerasReader } = {};
const FORMAT = { onnx: "ONNX", safetensors: "safetensors", keras: "Keras 3 (.keras)" } as const;

/** Called by the entries simdnn/onnx, simdnn/safetensors and simdnn/keras as they are imported. @internal */
export function registerReader<K extends keyof typeof registered>(kind: K, reader: NonNullable<(typeof registered)[K]>): void {
  registered[kind] = reader;
}

async function reader<K extends keyof typeof registered>(kind: K, entry: string, what: string): Promise<NonNullable<(typeof registered)[K]>> {
  if (!registered[kind]) await importBeside(`${kind}.js`);
  const r = registered[kind];
  if (!r) throw new ValueError(`${what} needs the ${FORMAT[kind]} reader, which is not in this bundle: add \`import "${entry}";\` to the code that calls it (bundled code carries a format reader only when it imports it).`);
  return r as NonNullable<(typeof registered)[K]>;
}

export const onnxReader = () => reader("onnx", "simdnn/onnx", "nn.loadOnnx");
export const safetensorsReader = (what: string) => reader("safetensors", "simdnn/safetensors", what);
export const kerasReader = (what: string) => reader("keras", "simdnn/keras", what);
