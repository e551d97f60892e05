/**
 * `import "simdnn/embedded"`: makes init() use the WASM builds embedded in JavaScript (base64, one lazy
 * chunk per build, only the chosen one loaded) instead of the .wasm files. For hosts where neither
 * reading nor fetching dist/wasm/ works: a bundle that did not copy the .wasm files, Deno without
 * --allow-read, a sandbox without fs or fetch. Costs ~1.3× the build's size in JavaScript to parse and a
 * base64 decode at init(), which is why the main entry reads the files instead.
 */
import type { BackendName } from "./backend.js";

async function embeddedBuild(backend: BackendName): Promise<Uint8Array<ArrayBuffer>> {
  // scripts/build.mjs loads .wasm imports with esbuild's binary loader: a Uint8Array of the file
  const mod =
    backend === "relaxed-simd" ? await import("./wasm/relaxed-simd.wasm") : backend === "simd" ? await import("./wasm/simd.wasm") : await import("./wasm/scalar.wasm");
  return mod.default;
}

// Symbol.for("simdnn.embeddedBuilds") is backend.ts' EMBEDDED_BUILDS, written out so this entry imports nothing
(globalThis as Record<symbol, unknown>)[Symbol.for("simdnn.embeddedBuilds")] = embeddedBuild;

/** True once this entry is imported: init() then takes the embedded builds. */
export const embedded = true;
