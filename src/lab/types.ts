// The lab's results.json schema (issue 19), shared by the runner (src/lab/run*.ts), the report
// (src/lab/report*.ts) and the browser example. Fields beyond the list are additive.

/** One training run: a task trained once with one activation, one loss and one seed. */
export interface LabRun {
  task: string;
  /** Hidden activation (the output activation is the task's). */
  activation: string;
  /** Loss name as compile takes it, or a label such as "bce (class-weighted)" / "cce (label smoothing 0.1)". */
  loss: string;
  seed: number;
  /** What compile was given as its loss for this run (name and parameters), when the runner records it. */
  lossConfig?: Record<string, unknown>;
  /** Initializer of the hidden layers (the deep task varies it; "he", "glorot", "lecun" …). */
  initializer?: string;
  /** Score on held-out data: accuracy, F1, PR-AUC, MAE on clean targets … (higher or lower better: see `better`). */
  metric: { name: string; value: number; better?: "higher" | "lower" };
  /** Extra held-out scores (precision, recall, F1, PR-AUC for the imbalanced task …). */
  scores?: Record<string, number>;
  /** Training loss per epoch. */
  curve: number[];
  /** Validation loss per epoch. */
  valCurve: number[];
  /** Validation metric per epoch (same name as `metric`). */
  metricCurve?: number[];
  /** L2 norm of each layer's weight gradient (kernel and bias together), per epoch: [layer][epoch], first layer first. */
  gradNormByLayer: number[][];
  /** Per hidden layer, at the end: fraction of units that output 0 for every probe sample (ReLU family). */
  deadFraction: number[];
  /** Per hidden layer, at the end: fraction of sigmoid/tanh outputs within 1 % of the saturation values. */
  saturatedFraction: number[];
  /** Per hidden layer, at the end: histogram of the activations over probe samples. */
  histograms?: { min: number; max: number; counts: number[] }[];
  /** Milliseconds per training epoch on each build; null where the build is not available on this host. */
  msPerEpoch: { scalar: number | null; simd: number | null; relaxed: number | null };
  /** Set when training diverged (NaN loss) and stopped early. */
  diverged?: boolean;
}

/** Mean ± std over seeds of one (task, activation, loss, initializer) cell. */
export interface LabSummaryRow {
  task: string;
  activation: string;
  loss: string;
  initializer?: string;
  metric: string;
  mean: number;
  std: number;
  seeds: number;
}

export interface LabResults {
  /** Version of the schema. */
  version: 1;
  /** When, where and how: ISO date, host description, node/browser version, options used. */
  meta: { date: string; host: string; runtime: string; quick: boolean; seeds: number; epochs: Record<string, number>; [k: string]: unknown };
  runs: LabRun[];
  summary: LabSummaryRow[];
}
