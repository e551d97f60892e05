// Loss functions: value and gradient in one kernel (Keras 3 definitions; derivations beside each
// core). Every loss kernel has one signature, so src/losses.ts dispatches them from one registry:
//
//   loss_x(grad, rows, yTrue, yPred, w, batch, dim, gscale, accum, a?, b?, c?, d?): f64
//
//   yTrue, yPred  [batch, dim] row-major (sparse cross-entropy: yTrue [batch] class ids as float32;
//                 IoU: dim = 4 box coordinates). Any 4-byte alignment; inputs are only read.
//   w             per-sample weights [batch], or 0 for none.
//   returns       Σ_r w_r·L_r in float64, L_r the per-sample loss (mean over the last axis, or the
//                 row's own reduction: sum for KL, −cos, cross-entropy, hinge, IoU).
//   rows          if ≠ 0, rows[r] = w_r·L_r (reduction 'none').
//   grad          if ≠ 0, grad = gscale·w_r·∂L_r/∂yPred (gscale = 1/batch for the batch mean),
//                 written, or ADDED to grad when accum ≠ 0 (weighted sums of losses). grad may not
//                 alias yTrue or yPred.
//   a..d          the loss's parameters as float32 (δ, q, ε, γ, α, ...); extra ones are ignored.
//
// Kernels never validate: src/losses.ts checks shapes, labels and parameters first.
export * from "./losses_pointwise";
export * from "./losses_cce";
export * from "./losses_rows";
export { loss_check_ids, loss_check_range, loss_reg_l1l2 } from "./losses_util";
