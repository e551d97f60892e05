import { BackendError, show } from "./errors.js";
import { wasmUrl } from "./wasm_files.js";

/** The three builds of the same kernels. */
export type BackendName = "scalar" | "simd" | "relaxed-simd";
/** Best first: what `backend: 'auto'` tries. */
export const BACKENDS: readonly BackendName[] = ["relaxed-simd", "simd", "scalar"];

// Tiny modules that use one instruction of each feature; validate() answers without compiling much.
// simd: (func (result v128) v128.const 0). relaxed: three v128.const then f32x4.relaxed_madd (0xfd 0x85 0x02).
const HEAD = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0];
const V128_ZERO = [0xfd, 12, ...new Array<number>(16).fill(0)];
const SIMD_PROBE = new Uint8Array([...HEAD, 10, 22, 1, 20, 0, ...V128_ZERO, 11]);
const RELAXED_PROBE = new Uint8Array([...HEAD, 10, 61, 1, 59, 0, ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02, 11]);

/** Whether this host can run a build, and if not, why. */
export function backendSupport(backend: BackendName): { ok: true } | { ok: false; reason: string } {
  if (typeof WebAssembly !== "object") return { ok: false, reason: "this runtime has no WebAssembly" };
  if (backend === "scalar") return { ok: true };
  if (!WebAssembly.validate(SIMD_PROBE)) {
    return { ok: false, reason: "this runtime does not support WebAssembly SIMD (128-bit); use backend 'scalar'" };
  }
  if (backend === "relaxed-simd" && !WebAssembly.validate(RELAXED_PROBE)) {
    return {
      ok: false,
      reason:
        "this runtime does not support WebAssembly relaxed SIMD (Node 20 needs --experimental-wasm-relaxed-simd; " +
        "Node ≥ 22, Deno, Bun, Chrome ≥ 114 and workerd have it); use backend 'simd'",
    };
  }
  return { ok: true };
}

/** Picks the build: the best supported for 'auto', else the one asked for if this host runs it. */
export function chooseBackend(requested: BackendName | "auto"): BackendName {
  if (requested === "auto") return BACKENDS.find((b) => backendSupport(b).ok) ?? "scalar";
  if (!BACKENDS.includes(requested)) {
    throw new BackendError(`Unknown backend ${show(requested)}; expected one of: auto, ${BACKENDS.join(", ")}.`);
  }
  const support = backendSupport(requested);
  if (!support.ok) throw new BackendError(`Backend '${requested}' is not available: ${support.reason}.`);
  return requested;
}

/** Where init() finds a build's bytes when no module is given (simdnn/embedded replaces the default). */
export type WasmSource = (backend: BackendName) => Promise<BufferSource>;

/**
 * Where simdnn/embedded leaves its source: a global symbol rather than an import of this module, so the
 * embedded entry shares no code with the main one (one chunk fewer on the main entry's import path). @internal
 */
export const EMBEDDED_BUILDS = Symbol.for("simdnn.embeddedBuilds");

type HostProcess = { getBuiltinModule?: (id: string) => unknown; versions?: { node?: string } };

/**
 * The bytes of one build: the embedded copy when simdnn/embedded was imported, else the published .wasm
 * file. Node and Bun read it synchronously through `process.getBuiltinModule('fs')` (Node ≥ 20.16: no
 * module import, ~0.1 ms); older Node imports node:fs; Deno (file: URLs, needs --allow-read) and browsers
 * (http: relative to the module, or the URL a bundler rewrote) fetch it. Throws with the reason when none
 * of these works (workerd: the caller's message says to pass init({ module })). `threads`: the build's
 * shared-memory variant.
 */
export async function wasmBytes(backend: BackendName, threads = false): Promise<BufferSource> {
  // simdnn/embedded, when imported, makes init() take the builds embedded in JavaScript instead of the files
  const embedded = (globalThis as { [EMBEDDED_BUILDS]?: WasmSource })[EMBEDDED_BUILDS];
  if (embedded && threads) throw new Error("simdnn/embedded carries no threads build (the .wasm files do)");
  if (embedded) return embedded(backend);
  // threads: the shared-memory variant (init({ threads }), src/threads/), from its own lazily imported entry
  const url = threads ? (await import("./threads/wasm_files.js")).threadsWasmUrl(backend) : wasmUrl(backend);
  const proc = (globalThis as { process?: HostProcess }).process;
  if (url.protocol === "file:" && !("Deno" in globalThis) && typeof proc === "object") {
    if (typeof proc.getBuiltinModule === "function") {
      const fs = proc.getBuiltinModule("fs") as { readFileSync(path: URL): Uint8Array<ArrayBuffer> };
      return fs.readFileSync(url);
    }
    if (proc.versions?.node) return new Uint8Array(await (await import("node:fs/promises")).readFile(url));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`fetching ${url.href} answered ${response.status} ${response.statusText}`);
  return response.arrayBuffer();
}
