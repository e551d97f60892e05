// The lab over its grid: tasks × (activation, initialiser) × loss variant × seed, each cell one runLabRun,
// then mean ± std over seeds. Browser-safe; the CLI adds files, the progress bar and the table.
import { BACKENDS, backendSupport } from "../backend.js";
import { checkName, ValueError, show } from "../errors.js";
import type { NN } from "../nn.js";
import { checkImageSet, digitsSet, type ImageSet, type LabTaskData, type LabSplit } from "./data.js";
import { type LabBuilds, runLabRun, type LabRunSpec } from "./run.js";
import { meanStd } from "./scores.js";
import { LAB_ACTIVATION_NAMES, LAB_ACTIVATIONS, LAB_LOSS_IDS, LAB_TASK_IDS, type LabActivation, labTask, type LabTaskId } from "./tasks.js";
import type { LabResults, LabRun, LabSummaryRow } from "./types.js";

export interface LabOptions {
  /** Default: every task. */
  tasks?: readonly LabTaskId[];
  /** Filters the hidden activations of the tasks that compare several (digits, fashion, deep). */
  activations?: readonly LabActivation[];
  /** Filters the loss variants of the tasks that compare several (regression, imbalanced, multiclass). */
  losses?: readonly string[];
  /** Seeds 0 … n − 1 per cell. Default 1 (quick) or 3. */
  seeds?: number;
  /** Fewer epochs, Fashion-MNIST on a subset. */
  quick?: boolean;
  /** Fashion-MNIST (train and test pooled, as the CLI reads it); without it the fashion task is skipped with the reason. */
  fashion?: ImageSet | null;
  /** Why fashion is missing, for the skip message (e.g. the folder looked in). */
  fashionMissing?: string;
  /** Builds to time (timeEpoch, on seed 0's runs only; later seeds get null); without it each run times its training build itself. */
  builds?: LabBuilds;
  /** Overrides every task's epoch count (tests, the live page). */
  epochs?: number;
  /** Caps the training and test rows of every task (tests, the live page). */
  maxRows?: { train?: number; test?: number };
  /** Extra meta fields (host, options as given). */
  meta?: Record<string, unknown>;
}

/** What onProgress receives: before each run (run undefined), after it, and for a skipped task. */
export interface LabProgress {
  done: number;
  total: number;
  label: string;
  run?: LabRun;
  skipped?: { task: LabTaskId; reason: string };
}

export interface LabHooks {
  onProgress?(p: LabProgress): void;
  onEpoch?(epoch: number, partial: LabRun): void;
}

/** Checks a list of names against the valid ones (ValueError listing them). */
export function checkNames<T extends string>(what: string, names: readonly string[] | undefined, valid: readonly T[]): T[] | undefined {
  if (names === undefined) return undefined;
  if (!Array.isArray(names) || names.length === 0) throw new ValueError(`${what} must be a non-empty list of names (${valid.join(", ")}); received ${show(names)}.`);
  return names.map((n) => checkName(what, n, valid));
}

/** The builds this host runs, each initialised once: what LabOptions.builds wants. */
export async function initBuilds(init: (o: { backend: "scalar" | "simd" | "relaxed-simd" }) => Promise<NN>): Promise<LabBuilds> {
  const builds: LabBuilds = {};
  for (const backend of BACKENDS) {
    if (backendSupport(backend).ok) builds[backend === "relaxed-simd" ? "relaxed" : backend] = await init({ backend });
  }
  return builds;
}

const capSplit = (s: LabSplit, rows: number | undefined): LabSplit => {
  if (rows === undefined || rows >= s.n) return s;
  const f = s.x.length / s.n, per = (a: Float32Array | null) => (a ? a.subarray(0, rows * (a.length / s.n)) : null);
  return { x: s.x.subarray(0, rows * f), n: rows, ids: s.ids ? s.ids.subarray(0, rows) : null, targets: per(s.targets), soft: per(s.soft) };
};

/** A task's data from the image sets (split seed 0: every seed of a cell sees the same rows; the seed varies the weights and the shuffling). */
export function prepareLabData(task: LabTaskId, sets: { digits: ImageSet; fashion?: ImageSet | null }, quick: boolean, maxRows?: LabOptions["maxRows"]): LabTaskData {
  const row = labTask(task);
  const set = row.source === "fashion" ? sets.fashion : sets.digits;
  if (!set) throw new ValueError(`Task '${task}' needs the ${row.source} data set; none was given.`);
  const d = row.data(set, 0, quick);
  return { ...d, train: capSplit(d.train, maxRows?.train), test: capSplit(d.test, maxRows?.test) };
}

/** Every cell of the grid for the options, in table order. */
export function planGrid(options: LabOptions): { task: LabTaskId; activation: LabActivation; initializer: string; loss: string }[] {
  const tasks = checkNames("task", options.tasks, LAB_TASK_IDS) ?? LAB_TASK_IDS;
  const acts = checkNames("activation", options.activations, LAB_ACTIVATION_NAMES);
  const losses = checkNames("loss", options.losses, LAB_LOSS_IDS);
  const cells = [];
  for (const task of tasks) {
    const row = labTask(task);
    const models = row.models.length > 1 && acts ? row.models.filter((m) => acts.includes(m.activation)) : row.models;
    const variants = row.losses.length > 1 && losses ? row.losses.filter((v) => losses.includes(v.id)) : row.losses;
    for (const m of models) for (const v of variants) cells.push({ task, activation: m.activation, initializer: m.initializer, loss: v.id });
  }
  return cells;
}

/** Mean ± std of the metric over the seeds of each (task, activation, loss, initializer) cell. */
export function summarize(runs: readonly LabRun[]): LabSummaryRow[] {
  const groups = new Map<string, LabRun[]>();
  for (const r of runs) {
    const key = [r.task, r.activation, r.loss, r.initializer ?? ""].join("\u0000");
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()].map((g) => {
    const { mean, std } = meanStd(g.map((r) => r.metric.value));
    const r = g[0];
    return { task: r.task, activation: r.activation, loss: r.loss, initializer: r.initializer, metric: r.metric.name, mean, std, seeds: g.length };
  });
}

function runtimeName(): string {
  const g = globalThis as { process?: { versions?: { node?: string } }; navigator?: { userAgent?: string } };
  return g.process?.versions?.node ? `node ${g.process.versions.node}` : g.navigator?.userAgent ?? "unknown";
}

/** Runs the grid and returns results.json's content. */
export async function runLab(nn: NN, options: LabOptions = {}, hooks: LabHooks = {}): Promise<LabResults> {
  const quick = options.quick ?? false;
  const seeds = options.seeds ?? (quick ? 1 : 3);
  if (!Number.isInteger(seeds) || seeds < 1) throw new ValueError(`seeds must be a positive integer; received ${show(seeds)}.`);
  const fashion = options.fashion ? checkImageSet("fashion", options.fashion) : null;
  const cells = planGrid(options);
  const digits = await digitsSet();
  const skipped: { task: LabTaskId; reason: string }[] = [];
  const dataOf = new Map<LabTaskId, LabTaskData>();
  for (const task of new Set(cells.map((c) => c.task))) {
    if (labTask(task).source === "fashion" && !fashion) {
      const reason = `Fashion-MNIST not available${options.fashionMissing ? ` (${options.fashionMissing})` : ""}`;
      skipped.push({ task, reason });
      hooks.onProgress?.({ done: 0, total: 0, label: task, skipped: { task, reason } });
      continue;
    }
    dataOf.set(task, prepareLabData(task, { digits, fashion }, quick, options.maxRows));
  }
  const todo = cells.filter((c) => dataOf.has(c.task));
  const total = todo.length * seeds;
  const runs: LabRun[] = [];
  const epochs: Record<string, number> = {};
  for (const c of todo) {
    for (let seed = 0; seed < seeds; seed++) {
      const label = `${c.task} ${c.activation} ${c.loss}${c.initializer !== LAB_ACTIVATIONS[c.activation].initializer ? ` (${c.initializer})` : ""} seed ${seed}`;
      hooks.onProgress?.({ done: runs.length, total, label });
      const spec: LabRunSpec = { task: c.task, activation: c.activation, initializer: c.initializer as LabRunSpec["initializer"], loss: c.loss, seed, quick, epochs: options.epochs, data: dataOf.get(c.task)! };
      const run = await runLabRun(nn, spec, { onEpoch: hooks.onEpoch, builds: seed === 0 || !options.builds ? options.builds : {} });
      epochs[c.task] = run.curve.length;
      runs.push(run);
      hooks.onProgress?.({ done: runs.length, total, label, run });
    }
  }
  const tasks = Object.fromEntries([...dataOf].map(([id, d]) => [id, { description: labTask(id).description, data: d.source, batchSize: labTask(id).batchSize }]));
  return {
    version: 1,
    meta: {
      date: new Date().toISOString(), host: "unknown", runtime: runtimeName(), quick, seeds, epochs, backend: nn.backend,
      timing: options.builds
        ? "msPerEpoch: the fastest epoch after the first of a fresh model of the run's seed on each build (no validation, no probes; ≥ 3 epochs and ≥ 150 ms timed, 2 when an epoch takes over 1 s), on seed 0's runs only (null on the others)"
        : "msPerEpoch: the training build only, from each run itself (median epoch after the first, probes excluded)",
      optimizer: "adam (learning rate 0.001, Keras defaults) for every run",
      gradNorm: "mean over the epoch's batches of the L2 norm of each dense layer's weight gradient (kernel, bias and a following prelu's alpha)",
      probes: "at the end, over up to 512 test rows: deadFraction = units whose output is ≤ 0 on every row; saturatedFraction (sigmoid, tanh only; [] otherwise) = outputs within 1 % of the range's ends",
      tasks, skipped, ...options.meta,
    },
    runs,
    summary: summarize(runs),
  };
}
