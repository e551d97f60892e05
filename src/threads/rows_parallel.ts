// Row-wise activations across the pool: softmax and logSoftmax, forward and backward, over [rows, cols],
// cut into one contiguous range of whole rows per thread. Bit-identical to one thread: a row's values depend
// on that row alone, and the cuts fall on multiples of 4 rows, so every row takes the path it takes on one
// thread (the rows-in-lanes blocks of four rows counted from the first row, then the last rows mod 4 row at
// a time, in the SIMD builds; row at a time in the scalar build). The lanes kernels' transposed rows live
// in each thread's own scratch block (assembly/scratch.ts), so the threads never share scratch.
import type { KernelName, Runtime } from "../runtime.js";

/**
 * Elements (rows × cols) per thread below which a row-wise activation stays on the calling thread, with the
 * workers spinning. Softmax forward over rows × 10, threshold off (2026-12-07, AMD EPYC, relaxed SIMD,
 * bench/RESULTS.md): 5120 elements a thread 1.53×, 15360 1.77×, 30720 1.86×.
 */
export const MIN_ROW_ELEMENTS_PER_THREAD = 2 ** 12;

/** Rows a share holds a multiple of: the rows-in-lanes blocks (assembly/lanes.ts). */
export const ROW_UNIT = 4;

/**
 * Boundaries [0, …, total] of `parts` shares of whole `unit`s of rows (units ≥ parts); the rows past the last
 * whole unit join the last share. @internal
 */
export function rowCuts(total: number, unit: number, parts: number): number[] {
  const units = Math.floor(total / unit);
  const out = [0];
  for (let p = 1; p < parts; p++) out.push(Math.round((units * p) / parts) * unit);
  out.push(total);
  return out;
}

/**
 * kernel(...arrays, rows, cols) on the pool when the pass is long enough, and true; false leaves the call to
 * the caller. `arrays` are byte addresses of [rows, cols] arrays (outputs and inputs, in the kernel's order:
 * act_softmax(out, x, rows, cols), act_softmax_grad(dx, x, y, dy, rows, cols)); each share gets them advanced
 * to its first row. In place (out = x, dx = dy) as the kernel allows: shares touch disjoint rows.
 */
export function parallelRows(rt: Runtime, kernel: KernelName, arrays: readonly number[], rows: number, cols: number): boolean {
  const pool = rt.pool;
  if (!pool || pool.stopped || cols <= 0) return false;
  const threads = pool.threadsFor("rows", rows * cols, pool.minRowElementsPerThread, Math.floor(rows / ROW_UNIT));
  if (threads < 2) return false;
  const at = rowCuts(rows, ROW_UNIT, threads);
  const share = (t: number): number[] => [...arrays.map((p) => p + 4 * at[t] * cols), at[t + 1] - at[t], cols];
  pool.runShares(kernel, threads, share);
  return true;
}
