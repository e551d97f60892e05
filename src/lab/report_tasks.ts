// The report's sections drawn from the runs: loss curves and metric tables per task, the per-layer
// figures of deep tasks (gradient flow, dead and saturated units, activation histograms), and the
// scalar / SIMD / relaxed-SIMD timings. Each figure is one <svg> with a caption saying what to look for.
import { esc, histogramStrip, linePanels, barChart, type Series, shortNumber } from "./svg.js";
import { type Config, configLabel, curveStats, layerCount, LAYER_FIGURES_MIN_LAYERS, metricTable, speedOf, type TaskGroup, varies } from "./report_runs.js";
import type { LabSummaryRow } from "./types.js";

/** A figure: the chart and a caption under it. */
export const figure = (svg: string, caption: string) => `<figure>${svg}<figcaption>${esc(caption)}</figcaption></figure>`;

/** Epoch numbers 1…n. */
const epochs = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A configuration's curve averaged over seeds, with a ±std band when there are several seeds. */
function meanSeries(label: string, curves: readonly (readonly number[])[], style: number): Series {
  const { mean, std } = curveStats(curves);
  const band = curves.length > 1 ? { lo: mean.map((m, i) => m - std[i]), hi: mean.map((m, i) => m + std[i]) } : undefined;
  return { label, xs: epochs(mean.length), ys: mean, band, style };
}

/** Log y when every drawable value is positive (losses spanning decades), else linear (a loss that goes negative). */
const positive = (series: readonly Series[]) => series.every((s) => s.ys.every((v) => !Number.isFinite(v) || v > 0)) && series.some((s) => s.ys.some((v) => Number.isFinite(v)));

/**
 * Training and validation loss of each configuration of a task, one chart per loss (their scales
 * differ); a loss with one configuration gets a small chart, side by side with the others. One caption.
 */
function lossCurveFigures(group: TaskGroup): string {
  const v = varies(group.configs);
  const byLoss = new Map<string, Config[]>();
  for (const c of group.configs) byLoss.set(c.loss, [...(byLoss.get(c.loss) ?? []), c]);
  let charts = "", seeds = 1;
  for (const [loss, configs] of byLoss) {
    const label = (c: Config) => configLabel(c, false, v.initializer);
    const train = configs.map((c, i) => meanSeries(label(c), c.runs.map((r) => r.curve), i));
    const val = configs.map((c, i) => meanSeries(label(c), c.runs.map((r) => r.valCurve), i));
    const log = positive([...train, ...val]), small = configs.length === 1;
    seeds = Math.max(seeds, ...configs.map((c) => c.runs.length));
    charts += `<figure>${linePanels({
      figure: `curves:${group.task}:${loss}`, title: `${group.task}: ${loss} per epoch${small ? ` (${label(configs[0])})` : ""}`,
      panels: [{ title: "training", series: train }, { title: "validation", series: val }],
      x: { label: "epoch", integer: true }, y: { label: `${loss}${log ? " (log scale)" : ""}`, log },
      ...(small ? { panelWidth: 210, panelHeight: 150 } : {}),
    })}</figure>`;
  }
  return `<div class="grid-figures">${charts}</div><p class="caption">${esc(`Loss per epoch on the training data (left) and the validation data (right); each line is one configuration${seeds > 1 ? `, the mean over its seeds with a band of ± one standard deviation` : ""}. ` +
    "Look for how fast each line falls in the first epochs, where it levels off, and whether validation turns up while training keeps falling (overfitting). A line that stops early diverged or was stopped. Different losses have different scales: compare shapes across charts, not heights.")}</p>`;
}

/**
 * The held-out metric after each epoch (RunResult.metricCurve), one chart per task over all its configurations:
 * where the loss charts show what each configuration minimised, this shows what it scored, on one scale.
 */
function metricCurveFigure(group: TaskGroup): string {
  const configs = group.configs.filter((c) => c.runs.some((r) => (r.metricCurve?.length ?? 0) > 0));
  if (configs.length === 0) return "";
  const v = varies(group.configs), { name, better } = configs[0].runs[0].metric;
  const series = configs.map((c, i) => meanSeries(configLabel(c, v.loss, v.initializer), c.runs.map((r) => r.metricCurve ?? []), i));
  const svg = linePanels({
    figure: `metric:${group.task}`, title: `${group.task}: validation ${name} per epoch`,
    panels: [{ title: "validation", series }], x: { label: "epoch", integer: true }, y: { label: name, log: false },
  });
  return figure(svg, `The held-out ${name} after each epoch (${better === "lower" ? "lower" : "higher"} is better), one line per configuration. ` +
    "Look for which configuration gets there first and whether it holds; the table above gives the final values.");
}

/** A number for a table cell. */
const cell = (v: number) => (Number.isFinite(v) ? shortNumber(v) : "—");
/** mean ± std, a std below float rounding of the mean printed as 0 (identical seeds, not 1e-16 of noise). */
const meanStdCell = (mean: number, std: number, seeds: number) =>
  seeds < 2 ? cell(mean) : `${cell(mean)} ± ${Number.isFinite(std) && std <= 1e-9 * Math.abs(mean) ? "0" : cell(std)}`;

/** The metric table of a task, best first. */
function metricTableHtml(group: TaskGroup, summary: readonly LabSummaryRow[]): string {
  const { rows, better, scoreNames: allScores } = metricTable(group, summary);
  if (rows.length === 0) return "";
  const metric = rows[0].metric, several = rows.some((r) => r.seeds > 1);
  // a score named as the metric repeats its column
  const scoreNames = allScores.filter((s) => s !== metric);
  const head = `<tr><th>#</th><th>configuration</th><th>${esc(metric)}${several ? " (mean ± std over seeds)" : ""}</th><th>seeds</th>${scoreNames.map((s) => `<th>${esc(s)}</th>`).join("")}</tr>`;
  const body = rows.map((r, i) => `<tr><td>${i + 1}</td><td>${esc(r.label)}${r.diverged ? ` <span class="warn">(${r.diverged} diverged)</span>` : ""}</td>` +
    `<td class="num">${meanStdCell(r.mean, r.std, r.seeds)}</td><td class="num">${r.seeds}</td>${scoreNames.map((s) => `<td class="num">${cell(r.scores[s] ?? NaN)}</td>`).join("")}</tr>`).join("");
  return `<table class="metrics"><caption>${esc(group.task)}: held-out ${esc(metric)}, ${better} is better, best first</caption>${head}${body}</table>` +
    `<p class="caption">${several ? "Differences smaller than the standard deviations are not evidence either way." : "One seed per row: a difference between rows may be seed-to-seed noise (several seeds give mean ± std)."}</p>`;
}

/** Mean over a configuration's seeds of one value per layer, read by `pick` from each run. */
function perLayer(c: Config, pick: (r: Config["runs"][number]) => readonly number[]): number[] {
  const rows = c.runs.map(pick);
  return curveStats(rows).mean;
}

/** The per-layer figures of a deep task. */
function layerFigures(group: TaskGroup): string {
  const v = varies(group.configs), label = (c: Config) => configLabel(c, v.loss, true);
  const layers = (n: number) => Array.from({ length: n }, (_, i) => i);
  const names = (n: number, what: string) => layers(n).map((i) => `${what}${i + 1}`);
  const gradAt = (which: "first" | "last") => group.configs.map((c, i): Series => {
    const ys = perLayer(c, (r) => r.gradNormByLayer.map((epochsOfLayer) => epochsOfLayer[which === "first" ? 0 : epochsOfLayer.length - 1] ?? NaN));
    return { label: label(c), xs: layers(ys.length), ys, markers: true, style: i };
  });
  const n = layerCount(group);
  let out = figure(linePanels({
    figure: `gradflow:${group.task}`, title: `${group.task}: gradient norm per layer`,
    panels: [{ title: "first epoch", series: gradAt("first") }, { title: "last epoch", series: gradAt("last") }],
    x: { label: "layer (input side left, output right)", categories: names(n, "L") }, y: { label: "‖∂loss/∂weights‖ (log scale)", log: true },
  }), "Gradient norm of each layer's weights, mean over seeds. A line that drops by decades towards the input side means gradients vanish before they reach the first layers; one that climbs means they explode. Zeros cannot be drawn on a log axis and leave gaps.");
  const frac = (pick: (r: Config["runs"][number]) => readonly number[]) => group.configs.map((c, i): Series => {
    const ys = perLayer(c, pick);
    return { label: label(c), xs: layers(ys.length), ys, markers: true, style: i };
  });
  const hidden = Math.max(0, ...group.configs.flatMap((c) => c.runs.map((r) => Math.max(r.deadFraction.length, r.saturatedFraction.length))));
  out += figure(linePanels({
    figure: `units:${group.task}`, title: `${group.task}: dead and saturated units per hidden layer (end of training)`,
    panels: [{ title: "dead (output 0 on every probe sample)", series: frac((r) => r.deadFraction) }, { title: "saturated (within 1 % of the limits)", series: frac((r) => r.saturatedFraction) }],
    x: { label: "hidden layer", categories: names(hidden, "H") }, y: { label: "fraction of units", min: 0, max: 1 },
  }), "Share of units that no longer respond: dead units (ReLU family) pass no gradient at all, saturated ones (sigmoid, tanh) pass almost none. Compare layers and configurations; a configuration with no such units lies flat at 0.");
  let strips = "";
  for (const [i, c] of group.configs.entries()) {
    const run = c.runs.find((r) => r.histograms?.length);
    if (!run?.histograms) continue;
    const hists = run.histograms.map((h, l) => ({ title: `H${l + 1}`, ...h }));
    strips += `<figure>${histogramStrip(`hist:${group.task}:${i}`, `${group.task}: activations of ${label(c)} (seed ${run.seed})`, hists)}</figure>`;
  }
  if (strips) {
    out += `<h3>Activation histograms per hidden layer</h3><p class="caption">How the hidden units' outputs are spread over probe samples at the end of training, layer by layer, one row per configuration. ` +
      "A spike at 0 is dead or inactive units; spikes at the ends of a bounded range are saturation; a distribution that narrows layer by layer is a signal fading with depth.</p>" + strips;
  }
  return out;
}

/** Loss curves, metric table and (for deep tasks) the per-layer figures of every task. */
export function taskSections(groups: readonly TaskGroup[], summary: readonly LabSummaryRow[]): string {
  return groups.map((g) => {
    const deep = layerCount(g) >= LAYER_FIGURES_MIN_LAYERS;
    return `<section id="task-${esc(g.task.replace(/[^A-Za-z0-9_-]/g, "_"))}"><h2>Task: ${esc(g.task)}</h2>` +
      `<p>${g.configs.length} configurations, ${g.configs.reduce((a, c) => a + c.runs.length, 0)} runs.</p>` +
      metricTableHtml(g, summary) + lossCurveFigures(g) + metricCurveFigure(g) + (deep ? `<h3>Inside the network (${layerCount(g)} layers)</h3>${layerFigures(g)}` : "") + "</section>";
  }).join("");
}

/** Milliseconds per epoch per build and task, with the speedup over scalar; null when nothing was timed. */
export function speedSection(groups: readonly TaskGroup[]): string {
  const rows = groups.map((g) => ({ task: g.task, ...speedOf(g) })).filter((r) => r.scalar !== null || r.simd !== null || r.relaxed !== null);
  if (rows.length === 0) return `<section id="speed"><h2>Scalar, SIMD and relaxed SIMD</h2><p class="empty">No run recorded a time per epoch.</p></section>`;
  const speedup = (base: number | null, v: number | null) => (base !== null && v !== null && v > 0 ? `×${shortNumber(base / v)}` : null);
  const svg = barChart({
    figure: "speed", title: "Milliseconds per training epoch, by build", yLabel: "ms per epoch (lower is faster)",
    seriesLabels: ["scalar", "SIMD", "relaxed SIMD"],
    groups: rows.map((r) => ({ label: r.task, values: [r.scalar, r.simd, r.relaxed], notes: [null, speedup(r.scalar, r.simd), speedup(r.scalar, r.relaxed)] })),
  });
  return `<section id="speed"><h2>Scalar, SIMD and relaxed SIMD</h2>${figure(svg,
    "Mean time of one training epoch over each task's runs, on each WebAssembly build of the same kernels; each task has its own scale, and the ×n under a bar is its speedup over scalar. n/a: the build was not timed on this host. Compare the speedups across tasks: small models spend more of an epoch outside the kernels.")}</section>`;
}
