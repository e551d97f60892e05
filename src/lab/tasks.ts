// The one table of lab tasks (issue 19): for each, its data, the model (hidden widths, which activations
// and initialisers), the loss variants, the held-out metric, epochs (quick / full) and batch size. The
// CLI's names, the runner, the tests and the report all read LAB_TASKS and LAB_ACTIVATIONS.
import type { ActivationName } from "../activations.js";
import type { LossConfig } from "../model/compile.js";
import type { InitializerName } from "../model/initializers.js";
import { ValueError } from "../errors.js";
import { addSoftTargets, classification, type ImageSet, inkRegression, type LabTaskData, rareClass } from "./data.js";

/**
 * Hidden activations the lab compares, each with the initialiser it is meant for (He for the ReLU family
 * and its smooth cousins, Glorot for sigmoid and tanh, LeCun normal for selu) and, for bounded ones, the
 * output range whose ends count as saturated.
 */
export const LAB_ACTIVATIONS = {
  sigmoid: { initializer: "glorotUniform", range: [0, 1] },
  tanh: { initializer: "glorotUniform", range: [-1, 1] },
  relu: { initializer: "heNormal", range: null },
  leakyRelu: { initializer: "heNormal", range: null },
  prelu: { initializer: "heNormal", range: null },
  elu: { initializer: "heNormal", range: null },
  selu: { initializer: "lecunNormal", range: null },
  gelu: { initializer: "heNormal", range: null },
  silu: { initializer: "heNormal", range: null },
  mish: { initializer: "heNormal", range: null },
  softplus: { initializer: "heNormal", range: null },
} as const satisfies Record<string, { initializer: InitializerName; range: readonly [number, number] | null }>;

export type LabActivation = keyof typeof LAB_ACTIVATIONS & ActivationName;
export const LAB_ACTIVATION_NAMES = Object.keys(LAB_ACTIVATIONS) as LabActivation[];

/** How a loss variant's labels are encoded from the task's data. */
export type LabelForm = "onehot" | "ids" | "soft" | "target";

/** A loss as one run trains it: compile's loss, the output activation it pairs with, and its label form. */
export interface LossVariant {
  /** The name in results.json and on the command line. */
  readonly id: string;
  /** compile's loss; a function where it depends on the data. */
  readonly loss: LossConfig | ((data: LabTaskData) => LossConfig);
  readonly output: ActivationName;
  readonly labels: LabelForm;
  /** Binary decision threshold on the output (0.5 for probabilities, 0 for hinge margins). */
  readonly threshold?: number;
  /** fit's classWeight for this variant, from the task's data (class-weighted BCE); none when absent. */
  readonly classWeight?: (data: LabTaskData) => Record<number, number>;
}

/** How a task scores a run on its test side. */
export type LabMetric = "accuracy" | "f1" | "mae";

/** Where a task's data comes from: the embedded digits always, Fashion-MNIST when the caller has it. */
export type LabSource = "digits" | "fashion";

export interface LabTask {
  readonly description: string;
  readonly source: LabSource;
  /** Derives the task's data from the image set (seeded split); `quick` may cap the rows. */
  readonly data: (set: ImageSet, seed: number, quick: boolean) => LabTaskData;
  readonly hidden: readonly number[];
  /** The runs' (activation, initializer) pairs; the activation filter of the CLI applies where there are several. */
  readonly models: readonly { activation: LabActivation; initializer: InitializerName }[];
  readonly losses: readonly LossVariant[];
  readonly metric: LabMetric;
  readonly epochs: { readonly quick: number; readonly full: number };
  readonly batchSize: number;
}

const intended = (names: readonly LabActivation[]) => names.map((activation) => ({ activation, initializer: LAB_ACTIVATIONS[activation].initializer as InitializerName }));

/** sklearn's class_weight='balanced' for a binary task: n / (2·n_c), i.e. 1 / (2(1 − p)) and 1 / (2p) for positive rate p. */
export function balancedClassWeight(data: LabTaskData): Record<number, number> {
  const p = data.positiveRate;
  if (p === undefined || !(p > 0 && p < 1)) throw new ValueError(`Class-weighted BCE needs a positive rate in (0, 1) from the task's data; received ${p}.`);
  return { 0: 1 / (2 * (1 - p)), 1: 1 / (2 * p) };
}

const CCE: LossVariant = { id: "cce", loss: { name: "categoricalCrossentropy" }, output: "softmax", labels: "onehot" };

/** The deep task's mismatched runs: Keras 1's N(0, 0.05²) kernels under sigmoid and relu shrink the signal layer by layer. */
const MISMATCHED = [
  { activation: "sigmoid", initializer: "randomNormal" },
  { activation: "relu", initializer: "randomNormal" },
] as const satisfies readonly { activation: LabActivation; initializer: InitializerName }[];

export const LAB_TASKS = {
  digits: {
    description: "UCI digits (8×8, embedded): a 64-64-64-10 MLP with each hidden activation, softmax + categorical cross-entropy, Adam.",
    source: "digits",
    data: (set, seed) => classification(set, "UCI digits", seed),
    hidden: [64, 64],
    models: intended(LAB_ACTIVATION_NAMES),
    losses: [CCE],
    metric: "accuracy",
    epochs: { quick: 15, full: 40 },
    batchSize: 32,
  },
  fashion: {
    description: "Fashion-MNIST (28×28, Zalando, MIT): a 784-128-64-10 MLP with each hidden activation, softmax + categorical cross-entropy, Adam; --quick trains on 6000 rows and tests on 1000.",
    source: "fashion",
    data: (set, seed, quick) => classification(set, "Fashion-MNIST", seed, quick ? { train: 6000, test: 1000 } : {}),
    hidden: [128, 64],
    models: intended(LAB_ACTIVATION_NAMES),
    losses: [CCE],
    metric: "accuracy",
    epochs: { quick: 4, full: 15 },
    batchSize: 64,
  },
  deep: {
    description: "Deep and narrow: 8 hidden layers of 32 units on the digits, each activation with its intended initializer, plus sigmoid and relu with N(0, 0.05²) kernels (mismatched); per-layer gradient norms show vanishing or exploding gradients.",
    source: "digits",
    data: (set, seed) => classification(set, "UCI digits", seed),
    hidden: [32, 32, 32, 32, 32, 32, 32, 32],
    models: [...intended(["sigmoid", "tanh", "relu", "leakyRelu", "elu", "selu", "gelu"]), ...MISMATCHED],
    losses: [CCE],
    metric: "accuracy",
    epochs: { quick: 15, full: 40 },
    batchSize: 32,
  },
  regression: {
    description: "Regression with outliers: the ink of a digit's lower half from its upper half (real pixels), 10 % of the training targets shifted by +8…16 σ, scored by MAE on clean test targets; a 32-64-32-1 ReLU MLP.",
    source: "digits",
    data: (set, seed) => inkRegression(set, seed),
    hidden: [64, 32],
    models: intended(["relu"]),
    losses: [
      { id: "mse", loss: { name: "meanSquaredError" }, output: "linear", labels: "target" },
      { id: "mae", loss: { name: "meanAbsoluteError" }, output: "linear", labels: "target" },
      { id: "huber", loss: { name: "huber", delta: 1 }, output: "linear", labels: "target" },
      { id: "logCosh", loss: { name: "logCosh" }, output: "linear", labels: "target" },
      { id: "quantile", loss: { name: "quantile", quantile: 0.5 }, output: "linear", labels: "target" },
    ],
    metric: "mae",
    epochs: { quick: 25, full: 60 },
    batchSize: 32,
  },
  imbalanced: {
    description: "A rare class: digit 8 against the rest with the 8s subsampled to 5 % (train and test), a 64-32-1 ReLU MLP; scored by F1 at the loss's threshold (0.5 on probabilities, 0 on hinge margins), with precision, recall and PR-AUC. Class-weighted BCE is BCE trained with fit's classWeight, sklearn's 'balanced' weights n / (2·n_class) from the training set's positive rate.",
    source: "digits",
    data: (set, seed) => rareClass(set, seed),
    hidden: [32],
    models: intended(["relu"]),
    losses: [
      { id: "bce", loss: { name: "binaryCrossentropy" }, output: "sigmoid", labels: "target", threshold: 0.5 },
      // class-weighted BCE through fit's classWeight: each class weighs n / (2·n_class) (sklearn's 'balanced'), inversely to its frequency
      { id: "bceWeighted", loss: { name: "binaryCrossentropy" }, classWeight: balancedClassWeight, output: "sigmoid", labels: "target", threshold: 0.5 },
      { id: "focal", loss: { name: "binaryFocalCrossentropy", gamma: 2, alpha: 0.25, applyClassBalancing: true }, output: "sigmoid", labels: "target", threshold: 0.5 },
      { id: "hinge", loss: { name: "hinge" }, output: "linear", labels: "target", threshold: 0 },
      { id: "squaredHinge", loss: { name: "squaredHinge" }, output: "linear", labels: "target", threshold: 0 },
    ],
    metric: "f1",
    epochs: { quick: 25, full: 60 },
    batchSize: 32,
  },
  multiclass: {
    description: "Multi-class losses on the digits (64-64-10 ReLU MLP): categorical and sparse cross-entropy, label smoothing 0.1, categorical hinge on linear outputs, and KL divergence to soft targets from a nearest-centroid teacher.",
    source: "digits",
    data: (set, seed) => addSoftTargets(classification(set, "UCI digits", seed)),
    hidden: [64],
    models: intended(["relu"]),
    losses: [
      CCE,
      { id: "sparseCce", loss: { name: "sparseCategoricalCrossentropy" }, output: "softmax", labels: "ids" },
      { id: "cceSmoothed", loss: { name: "categoricalCrossentropy", labelSmoothing: 0.1 }, output: "softmax", labels: "onehot" },
      { id: "categoricalHinge", loss: { name: "categoricalHinge" }, output: "linear", labels: "onehot" },
      { id: "kld", loss: { name: "kullbackLeiblerDivergence" }, output: "softmax", labels: "soft" },
    ],
    metric: "accuracy",
    epochs: { quick: 15, full: 40 },
    batchSize: 32,
  },
} as const satisfies Record<string, LabTask>;

export type LabTaskId = keyof typeof LAB_TASKS;
export const LAB_TASK_IDS = Object.keys(LAB_TASKS) as LabTaskId[];

/** Every loss variant id across tasks (the CLI's --losses names). */
export const LAB_LOSS_IDS: readonly string[] = [...new Set(LAB_TASK_IDS.flatMap((t) => LAB_TASKS[t].losses.map((l) => l.id)))];

/** The task row, typed as the general interface (the table is `as const`). */
export function labTask(id: LabTaskId): LabTask {
  return LAB_TASKS[id];
}
