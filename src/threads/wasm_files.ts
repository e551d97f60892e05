// Where the threads builds sit: dist/wasm/<build>-threads.wasm, beside the default builds. An entry of its
// own (scripts/build.mjs), so it stays at dist/threads/wasm_files.js and its literal
// `new URL("../wasm/….wasm", import.meta.url)` paths stay true and visible to bundlers; imported only when
// init({ threads }) asks for more than one thread, so a bundle without threads never emits these files.
import type { BackendName } from "../backend.js";

/** The URL of one build's threads variant (shared, imported memory). */
export function threadsWasmUrl(backend: BackendName): URL {
  switch (backend) {
    case "relaxed-simd":
      return new URL("../wasm/relaxed-simd-threads.wasm", import.meta.url);
    case "simd":
      return new URL("../wasm/simd-threads.wasm", import.meta.url);
    default:
      return new URL("../wasm/scalar-threads.wasm", import.meta.url);
  }
}
