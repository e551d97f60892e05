// Aggregation of the lab's runs for the report: runs grouped by task and configuration, curves averaged
// over seeds (mean ± std per epoch), metric tables sorted best first, speed per task. Pure functions of
// the results (no nn, no DOM), so they are tested on synthetic results.
import { show, ValueError } from "../errors.js";
import type { LabResults, LabRun, LabSummaryRow } from "./types.js";

/** What varies between runs of one task: a cell of the grid, whose runs differ only by seed. */
export interface Config {
  key: string;
  activation: string;
  loss: string;
  initializer?: string;
  /** Its runs, ordered by seed. */
  runs: LabRun[];
}

/** A task with its configurations, in the order the results list them. */
export interface TaskGroup {
  task: string;
  configs: Config[];
}

const configKey = (r: { activation: string; loss: string; initializer?: string }) => JSON.stringify([r.activation, r.loss, r.initializer ?? null]);

/** Runs grouped by task, then by configuration (first appearance order; runs within by seed). */
export function groupRuns(runs: readonly LabRun[]): TaskGroup[] {
  const tasks = new Map<string, Map<string, Config>>();
  for (const r of runs) {
    let configs = tasks.get(r.task);
    if (!configs) tasks.set(r.task, (configs = new Map()));
    const key = configKey(r);
    let c = configs.get(key);
    if (!c) configs.set(key, (c = { key, activation: r.activation, loss: r.loss, initializer: r.initializer, runs: [] }));
    c.runs.push(r);
  }
  return [...tasks].map(([task, configs]) => ({
    task,
    configs: [...configs.values()].map((c) => ({ ...c, runs: [...c.runs].sort((a, b) => a.seed - b.seed) })),
  }));
}

/** A configuration's label: its activation, and its initializer and loss where the task varies them. */
export function configLabel(c: Pick<Config, "activation" | "loss" | "initializer">, showLoss: boolean, showInit: boolean): string {
  let s = c.activation;
  if (showInit && c.initializer) s += ` · ${c.initializer}`;
  if (showLoss) s += ` · ${c.loss}`;
  return s;
}

/** Whether the configurations of a task differ in loss / in initializer (then labels name them). */
export function varies(configs: readonly Config[]): { loss: boolean; initializer: boolean } {
  return {
    loss: new Set(configs.map((c) => c.loss)).size > 1,
    initializer: new Set(configs.map((c) => c.initializer ?? "")).size > 1,
  };
}

/** Mean and (population-free, n − 1) standard deviation of the finite values; NaN mean when there are none. */
export function meanStd(values: readonly number[]): { mean: number; std: number; n: number } {
  const v = values.filter(Number.isFinite), n = v.length;
  if (n === 0) return { mean: NaN, std: NaN, n: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std, n };
}

/** Per-index mean ± std across curves of unequal length (a run stopped early simply has fewer points). */
export function curveStats(curves: readonly (readonly number[])[]): { mean: number[]; std: number[] } {
  const len = Math.max(0, ...curves.map((c) => c.length)), mean: number[] = [], std: number[] = [];
  for (let i = 0; i < len; i++) {
    const s = meanStd(curves.filter((c) => i < c.length).map((c) => c[i]));
    mean.push(s.mean);
    std.push(s.std);
  }
  return { mean, std };
}

/** Direction of a metric: from the runs when they say, else from its name (errors and losses are lower-better). */
export function betterOf(metric: string, runs: readonly LabRun[]): "higher" | "lower" {
  const said = runs.find((r) => r.metric.name === metric && r.metric.better)?.metric.better;
  return said ?? (/loss|error|mae|mse|rmse|divergence/i.test(metric) ? "lower" : "higher");
}

/** A row of a task's metric table. */
export interface MetricRow {
  label: string;
  metric: string;
  mean: number;
  std: number;
  seeds: number;
  /** Mean of each extra score over the seeds (precision, recall, F1, PR-AUC …). */
  scores: Record<string, number>;
  diverged: number;
}

/**
 * The metric table of one task, best first (rows without a finite mean last): the runner's summary rows
 * where it wrote them, else mean ± std computed from the runs.
 */
export function metricTable(group: TaskGroup, summary: readonly LabSummaryRow[]): { rows: MetricRow[]; better: "higher" | "lower"; scoreNames: string[] } {
  const v = varies(group.configs), runs = group.configs.flatMap((c) => c.runs);
  const rows = group.configs.map((c): MetricRow => {
    const metric = c.runs[0]?.metric.name ?? "";
    const row = summary.find((s) => s.task === group.task && configKey(s) === c.key);
    const own = meanStd(c.runs.map((r) => r.metric.value));
    const names = [...new Set(c.runs.flatMap((r) => Object.keys(r.scores ?? {})))];
    const scores = Object.fromEntries(names.map((k) => [k, meanStd(c.runs.map((r) => r.scores?.[k] ?? NaN)).mean]));
    return {
      label: configLabel(c, v.loss, v.initializer), metric: row?.metric ?? metric, mean: row ? row.mean : own.mean,
      std: row ? row.std : own.std, seeds: row ? row.seeds : c.runs.length, scores, diverged: c.runs.filter((r) => r.diverged).length,
    };
  });
  const better = betterOf(rows[0]?.metric ?? "", runs), sign = better === "higher" ? -1 : 1;
  rows.sort((a, b) => (Number.isFinite(a.mean) ? (Number.isFinite(b.mean) ? sign * (a.mean - b.mean) : -1) : Number.isFinite(b.mean) ? 1 : 0));
  const scoreNames = [...new Set(rows.flatMap((r) => Object.keys(r.scores)))];
  return { rows, better, scoreNames };
}

/** Milliseconds per epoch per build, averaged over a task's runs (null where no run measured that build). */
export function speedOf(group: TaskGroup): { scalar: number | null; simd: number | null; relaxed: number | null } {
  const runs = group.configs.flatMap((c) => c.runs);
  const avg = (k: "scalar" | "simd" | "relaxed") => {
    const s = meanStd(runs.map((r) => r.msPerEpoch[k] ?? NaN));
    return s.n ? s.mean : null;
  };
  return { scalar: avg("scalar"), simd: avg("simd"), relaxed: avg("relaxed") };
}

/**
 * Tasks that get the per-layer figures (gradient flow, dead and saturated units, histograms): those
 * with at least this many layers. The shallow tasks' two or three layers have no depth for gradients to
 * vanish over, and their histograms would multiply the report's length for little.
 */
export const LAYER_FIGURES_MIN_LAYERS = 4;

/** Layer count of a task: the most layers any of its runs reports. */
export const layerCount = (group: TaskGroup) => Math.max(0, ...group.configs.flatMap((c) => c.runs.map((r) => Math.max(r.gradNormByLayer.length, r.deadFraction.length, r.saturatedFraction.length))));


const isNumberArray = (v: unknown) => Array.isArray(v) && v.every((x) => x === null || typeof x === "number");

/**
 * Checks that `results` has the shape of results.json (version 1) before anything is drawn, naming the
 * first field that does not. Values may be null where JSON turned NaN or Infinity into null: drawn as gaps.
 */
export function checkResults(results: unknown): asserts results is LabResults {
  const r = results as Partial<LabResults> | null;
  if (r === null || typeof r !== "object") throw new ValueError(`renderReport: results must be the object of a results.json; received ${show(results)}.`);
  if (r.version !== 1) throw new ValueError(`renderReport: results.version must be 1 (the schema this report reads); received ${show(r.version)}.`);
  if (!Array.isArray(r.runs)) throw new ValueError(`renderReport: results.runs must be an array of runs; received ${show(r.runs)}.`);
  if (r.summary !== undefined && !Array.isArray(r.summary)) throw new ValueError(`renderReport: results.summary must be an array; received ${show(r.summary)}.`);
  r.runs.forEach((run, i) => {
    const bad = (field: string, want: string, got: unknown) => new ValueError(`renderReport: results.runs[${i}].${field} must be ${want}; received ${show(got)}.`);
    if (run === null || typeof run !== "object") throw bad("", "a run object", run);
    for (const k of ["task", "activation", "loss"] as const) if (typeof run[k] !== "string") throw bad(k, "a string", run[k]);
    for (const k of ["curve", "valCurve", "deadFraction", "saturatedFraction"] as const) if (!isNumberArray(run[k])) throw bad(k, "an array of numbers", run[k]);
    if (!Array.isArray(run.gradNormByLayer) || !run.gradNormByLayer.every(isNumberArray)) throw bad("gradNormByLayer", "an array (per layer) of arrays of numbers (per epoch)", run.gradNormByLayer);
    if (run.metric === null || typeof run.metric !== "object" || typeof run.metric.name !== "string") throw bad("metric", "{ name, value }", run.metric);
    if (run.msPerEpoch === null || typeof run.msPerEpoch !== "object") throw bad("msPerEpoch", "{ scalar, simd, relaxed }", run.msPerEpoch);
  });
}
