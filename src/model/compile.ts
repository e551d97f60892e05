// compile(): resolves the loss, optimizer and metrics, and applies the selection matrix of output
// activation × loss: softmax + (sparse) categorical cross-entropy and sigmoid + binary cross-entropy
// run fused on the logits; pairings that would silently train on the wrong quantity are errors.
import { CombinedLoss } from "../losses_api.js";
import { type LossName, type LossParams, lossRaw, resolveLoss, type ResolvedLoss, sigmoidCrossentropyRaw, softmaxCrossentropyRaw } from "../losses.js";
import { ValueError, show } from "../errors.js";
import { type Optimizer, type OptimizerName, resolveOptimizer } from "../optimizers.js";
import { hasLogits } from "./layers_core.js";
import { type Metric, resolveMetric } from "./metrics.js";
import type { Sequential } from "./sequential.js";

/** A loss with its parameters, as compile's `loss` (e.g. `{ name: 'huber', delta: 2 }`). */
export type LossConfig = { name: LossName } & Omit<LossParams, "reduction" | "sampleWeight">;

/** Options of model.compile. */
export interface CompileConfig {
  /** A name ('adam', 'sgd'…, default settings) or an optimizer from nn.optimizers. */
  optimizer: OptimizerName | Optimizer;
  /** A loss name, a name with parameters, or nn.losses.combine([...]). */
  loss: LossName | LossConfig | CombinedLoss;
  /** 'accuracy' (kind inferred from the loss, as Keras), 'mae', 'mse'… */
  metrics?: readonly string[];
}

/** What fit/evaluate run, resolved once. @internal */
export interface CompiledLoss {
  readonly optimizer: Optimizer;
  /** fit's running metrics. */
  readonly metrics: readonly Metric[];
  /** The same metrics, separate instances for evaluate and validation (a callback's evaluate never resets fit's). */
  readonly evalMetrics: readonly Metric[];
  /** Display name ('categoricalCrossentropy' or 'combined'). */
  readonly name: string;
  /**
   * Loss value (mean over batch rows) and, when grad ≠ 0, d loss / d yPred into grad. `w` ≠ 0 points at
   * one weight per row: Σ wᵢ·Lᵢ / batch and the gradient weighted alike (0, the default, is the unweighted path).
   */
  readonly raw: (grad: number, yTrue: number, yPred: number, batch: number, dim: number, w?: number) => number;
  /** Fused softmax/sigmoid cross-entropy on the output layer's logits, or null; `w` as for raw. */
  readonly fused: ((grad: number, yTrue: number, logits: number, batch: number, dim: number, w?: number) => number) | null;
  /** The resolved loss (null for a combined one). */
  readonly loss: ResolvedLoss | null;
  /** Every loss the labels must suit (the one loss, or each term of a combined one). */
  readonly labelLosses: readonly ResolvedLoss[];
  /** The loss parameters compile was given (a saved training_config writes them). */
  readonly lossParams: Readonly<Record<string, unknown>>;
}

const CROSS_ENTROPIES = new Set(["binaryCrossentropy", "binaryFocalCrossentropy", "categoricalCrossentropy", "sparseCategoricalCrossentropy"]);
const PROBABILITY_OUTPUTS = new Set(["softmax", "sigmoid", "hardSigmoid"]);

/** @internal */
export function compileLoss(model: Sequential, config: CompileConfig): CompiledLoss {
  if (config === null || typeof config !== "object") throw new ValueError(`compile expects { optimizer, loss, metrics? }; received ${show(config)}.`);
  for (const k of Object.keys(config)) if (!["optimizer", "loss", "metrics"].includes(k)) throw new ValueError(`compile has no option '${k}'; it accepts: optimizer, loss, metrics.`);
  if (model.layers.length === 0) throw new ValueError(`Model '${model.name}' has no layers to compile.`);
  const last = model.layers[model.layers.length - 1];
  const act = last.outputActivation ?? "linear";
  const where = `the output layer '${last.name}' applies ${act}`;

  let loss: ResolvedLoss | null = null;
  let lossParams: Record<string, unknown> = {};
  let raw: CompiledLoss["raw"];
  let name: string;
  const c = config.loss;
  if (c instanceof CombinedLoss) {
    raw = (g, t, p, b, d, w = 0) => c.raw(g, t, p, b, d, "mean", w);
    name = "combined";
  } else {
    if (c === undefined) throw new ValueError("compile needs a loss: e.g. loss: 'categoricalCrossentropy'.");
    const [lossName, params] = typeof c === "string" ? [c, undefined] : typeof c === "object" && c !== null ? [c.name, { ...c, name: undefined }] : [c, undefined];
    if (typeof lossName !== "string") throw new ValueError(`compile loss must be a loss name, { name, ...params } or nn.losses.combine(...); received ${show(c)}.`);
    // nn.loss's call options have no meaning here: fit always averages over the batch (Keras' sum_over_batch_size)
    for (const k of ["reduction", "sampleWeight"]) {
      if (params && (params as Record<string, unknown>)[k] !== undefined) {
        throw new ValueError(`compile's loss takes no '${k}' (received ${show((params as Record<string, unknown>)[k])}): fit averages the loss over each batch, as Keras' sum_over_batch_size. Give '${k}' to nn.loss instead.`);
      }
    }
    const resolved = resolveLoss(lossName, params as LossParams | undefined);
    lossParams = { ...(params ?? {}) };
    loss = resolved;
    raw = (g, t, p, b, d, w = 0) => lossRaw(model.rt, resolved, g, t, p, b, d, "mean", w);
    name = resolved.name;
    if (CROSS_ENTROPIES.has(resolved.name)) {
      if (resolved.fromLogits && PROBABILITY_OUTPUTS.has(act)) {
        throw new ValueError(`Loss '${resolved.name}' has fromLogits: true but ${where}, so the model outputs probabilities, not logits. Either drop fromLogits (simdnn then fuses ${act} with the loss stably) or set the output activation to 'linear'.`);
      }
      if (!resolved.fromLogits && !PROBABILITY_OUTPUTS.has(act)) {
        throw new ValueError(`Loss '${resolved.name}' expects probabilities but ${where}, whose outputs are not in [0, 1]. Pass { name: '${resolved.name}', fromLogits: true } or end the model with a ${resolved.name.startsWith("binary") ? "sigmoid" : "softmax"} activation.`);
      }
    }
  }

  let fused: CompiledLoss["fused"] = null;
  if (loss && !loss.fromLogits && hasLogits(last)) {
    const smoothing = loss.args[0];
    if (act === "softmax" && (loss.name === "categoricalCrossentropy" || loss.name === "sparseCategoricalCrossentropy")) {
      const sparse = loss.name === "sparseCategoricalCrossentropy";
      // weighted batches (fit's sampleWeight / classWeight) run the same logits kernel with the weights' pointer
      const onLogits = resolveLoss(loss.name, sparse ? { fromLogits: true } : { fromLogits: true, labelSmoothing: smoothing });
      fused = (g, t, z, b, d, w = 0) => (w ? lossRaw(model.rt, onLogits, g, t, z, b, d, "mean", w) : softmaxCrossentropyRaw(model.rt, g, t, z, b, d, sparse ? 0 : smoothing, sparse));
    } else if (act === "sigmoid" && loss.name === "binaryCrossentropy") {
      const onLogits = resolveLoss(loss.name, { fromLogits: true, labelSmoothing: smoothing });
      fused = (g, t, z, b, d, w = 0) => (w ? lossRaw(model.rt, onLogits, g, t, z, b, d, "mean", w) : sigmoidCrossentropyRaw(model.rt, g, t, z, b, d, smoothing));
    }
  }

  const optimizer = resolveOptimizer(config.optimizer);
  const metricNames = config.metrics ?? [];
  if (!Array.isArray(metricNames)) throw new ValueError(`compile metrics must be an array of names; received ${show(metricNames)}.`);
  const metric = (m: string) => resolveMetric(m, { name: loss?.name ?? "combined", fromLogits: loss?.fromLogits ?? false });
  const metrics = metricNames.map(metric), evalMetrics = metricNames.map(metric);
  const labelLosses = loss ? [loss] : (c as CombinedLoss).terms.map((t) => t.loss);
  return { optimizer, metrics, evalMetrics, name, raw, fused, loss, labelLosses, lossParams };
}
