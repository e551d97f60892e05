// One lab run: a task's model trained once with one hidden activation, initialiser, loss and seed, recording
// the curves, the held-out metric, per-layer gradient norms every epoch, the hidden units' state at the end
// and the milliseconds per epoch on each WASM build. Browser-safe (the live page runs it in a Worker).
import type { BackendName } from "../backend.js";
import { oneHot } from "../data/split.js";
import { checkName, ValueError } from "../errors.js";
import type { LossConfig } from "../model/compile.js";
import type { InitializerName } from "../model/initializers.js";
import type { Layer } from "../model/layer.js";
import type { Sequential } from "../model/sequential.js";
import type { NN } from "../nn.js";
import type { Tensor } from "../tensor.js";
import type { LabSplit, LabTaskData } from "./data.js";
import { type Block, denseBlocks, gradientNorms, probeHidden } from "./probes.js";
import { accuracy, precisionRecallF1, prAuc, regressionErrors } from "./scores.js";
import { LAB_ACTIVATIONS, type LabActivation, labTask, type LabTask, type LabTaskId, type LossVariant } from "./tasks.js";
import type { LabRun } from "./types.js";

/** The builds to time, by results.json's key; null or absent = not timed (recorded as null). */
export interface LabBuilds {
  scalar?: NN | null;
  simd?: NN | null;
  relaxed?: NN | null;
}

/** One cell of the grid. */
export interface LabRunSpec {
  task: LabTaskId;
  activation: LabActivation;
  /** The loss variant's id (LAB_TASKS[task].losses). */
  loss: string;
  seed: number;
  /** Default: the activation's intended initialiser (LAB_ACTIVATIONS). */
  initializer?: InitializerName;
  /** The task's data (prepareLabData). */
  data: LabTaskData;
  /** Default: the task's quick or full count. */
  epochs?: number;
  quick?: boolean;
  /** Test rows the unit probes run over (default 512). */
  probeRows?: number;
}

export interface LabRunHooks {
  /** After every epoch, with the run so far (curves up to this epoch; metric = this epoch's). */
  onEpoch?(epoch: number, partial: LabRun): void;
  /**
   * Builds to time (timeEpoch: a fresh model of the same seed on each); `{}` times none (all null). Without
   * it, nn's own build is timed from the training run itself (median epoch after the first, probes excluded).
   */
  builds?: LabBuilds;
}

const BUILD_KEY: Record<BackendName, keyof LabBuilds> = { scalar: "scalar", simd: "simd", "relaxed-simd": "relaxed" };
const now = () => (typeof performance === "object" ? performance.now() : Date.now());

/** Labels of one split in the variant's form, with their shape. */
function labels(variant: LossVariant, s: LabSplit, classes: number): { values: Float32Array; shape: number[] } {
  const missing = (what: string) => new ValueError(`Loss '${variant.id}' needs ${what} labels, which this task's data does not have.`);
  if (variant.labels === "onehot") return { values: oneHot(s.ids ?? throwing(missing("class")), classes), shape: [s.n, classes] };
  if (variant.labels === "ids") return { values: Float32Array.from(s.ids ?? throwing(missing("class"))), shape: [s.n] };
  if (variant.labels === "soft") return { values: s.soft ?? throwing(missing("soft")), shape: [s.n, classes] };
  return { values: s.targets ?? throwing(missing("real")), shape: [s.n, 1] };
}

function throwing(e: Error): never {
  throw e;
}

/** The task's MLP with one hidden activation (prelu as its own layer after a linear dense, alpha starting at 0.25 as PyTorch). */
export function buildLabModel(nn: NN, task: LabTask, activation: LabActivation, initializer: InitializerName, variant: LossVariant, data: LabTaskData, seed: number): Sequential {
  const layers: Layer[] = [];
  const shape = (i: number) => (i === 0 ? { inputShape: [data.features] } : {});
  task.hidden.forEach((units, i) => {
    if (activation === "prelu") {
      layers.push(nn.layers.dense({ units, kernelInitializer: initializer, ...shape(i) }));
      layers.push(nn.layers.prelu({ alphaInitializer: nn.initializers.constant(0.25) }));
    } else layers.push(nn.layers.dense({ units, activation, kernelInitializer: initializer, ...shape(i) }));
  });
  layers.push(nn.layers.dense({ units: data.outputs, activation: variant.output, ...shape(task.hidden.length) }));
  const model = nn.sequential({ layers, seed });
  model.compile({ optimizer: "adam", loss: lossConfig(variant, data) });
  return model;
}

export function lossConfig(variant: LossVariant, data: LabTaskData): LossConfig {
  return typeof variant.loss === "function" ? variant.loss(data) : variant.loss;
}

export function findVariant(task: LabTaskId, id: string): LossVariant {
  const variants = labTask(task).losses;
  const name = checkName(`loss of task '${task}'`, id, variants.map((v) => v.id));
  return variants.find((v) => v.id === name)!;
}

/** The task's metric (and extra scores) from the model's outputs on the test side. */
export function scoreOutputs(task: LabTask, variant: LossVariant, out: Float32Array, data: LabTaskData): { metric: LabRun["metric"]; scores: Record<string, number> } {
  const test = data.test;
  if (task.metric === "accuracy") {
    const value = accuracy(out, test.ids!, data.outputs);
    return { metric: { name: "accuracy", value, better: "higher" }, scores: { accuracy: value } };
  }
  if (task.metric === "mae") {
    const e = regressionErrors(out, test.targets!);
    return { metric: { name: "mae", value: e.mae, better: "lower" }, scores: { mae: e.mae, rmse: e.rmse } };
  }
  const prf = precisionRecallF1(out, test.targets!, variant.threshold ?? 0.5);
  return { metric: { name: "f1", value: prf.f1, better: "higher" }, scores: { ...prf, prAuc: prAuc(out, test.targets!) } };
}

/** The tensors a run trains on; disposed together. */
function tensors(nn: NN, variant: LossVariant, data: LabTaskData): { xTrain: Tensor; yTrain: Tensor; xTest: Tensor; yTest: Tensor; dispose(): void } {
  const ytr = labels(variant, data.train, data.outputs), yte = labels(variant, data.test, data.outputs);
  const t = {
    xTrain: nn.tensor(data.train.x, [data.train.n, data.features]),
    yTrain: nn.tensor(ytr.values, ytr.shape),
    xTest: nn.tensor(data.test.x, [data.test.n, data.features]),
    yTest: nn.tensor(yte.values, yte.shape),
  };
  return { ...t, dispose: () => Object.values(t).forEach((x) => x.dispose()) };
}

/**
 * Milliseconds of one training epoch on a build: a fresh model of the same seed fitted without validation
 * or probes; the first epoch (planning, warm-up) is dropped and the fastest of the next ones kept (other
 * work on the machine only ever adds time), at least 3 of them and until 150 ms were timed (at most 10, or 2
 * when an epoch takes over a second).
 */
export async function timeEpoch(nn: NN, spec: LabRunSpec, initializer: InitializerName): Promise<number> {
  const task = labTask(spec.task), variant = findVariant(spec.task, spec.loss);
  const model = buildLabModel(nn, task, spec.activation, initializer, variant, spec.data, spec.seed);
  const t = tensors(nn, variant, spec.data);
  const times: number[] = [];
  let start = 0;
  const enough = () => {
    const timed = times.slice(1), total = timed.reduce((a, b) => a + b, 0);
    return (timed.length >= 3 && total >= 150) || (timed.length >= 2 && timed[0] > 1000);
  };
  try {
    await model.fit(t.xTrain, t.yTrain, {
      epochs: 11, batchSize: task.batchSize, verbose: 0, seed: spec.seed, yieldEvery: "never", classWeight: variant.classWeight?.(spec.data),
      callbacks: {
        onEpochBegin: () => void (start = now()),
        onEpochEnd: () => {
          times.push(now() - start);
          if (enough()) model.stopTraining = true;
        },
      },
    });
  } finally {
    t.dispose();
    model.dispose();
  }
  return Math.min(...times.slice(1));
}

/** Trains one cell and records everything results.json holds for it. */
export async function runLabRun(nn: NN, spec: LabRunSpec, hooks: LabRunHooks = {}): Promise<LabRun> {
  const task = labTask(spec.task), variant = findVariant(spec.task, spec.loss);
  const activation = checkName("activation", spec.activation, Object.keys(LAB_ACTIVATIONS)) as LabActivation;
  const initializer = spec.initializer ?? (LAB_ACTIVATIONS[activation].initializer as InitializerName);
  const epochs = spec.epochs ?? (spec.quick ? task.epochs.quick : task.epochs.full);
  const data = spec.data;
  const model = buildLabModel(nn, task, activation, initializer, variant, data, spec.seed);
  const blocks: Block[] = denseBlocks(model);
  const t = tensors(nn, variant, data);
  const run: LabRun = {
    task: spec.task, activation, loss: variant.id, seed: spec.seed, lossConfig: { ...lossConfig(variant, data) }, initializer,
    metric: { name: task.metric, value: NaN }, scores: {}, curve: [], valCurve: [], metricCurve: [],
    gradNormByLayer: blocks.map(() => []), deadFraction: [], saturatedFraction: [], histograms: [],
    msPerEpoch: { scalar: null, simd: null, relaxed: null },
  };
  const epochMs: number[] = [];
  try {
    // gradient norms: the mean over the epoch's batches of each batch's norm; the time they take is not the epoch's
    let sums = blocks.map(() => 0), batches = 0, trainMs = 0, mark = 0;
    await model.fit(t.xTrain, t.yTrain, {
      epochs, batchSize: task.batchSize, verbose: 0, seed: spec.seed, yieldEvery: "epoch", validationData: [t.xTest, t.yTest], classWeight: variant.classWeight?.(data),
      callbacks: {
        onEpochBegin: () => {
          [sums, batches, trainMs, mark] = [blocks.map(() => 0), 0, 0, now()];
        },
        onBatchEnd: () => {
          trainMs += now() - mark;
          gradientNorms(model, blocks).forEach((g, i) => (sums[i] += g));
          batches++;
          mark = now();
        },
        onEpochEnd: (epoch, logs) => {
          epochMs.push(trainMs);
          run.curve.push(logs?.loss ?? NaN);
          run.valCurve.push(logs?.val_loss ?? NaN);
          sums.forEach((s, i) => run.gradNormByLayer[i].push(s / Math.max(1, batches)));
          const scored = scoreOutputs(task, variant, model.predict(t.xTest, { output: "array" }), data);
          run.metric = scored.metric;
          run.scores = scored.scores;
          run.metricCurve!.push(scored.metric.value);
          if (!Number.isFinite(logs?.loss ?? NaN)) {
            run.diverged = true;
            model.stopTraining = true;
          }
          hooks.onEpoch?.(epoch, structuredClone(run));
        },
      },
    });
    const rows = Math.min(spec.probeRows ?? 512, data.test.n);
    const stats = probeHidden(nn, model, blocks, data.test.x, rows, LAB_ACTIVATIONS[activation].range);
    run.deadFraction = stats.map((s) => s.dead);
    // bounded activations only: a ReLU has no saturation value to be near (empty, not zeros)
    run.saturatedFraction = stats.every((s) => s.saturated !== null) ? stats.map((s) => s.saturated!) : [];
    run.histograms = stats.map((s) => s.histogram);
  } finally {
    t.dispose();
    model.dispose();
  }
  await recordTimes(nn, spec, initializer, epochMs, run, hooks.builds);
  return run;
}

/** msPerEpoch: each given build timed alike (timeEpoch); without builds, nn's own from training (see LabRunHooks.builds). */
async function recordTimes(nn: NN, spec: LabRunSpec, initializer: InitializerName, epochMs: number[], run: LabRun, builds?: LabBuilds): Promise<void> {
  if (!builds) {
    const sorted = epochMs.slice(epochMs.length > 1 ? 1 : 0).sort((a, b) => a - b);
    run.msPerEpoch[BUILD_KEY[nn.backend]] = sorted.length ? sorted[Math.floor(sorted.length / 2)] : null;
    return;
  }
  for (const key of ["scalar", "simd", "relaxed"] as const) {
    const build = builds[key];
    if (build) run.msPerEpoch[key] = await timeEpoch(build, spec, initializer);
  }
}
