// Held-out scores of the lab: accuracy, precision / recall / F1 at a threshold, PR-AUC (average
// precision, as scikit-learn's average_precision_score), MAE / RMSE, and mean ± std over seeds.
import { ShapeError } from "../errors.js";

function sameLength(what: string, a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new ShapeError(`${what}: scores hold ${a.length} values but labels ${b.length}; expected one score per label.`);
}

/** Fraction of rows whose largest output (first on ties) is the class id. */
export function accuracy(outputs: ArrayLike<number>, ids: ArrayLike<number>, classes: number): number {
  if (outputs.length !== ids.length * classes) throw new ShapeError(`accuracy: ${outputs.length} outputs for ${ids.length} labels × ${classes} classes.`);
  let hits = 0;
  for (let i = 0; i < ids.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (outputs[i * classes + c] > outputs[i * classes + best]) best = c;
    if (best === ids[i]) hits++;
  }
  return ids.length ? hits / ids.length : 0;
}

/** Binary scores at a threshold (score ≥ threshold predicts positive); an empty denominator gives 0, as scikit-learn's zero_division=0. */
export function precisionRecallF1(scores: ArrayLike<number>, labels: ArrayLike<number>, threshold: number): { precision: number; recall: number; f1: number } {
  sameLength("precisionRecallF1", scores, labels);
  let tp = 0, fp = 0, fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold, actual = labels[i] > 0.5;
    if (predicted && actual) tp++;
    else if (predicted) fp++;
    else if (actual) fn++;
  }
  const precision = tp + fp ? tp / (tp + fp) : 0, recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/**
 * Area under the precision-recall curve as average precision: Σ over distinct thresholds, highest first,
 * of (Rₙ − Rₙ₋₁)·Pₙ. Tied scores form one threshold (no credit for an order among ties). 0 without positives.
 */
export function prAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  sameLength("prAuc", scores, labels);
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < labels.length; i++) if (labels[i] > 0.5) positives++;
  if (positives === 0) return 0;
  let tp = 0, seen = 0, ap = 0, lastRecall = 0;
  for (let k = 0; k < order.length; ) {
    const s = scores[order[k]];
    while (k < order.length && scores[order[k]] === s) {
      if (labels[order[k]] > 0.5) tp++;
      seen++;
      k++;
    }
    const recall = tp / positives;
    ap += (recall - lastRecall) * (tp / seen);
    lastRecall = recall;
  }
  return ap;
}

/** Mean absolute and root-mean-square error. */
export function regressionErrors(pred: ArrayLike<number>, target: ArrayLike<number>): { mae: number; rmse: number } {
  sameLength("regressionErrors", pred, target);
  let a = 0, s = 0;
  for (let i = 0; i < pred.length; i++) {
    const d = pred[i] - target[i];
    a += Math.abs(d);
    s += d * d;
  }
  const n = pred.length || 1;
  return { mae: a / n, rmse: Math.sqrt(s / n) };
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}
