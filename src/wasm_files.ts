// Where the published .wasm builds sit: dist/wasm/ beside this file (src/wasm/ in the repository, written by
// the build). One literal `new URL("./wasm/….wasm", import.meta.url)` per build, so that bundlers which
// understand the pattern (Vite, webpack 5, Parcel, Rollup plugins) emit the file and rewrite the URL. The
// build bundles it into dist/index.js, one file beside dist/wasm/, so the relative paths are true there.
import type { BackendName } from "./backend.js";

/** The URL of one build's .wasm file. */
export function wasmUrl(backend: BackendName): URL {
  switch (backend) {
    case "relaxed-simd":
      return new URL("./wasm/relaxed-simd.wasm", import.meta.url);
    case "simd":
      return new URL("./wasm/simd.wasm", import.meta.url);
    default:
      return new URL("./wasm/scalar.wasm", import.meta.url);
  }
}
