// The program each pool worker runs, shipped as source text rather than as a file: a Node worker takes it
// with `eval: true`, Deno, Bun and browsers as a module Worker from a blob: URL. No file to locate beside
// the bundle (the .wasm files already need that care), nothing for a bundler to rewrite, and the same text
// in every host. So `workerMain` must be self-contained: no imports, no reference to anything outside it
// (it runs as `(${workerMain})()`), written in syntax every supported host parses without transforms.
//
// Protocol (the control block layout is in pool.ts, SLOT_*): the first message brings the threads build
// (a compiled WebAssembly.Module, or its bytes where a host cannot post modules), the shared memory, the
// byte address of this worker's slot, the names of the module's function exports and the address of this
// worker's scratch block. The worker instantiates its own instance over that memory, points the instance's
// scratch at its block (mem_set_scratch), answers { ok } and from then on only reads its slot:
// it sleeps in Atomics.wait on SEQ; when the caller bumps SEQ it claims the job (CLAIM: SEQ → 0; the caller may
// have taken it back, then it waits again) and calls the kernel named by KERNEL with the
// ARGC float64 arguments, records OK or the error's text, stores SEQ into DONE and notifies. QUIT ends it.
//
// Why a second instance over one memory is safe with AssemblyScript's minimal runtime (checked on the
// compiled .wat): a build has no start function, its data segments are constants below __heap_base that
// every instantiation rewrites with the same bytes (the workers instantiate while the caller awaits them,
// before any kernel runs), and it has two mutable globals, both per instance: TLSF's ROOT, set by the first
// mem_alloc, and the scratch block's address (assembly/scratch.ts). Workers never call mem_alloc, mem_free
// or anything that allocates (kernels take pointers; JavaScript on the calling thread owns all allocation),
// so the heap has one owner. AssemblyScript keeps no shadow stack in linear memory under the minimal
// runtime: a kernel's locals live in WebAssembly locals, per thread. What two threads must not share is
// scratch memory, so each thread has its own: a GEMM workspace per thread passed with each call
// (gemm_parallel.ts), and for the row-wise kernels that keep scratch (the rows-in-lanes softmax/logSoftmax
// and cross-entropy, the cross-entropy's block sums, BCE-from-logits' exponentials) a scratch block per
// instance: the calling thread's is static memory, each worker's a block the calling thread allocated in
// setup.ts and this program hands to mem_set_scratch once, before its { ok }. (Before that, every instance
// used the static block, and a row split of softmax ran 3× slower than one thread at 65536×10: both threads
// wrote the same 32 KiB.) What runs on workers: gemm_gemm (gemm_parallel.ts), the pointwise activations
// (pointwise_parallel.ts), softmax/logSoftmax and their backward (rows_parallel.ts), the losses
// (loss_parallel.ts).

/** Runs inside the worker. @internal */
export function workerMain(): void {
  type Port = { postMessage(m: unknown): void };
  type Init = { module?: WebAssembly.Module; bytes?: BufferSource; memory: WebAssembly.Memory; slot: number; names: string[]; scratch: number };
  type NodePort = Port & { once(ev: string, f: (m: Init) => void): void };
  type NodeThreads = { parentPort: NodePort };
  const g = globalThis as unknown as {
    self?: Port & { onmessage: ((e: { data: Init }) => void) | null; close?: () => void };
    process?: { getBuiltinModule?: (id: string) => NodeThreads | undefined };
  };
  // Web Workers (Deno, Bun, browsers) have `self`. A Node eval worker is a CommonJS script (with `require`)
  // or, when the parent runs with --input-type=module, a module: getBuiltinModule (Node ≥ 20.16) serves both
  const web = typeof g.self === "object" && g.self !== null && typeof g.self.postMessage === "function";
  let port: Port = g.self!;
  const start = (init: Init): void => {
    let exports: Record<string, unknown>;
    try {
      const module = init.module ?? new WebAssembly.Module(init.bytes!);
      const env = { memory: init.memory, abort: () => { throw new Error("abort() in a kernel (a debug build's assert)"); } };
      exports = new WebAssembly.Instance(module, { env }).exports as Record<string, unknown>;
      (exports.mem_set_scratch as (ptr: number) => void)(init.scratch); // this worker's scratch block, not the static one
    } catch (e) {
      port.postMessage({ ok: false, error: String((e as Error)?.message ?? e) });
      return;
    }
    port.postMessage({ ok: true });
    const i32 = new Int32Array(init.memory.buffer);
    const f64 = new Float64Array(init.memory.buffer);
    const base = init.slot >> 2;
    // must match pool.ts: SEQ 0, DONE 1, STATUS 2, KERNEL 3, ARGC 4, QUIT 5, CLAIM 6, SPINNING 7, args (f64) at byte 32, message at byte 160
    const SEQ = base, DONE = base + 1, STATUS = base + 2, KERNEL = base + 3, ARGC = base + 4, QUIT = base + 5, CLAIM = base + 6, SPINNING = base + 7;
    const ARGS = (init.slot + 32) >> 3, MESSAGE = init.slot + 160, MESSAGE_BYTES = 352;
    const fns = init.names.map((n) => exports[n] as (...a: number[]) => unknown);
    const args: number[] = [];
    // SEQ starts at 0 (setup.ts zeroes the slots before the workers start). Not Atomics.load(SEQ): the caller
    // may have posted the first job between our { ok } and this line, and we would wait for it forever
    let seen = 0;
    for (;;) {
      // spin a moment before sleeping: a predict or a fit step posts its next product within microseconds,
      // and waking from Atomics.wait costs tens of µs here (pool.ts' SPIN_MS, inlined: this runs as text)
      // SPINNING tells the caller a hand-off is cheap now (pool.ts' threadsFor); a notify without a new SEQ
      // (the caller waking the pool for the calls to come) just starts another spin
      Atomics.store(i32, SPINNING, 1);
      const until = performance.now() + 0.2;
      for (let n = 0; Atomics.load(i32, SEQ) === seen && (n & 63 || performance.now() < until); n++);
      Atomics.store(i32, SPINNING, 0);
      Atomics.wait(i32, SEQ, seen);
      if (Atomics.load(i32, QUIT) !== 0) break;
      const seq = Atomics.load(i32, SEQ);
      if (seq === seen) continue;
      seen = seq;
      // claim the share (CLAIM seq → 0); a caller that finished its own share first may have taken it back
      if (Atomics.compareExchange(i32, CLAIM, seq, 0) !== seq) continue;
      args.length = Atomics.load(i32, ARGC);
      for (let i = 0; i < args.length; i++) args[i] = f64[ARGS + i];
      try {
        fns[Atomics.load(i32, KERNEL)](...args);
        Atomics.store(i32, STATUS, 0);
      } catch (e) {
        // the text goes into the slot (UTF-16 code units, 0-terminated) for the caller to throw synchronously
        const text = `${(e as Error)?.name ?? "Error"}: ${(e as Error)?.message ?? String(e)}`;
        const u16 = new Uint16Array(init.memory.buffer, MESSAGE, MESSAGE_BYTES >> 1);
        const n = Math.min(text.length, u16.length - 1);
        for (let i = 0; i < n; i++) u16[i] = text.charCodeAt(i);
        u16[n] = 0;
        Atomics.store(i32, STATUS, 1);
      }
      Atomics.store(i32, DONE, seq);
      Atomics.notify(i32, DONE);
    }
    if (web) g.self!.close?.();
  };
  if (web) {
    g.self!.onmessage = (e) => start(e.data);
    return;
  }
  const listen = (threads: NodeThreads) => {
    port = threads.parentPort;
    threads.parentPort.once("message", start);
  };
  const builtin = g.process?.getBuiltinModule?.("node:worker_threads");
  if (builtin) listen(builtin);
  else if (typeof require === "function") listen(require("node:worker_threads") as NodeThreads);
  else void import("node:worker_threads").then((m) => listen(m as unknown as NodeThreads));
}

/** The worker's program as text. @internal */
export const WORKER_SOURCE = `(${workerMain.toString()})();\n`;
