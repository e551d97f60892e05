// Loss passes (value and gradient in one kernel call) across the pool, cut into one contiguous range of
// whole rows per thread. Bit-identical to one thread, value and gradient:
//
// - Gradient: per element, written (or added, accum) by the share that owns its row. Each row takes the
//   path it takes on one thread: shares hold multiples of 4 rows (the cross-entropy's rows-in-lanes blocks,
//   counted from the first row, and its flat exponential pass, whose f32x4 body must end where one thread's
//   does), and the pointwise losses' flat run (no weights, no per-sample output) is cut at whole blocks of
//   FLAT_BLOCK elements that are also whole rows (its SIMD body and scalar tail are per block).
// - Value: every kernel adds float32 values in a fixed order in float64 (assembly/losses.ts): per-sample
//   values w_r·L_r in row order, or, in the pointwise flat run, the float32 sum of each block in block
//   order, then × 1/dim. Each share writes its values (rows[], or the flat run's block sums with accum's
//   second bit) and the calling thread adds them all in that order: the same operations on the same values.
// - The hinge losses' label convention ({0, 1} mapped to ±1, or ±1 as given) is decided over the whole
//   batch; here once, on the calling thread (loss_check_ids(y, n, 2): every label 0 or 1, the kernel's own
//   test), and passed to every share as the kernel's label parameter.
// - Each thread's cross-entropy lanes and BCE-from-logits exponentials use its own scratch block
//   (assembly/scratch.ts).
import type { KernelName, Runtime } from "../runtime.js";
import { ROW_UNIT, rowCuts } from "./rows_parallel.js";

/**
 * Elements (batch × dim) per thread below which a loss pass stays on the calling thread, with the workers
 * spinning. Value + gradient over rows × 10, threshold off (2026-12-07, AMD EPYC, relaxed SIMD,
 * bench/RESULTS.md): MSE (memory-bound) 15360 elements a thread 0.86×, 30720 1.00×, 131070 1.17×; softmax
 * cross-entropy from logits 15360 0.97×, 30720 1.50×, 262145 1.64×.
 */
export const MIN_LOSS_ELEMENTS_PER_THREAD = 2 ** 15;

/** The pointwise losses' flat run sums blocks of this many elements (assembly/losses_pointwise.ts' FLAT_BLOCK). */
const FLAT_BLOCK = 1024;
/** accum's second bit: the flat run writes its block sums to rows[] (assembly/losses.ts). */
const BLOCK_SUMS = 2;

/** What a split needs of a loss: its registry row's reduction and label kind (src/losses.ts' LOSSES). */
export interface LossSplit {
  /** 'mean' or 'sum' over the last axis: a pointwise kernel with a flat run; 'row': every path row by row. */
  readonly perSample: "mean" | "sum" | "row";
  /** 'classId': yTrue holds one id per row (sparse cross-entropy), else yTrue is [batch, dim]. */
  readonly label: string;
  /** The kernel decides the label convention over the whole batch unless its first parameter does (hinge). */
  readonly batchLabels?: boolean;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * kernel(grad, rows, yTrue, yPred, w, batch, dim, gscale, accum, a, b, c, d) (the loss signature,
 * assembly/losses.ts) on the pool when the pass is long enough: returns the kernel's value (Σ w_r·L_r, the
 * same bits as one call), or null to leave the call to the caller. Allocates nothing once the pool's
 * reduction buffer has grown to the largest batch seen.
 */
export function parallelLoss(rt: Runtime, kernel: KernelName, loss: LossSplit, grad: number, rows: number, yTrue: number, yPred: number, w: number,
  batch: number, dim: number, gscale: number, accum: number, a: number, b: number, c: number, d: number): number | null {
  const pool = rt.pool;
  if (!pool || pool.stopped || dim <= 0) return null;
  const n = batch * dim;
  const flat = loss.perSample !== "row" && w === 0 && rows === 0;
  // rows per indivisible piece: whole FLAT_BLOCKs that are whole rows (lcm(dim, FLAT_BLOCK) / dim), or 4 rows
  const unit = flat ? FLAT_BLOCK / gcd(dim, FLAT_BLOCK) : ROW_UNIT;
  const threads = pool.threadsFor("loss", n, pool.minLossElementsPerThread, Math.floor(batch / unit));
  if (threads < 2) return null;
  if (loss.batchLabels && a === 0) a = rt.k.loss_check_ids(yTrue, n, 2) < 0 ? 1 : -1;
  const count = flat ? Math.ceil(n / FLAT_BLOCK) : batch;
  const values = rows !== 0 ? rows : pool.reductionBuffer(count);
  const at = rowCuts(batch, unit, threads);
  const share = (t: number): number[] => {
    const r0 = at[t], o = 4 * r0 * dim;
    return [grad === 0 ? 0 : grad + o, values + 4 * (flat ? (r0 * dim) / FLAT_BLOCK : r0), yTrue + (loss.label === "classId" ? 4 * r0 : o), yPred + o,
      w === 0 ? 0 : w + 4 * r0, at[t + 1] - r0, dim, gscale, flat ? accum | BLOCK_SUMS : accum, a, b, c, d];
  };
  pool.runShares(kernel, threads, share);
  // the kernel's own additions, in its order, on the values the shares wrote
  const f32 = rt.f32, first = values >> 2;
  let total = 0;
  for (let i = 0; i < count; i++) total += f32[first + i];
  // the flat run's last step, total·inv with inv = 1/dim rounded to float32 (mean) or 1 (KL's sum)
  return flat && loss.perSample === "mean" ? total * Math.fround(1 / dim) : total;
}
