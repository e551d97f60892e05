// Loss functions: value and gradient in one kernel (Keras 3 definitions; derivations beside each
// core). Every loss kernel has one signature, so src/losses.ts dispatches them from one registry:
//
//   loss_x(grad, rows, yTrue, yPred, w, batch, dim, gscale, accum, a?, b?, c?, d?): f64
//
//   yTrue, yPred  [batch, dim] row-major (sparse cross-entropy: yTrue [batch] class ids as float32;
//                 IoU: dim = 4 box coordinates). Any 4-byte alignment; inputs are only read.
//   w             per-sample weights [batch], or 0 for none.
//   returns       Σ_r w_r·L_r in float64, L_r the per-sample loss (mean over the last axis, or the
//                 row's own reduction: sum for KL, −cos, cross-entropy, hinge, IoU). The float32 values
//                 w_r·L_r are added in row order, one at a time, except the pointwise losses' flat run
//                 (w = 0, rows = 0: float32 sums of 1024-element blocks added in order): a batch split by
//                 rows across threads adds the same values in the same order (src/threads/loss_parallel.ts).
//   rows          if ≠ 0, rows[r] = w_r·L_r (reduction 'none').
//   grad          if ≠ 0, grad = gscale·w_r·∂L_r/∂yPred (gscale = 1/batch for the batch mean),
//                 written, or ADDED to grad when accum bit 0 is set (weighted sums of losses). grad may
//                 not alias yTrue or yPred.
//   accum         bit 0: add to grad. Bit 1 (2), pointwise losses with w = 0 only: rows receives the flat
//                 run's block sums instead of per-sample values (losses_pointwise.ts, for the threaded split).
//   a..d          the loss's parameters as float32 (δ, q, ε, γ, α, the hinge losses' label convention,
//                 ...); extra ones are ignored.
//
// Kernels never validate: src/losses.ts checks shapes, labels and parameters first.
export * from "./losses_pointwise";
export * from "./losses_cce";
export * from "./losses_rows";
export { loss_check_ids, loss_check_range, loss_reg_l1l2 } from "./losses_util";
