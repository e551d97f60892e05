// The lab's report.html: one self-contained document (inline <style> and SVG; no script, font, image or
// URL) from a results.json and an nn instance, whose kernels draw the reference curves of the activations
// and losses. The same input gives the same bytes.
import type { NN } from "../nn.js";
import { ACTIVATION_X, activationCurves, lossCurves, plottedActivations } from "./report_curves.js";
import { checkResults, groupRuns } from "./report_runs.js";
import { show, ValueError } from "../errors.js";
import { speedSection, taskSections } from "./report_tasks.js";
import { esc, linePanels } from "./svg.js";
import type { LabResults } from "./types.js";

const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1a1a1a; margin: 24px auto; max-width: 1180px; padding: 0 16px; }
h1 { font-size: 24px; margin: 0 0 8px; } h2 { border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 36px; } h3 { margin-top: 24px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0 16px; } dl.meta dt { color: #555; }
figure { margin: 12px 0 20px; } figcaption, p.caption { color: #444; max-width: 900px; font-size: 13px; }
.grid-figures { display: flex; flex-wrap: wrap; gap: 4px 12px; } .grid-figures figure { margin: 4px 0; }
svg.chart { font: 12px system-ui, sans-serif; background: #fff; max-width: 100%; height: auto; }
svg .title { font-size: 14px; font-weight: 600; } svg .subtitle { font-size: 12px; fill: #333; } svg .axis-label { fill: #333; }
svg .grid { stroke: #e6e6e6; stroke-width: 1; } svg .frame { fill: none; stroke: #888; stroke-width: 1; }
svg .series { fill: none; stroke-width: 2; stroke-linejoin: round; } svg .band { opacity: 0.18; stroke: none; } svg .note { font-size: 11px; fill: #444; }
table.metrics { border-collapse: collapse; margin: 8px 0; font-size: 13px; } table.metrics caption { white-space: nowrap; text-align: left; font-weight: 600; padding-bottom: 4px; }
table.metrics th, table.metrics td { border-bottom: 1px solid #ddd; padding: 3px 10px; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.warn { color: #b00020; } .empty { color: #b00020; font-weight: 600; }
`;

/** The header: what ran, where and when. */
function header(results: LabResults, nn: NN): string {
  const m = results.meta ?? ({} as Partial<LabResults["meta"]>);
  const epochs = m.epochs && typeof m.epochs === "object" ? Object.entries(m.epochs).map(([t, e]) => `${t} ${e}`).join(", ") : "";
  const items: [string, string][] = [
    ["date", String(m.date ?? "unknown")], ["host", String(m.host ?? "unknown")], ["runtime", String(m.runtime ?? "unknown")],
    ["grid", m.quick ? "quick (--quick)" : "full"], ["seeds", String(m.seeds ?? "?")], ["epochs", epochs || "?"],
    ["runs", String(results.runs?.length ?? 0)], ["reference curves", `simdnn's ${nn.backend} build`],
  ];
  return `<header><h1>simdnn activation and loss lab</h1><dl class="meta">${items.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join("")}</dl>` +
    `<nav>Sections: <a href="#activations">activations</a> · <a href="#losses">losses</a> · <a href="#tasks">tasks</a> · <a href="#speed">speed</a></nav></header>`;
}

/** Every plotted activation and its derivative, one small chart each. */
function activationSection(nn: NN): string {
  const { aliases, rowWise } = plottedActivations();
  const charts = activationCurves(nn).map((c) => linePanels({
    figure: `activation:${c.name}`, title: c.name, panelWidth: 250, panelHeight: 160,
    panels: [{ series: [{ label: "f(x)", xs: c.xs, ys: c.f, style: 0 }, { label: "f′(x)", xs: c.xs, ys: c.df, style: 1, dash: "5 3" }] }],
    x: { label: "x", min: ACTIVATION_X.lo, max: ACTIVATION_X.hi }, y: { label: "value" },
  }));
  return `<section id="activations"><h2>Activations and their derivatives</h2>` +
    `<p class="caption">Each activation f (solid) and its derivative f′ (dashed) on x ∈ [${ACTIVATION_X.lo}, ${ACTIVATION_X.hi}], computed by simdnn's own kernels ` +
    `(nn.activation, and nn.activationBackward with dy = 1) with default parameters. Look for where f′ is near 0 (saturation: little gradient passes), where it is exactly 0 (dead region), ` +
    `and where it exceeds 1 (gradients grow through layers). Not drawn: ${esc(rowWise.join(", "))} (they act on a whole vector, not one number); ${esc(aliases.join(", "))} (same kernel as a drawn one).</p>` +
    `<div class="grid-figures">${charts.map((svg) => `<figure>${svg}</figure>`).join("")}</div></section>`;
}

/** Every loss and its gradient against the residual, logit, probability or margin. */
function lossSection(nn: NN): string {
  const { curves, unplotted } = lossCurves(nn);
  const chart = (c: (typeof curves)[number]) => `<figure>${linePanels({
    figure: `loss:${c.label}`, title: c.label, panelWidth: 230, panelHeight: 150, sharedY: false,
    panels: [{ title: "loss", series: [{ label: "loss", xs: c.xs, ys: c.loss, style: 0 }] }, { title: "gradient d loss / d prediction", series: [{ label: "gradient", xs: c.xs, ys: c.grad, style: 1 }] }],
    x: { label: c.xLabel, min: c.xs[0], max: c.xs[c.xs.length - 1] }, y: { label: "per sample" },
  })}${c.note ? `<figcaption>${esc(c.note)}</figcaption>` : ""}</figure>`;
  const group = (g: "regression" | "classification") => `<div class="grid-figures">${curves.filter((c) => c.group === g).map(chart).join("")}</div>`;
  return `<section id="losses"><h2>Losses and their gradients</h2>` +
    `<p class="caption">One sample's loss and its gradient with respect to the prediction, computed by nn.loss (reduction 'none') and nn.lossGradient. ` +
    `Look at how the gradient behaves for large errors: growing without bound (a few outliers dominate training), capped (robust to outliers), or fading (confident mistakes stop being corrected).</p>` +
    `<h3>Regression, against the residual</h3>${group("regression")}<h3>Classification, against the logit, probability or margin</h3>${group("classification")}` +
    (unplotted.length ? `<p class="caption">Not drawn: ${unplotted.map((u) => `${esc(u.name)} (${esc(u.reason)})`).join("; ")}.</p>` : "") + "</section>";
}

/**
 * The whole report as an HTML document. `nn` computes the activation and loss reference curves (any
 * build: they agree within float32 rounding). Every string from the results is escaped.
 */
export function renderReport(results: LabResults, nn: NN): string {
  checkResults(results);
  if (nn === null || typeof nn !== "object" || typeof nn.activation !== "function") throw new ValueError(`renderReport: nn must be an instance from init(); received ${show(nn)}.`);
  const groups = groupRuns(results.runs);
  const tasks = groups.length
    ? taskSections(groups, results.summary ?? [])
    : `<p class="empty">These results hold no runs: there are no training curves, tables or timings to show. Run the lab (npx simdnn lab --quick) to produce some.</p>`;
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>simdnn lab report</title><style>${STYLE}</style></head><body>` +
    header(results, nn) + activationSection(nn) + lossSection(nn) +
    `<section id="tasks"><h2>Tasks</h2>${tasks}</section>` + speedSection(groups) + "</body></html>\n";
}

