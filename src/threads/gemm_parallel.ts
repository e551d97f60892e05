// GEMM across the pool: each thread runs gemm_gemm on its own block of C with its own workspace.
//
// Bit-identical to one thread, by construction (and tested): a C element's value depends only on K's
// blocking (which depends on k alone, the same in every share), on the 8-column panel and MR-row group it
// falls in (MR = the microkernel's tile rows: 6 relaxed, 5 SIMD, 4 scalar), and on whether that tile is
// full (partial tiles take the scalar store, full ones the fused one). Splitting C at multiples of 8 columns
// or MR rows keeps every panel and group, and every tile's fullness, as it was; the epilogue (bias,
// activation) is per element. A one-row product (batch-1 inference) takes the GEMV path instead, whose
// order depends on whether a column lies below the last multiple of 16 (the packed GEMV's two-panel blocks,
// gemv.ts): its shares split at multiples of 16 columns, which keeps that as it was for every column. Rows
// are never cut so that a share has one row unless the whole product has.
//
// Which way to split: a column share packs all of A again (each thread packs A's rows for its columns),
// a row share packs all of B again, unless B is packed weights (nothing to pack). So rows when B is packed
// or M is the larger side, else columns, as long as the split side has enough MR-row/8-column units.
import type { Runtime } from "../runtime.js";

/**
 * Below this many multiply-adds per thread (M·N·K / threads) a product stays on the calling thread: handing a
 * share to a spinning worker and collecting it costs ~2 µs (pool.ts' SPIN_MS; from Atomics.wait it was ~40 µs),
 * which a share must outweigh. Measured with square GEMMs on two threads, threshold off (2026-12-07, AMD EPYC,
 * relaxed SIMD): 16k MACs a thread 0.67×, 55k 1.07×, 131k 1.29×, 442k 1.66×; dense 784→512 at M = 2 (200k)
 * 1.76×. Re-measure on a new host with bench/threads.bench.mjs' sweep.
 */
export const MIN_MACS_PER_THREAD = 2 ** 16;

const NR = 8;

/** The arguments of gemm_gemm, in its order. */
export type GemmArgs = [c: number, a: number, b: number, m: number, n: number, k: number, flags: number, alpha: number, beta: number,
  lda: number, ldb: number, ldc: number, bias: number, act: number, actA: number, work: number];

/** Boundaries [0, …, total] of `parts` shares of whole `units` of `size` (units ≥ parts), what is left over in the last share. */
function cuts(total: number, size: number, units: number, parts: number): number[] {
  const out = [0];
  for (let p = 1; p < parts; p++) out.push(Math.min(total, Math.round((units * p) / parts) * size));
  out.push(total);
  return out;
}

/**
 * Runs gemm_gemm(args) on the pool when it pays, and returns true; false leaves the call to the caller
 * (one thread). Same contract as gemm_gemm (flags 1 transA, 2 transB, 4 packed weights).
 */
export function parallelGemm(rt: Runtime, args: GemmArgs): boolean {
  const pool = rt.pool;
  if (!pool || pool.stopped) return false;
  const [c, a, b, m, n, k, flags, alpha, beta, lda, ldb, ldc, bias, act, actA] = args;
  if (m <= 0 || n <= 0 || k <= 0) return false;
  const threads = pool.threadsFor("gemm", m * n * k, pool.minMacsPerThread);
  if (threads < 2) return false;
  const transA = (flags & 1) !== 0, transB = (flags & 2) !== 0, packed = (flags & 4) !== 0;
  const MR = rt.k.gemm_tile_rows(); // the microkernel's rows in this build: 6 relaxed, 5 SIMD, 4 scalar
  const cols = m === 1 ? 2 * NR : NR; // the GEMV's 16-column blocks, else the panels
  const rowUnits = m === 1 ? 0 : Math.floor(m / MR), colUnits = Math.ceil(n / cols);
  const byRows = rowUnits >= threads && (packed || m >= n || colUnits < threads);
  if (!byRows && colUnits < threads) return false;
  // rows: the rows past the last whole group join the last share, which so has at least MR (never the GEMV's 1)
  const at = byRows ? cuts(m, MR, rowUnits, threads) : cuts(n, cols, colUnits, threads);
  const work = pool.buffers("gemm", rt.k.gemm_workspace_floats());
  const share = (t: number): GemmArgs => {
    const lo = at[t], size = at[t + 1] - at[t];
    if (byRows) {
      const aPtr = a + 4 * (transA ? lo : lo * lda);
      return [c + 4 * lo * ldc, aPtr, b, size, n, k, flags, alpha, beta, lda, ldb, ldc, bias, act, actA, work[t]];
    }
    const bPtr = b + 4 * (packed ? (lo / NR) * k * NR : transB ? lo * ldb : lo);
    return [c + 4 * lo, a, bPtr, m, size, k, flags, alpha, beta, lda, ldb, ldc, bias === 0 ? 0 : bias + 4 * lo, act, actA, work[t]];
  };
  pool.runShares("gemm_gemm", threads, share);
  return true;
}
