import { BackendError, show } from "./errors.js";

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

function decodeBase64(text: string): Uint8Array {
  const u8 = Uint8Array as unknown as { fromBase64?: (s: string) => Uint8Array };
  if (typeof u8.fromBase64 === "function") return u8.fromBase64(text);
  const B = (globalThis as { Buffer?: { from(s: string, enc: string): Uint8Array } }).Buffer;
  if (B) return B.from(text, "base64");
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/**
 * The published `.wasm` file next to the bundle (dist/wasm/), where the host lends a file system
 * without an import (`process.getBuiltinModule`: Node ≥ 20.16, Bun): reading 220 KB takes
 * ~0.1 ms, where importing the base64 module takes 3–4 ms (the module loader's resolution plus parsing
 * a 300 KB string). Anywhere else, or when a bundler moved the code away from the file, null.
 */
function besideBundle(backend: BackendName): Uint8Array | null {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  // Deno would ask the user for read permission (or refuse), so it takes the embedded copy.
  if (typeof proc?.getBuiltinModule !== "function" || "Deno" in globalThis) return null;
  try {
    const fs = proc.getBuiltinModule("fs") as { readFileSync(path: URL): Uint8Array; existsSync(path: URL): boolean };
    // this module sits in dist/ or, bundled with the other entries' shared code, in dist/chunks/
    for (const at of [`./wasm/${backend}.wasm`, `../wasm/${backend}.wasm`]) {
      const url = new URL(at, import.meta.url);
      if (fs.existsSync(url)) return fs.readFileSync(url);
    }
  } catch {
    // unreadable: the embedded copy serves
  }
  return null;
}

/**
 * The bytes of one build: the file beside the bundle when the host can read it, else the copy
 * embedded in the package. Each embedded build is its own module so only the chosen one is parsed.
 * (Both come from the same build; init() checks the build id of whatever it instantiates.)
 */
export async function wasmBytes(backend: BackendName): Promise<Uint8Array> {
  const file = besideBundle(backend);
  if (file) return file;
  const mod =
    backend === "relaxed-simd"
      ? await import("./generated/relaxed-simd.js")
      : backend === "simd"
        ? await import("./generated/simd.js")
        : await import("./generated/scalar.js");
  return decodeBase64(mod.default);
}
