// The peers, set up alike for every peer bench: tfjs-backend-wasm and onnxruntime-web, one thread each.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** tfjs-core on its WASM backend; `withGradients` also loads the union package, which registers the gradients. */
export async function tfjsWasm({ withGradients = false } = {}) {
  const tf = await import("@tensorflow/tfjs-core");
  if (withGradients) require("@tensorflow/tfjs"); // tfjs-core alone registers no gradients
  const wasm = await import("@tensorflow/tfjs-backend-wasm");
  wasm.setWasmPaths(join(dirname(require.resolve("@tensorflow/tfjs-backend-wasm")), "/"));
  wasm.setThreadsCount(1);
  await tf.setBackend("wasm");
  await tf.ready();
  return tf;
}

/** onnxruntime-web's WASM execution provider, SIMD, one thread. */
export async function onnxruntimeWeb() {
  const ort = await import("onnxruntime-web");
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.simd = true;
  return ort;
}
