// init({ threads: n }): loads the threads build, creates its shared memory, instantiates it on the calling
// thread and starts n − 1 workers over the same memory (worker_source.ts). Imported lazily by runtime.ts,
// only when threads are asked for. Whatever the host lacks (SharedArrayBuffer, cross-origin isolation,
// Workers, the threads .wasm) lowers the count to 1 with a reason: never an error at run time.
import { type BackendName, wasmBytes } from "../backend.js";
import { instantiateBuild, type Runtime } from "../runtime.js";
import { MIN_MACS_PER_THREAD } from "./gemm_parallel.js";
import { Pool, SLOT_BYTES, type WorkerHandle } from "./pool.js";
import { WORKER_SOURCE } from "./worker_source.js";

/**
 * Maximum pages of the shared memory: 32768 = 2 GiB. Shared memory must declare its maximum up front, and
 * it must equal asconfig.json's maximumMemory of the threads targets (an imported memory may not exceed the
 * maximum the module declares). 2 GiB holds the largest single block the allocator gives (1 GiB, runtime.ts'
 * MAX_BLOCK) twice over, and is what 64-bit hosts reserve as address space anyway (no physical memory until
 * used); 4 GiB would fail to reserve on some 32-bit and mobile browsers, where creating the memory throws
 * and the instance falls back to one thread.
 */
export const MAX_PAGES = 32768;
/** First size of the shared memory: the builds' static data fits in one page; the allocator grows it. */
const INITIAL_PAGES = 1;
/** A worker that has not instantiated within this is given up on (one thread, with the reason). */
const START_TIMEOUT_MS = 20_000;

const compiled = new Map<BackendName, Promise<WebAssembly.Module>>();

/** Why this host cannot share memory with workers, or undefined when it can. */
export function sharedMemoryUnavailable(): string | undefined {
  if (typeof SharedArrayBuffer !== "function") {
    return "this host has no SharedArrayBuffer (a page needs cross-origin isolation: COOP same-origin and COEP require-corp)";
  }
  if ((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === false) {
    return "the page is not cross-origin isolated (serve it with COOP same-origin and COEP require-corp), so it cannot share memory with workers";
  }
  return undefined;
}

type Spawn = (() => Promise<{ worker: WorkerHandle; send(message: unknown): void; reply(): Promise<{ ok: boolean; error?: string }> }>) & { done?: () => void };

/** How this host starts a worker running WORKER_SOURCE, or why it cannot. */
async function workerFactory(): Promise<Spawn | string> {
  const g = globalThis as { process?: { versions?: { node?: string }; getBuiltinModule?: (id: string) => unknown }; Worker?: unknown; Deno?: unknown; Bun?: unknown };
  // Node and Deno: node:worker_threads, whose workers can be unref'd (Deno's Web Workers cannot, and would keep
  // a script that never calls nn.dispose() alive); Bun and browsers: module Web Workers from a blob: URL
  if ((g.process?.versions?.node || g.Deno) && !g.Bun) {
    type NodeWorker = WorkerHandle & { unref(): void; postMessage(m: unknown): void; once(ev: string, f: (v: unknown) => void): void };
    const wt = (g.process?.getBuiltinModule?.("worker_threads") ?? (await import("node:worker_threads"))) as { Worker: new (src: string, o: object) => NodeWorker };
    return async () => {
      const worker = new wt.Worker(WORKER_SOURCE, { eval: true });
      // unref'd: a script that never calls nn.dispose() still exits when its own work is done
      worker.unref();
      const reply = new Promise<{ ok: boolean; error?: string }>((resolve) => {
        worker.once("message", (m) => resolve(m as { ok: boolean; error?: string }));
        worker.once("error", (e) => resolve({ ok: false, error: (e as Error).message }));
        worker.once("exit", (code) => resolve({ ok: false, error: `the worker exited (code ${String(code)})` }));
      });
      return { worker, send: (m) => worker.postMessage(m), reply: () => reply };
    };
  }
  if (typeof g.Worker !== "function") return "this host has no Workers";
  type WebWorker = WorkerHandle & { postMessage(m: unknown): void; unref?: () => void; onmessage: ((e: { data: unknown }) => void) | null; onerror: ((e: { message?: string }) => void) | null };
  const WorkerClass = g.Worker as new (url: string, o: object) => WebWorker;
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: "text/javascript" }));
  const spawn: Spawn = async () => {
    const worker = new WorkerClass(url, { type: "module", name: "simdnn" });
    worker.unref?.(); // Bun has it: the process need not wait for the pool
    const reply = new Promise<{ ok: boolean; error?: string }>((resolve) => {
      worker.onmessage = (e) => resolve(e.data as { ok: boolean; error?: string });
      worker.onerror = (e) => resolve({ ok: false, error: e.message ?? "the worker failed to start" });
    });
    return { worker, send: (m) => worker.postMessage(m), reply: () => reply };
  };
  spawn.done = () => URL.revokeObjectURL(url);
  return spawn;
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function mayBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

/** A worker's first reply, or a failure after `ms` (the timer is cleared either way: it must not keep Node alive). */
async function replyWithin<T>(reply: Promise<T>, ms: number): Promise<T | { ok: false; error: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ ok: false; error: string }>((r) => (timer = setTimeout(() => r({ ok: false, error: `no answer within ${ms} ms` }), ms)));
  try {
    return await Promise.race([reply, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A Runtime over the threads build with `threads` threads, or the reason (a string) why it could not be
 * made at all. A Runtime is returned whenever the build instantiated: if its workers did not start it
 * runs on one thread and says why in threadsReason.
 */
export async function threadedRuntime(o: { requested: BackendName | "auto"; backend?: BackendName; module?: WebAssembly.Module; threads: number }): Promise<Runtime | string> {
  const unavailable = sharedMemoryUnavailable();
  if (unavailable) return unavailable;
  const spawn = o.threads > 1 ? await workerFactory() : undefined;
  if (typeof spawn === "string") return spawn;
  let module = o.module;
  if (module && !WebAssembly.Module.imports(module).some((i) => i.kind === "memory")) {
    return "the module given to init({ module }) is not a threads build (pass simdnn/wasm/<build>-threads.wasm for threads)";
  }
  if (!module) {
    const backend = o.backend!;
    try {
      let pending = compiled.get(backend);
      if (!pending) {
        pending = wasmBytes(backend, true).then((bytes) => WebAssembly.compile(bytes));
        compiled.set(backend, pending);
        pending.catch(() => compiled.delete(backend));
      }
      module = await pending;
    } catch (e) {
      return `the '${backend}' threads build could not be loaded (${(e as Error).message})`;
    }
  }
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared: true } as WebAssembly.MemoryDescriptor);
  } catch (e) {
    return `the host could not reserve a shared memory of ${MAX_PAGES / 16384} GiB (${(e as Error).message})`;
  }
  const rt = await instantiateBuild(module, o.requested, memory);
  if (!spawn) return rt;
  const workers = o.threads - 1;
  const control = rt.alloc((workers * SLOT_BYTES) / 4);
  rt.k.mem_fill(control, 0, (workers * SLOT_BYTES) / 4);
  // each worker's own scratch block for the row-wise kernels (assembly/scratch.ts; the calling thread keeps the
  // static one), 64 bytes apart so that no cache line is written by two threads
  const scratchStride = rt.k.mem_scratch_floats() + 16;
  const scratch = { ptr: rt.alloc(workers * scratchStride), floats: workers * scratchStride };
  const names = WebAssembly.Module.exports(module).filter((e) => e.kind === "function").map((e) => e.name);
  const started: Awaited<ReturnType<Spawn>>[] = [];
  let failure: string | undefined;
  try {
    for (let w = 0; w < workers; w++) started.push(await spawn());
    started.forEach((s, w) => s.send({ module, memory, slot: control + w * SLOT_BYTES, names, scratch: scratch.ptr + 4 * w * scratchStride }));
    const replies = await Promise.all(started.map((s) => replyWithin(s.reply(), START_TIMEOUT_MS)));
    const bad = replies.findIndex((r) => !r.ok);
    if (bad >= 0) failure = `worker ${bad + 1} did not start (${replies[bad].error})`;
  } catch (e) {
    failure = `workers could not be started (${(e as Error).message})`;
  }
  spawn.done?.();
  const pool = new Pool(rt, control, started.map((s) => s.worker), names, mayBlock(), MIN_MACS_PER_THREAD, scratch);
  if (failure) {
    pool.stop(failure);
    rt.threadsReason = failure;
    return rt;
  }
  rt.pool = pool;
  return rt;
}
