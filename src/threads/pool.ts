// The worker pool of a threaded instance: n − 1 workers beside the calling thread, each with its own
// instance of the threads build over the one shared memory, driven through a control block in that memory.
//
// Synchronization: one slot of SLOT_BYTES per worker (allocated by the calling thread's allocator, so it
// never moves; shared buffers are never detached by memory.grow, so views made once stay valid). The caller
// writes the kernel's index and arguments into a worker's slot, bumps SEQ and notifies; the worker runs the
// kernel, stores SEQ into DONE and notifies back. The caller runs its own share meanwhile, then waits for
// each DONE. A share is claimed by swapping CLAIM from its SEQ to 0, by the worker when it starts or by the
// caller when it finds the share unstarted after its own: a worker asleep in Atomics.wait takes ~40 µs to
// wake, so a short call (a batch-1 layer) never waits for that; the share is the same kernel call either way.
// Where the calling thread may block (Node, Deno and Bun main threads, every worker) it sleeps in
// Atomics.wait; a browser's main thread may not, so there it spins on Atomics.load: the wait is only for shares
// the size of the one it just ran itself, so the spin lasts about as long as the imbalance between shares. Either wait is bounded (STALL_*): a worker that never answers (killed, out of memory) makes the
// call throw a ThreadError and the pool stop, rather than hang the caller forever.
import { ThreadError } from "../errors.js";
import { MIN_LOSS_ELEMENTS_PER_THREAD } from "./loss_parallel.js";
import { MIN_ELEMENTS_PER_THREAD } from "./pointwise_parallel.js";
import { MIN_ROW_ELEMENTS_PER_THREAD } from "./rows_parallel.js";
import type { Runtime } from "../runtime.js";

export { ThreadError };

/** Bytes of one worker's slot. Layout (byte offsets) must match worker_source.ts. */
export const SLOT_BYTES = 512;
const SEQ = 0, DONE = 1, STATUS = 2, KERNEL = 3, ARGC = 4, QUIT = 5, CLAIM = 6, SPINNING = 7;
const ARGS_BYTE = 32, MAX_ARGS = 16, MESSAGE_BYTE = 160, MESSAGE_BYTES = 352;

/** How long a caller (and a worker, worker_source.ts) spins on its flag before it sleeps in Atomics.wait. */
export const SPIN_MS = 0.2;
/**
 * How much more work a share needs when a worker sleeps (see Pool.threadsFor), per kind of call: enough that
 * a share takes ≳ 40 µs, against a wake-up that costs the caller ~19 µs and the worker ~40 µs here (2026-12-07,
 * bench/RESULTS.md). GEMM 2^20 multiply-adds a thread (~40 µs; a batch-1 784→512 layer, 2 × 200k, so stays on
 * the calling thread of a server between requests); pointwise activations 2^19 elements (relu ~50 µs);
 * softmax rows 2^15 elements (~50 µs); losses 2^16 elements (MSE ~23 µs, the cross-entropies ~70 µs: a 256×784
 * softmax cross-entropy splits).
 */
export const ASLEEP_FACTOR = { gemm: 16, pointwise: 16, rows: 8, loss: 2 } as const;
/** A waiting caller gives up on a worker after STALL_MS and STALL_FACTOR × the time its own share took. */
const STALL_MS = 10_000;
const STALL_FACTOR = 100;

/** One call of a kernel on a worker: the export's name and its arguments (numbers, ≤ 16). */
export interface Job {
  readonly kernel: string;
  readonly args: readonly number[];
}

/** What a host's worker looks like to the pool (Node's worker_threads.Worker and the Web Worker both fit). */
export interface WorkerHandle {
  terminate(): unknown;
}

/**
 * The running pool. Created by setup.ts once every worker has instantiated; owned by the Runtime
 * (`rt.pool`). `run` is synchronous: it returns when every share is done.
 */
export class Pool {
  #i32: Int32Array;
  #f64: Float64Array;
  #index: Map<string, number>;
  #stopped = false;
  /** Calls that ran on the workers (tests check that a case really was split). */
  runs = 0;
  /** Worker shares the calling thread ran itself because their worker had not started them (see run). */
  takenBack = 0;
  /**
   * Whether the calling thread, done with its own share, runs a share its worker has not yet claimed (a worker
   * asleep in Atomics.wait takes ~40 µs to wake here, longer than a batch-1 layer takes whole). Tests turn it
   * off to make sure the workers run their shares.
   */
  takeBack = true;
  /** Whether sleeping workers raise the thresholds (ASLEEP_FACTOR); tests turn it off to split whatever the workers do. */
  sleepAware = true;
  /**
   * Work per thread below which a GEMM stays on the calling thread: gemm_parallel.ts' MIN_MACS_PER_THREAD,
   * per pool so that tests can set 0 and split products of every size.
   */
  minMacsPerThread: number;
  /** Elements per thread below which a pointwise pass stays here (pointwise_parallel.ts; tests may set it). */
  minElementsPerThread = MIN_ELEMENTS_PER_THREAD;
  /** Elements per thread below which softmax / logSoftmax stay here (rows_parallel.ts; tests may set it). */
  minRowElementsPerThread = MIN_ROW_ELEMENTS_PER_THREAD;
  /** Elements per thread below which a loss pass stays here (loss_parallel.ts; tests may set it). */
  minLossElementsPerThread = MIN_LOSS_ELEMENTS_PER_THREAD;
  /** Why the pool stopped (dispose, or a stalled worker), for nn.threadsReason. */
  stopReason: string | undefined;
  /** Per-thread scratch buffers (GEMM workspaces), by key: index 0 is the calling thread's. */
  readonly #scratch = new Map<string, number[]>();
  /** Everything the pool allocated (control block, the workers' scratch blocks, scratch), freed when it stops. */
  readonly #owned: { ptr: number; floats: number }[] = [];
  /** The loss split's per-row values (loss_parallel.ts): one buffer, grown to the largest batch, then reused. */
  #reduction = { ptr: 0, floats: 0 };

  /** @internal */
  constructor(
    readonly rt: Runtime,
    /** Byte address of the first slot (workers × SLOT_BYTES, allocated with rt.alloc). */
    readonly control: number,
    readonly workers: readonly WorkerHandle[],
    names: readonly string[],
    /** Whether the calling thread may Atomics.wait (false on a browser's main thread). */
    readonly canBlock: boolean,
    minMacsPerThread: number,
    /** The workers' scratch blocks (one allocation, setup.ts), freed with the pool. */
    scratch: { ptr: number; floats: number },
  ) {
    this.minMacsPerThread = minMacsPerThread;
    const buffer = rt.k.memory.buffer;
    this.#i32 = new Int32Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#index = new Map(names.map((n, i) => [n, i]));
    this.#owned.push({ ptr: control, floats: (workers.length * SLOT_BYTES) / 4 }, scratch);
  }

  /** Threads that share the work: the workers and the calling thread. 1 once stopped. */
  get threads(): number {
    return this.#stopped ? 1 : this.workers.length + 1;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * How many threads should share `work` (≤ limit): each needs `minPerThread` while the workers spin (their
   * SPINNING flags are up: a hand-off costs ~2 µs), ASLEEP_FACTOR[kind] × that while one sleeps. A smaller call never
   * wakes them: Atomics.notify of a sleeping worker costs the caller ~19 µs on this VM, and the worker ~40 µs to
   * start, more than a batch-1 layer takes whole.
   */
  threadsFor(kind: keyof typeof ASLEEP_FACTOR, work: number, minPerThread: number, limit = Infinity): number {
    const awake = Math.min(this.threads, limit, Math.floor(work / Math.max(1, minPerThread)));
    if (awake < 2) return 1;
    const i32 = this.#i32;
    let asleep = false;
    for (let w = 0; w < awake - 1; w++) if (Atomics.load(i32, ((this.control + w * SLOT_BYTES) >> 2) + SPINNING) === 0) asleep = true;
    if (!asleep || !this.sleepAware) return awake;
    return Math.max(1, Math.min(awake, Math.floor(work / Math.max(1, minPerThread * ASLEEP_FACTOR[kind]))));
  }

  /**
   * Runs jobs[i] on worker i (jobs.length ≤ workers) while `own` runs on the calling thread, and returns
   * when all are done. A failure on any thread throws (a worker's as ThreadError) only after every thread
   * finished, so nothing still writes to memory when the caller sees the error; the pool stays usable.
   */
  run(jobs: readonly Job[], own: () => void): void {
    if (this.#stopped) throw new ThreadError(`The thread pool is stopped (${this.stopReason}).`);
    if (jobs.length > this.workers.length) throw new ThreadError(`run: ${jobs.length} jobs for ${this.workers.length} workers.`);
    this.runs++;
    const i32 = this.#i32, f64 = this.#f64;
    const seqs: number[] = [];
    for (let w = 0; w < jobs.length; w++) {
      const { kernel, args } = jobs[w];
      const index = this.#index.get(kernel);
      if (index === undefined || args.length > MAX_ARGS) throw new ThreadError(`run: no kernel ${kernel} taking ${args.length} arguments.`);
      const slot = this.control + w * SLOT_BYTES;
      for (let i = 0; i < args.length; i++) f64[((slot + ARGS_BYTE) >> 3) + i] = args[i];
      i32[(slot >> 2) + KERNEL] = index;
      i32[(slot >> 2) + ARGC] = args.length;
      const seq = (Atomics.load(i32, (slot >> 2) + SEQ) + 1) | 0 || 1; // never 0: CLAIM 0 means claimed
      seqs.push(seq);
      Atomics.store(i32, (slot >> 2) + CLAIM, seq); // open: whoever swaps seq → 0 runs the share
      Atomics.store(i32, (slot >> 2) + SEQ, seq);
      Atomics.notify(i32, (slot >> 2) + SEQ);
    }
    const t0 = performance.now();
    let ownError: unknown;
    try {
      own();
    } catch (e) {
      ownError = e;
    }
    const ownMs = performance.now() - t0;
    const failures: string[] = [];
    for (let w = 0; w < jobs.length; w++) {
      const slot = this.control + w * SLOT_BYTES;
      // not started yet: its worker is asleep (or slow to wake), so this thread runs the share, the same call
      if (this.takeBack && Atomics.compareExchange(i32, (slot >> 2) + CLAIM, seqs[w], 0) === seqs[w]) {
        this.takenBack++;
        try {
          (this.rt.k[jobs[w].kernel as keyof Runtime["k"]] as (...a: number[]) => unknown)(...jobs[w].args);
        } catch (e) {
          failures.push(`worker ${w + 1}'s share of ${jobs[w].kernel} failed (run by the calling thread: the worker had not started it): ${String((e as Error)?.name ?? "Error")}: ${String((e as Error)?.message ?? e)}`);
        }
        continue;
      }
      this.#await((slot >> 2) + DONE, seqs[w], ownMs, w, jobs[w].kernel);
      if (Atomics.load(i32, (slot >> 2) + STATUS) !== 0) failures.push(`worker ${w + 1} failed in ${jobs[w].kernel}: ${this.#message(slot)}`);
    }
    if (ownError !== undefined) throw ownError;
    if (failures.length > 0) throw new ThreadError(`${failures.join("; ")}. The pool is still usable.`);
  }

  /** kernel(...share(t)) for t = 0 … threads − 1: share 0 on the calling thread, the others on the workers (see run). */
  runShares(kernel: string, threads: number, share: (t: number) => readonly number[]): void {
    const jobs: Job[] = [];
    for (let t = 1; t < threads; t++) jobs.push({ kernel, args: share(t) });
    const own = share(0);
    const f = this.rt.k[kernel as keyof Runtime["k"]] as (...a: readonly number[]) => unknown;
    this.run(jobs, () => f(...own));
  }

  /** Waits until i32[at] === seq (sleeping where allowed, else spinning), or throws after a stall. */
  #await(at: number, seq: number, ownMs: number, w: number, kernel: string): void {
    const i32 = this.#i32;
    const limit = Math.max(STALL_MS, STALL_FACTOR * ownMs);
    const t0 = performance.now();
    for (let spins = 0; ; spins++) {
      const done = Atomics.load(i32, at);
      if (done === seq) return;
      if ((spins & 63) !== 63) continue; // the clock every 64 loads
      const elapsed = performance.now() - t0;
      // spin SPIN_MS before sleeping (where sleeping is allowed): shares end within microseconds of each
      // other, and a caller asleep in Atomics.wait takes tens of µs to wake (futex wake, rescheduling)
      if (this.canBlock && elapsed >= SPIN_MS) Atomics.wait(i32, at, done, 100);
      if (elapsed > limit) {
        this.stop(`worker ${w + 1} did not finish ${kernel} within ${Math.round(limit)} ms`, true);
        throw new ThreadError(`Worker ${w + 1} did not finish ${kernel} within ${Math.round(limit)} ms; the pool is stopped and this instance runs on one thread from now on.`);
      }
    }
  }

  #message(slot: number): string {
    const u16 = new Uint16Array(this.rt.k.memory.buffer, slot + MESSAGE_BYTE, MESSAGE_BYTES >> 1);
    let end = u16.indexOf(0);
    if (end < 0) end = u16.length;
    return String.fromCharCode(...u16.subarray(0, end));
  }

  /** Ends the workers (QUIT, then terminate) and frees the pool's memory. Idempotent. */
  stop(reason: string, stalled = false): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.stopReason = reason;
    for (let w = 0; w < this.workers.length; w++) {
      const at = ((this.control + w * SLOT_BYTES) >> 2);
      Atomics.store(this.#i32, at + QUIT, 1);
      Atomics.store(this.#i32, at + SEQ, (Atomics.load(this.#i32, at + SEQ) + 1) | 0);
      Atomics.notify(this.#i32, at + SEQ);
    }
    for (const worker of this.workers) void worker.terminate();
    // after a stall a worker may still be inside a kernel, writing its slot or scratch: leak those bytes
    // rather than hand them to the allocator while something may still write to them
    if (!stalled) for (const { ptr, floats } of this.#owned) this.rt.free(ptr, floats);
    this.#owned.length = 0;
    this.#scratch.clear();
    this.#reduction = { ptr: 0, floats: 0 };
  }

  /**
   * A buffer of `floats` per thread (index 0 the caller's, then one per worker), allocated on first use
   * and kept until the pool stops (counted in nn.memory()). Threads never share scratch.
   */
  buffers(name: string, floats: number): number[] {
    const key = `${name}:${floats}`;
    let ptrs = this.#scratch.get(key);
    if (!ptrs) {
      ptrs = [];
      for (let t = 0; t < this.threads; t++) {
        ptrs.push(this.rt.alloc(floats));
        this.#owned.push({ ptr: ptrs[t], floats });
      }
      this.#scratch.set(key, ptrs);
    }
    return ptrs;
  }

  /**
   * At least `floats` floats for the calling thread to gather the shares' values in (loss_parallel.ts). One
   * buffer, reallocated only to grow (a fit's batches reuse it), kept until the pool stops (counted in
   * nn.memory()). Valid until the next call.
   */
  reductionBuffer(floats: number): number {
    const r = this.#reduction;
    if (r.floats < floats) {
      const grown = { ptr: this.rt.alloc(floats), floats };
      if (r.floats > 0) {
        this.#owned.splice(this.#owned.indexOf(r), 1);
        this.rt.free(r.ptr, r.floats);
      }
      this.#owned.push(grown);
      this.#reduction = grown;
    }
    return this.#reduction.ptr;
  }
}
