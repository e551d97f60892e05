// Pointwise passes across the pool: an activation (or its derivative) over a long tensor, cut into one
// contiguous range per thread. Bit-identical to one thread: every element's value depends on that element
// alone, and the cuts fall on multiples of 4 floats, so each element takes the same path as on one thread
// (the f32x4 body, or the scalar tail at the very end) and every range stays 16-byte aligned.
import type { KernelName, Runtime } from "../runtime.js";

/**
 * Elements per thread below which a pointwise pass stays on the calling thread. With the pool's spinning
 * hand-off (~2 µs) the cheapest pass decides: relu over 2^16 elements (2^15 a thread) ran 1.04× one thread, over
 * 2^15 0.84×; sigmoid 1.53× at 2^15 and 1.76× at 2^16 (2026-12-07, AMD EPYC, relaxed SIMD, bench/RESULTS.md).
 */
export const MIN_ELEMENTS_PER_THREAD = 2 ** 15;

/**
 * kernel(...arrays, n, ...scalars) on the pool when `n` is long enough, and true; false leaves the call to
 * the caller. `arrays` are byte addresses of equally long float arrays (outputs and inputs, in the
 * kernel's order); each share gets the same arrays advanced to its range. Only pointwise kernels: the
 * row-wise activations split by whole rows (rows_parallel.ts).
 */
export function parallelPointwise(rt: Runtime, kernel: KernelName, arrays: readonly number[], n: number, scalars: readonly number[]): boolean {
  const pool = rt.pool;
  if (!pool || pool.stopped) return false;
  const threads = pool.threadsFor("pointwise", n, pool.minElementsPerThread, n >> 2); // at least a quad a share
  if (threads < 2) return false;
  const quads = n >> 2;
  const at = (t: number) => (t === threads ? n : Math.round((quads * t) / threads) * 4);
  const share = (t: number): number[] => [...arrays.map((p) => p + 4 * at(t)), at(t + 1) - at(t), ...scalars];
  pool.runShares(kernel, threads, share);
  return true;
}
