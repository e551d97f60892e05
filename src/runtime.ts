import { BACKENDS, type BackendName, chooseBackend, wasmBytes } from "./backend.js";
import { BackendError, checkOptions, SimdnnError, show } from "./errors.js";
import { KERNEL_ARITY, type Kernels } from "./generated/kernels.js";
import type { Pool } from "./threads/pool.js";
import { checkThreads, type ThreadsOption } from "./threads/options.js";
import { threadsSetup } from "./threads/registry.js";

const NO_THREADS_CODE = 'this bundle does not carry the threads code: add `import "simdnn/threads";` to it';

export type { Kernels };
/** The name of every function a simdnn build exports. */
export type KernelName = Exclude<keyof Kernels, "memory">;

/**
 * The exports of one family (names starting with `Prefix`) that a registry calls by name through one
 * signature: each takes the `Required` parameters, then at most the `Optional` ones, and returns `R`.
 * A registry's kernel column typed with it makes a misspelt or mismatched name a compile error while
 * the call site still dispatches by name, passing every optional argument (WASM ignores extras).
 */
export type KernelFamily<Prefix extends string, Required extends readonly number[], Optional extends readonly number[], R> = {
  [K in KernelName]: K extends `${Prefix}${string}`
    ? Parameters<Kernels[K]> extends [...Required, ...number[]]
      ? [...Required, ...Optional] extends [...Parameters<Kernels[K]>, ...number[]]
        ? ReturnType<Kernels[K]> extends R
          ? K
          : never
        : never
      : never
    : never;
}[KernelName];

/** TLSF's largest block (1 GiB less its header): bigger requests fail before reaching WASM. */
const MAX_BLOCK = 2 ** 30 - 64;

/** Bytes of one allocation: whole 16-byte granules, never zero, so every tensor has its own address. */
const granule = (floats: number) => Math.max(16, Math.ceil(floats / 4) * 16);

/**
 * One instance of a WASM build and its linear memory (`nn.rt`). Several may live side by side (a scalar
 * and a SIMD one). Owns the accounting behind `nn.memory()` and the float view that follows memory.grow.
 * Public because the pointer-level functions (`gemmRaw`, `lossRaw`, `denseForwardRaw`…) take it; they
 * validate nothing, so most code never needs it.
 */
export class Runtime {
  /** Bytes held by live allocations (what `nn.memory().bytesInUse` reports). */
  bytesInUse = 0;
  /** Live allocations. */
  blocks = 0;
  /** Open nn.tidy scopes, innermost last; each collects the disposables created inside it. */
  readonly scopes: { dispose(): void }[][] = [];
  /** The worker pool of a threaded instance (init({ threads })), else null. See src/threads/. */
  pool: Pool | null = null;
  /** Why this instance runs fewer threads than init was asked for (undefined when it runs them all). */
  threadsReason: string | undefined;
  private buffer: ArrayBuffer;
  private view: Float32Array;

  /** Wraps an instantiated build; use `init()`, which checks the module first. */
  constructor(
    readonly backend: BackendName,
    readonly k: Kernels,
  ) {
    this.buffer = k.memory.buffer;
    this.view = new Float32Array(this.buffer);
  }

  /** The whole memory as floats, rebuilt when memory.grow replaced the buffer. */
  get f32(): Float32Array {
    const buffer = this.k.memory.buffer;
    if (buffer !== this.buffer) {
      this.buffer = buffer;
      this.view = new Float32Array(buffer);
    }
    return this.view;
  }

  /** True while `view` still looks at the current memory (memory.grow detaches the old buffer). */
  isCurrent(view: Float32Array): boolean {
    return view.buffer === this.k.memory.buffer;
  }

  /** Room for `floats` floats, 16-byte aligned. Throws SimdnnError when memory cannot grow. */
  alloc(floats: number): number {
    const bytes = granule(floats);
    if (!(bytes <= MAX_BLOCK)) {
      throw new SimdnnError(`Out of memory: could not allocate ${bytes} bytes; one block of WASM32 memory holds at most ${MAX_BLOCK} bytes.`);
    }
    let ptr: number;
    try {
      ptr = this.k.mem_alloc(bytes);
    } catch (cause) {
      throw new SimdnnError(`Out of memory: could not allocate ${bytes} bytes (${this.bytesInUse} in use).`, { cause });
    }
    this.bytesInUse += bytes;
    this.blocks++;
    return ptr;
  }

  /** Frees what alloc(floats) returned (the same `floats`: it keeps nn.memory()'s accounting exact). */
  free(ptr: number, floats: number): void {
    this.k.mem_free(ptr);
    this.bytesInUse -= granule(floats);
    this.blocks--;
  }
}

/** Options of {@link init}. */
export interface InitOptions {
  /** Which build to run. 'auto' (default) picks the best this host validates: relaxed-simd, then simd, then scalar. */
  backend?: BackendName | "auto";
  /**
   * A precompiled module or the bytes of one of simdnn's builds (`simdnn/wasm/simd.wasm`…), for hosts
   * that forbid compiling WASM from embedded bytes (Cloudflare Workers) or to share one compilation.
   */
  module?: WebAssembly.Module | BufferSource;
  /**
   * Threads to share large passes among (GEMM and dense layers, pointwise activations, softmax, losses): a
   * number ≥ 1, or 'auto' for the cores the
   * host reports (at most 8). Default 1. More than 1 loads the threads build (shared memory) and starts
   * workers; where the host has no shared memory or workers it runs on one thread and `nn.threadsReason`
   * says why (never an error). `nn.threads` says how many run; `nn.dispose()` ends the workers.
   */
  threads?: ThreadsOption;
}

/** Every key of InitOptions, for checkOptions (a misspelt `backnd` must not silently mean 'auto'). */
const INIT_KEYS = ["backend", "module", "threads"] as const satisfies readonly (keyof InitOptions)[];

const MODULE_HINT =
  "Hosts that forbid compiling WASM at run time (Cloudflare Workers) need the precompiled module: " +
  "import simd from 'simdnn/wasm/simd.wasm' and call init({ module: simd }). Where the .wasm files cannot be " +
  "read or fetched (a bundle moved away from dist/wasm/, Deno without --allow-read), pass init({ module }) " +
  "the bytes, or import 'simdnn/embedded' first to use the builds embedded in JavaScript.";

/** Each build is compiled once per process: a second init() only instantiates (own memory). */
const compiled = new Map<BackendName, Promise<WebAssembly.Module>>();

/** Instantiates a build and returns its Runtime. @internal */
export async function createRuntime(options: InitOptions = {}): Promise<Runtime> {
  checkOptions<InitOptions>("init", options, INIT_KEYS);
  const requested = options.backend ?? "auto";
  const threads = checkThreads(options.threads);
  // the threads build is loaded only when asked for (or handed in as init({ module })): simdnn/threads
  // (src/threads/registry.ts); it answers a Runtime, or why it could not and this instance runs on one thread
  let given = options.module;
  if (given !== undefined && !(given instanceof WebAssembly.Module) && (ArrayBuffer.isView(given) || given instanceof ArrayBuffer)) {
    try {
      given = await WebAssembly.compile(given);
    } catch (cause) {
      throw new BackendError(`Could not instantiate the simdnn WASM module: ${(cause as Error).message}. ${MODULE_HINT}`, { cause });
    }
  }
  const moduleImportsMemory = given instanceof WebAssembly.Module && WebAssembly.Module.imports(given).some((i) => i.kind === "memory");
  let threadsReason: string | undefined = threads.reason;
  if (threads.count > 1 || moduleImportsMemory) {
    const setup = await threadsSetup();
    const backend = given === undefined ? chooseBackend(requested) : undefined;
    const module = given instanceof WebAssembly.Module ? given : undefined;
    const started = setup ? await setup.threadedRuntime({ requested, backend, module, threads: threads.count }) : NO_THREADS_CODE;
    if (typeof started !== "string") {
      started.threadsReason ??= threadsReason;
      return started;
    }
    threadsReason = started;
  }
  let source: WebAssembly.Module | BufferSource;
  if (given !== undefined) {
    const m: unknown = given;
    if (!(m instanceof WebAssembly.Module) && !ArrayBuffer.isView(m) && !(m instanceof ArrayBuffer)) {
      throw new BackendError(`init({ module }) expects a WebAssembly.Module or the bytes of a simdnn .wasm; received ${show(m)}.`);
    }
    source = m as WebAssembly.Module | BufferSource;
  } else {
    const backend = chooseBackend(requested);
    try {
      let module = compiled.get(backend);
      if (!module) {
        module = wasmBytes(backend).then((bytes) => WebAssembly.compile(bytes));
        compiled.set(backend, module);
        module.catch(() => compiled.delete(backend));
      }
      source = await module;
    } catch (cause) {
      throw new BackendError(`Could not load the '${backend}' build (${(cause as Error).message}). ${MODULE_HINT}`, { cause });
    }
  }
  const rt = await instantiateBuild(source, requested);
  rt.threadsReason = threadsReason;
  return rt;
}

/**
 * Instantiates a build (over `memory` when it is a threads build, which imports its memory), checks its
 * exports and wraps it in a Runtime. @internal
 */
export async function instantiateBuild(source: WebAssembly.Module | BufferSource, requested: BackendName | "auto", memory?: WebAssembly.Memory): Promise<Runtime> {
  let exports: Kernels;
  try {
    const module = source instanceof WebAssembly.Module ? source : await WebAssembly.compile(source);
    // abort() is the only other import a build has (no loader: its glue is 11 KB of JavaScript to parse at import)
    const env = { abort: (msg: number, file: number, line: number, column: number) => abort(memory, msg, file, line, column), ...(memory && { memory }) };
    // Node instantiates synchronously (no main-thread size limit there; the async form costs a task hop at
    // every cold start); browsers limit synchronous instantiation of large modules, so they take the async one
    const node = typeof process === "object" && !!process.versions?.node && !("Deno" in globalThis) && !("Bun" in globalThis);
    const instance = node ? new WebAssembly.Instance(module, { env }) : await WebAssembly.instantiate(module, { env });
    exports = instance.exports as unknown as Kernels;
    memory = exports.memory;
  } catch (cause) {
    throw new BackendError(`Could not instantiate the simdnn WASM module: ${(cause as Error).message}. ${MODULE_HINT}`, { cause });
  }
  if (typeof exports.mem_build_id !== "function") {
    throw new BackendError("The module given to init({ module }) is not a simdnn build (it has no mem_build_id export).");
  }
  checkExports(exports);
  const backend = BACKENDS[2 - exports.mem_build_id()];
  if (requested !== "auto" && requested !== backend) {
    throw new BackendError(`init was asked for backend '${requested}' but the module given is the '${backend}' build.`);
  }
  return new Runtime(backend, exports);
}

/**
 * Throws BackendError unless the instance exports every kernel of the Kernels interface with its
 * parameter count: a module from another simdnn version would otherwise fail later, inside some call,
 * with a TypeError (missing export) or wrong results (arguments shifted). ~100 property reads, once.
 */
function checkExports(exports: Kernels): void {
  const found = exports as unknown as Record<string, unknown>;
  const wrong: string[] = [];
  for (const [name, arity] of Object.entries(KERNEL_ARITY)) {
    const f = found[name];
    if (typeof f !== "function") wrong.push(`${name} missing`);
    else if (f.length !== arity) wrong.push(`${name} takes ${f.length} arguments, not ${arity}`);
  }
  if (!(found.memory instanceof WebAssembly.Memory)) wrong.push("memory missing");
  if (wrong.length > 0) {
    const list = wrong.length > 6 ? `${wrong.slice(0, 6).join("; ")}; and ${wrong.length - 6} more` : wrong.join("; ");
    throw new BackendError(`The module given to init({ module }) is a simdnn build of another version: ${list}. Use the .wasm files of the simdnn package you import.`);
  }
}

/**
 * The `env.abort` import: a kernel's failed assert (debug builds only) as an Error naming the message
 * and source position. AssemblyScript strings are UTF-16 with their byte length in the word before.
 */
function abort(memory: WebAssembly.Memory | undefined, msg: number, file: number, line: number, column: number): never {
  const text = (ptr: number): string => {
    if (!memory || ptr === 0) return "?";
    const bytes = new Uint32Array(memory.buffer, ptr - 4, 1)[0];
    return String.fromCharCode(...new Uint16Array(memory.buffer, ptr, Math.min(bytes >>> 1, 1024)));
  };
  throw new Error(`abort: ${text(msg)} at ${text(file)}:${line}:${column}`);
}
