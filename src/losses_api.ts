// The tensor-level loss API behind nn.loss / nn.lossGradient, weighted combinations of losses, and
// the L1/L2 regularisers (Keras' L1, L2, L1L2).
import { checkNumber, checkOptions, ValueError, show } from "./errors.js";
import { checkLossInputs, checkReduction, lossKernel, sampleShapeOf, type LossName, type LossParams, resolveLoss, type ResolvedLoss } from "./losses.js";
import type { Runtime } from "./runtime.js";
import { checkTensor, Tensor } from "./tensor.js";

/** The checks every entry point below runs before anything is allocated or written. */
function prepare(rt: Runtime, name: string, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>) {
  const loss = resolveLoss(name, params);
  const reduction = checkReduction(params?.reduction);
  const sw = params?.sampleWeight;
  const { batch, dim } = checkLossInputs(rt, loss, yTrue, yPred, sw);
  return { loss, reduction, w: sw ? sw.ptr : 0, batch, dim };
}

/** The gradient's destination: `out` (checked: this instance, yPred's size) or a new tensor shaped as yPred. */
function gradientTensor(rt: Runtime, yPred: Tensor, out?: Tensor): Tensor {
  if (out === undefined) return new Tensor(rt, yPred.shape);
  checkTensor("out", out, rt);
  if (out.size !== yPred.size) throw new ValueError(`out must have yPred's size ${yPred.size}; received shape [${out.shape.join(",")}].`);
  return out;
}

/** Scale of the written gradient: 1/batch for 'mean' (Keras' sum_over_batch_size), else 1. */
const gradScale = (reduction: string, batch: number) => (reduction === "mean" && batch ? 1 / batch : 1);

/** The reduced value from the kernel's Σ of weighted per-sample losses. */
const reduced = (reduction: string, total: number, batch: number) => (reduction === "sum" ? total : batch ? total / batch : 0);

/** nn.loss: a number for 'mean' and 'sum', per-sample losses (shape yPred without its last axis) for 'none'. */
export function lossValue(rt: Runtime, name: string, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>): number | Tensor {
  const { loss, reduction, w, batch, dim } = prepare(rt, name, yTrue, yPred, params);
  if (reduction === "none") {
    const out = new Tensor(rt, sampleShapeOf(yPred));
    lossKernel(rt, loss, 0, out.ptr, yTrue.ptr, yPred.ptr, w, batch, dim, 1, false);
    return out;
  }
  return reduced(reduction, lossKernel(rt, loss, 0, 0, yTrue.ptr, yPred.ptr, w, batch, dim, 1, false), batch);
}

/**
 * nn.lossGradient: d loss / d yPred for the reduction ('none': each sample's gradient of its own
 * weighted loss). Writes into `out` (shape of yPred) when given, else returns a new tensor.
 */
export function lossGradient(rt: Runtime, name: string, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>, out?: Tensor): Tensor {
  const { loss, reduction, w, batch, dim } = prepare(rt, name, yTrue, yPred, params);
  const g = gradientTensor(rt, yPred, out);
  lossKernel(rt, loss, g.ptr, 0, yTrue.ptr, yPred.ptr, w, batch, dim, gradScale(reduction, batch), false);
  return g;
}

/** Result of nn.lossAndGradient: the loss as nn.loss returns it and d loss / d yPred as nn.lossGradient. */
export interface LossAndGradient {
  /** A number for 'mean' and 'sum'; per-sample losses (shape yPred without its last axis) for 'none'. */
  value: number | Tensor;
  /** d loss / d yPred, shape of yPred (the `out` tensor when one was given). */
  gradient: Tensor;
}

/**
 * nn.lossAndGradient: value and gradient from ONE kernel pass (the fused kernels compute both
 * anyway), with one validation of the inputs. Same semantics as nn.loss and nn.lossGradient.
 */
export function lossAndGradient(rt: Runtime, name: string, yTrue: Tensor, yPred: Tensor, params?: Readonly<LossParams>, out?: Tensor): LossAndGradient {
  const { loss, reduction, w, batch, dim } = prepare(rt, name, yTrue, yPred, params);
  const g = gradientTensor(rt, yPred, out);
  const rows = reduction === "none" ? new Tensor(rt, sampleShapeOf(yPred)) : null;
  const total = lossKernel(rt, loss, g.ptr, rows ? rows.ptr : 0, yTrue.ptr, yPred.ptr, w, batch, dim, gradScale(reduction, batch), false);
  return { value: rows ?? reduced(reduction, total, batch), gradient: g };
}

/** One term of a combined objective. */
export interface LossTerm {
  loss: LossName;
  /** Weight wᵢ (finite). Default 1. */
  weight?: number;
  /** The loss's parameters (not reduction or sampleWeight: those belong to the call). */
  params?: Omit<LossParams, "reduction" | "sampleWeight">;
}

/** Options of a combined loss call. */
export interface CombinedCallOptions {
  reduction?: "mean" | "sum";
  sampleWeight?: Tensor;
}
const CALL_KEYS = ["reduction", "sampleWeight"] as const satisfies readonly (keyof CombinedCallOptions)[];
const TERM_KEYS = ["loss", "weight", "params"] as const satisfies readonly (keyof LossTerm)[];

/** L = Σ wᵢ·Lᵢ over the same yTrue and yPred: value and gradient (one accumulating kernel call per term). */
export class CombinedLoss {
  readonly terms: readonly { loss: ResolvedLoss; weight: number }[];
  constructor(private readonly rt: Runtime, terms: readonly LossTerm[]) {
    if (!Array.isArray(terms) || terms.length === 0) throw new ValueError(`combine expects a non-empty array of { loss, weight, params }; received ${show(terms)}.`);
    this.terms = terms.map((t, i) => {
      if (t === null || typeof t !== "object") throw new ValueError(`combine term ${i} must be an object { loss, weight?, params? }; received ${show(t)}.`);
      checkOptions<LossTerm>(`combine term ${i}`, t, TERM_KEYS);
      for (const k of ["reduction", "sampleWeight"] as const) {
        if ((t.params as LossParams | undefined)?.[k] !== undefined) throw new ValueError(`combine term ${i}: pass ${k} to value()/gradient(), not to a term's params.`);
      }
      return { loss: resolveLoss(t.loss, t.params), weight: checkNumber(`weight of combine term ${i}`, t.weight ?? 1) };
    });
  }

  private prepare(yTrue: Tensor, yPred: Tensor, opts: CombinedCallOptions | undefined, call: string) {
    const options = checkOptions<CombinedCallOptions>(`combined loss ${call}`, opts, CALL_KEYS);
    const reduction = checkReduction(options.reduction);
    if (reduction === "none") throw new ValueError("A combined loss reduces to a number: reduction must be 'mean' or 'sum'.");
    let layout = { batch: 0, dim: 0 };
    for (const t of this.terms) layout = checkLossInputs(this.rt, t.loss, yTrue, yPred, options.sampleWeight);
    return { ...layout, mean: reduction === "mean", w: options.sampleWeight ? options.sampleWeight.ptr : 0 };
  }

  /** Σ wᵢ·Lᵢ with the reduction ('mean' default). */
  value(yTrue: Tensor, yPred: Tensor, options?: CombinedCallOptions): number {
    const { batch, dim, mean, w } = this.prepare(yTrue, yPred, options, "value");
    let total = 0;
    for (const t of this.terms) total += t.weight * lossKernel(this.rt, t.loss, 0, 0, yTrue.ptr, yPred.ptr, w, batch, dim, 1, false);
    return mean ? (batch ? total / batch : 0) : total;
  }

  /** d(Σ wᵢ·Lᵢ)/d yPred, into `out` when given. */
  gradient(yTrue: Tensor, yPred: Tensor, options?: CombinedCallOptions, out?: Tensor): Tensor {
    const { batch, dim, mean, w } = this.prepare(yTrue, yPred, options, "gradient");
    if (out !== undefined) {
      checkTensor("out", out, this.rt);
      if (out.size !== yPred.size) throw new ValueError(`out must have yPred's size ${yPred.size}; received shape [${out.shape.join(",")}].`);
    }
    const g = out ?? new Tensor(this.rt, yPred.shape);
    this.raw(g.ptr, yTrue.ptr, yPred.ptr, batch, dim, mean ? "mean" : "sum", w);
    return g;
  }

  /** Pointer-level: returns Σ wᵢ·Lᵢ reduced, writes the gradient into grad (0 = none). No validation. */
  raw(grad: number, yTrue: number, yPred: number, batch: number, dim: number, reduction: "mean" | "sum", sampleWeight: number): number {
    const scale = reduction === "mean" && batch ? 1 / batch : 1;
    let total = 0;
    this.terms.forEach((t, i) => {
      total += t.weight * lossKernel(this.rt, t.loss, grad, 0, yTrue, yPred, sampleWeight, batch, dim, scale * t.weight, i > 0);
    });
    return reduction === "mean" ? (batch ? total / batch : 0) : total;
  }
}

/** A weight penalty λ₁·Σ|w| + λ₂·Σw² (Keras' L1L2; note L2 has no ½, as Keras). */
export class Regularizer {
  constructor(
    readonly l1: number,
    readonly l2: number,
  ) {
    checkNumber("l1", l1, 0);
    checkNumber("l2", l2, 0);
    Object.freeze(this);
  }

  /** The penalty of a weight tensor. */
  value(w: Tensor): number {
    if (!(w instanceof Tensor)) throw new ValueError(`Regularizer.value expects a Tensor; received ${show(w)}.`);
    checkTensor("w", w, w.rt);
    return regularizerRaw(w.rt, this, 0, w.ptr, w.size);
  }

  /** Adds d penalty / d w into `grad` (same size as w) when given and returns it; else a new tensor. */
  gradient(w: Tensor, grad?: Tensor): Tensor {
    if (!(w instanceof Tensor)) throw new ValueError(`Regularizer.gradient expects a Tensor; received ${show(w)}.`);
    checkTensor("w", w, w.rt);
    if (grad !== undefined) {
      checkTensor("grad", grad, w.rt);
      if (grad.size !== w.size) throw new ValueError(`grad must have the size of w (${w.size}); received shape [${grad.shape.join(",")}].`);
    }
    const g = grad ?? new Tensor(w.rt, w.shape);
    if (grad === undefined) w.rt.k.mem_fill(g.ptr, 0, g.size);
    regularizerRaw(w.rt, this, g.ptr, w.ptr, w.size);
    return g;
  }
}

/** Pointer-level penalty: returns its value and ACCUMULATES its gradient into grad (0 = none). */
export function regularizerRaw(rt: Runtime, reg: Regularizer, grad: number, w: number, n: number): number {
  return rt.k.loss_reg_l1l2(grad, w, n, reg.l1, reg.l2);
}

/** Keras-shaped regularisers: `kernelRegularizer: nn.regularizers.l2(1e-4)`. */
export const regularizers = {
  /** λ·Σ|w| (Keras default λ 0.01). */
  l1: (l1 = 0.01) => new Regularizer(l1, 0),
  /** λ·Σw² (Keras default λ 0.01). */
  l2: (l2 = 0.01) => new Regularizer(0, l2),
  /** l1·Σ|w| + l2·Σw² (Keras defaults 0, 0). */
  l1l2: (options?: { l1?: number; l2?: number }) => {
    const { l1 = 0, l2 = 0 } = checkOptions<{ l1: number; l2: number }>("l1l2", options, ["l1", "l2"]);
    return new Regularizer(l1, l2);
  },
} as const;
