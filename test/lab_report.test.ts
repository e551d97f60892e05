// The lab's report.html (src/lab/report*.ts, src/lab/svg.ts) on synthetic results covering every
// section: it is a well-formed document with one <svg> per expected figure, holds no URL or external
// reference, escapes text from the data, draws the activation curves nn computes (read back from the path
// coordinates through the axis mapping), leaves gaps for NaN/Infinity and zeros on log axes, and is
// deterministic. It also writes /tmp/lab_report_sample.html for a human to look at.
import { writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { ValueError } from "../src/index.js";
import type { NN } from "../src/nn.js";
import { activationCurves, lossCurves, plottedActivations } from "../src/lab/report_curves.js";
import { renderReport } from "../src/lab/report.js";
import { fromPixel, niceDomain, type Scale } from "../src/lab/svg.js";
import type { LabResults, LabRun } from "../src/lab/types.js";
import { instance } from "./helpers/backends.js";

/** A deterministic stream in [0, 1) (the synthetic data need no quality, only repeatability). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const DEEP_HIDDEN = 6;
const EVIL = `<script>alert("x")</script> & co`;

/** A number in [0, 1) from a configuration's names (so configurations differ, deterministically). */
function hash01(...parts: string[]): number {
  let h = 2166136261;
  for (const ch of parts.join("|")) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  return h / 2 ** 32;
}

/**
 * One synthetic run: curves decaying at a rate of their own, per-layer gradient norms shrinking towards
 * the input by `gradDecay` per layer, dead/saturated fractions, histograms, timings.
 */
function run(task: string, activation: string, loss: string, seed: number, o: Partial<LabRun> & { layers?: number; hidden?: number; gradDecay?: number } = {}): LabRun {
  const { layers = 3, hidden = 2, gradDecay = 0.5, ...fields } = o;
  const h = hash01(task, activation, loss, fields.initializer ?? ""), r = lcg(seed * 7919 + Math.floor(h * 1e6)), epochs = 8;
  const curve = Array.from({ length: epochs }, (_, e) => 2 * Math.exp(-(0.2 + 0.4 * h) * e) + 0.05 + 0.05 * r());
  const bounded = activation === "sigmoid" || activation === "tanh";
  return {
    task, activation, loss, seed, metric: { name: "accuracy", value: 0.75 + 0.2 * h + 0.02 * r(), better: "higher" },
    curve, valCurve: curve.map((v, e) => v * 1.1 + 0.01 * e * h + 0.02 * r()),
    gradNormByLayer: Array.from({ length: layers }, (_, l) => Array.from({ length: epochs }, (_, e) => 0.1 * gradDecay ** (layers - 1 - l) * (1 + 0.2 * r()) * (1 - e / 20))),
    deadFraction: Array.from({ length: hidden }, (_, l) => (activation === "relu" ? 0.05 * l + 0.05 * r() : 0)),
    saturatedFraction: Array.from({ length: hidden }, (_, l) => (bounded ? 0.1 + 0.08 * l + 0.05 * r() : 0)),
    histograms: Array.from({ length: hidden }, (_, l) => {
      const bins = 20, width = 1 / (1 + 0.3 * l);
      const counts = Array.from({ length: bins }, (_, b) => {
        const t = (b + 0.5) / bins;
        return Math.round(100 * (bounded ? Math.exp(-((t - 0.5) ** 2) / (0.02 * width)) + (b === 0 || b === bins - 1 ? 0.2 * l : 0) : b === 0 ? 0.5 + 0.1 * l : Math.exp(-t * 4 / width)) + 5 * r());
      });
      return bounded ? { min: 0, max: 1, counts } : { min: 0, max: 4 * width, counts };
    }),
    msPerEpoch: { scalar: 40 + 10 * h + r(), simd: 15 + 5 * h + r(), relaxed: 12 + 4 * h + r() },
    ...fields,
  };
}

const SEEDS = [1, 2, 3];
const DIGITS_ACTS = ["relu", "tanh", "gelu"];
const REGRESSION_LOSSES = [["mse", 0.9], ["mae", 0.4], ["huber", 0.5]] as const;
const DEEP_CONFIGS = [["relu", "he", 0.9], ["sigmoid", "glorot", 0.25], ["selu", "lecun", 1], ["sigmoid", "he (mismatched)", 0.12]] as const;

function synthetic(): LabResults {
  const runs: LabRun[] = [];
  for (const a of DIGITS_ACTS) for (const s of SEEDS) runs.push(run("digits", a, "categoricalCrossentropy", s));
  for (const [loss, mae] of REGRESSION_LOSSES) {
    for (const s of SEEDS) {
      const r = run("regression", "relu", loss, s, { metric: { name: "mae", value: mae + 0.01 * s, better: "lower" }, msPerEpoch: { scalar: 5, simd: 2, relaxed: null } });
      // a diverged epoch and an overflow: gaps, never "NaN" in the SVG
      if (loss === "mse" && s === 1) r.curve.splice(3, 2, NaN, Infinity);
      runs.push(r);
    }
  }
  for (const [loss, f1] of [["binaryCrossentropy", 0.6], ["binaryFocalCrossentropy", 0.7]] as const) {
    for (const s of SEEDS) runs.push(run("imbalanced", "relu", loss, s, { metric: { name: "f1", value: f1, better: "higher" }, scores: { precision: 0.5, recall: 0.8, prAuc: 0.66 } }));
  }
  for (const [a, init, gradDecay] of DEEP_CONFIGS) {
    for (const s of SEEDS) {
      const r = run("deep", a, "categoricalCrossentropy", s, { initializer: init, layers: DEEP_HIDDEN + 1, hidden: DEEP_HIDDEN, gradDecay });
      // vanished gradients: exact zeros in the first layers on a log axis
      if (a === "sigmoid" && init === "glorot") r.gradNormByLayer[0] = r.gradNormByLayer[0].map(() => 0);
      runs.push(r);
    }
  }
  runs.push(run(EVIL, "relu", "mse", 1, { histograms: undefined }));
  return {
    version: 1, meta: { date: "2026-12-07T00:00:00Z", host: "test <host>", runtime: "node 22", quick: true, seeds: 3, epochs: { digits: 8 } },
    runs, summary: [],
  };
}

/**
 * Checks the document is well formed and returns its tags: every '<' opens a tag, comment or doctype,
 * every element is closed in order (HTML's void elements and SVG's "/>" excepted), raw text only in
 * <style> and <title>, and html > head + body at the root.
 */
function parseHtml(doc: string): { tags: { name: string; attrs: string }[] } {
  const VOID = new Set(["meta", "link", "br", "hr", "img", "input"]);
  const stack: string[] = [], tags: { name: string; attrs: string }[] = [];
  const tag = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[^\s=>/]+(?:="[^"<]*")?)*)\s*(\/?)>/y;
  let i = doc.startsWith("<!DOCTYPE html>") ? 15 : -1;
  if (i < 0) throw new Error("no doctype");
  while (i < doc.length) {
    const lt = doc.indexOf("<", i);
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(doc);
    if (!m) throw new Error(`stray '<' at ${lt}: ${doc.slice(lt, lt + 40)}`);
    const [, close, name, attrs, self] = m;
    i = tag.lastIndex;
    if (close) {
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> closes <${open}> at ${lt}`);
      continue;
    }
    tags.push({ name, attrs });
    if (self || VOID.has(name)) continue;
    stack.push(name);
    if (name === "style" || name === "title") {
      const end = doc.indexOf(`</${name}>`, i);
      if (end < 0 || doc.slice(i, end).includes("<")) throw new Error(`<${name}> not closed or holds markup`);
      i = end;
    }
  }
  if (stack.length) throw new Error(`unclosed: ${stack.join(" > ")}`);
  const top = tags.map((t) => t.name);
  if (top[0] !== "html" || !top.includes("head") || !top.includes("body")) throw new Error("no html/head/body");
  return { tags };
}

/** The <svg> elements by their data-figure name. */
function figures(doc: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/<svg [^>]*data-figure="([^"]*)"[^>]*>[\s\S]*?<\/svg>/g)) out.set(m[1], m[0]);
  return out;
}

/** A panel's axis mapping, as its data-x / data-y attribute states it. */
function scale(attr: string): Scale {
  const [lo, hi, p0, p1, kind] = attr.split(" ");
  return { lo: +lo, hi: +hi, p0: +p0, p1: +p1, log: kind === "log" };
}

/** The d of the path drawn for a series label. */
function pathOf(svg: string, label: string): string {
  const at = svg.indexOf(`data-label="${label}" d="`);
  if (at < 0) throw new Error(`no path for ${label}`);
  const start = at + `data-label="${label}" d="`.length;
  return svg.slice(start, svg.indexOf('"', start));
}

/** The points of a path's d, segment by segment. */
function segments(d: string): [number, number][][] {
  return d.split("M").filter(Boolean).map((seg) => seg.split("L").map((p) => p.trim().split(" ").map(Number) as [number, number]));
}

describe("lab report", () => {
  let nn: NN, doc: string, results: LabResults;
  beforeAll(async () => {
    nn = await instance("simd");
    results = synthetic();
    doc = renderReport(results, nn);
    writeFileSync("/tmp/lab_report_sample.html", doc);
  });

  it("is a well-formed document with one <svg> per expected figure", () => {
    const { tags } = parseHtml(doc);
    const svgs = tags.filter((t) => t.name === "svg").length;
    const acts = plottedActivations().plotted, losses = lossCurves(nn).curves.length;
    for (const a of ["sigmoid", "tanh", "relu", "leakyRelu", "prelu", "elu", "selu", "gelu", "silu", "mish", "softplus"]) expect(acts).toContain(a);
    // per task one loss-curve chart per loss; deep: gradient flow + dead/saturated + one histogram strip per configuration; speed: 1
    const curveCharts = 1 + REGRESSION_LOSSES.length + 2 + 1 + 1;
    const deepCharts = 2 + DEEP_CONFIGS.length;
    expect(svgs).toBe(acts.length + losses + curveCharts + deepCharts + 1);
    const names = [...figures(doc).keys()];
    expect(names.length).toBe(svgs);
    expect(names.filter((n) => n.startsWith("hist:deep:")).length).toBe(DEEP_CONFIGS.length);
    expect(names).toContain("gradflow:deep");
    expect(names.filter((n) => n.startsWith("gradflow:"))).toEqual(["gradflow:deep"]);
    expect((doc.match(/<table class="metrics">/g) ?? []).length).toBe(5);
  });

  it("references nothing outside itself", () => {
    expect(doc).not.toMatch(/https?:|src=|<script|<link|@import|url\((?!#)/i);
  });

  it("escapes text from the data", () => {
    expect(doc).not.toContain(EVIL);
    expect(doc).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co");
    expect(doc).toContain("test &lt;host&gt;");
  });

  it("draws each activation and its derivative as nn computes them (points read back through the axes)", () => {
    const figs = figures(doc), curves = activationCurves(nn);
    for (const c of curves) {
      const svg = figs.get(`activation:${c.name}`) as string;
      const panel = /data-x="([^"]*)" data-y="([^"]*)"/.exec(svg) as RegExpExecArray;
      const xs = scale(panel[1]), ys = scale(panel[2]);
      // a coordinate is rounded to 0.01 px: the value error that allows, plus float32 → text
      const tolX = (0.006 * (xs.hi - xs.lo)) / Math.abs(xs.p1 - xs.p0), tolY = (0.006 * (ys.hi - ys.lo)) / Math.abs(ys.p1 - ys.p0) + 1e-6;
      for (const [label, name] of [["f(x)", "activation"], ["f′(x)", "activationBackward"]] as const) {
        const d = pathOf(svg, label);
        const points = segments(d).flat();
        expect(points.length, c.name).toBe(c.xs.length);
        const x = nn.tensor(points.map(([px]) => Math.round(fromPixel(xs, px) * 20) / 20));
        const want = name === "activation" ? nn.activation(c.name, x) : nn.activationBackward(c.name, x, nn.ones(x.shape));
        points.forEach(([px, py], i) => {
          expect(Math.abs(fromPixel(xs, px) - x.data[i]), `${c.name} x`).toBeLessThan(tolX);
          expect(Math.abs(fromPixel(ys, py) - want.data[i]), `${c.name} ${label} at ${x.data[i]}`).toBeLessThan(tolY);
        });
        x.dispose();
        want.dispose();
      }
    }
  });

  it("draws each loss and its gradient as nn computes them (points read back through the axes)", () => {
    const figs = figures(doc), { curves } = lossCurves(nn);
    for (const c of curves) {
      const svg = figs.get(`loss:${c.label}`) as string;
      const panels = svg.split('<g class="panel" ').slice(1);
      expect(panels.length, c.label).toBe(2);
      for (const [panel, label, want] of [[panels[0], "loss", c.loss], [panels[1], "gradient", c.grad]] as const) {
        const m = /^data-x="([^"]*)" data-y="([^"]*)"/.exec(panel) as RegExpExecArray;
        const xs = scale(m[1]), ys = scale(m[2]);
        const tolY = (0.006 * (ys.hi - ys.lo)) / Math.abs(ys.p1 - ys.p0) + 1e-6;
        const points = segments(pathOf(panel, label)).flat();
        expect(points.length, c.label).toBe(c.xs.length);
        points.forEach(([px, py], i) => {
          expect(Math.abs(fromPixel(xs, px) - c.xs[i]), `${c.label} x`).toBeLessThan(1e-3);
          expect(Math.abs(fromPixel(ys, py) - want[i]), `${c.label} ${label} at ${c.xs[i]}`).toBeLessThan(tolY);
        });
      }
    }
    // and the curves are nn's: huber (delta 1) at residual 3 is 3 − 0.5, its gradient 1; BCE from logits at 0 is log 2
    const at = (label: string, x: number) => {
      const c = curves.find((k) => k.label === label) as (typeof curves)[number], i = c.xs.findIndex((v) => Math.abs(v - x) < 1e-9);
      return [c.loss[i], c.grad[i]];
    };
    const yt = nn.tensor([[0]]), yp = nn.tensor([[3]]), g = nn.lossGradient("huber", yt, yp, { delta: 1 });
    expect(at("huber (delta 1)", 3)).toEqual([nn.loss("huber", yt, yp, { delta: 1 }), g.data[0]]);
    expect(at("huber (delta 1)", 3)).toEqual([2.5, 1]);
    for (const t of [yt, yp, g]) t.dispose();
    expect(at("binaryCrossentropy (fromLogits)", 0)[0]).toBeCloseTo(Math.LN2, 6);
  });

  it("plots the validation metric per epoch when the runs recorded it: one line per configuration, the mean over seeds", () => {
    const curveOf = (a: string, seed: number) => Array.from({ length: 6 }, (_, e) => 0.5 + 0.06 * e + (a === "relu" ? 0.05 : 0) + 0.01 * seed);
    const withMetric = { ...results, runs: results.runs.map((r) => (r.task === "digits" ? { ...r, metricCurve: curveOf(r.activation, r.seed) } : r)) };
    const figs = figures(renderReport(withMetric, nn));
    expect([...figs.keys()].filter((n) => n.startsWith("metric:"))).toEqual(["metric:digits"]);
    expect(figures(doc).has("metric:digits")).toBe(false); // runs without metricCurve: no such figure
    const panel = (figs.get("metric:digits") as string).split("<g class=\"panel\" ")[1];
    const m = /^data-x="([^"]*)" data-y="([^"]*)"/.exec(panel) as RegExpExecArray;
    const xs = scale(m[1]), ys = scale(m[2]);
    for (const a of DIGITS_ACTS) {
      const want = Array.from({ length: 6 }, (_, e) => SEEDS.reduce((t, s) => t + curveOf(a, s)[e], 0) / SEEDS.length);
      const points = segments(pathOf(panel, a)).flat();
      expect(points.map(([px]) => Math.round(fromPixel(xs, px)))).toEqual([1, 2, 3, 4, 5, 6]);
      points.forEach(([, py], e) => expect(Math.abs(fromPixel(ys, py) - want[e]), `${a} epoch ${e + 1}`).toBeLessThan(0.006 * (ys.hi - ys.lo) + 1e-6));
    }
  });

  it("leaves gaps for NaN and Infinity and writes neither into an attribute", () => {
    expect(doc).not.toMatch(/="[^"]*(NaN|Infinity)[^"]*"/);
    const svg = figures(doc).get("curves:regression:mse") as string;
    const d = pathOf(svg, "relu");
    // the mean over seeds stays finite where one seed is NaN, so the training line has no gap; the
    // ±std band loses those epochs instead; a lone run with a NaN epoch would split (checked below)
    expect(segments(d).flat().length).toBe(8);
    const lone = renderReport({ ...results, runs: [run("lone", "relu", "mse", 1, { curve: [1, 0.5, NaN, 0.3, Infinity, 0.2, 0.1] })] }, nn);
    const d2 = pathOf(figures(lone).get("curves:lone:mse") as string, "relu");
    expect(segments(d2).map((s) => s.length)).toEqual([2, 1, 2]);
    expect(lone).not.toMatch(/="[^"]*(NaN|Infinity)[^"]*"/);
  });

  it("reads results.json as written: NaN and Infinity became null, drawn as gaps too", () => {
    const lone = { ...results, runs: [run("lone", "relu", "mse", 1, { curve: [1, 0.5, NaN, 0.3, Infinity, 0.2, 0.1] })] };
    const viaJson = renderReport(JSON.parse(JSON.stringify(lone)) as LabResults, nn);
    expect(segments(pathOf(figures(viaJson).get("curves:lone:mse") as string, "relu")).map((s) => s.length)).toEqual([2, 1, 2]);
    expect(viaJson).not.toMatch(/="[^"]*(NaN|Infinity|null|undefined)[^"]*"/);
  });

  it("refuses what is not a results.json, naming the field", () => {
    expect(() => renderReport(null as unknown as LabResults, nn)).toThrow(ValueError);
    expect(() => renderReport({ ...results, version: 2 } as unknown as LabResults, nn)).toThrow(/results.version must be 1.*received 2/);
    const broken = { ...results, runs: [{ ...results.runs[0], curve: "1,2" }] } as unknown as LabResults;
    expect(() => renderReport(broken, nn)).toThrow(/results.runs\[0\].curve must be an array of numbers; received "1,2"/);
    expect(() => renderReport(results, undefined as unknown as NN)).toThrow(/nn must be an instance from init/);
  });

  it("handles zeros on log axes", () => {
    const svg = figures(doc).get("gradflow:deep") as string;
    for (const m of svg.matchAll(/data-y="([^"]*)"/g)) {
      const s = scale(m[1]);
      expect(s.log).toBe(true);
      expect(s.lo > 0 && Number.isFinite(s.hi) && s.hi > s.lo).toBe(true);
    }
    // sigmoid · glorot has zero norm in layer 1: its line starts at layer 2
    const d = pathOf(svg, "sigmoid · glorot");
    expect(segments(d).flat().length).toBe(DEEP_HIDDEN);
    expect(niceDomain([0, 0, 1e-3, 10], true)).toMatchObject({ lo: 1e-3, hi: 10 });
    expect(niceDomain([0, -1, NaN], true)).toMatchObject({ lo: 1, hi: 10 });
  });

  it("sorts metric tables best first (lower MAE first, higher F1 first)", () => {
    const table = (task: string) => (new RegExp(`<caption>${task}:[\\s\\S]*?</table>`).exec(doc) as RegExpExecArray)[0];
    const order = (html: string) => [...html.matchAll(/<tr><td>\d+<\/td><td>([^<]*)</g)].map((m) => m[1]);
    expect(order(table("regression"))).toEqual(["relu · mae", "relu · huber", "relu · mse"]);
    expect(order(table("imbalanced"))).toEqual(["relu · binaryFocalCrossentropy", "relu · binaryCrossentropy"]);
    expect(table("imbalanced")).toContain("prAuc");
  });

  it("draws the build timings per task, with the speedup over scalar and n/a where a build was not timed", () => {
    const svg = figures(doc).get("speed") as string;
    const panels = svg.split('<g class="panel">').slice(1);
    expect(panels.length).toBe(5);
    const regression = panels.find((p) => p.includes(">regression</text>")) as string;
    // regression's runs: scalar 5 ms, SIMD 2 ms, relaxed not timed
    expect([...regression.matchAll(/data-value="([^"]*)"/g)].map((m) => Number(m[1]))).toEqual([5, 2]);
    expect(regression).toContain(">×2.5</text>");
    expect(regression).toContain(">n/a</text>");
  });

  it("renders empty results with a message and only the reference figures", () => {
    const empty = renderReport({ version: 1, meta: { date: "", host: "", runtime: "", quick: false, seeds: 0, epochs: {} }, runs: [], summary: [] }, nn);
    const { tags } = parseHtml(empty);
    expect(empty).toContain("These results hold no runs");
    expect(tags.filter((t) => t.name === "svg").length).toBe(plottedActivations().plotted.length + lossCurves(nn).curves.length);
  });

  it("gives the same bytes for the same input", () => {
    expect(renderReport(synthetic(), nn)).toBe(doc);
  });
});
