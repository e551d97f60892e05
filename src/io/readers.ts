// The ONNX and safetensors readers live in entries of their own (simdnn/onnx, simdnn/safetensors), which
// register themselves here when imported. nn.loadOnnx and nn.io's safetensors functions use what is
// registered; unbundled (Node, Deno, Bun, a page loading dist/ itself) they import the entry file beside this
// one at run time. Bundlers never follow that computed import, so a bundle (a Worker, a Lambda zip) carries
// a reader only when its code imports the entry: `import "simdnn/onnx"`.
import { ValueError } from "../errors.js";

export type OnnxReader = typeof import("./onnx_loader.js");
export type SafetensorsReader = typeof import("./safetensors.js");

const registered: { onnx?: OnnxReader; safetensors?: SafetensorsReader } = {};

/** Called by the entries simdnn/onnx and simdnn/safetensors as they are imported. @internal */
export function registerReader<K extends keyof typeof registered>(kind: K, reader: NonNullable<(typeof registered)[K]>): void {
  registered[kind] = reader;
}

/** The entry's file beside the bundle: this module sits in dist/ or, as shared code, in dist/chunks/. */
async function importBeside(file: string): Promise<void> {
  for (const at of [`./${file}`, `../${file}`]) {
    try {
      const url = new URL(at, import.meta.url).href;
      await import(/* webpackIgnore: true */ /* @vite-ignore */ url);
      return;
    } catch {
      // not there: try the next place, then say what to import
    }
  }
}

async function reader<K extends keyof typeof registered>(kind: K, entry: string, what: string): Promise<NonNullable<(typeof registered)[K]>> {
  if (!registered[kind]) await importBeside(`${kind}.js`);
  const r = registered[kind];
  if (!r) throw new ValueError(`${what} needs the ${kind === "onnx" ? "ONNX" : "safetensors"} reader, which is not in this bundle: add \`import "${entry}";\` to the code that calls it (bundled code carries a format reader only when it imports it).`);
  return r as NonNullable<(typeof registered)[K]>;
}

export const onnxReader = () => reader("onnx", "simdnn/onnx", "nn.loadOnnx");
export const safetensorsReader = (what: string) => reader("safetensors", "simdnn/safetensors", what);
