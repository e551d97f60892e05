// The report's reference curves: every activation with its derivative and every loss with its gradient,
// computed by simdnn's own kernels (nn.activation, nn.activationBackward, nn.loss, nn.lossGradient), so
// the report shows what the library computes, not a textbook formula.
import { ACTIVATIONS, type ActivationName } from "../activations.js";
import type { CanonicalLossName, LossParams } from "../losses.js";
import type { NN } from "../nn.js";

/** x from lo to hi in `n` equal steps (n + 1 points, both ends and, for a symmetric range, 0 included). */
export function grid(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n + 1 }, (_, i) => lo + ((hi - lo) * i) / n);
}

/** The x range of the activation plots. */
export const ACTIVATION_X = { lo: -5, hi: 5, steps: 200 } as const;

/** One activation's curves on the grid: f(x) and f′(x) (backward with dy = 1). */
export interface ActivationCurve {
  name: ActivationName;
  def: string;
  xs: number[];
  f: number[];
  df: number[];
}

/**
 * The activations drawn as 1-D curves: every registry row but aliases (a row whose kernel an earlier
 * row already has) and the row-wise ones (softmax and logSoftmax act on a whole vector), which are
 * returned apart so the report can name them instead of dropping them silently.
 */
export function plottedActivations(): { plotted: ActivationName[]; aliases: ActivationName[]; rowWise: ActivationName[] } {
  const seen = new Set<string>(), plotted: ActivationName[] = [], aliases: ActivationName[] = [], rowWise: ActivationName[] = [];
  for (const [name, row] of Object.entries(ACTIVATIONS) as [ActivationName, (typeof ACTIVATIONS)[ActivationName]][]) {
    if (row.kind === "rows") rowWise.push(name);
    else if (seen.has(row.kernel)) aliases.push(name);
    else plotted.push(name);
    seen.add(row.kernel);
  }
  return { plotted, aliases, rowWise };
}

/** f and f′ of each plotted activation with its default parameters, from nn's kernels. */
export function activationCurves(nn: NN): ActivationCurve[] {
  const xs = grid(ACTIVATION_X.lo, ACTIVATION_X.hi, ACTIVATION_X.steps);
  const x = nn.tensor(xs), dy = nn.ones([xs.length]);
  try {
    return plottedActivations().plotted.map((name) => {
      const y = nn.activation(name, x), dx = nn.activationBackward(name, x, dy);
      const curve = { name, def: ACTIVATIONS[name].def, xs, f: Array.from(y.data), df: Array.from(dx.data) };
      y.dispose();
      dx.dispose();
      return curve;
    });
  } finally {
    x.dispose();
    dy.dispose();
  }
}

/**
 * How a loss is laid along one axis: the x range, the label yTrue holds, how one sample's yPred is made
 * from x (a vector of `dim` values; the gradient is read at `col`, the entry x sits in), and the group.
 */
const AXES = {
  residual: { label: "prediction − target (target 0)", lo: -5, hi: 5, group: "regression", dim: 1, col: 0, yTrue: [0], yPred: (x: number) => [x] },
  count: { label: "predicted rate (target 1)", lo: 0.05, hi: 5, group: "regression", dim: 1, col: 0, yTrue: [1], yPred: (x: number) => [x] },
  logit: { label: "logit (target 1)", lo: -6, hi: 6, group: "classification", dim: 1, col: 0, yTrue: [1], yPred: (x: number) => [x] },
  probability: { label: "predicted probability (target 1)", lo: 0.005, hi: 0.995, group: "classification", dim: 1, col: 0, yTrue: [1], yPred: (x: number) => [x] },
  margin: { label: "score (target +1; the margin is target·score)", lo: -3, hi: 3, group: "classification", dim: 1, col: 0, yTrue: [1], yPred: (x: number) => [x] },
  twoClassLogit: { label: "logit of the true class (other logit 0)", lo: -6, hi: 6, group: "classification", dim: 2, col: 0, yTrue: [1, 0], yPred: (x: number) => [x, 0] },
  classIdLogit: { label: "logit of the true class (other logit 0)", lo: -6, hi: 6, group: "classification", dim: 2, col: 0, yTrue: [0], yPred: (x: number) => [x, 0] },
  critic: { label: "critic score (target 1)", lo: -3, hi: 3, group: "classification", dim: 1, col: 0, yTrue: [1], yPred: (x: number) => [x] },
} as const;
type AxisName = keyof typeof AXES;

/** One drawn loss: the axis it lies on and the parameters it runs with (defaults otherwise). */
interface LossPlot {
  readonly axis: AxisName;
  readonly params?: Readonly<Omit<LossParams, "reduction" | "sampleWeight">>;
  readonly note?: string;
  /** Said after the name where the parameters alone do not tell two plots of one loss apart. */
  readonly tag?: string;
}

/**
 * Every canonical loss, as curves or with the reason it has no 1-D curve: the compiler checks that no
 * loss of the registry is left out (a new loss fails to compile until it gets a row here).
 */
export const LOSS_PLOTS = {
  meanSquaredError: [{ axis: "residual" }],
  meanAbsoluteError: [{ axis: "residual" }],
  huber: [{ axis: "residual", params: { delta: 1 } }],
  logCosh: [{ axis: "residual" }],
  quantile: [{ axis: "residual", params: { quantile: 0.5 } }, { axis: "residual", params: { quantile: 0.9 } }],
  poisson: [{ axis: "count" }],
  cosineSimilarity: "compares the directions of two vectors, so it has no curve against one number",
  binaryCrossentropy: [{ axis: "logit", params: { fromLogits: true } }, { axis: "probability", tag: "on probabilities" }],
  binaryFocalCrossentropy: [{ axis: "logit", params: { fromLogits: true } }, { axis: "probability", tag: "on probabilities" }],
  hinge: [{ axis: "margin", note: "targets 0/1 are mapped to −1/+1 as Keras does" }],
  squaredHinge: [{ axis: "margin" }],
  categoricalCrossentropy: [{ axis: "twoClassLogit", params: { fromLogits: true } }],
  sparseCategoricalCrossentropy: [{ axis: "classIdLogit", params: { fromLogits: true } }],
  categoricalHinge: [{ axis: "twoClassLogit", note: "on scores, not probabilities" }],
  kullbackLeiblerDivergence: [{ axis: "probability", note: "target distribution (1), so KL = −log p" }],
  iou: "compares boxes [x1, y1, x2, y2], so it has no curve against one number",
  wasserstein: [{ axis: "critic" }],
} as const satisfies Record<CanonicalLossName, readonly LossPlot[] | string>;

/** One loss curve: per-sample loss and its gradient d loss / d yPred at each x. */
export interface LossCurve {
  name: CanonicalLossName;
  /** "huber (delta 1)", "binaryCrossentropy (fromLogits)" … */
  label: string;
  group: "regression" | "classification";
  xLabel: string;
  note?: string;
  xs: number[];
  loss: number[];
  grad: number[];
}

/** Parameters printed after the name: "(delta 1)", "(fromLogits)", "" for none. */
function paramText(params: Readonly<Record<string, unknown>> | undefined): string {
  const parts = Object.entries(params ?? {}).map(([k, v]) => (v === true ? k : `${k} ${String(v)}`));
  return parts.length ? ` (${parts.join(", ")})` : "";
}

/** Every loss curve of LOSS_PLOTS (reduction 'none': one sample's own loss and gradient per x). */
export function lossCurves(nn: NN, steps = 200): { curves: LossCurve[]; unplotted: { name: CanonicalLossName; reason: string }[] } {
  const curves: LossCurve[] = [], unplotted: { name: CanonicalLossName; reason: string }[] = [];
  for (const [name, rows] of Object.entries(LOSS_PLOTS) as [CanonicalLossName, readonly LossPlot[] | string][]) {
    if (typeof rows === "string") {
      unplotted.push({ name, reason: rows });
      continue;
    }
    for (const row of rows) {
      const axis = AXES[row.axis], xs = grid(axis.lo, axis.hi, steps);
      const yTrue = nn.tensor(xs.flatMap(() => [...axis.yTrue]), [xs.length, axis.yTrue.length]);
      const yPred = nn.tensor(xs.flatMap((x) => axis.yPred(x)), [xs.length, axis.dim]);
      try {
        const lossT = nn.loss(name, yTrue, yPred, { ...row.params, reduction: "none" });
        const gradT = nn.lossGradient(name, yTrue, yPred, { ...row.params, reduction: "none" });
        const loss = Array.from(lossT.data), g = gradT.data, grad = xs.map((_, i) => g[i * axis.dim + axis.col]);
        lossT.dispose();
        gradT.dispose();
        curves.push({ name, label: name + paramText(row.params) + (row.tag ? ` ${row.tag}` : ""), group: axis.group, xLabel: axis.label, note: row.note, xs, loss, grad });
      } finally {
        yTrue.dispose();
        yPred.dispose();
      }
    }
  }
  return { curves, unplotted };
}
