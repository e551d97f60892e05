// Small static SVG charts for the lab's report and the browser example: line plots in panels (small
// multiples) with axes, ticks, ±std bands and a legend, grouped bar charts, and histogram strips.
// Why no chart library: a static report needs a few hundred lines of drawing, not a dependency of
// hundreds of KB; the output is plain text, deterministic for the same data (so a test can read the
// coordinates back), and needs no script or network to display. Browser-safe: no node: imports.

/** Escapes text for HTML and SVG text content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] as string);
}

/**
 * Colour-blind-safe first (Okabe–Ito without its yellow, too pale on white), then Tableau's; past 12
 * series the colours repeat dashed.
 */
export const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#8C564B", "#9467BD", "#BCBD22", "#7F7F7F", "#17BECF"] as const;

/** The look of the i-th series of a chart. */
export function seriesStyle(i: number): { color: string; dash?: string } {
  return { color: PALETTE[i % PALETTE.length], dash: i >= PALETTE.length ? "6 3" : undefined };
}

/** A number in an attribute: two decimals, no trailing zeros, never "NaN" (callers skip non-finite). */
const num = (v: number) => String(Math.round(v * 100) / 100);

/** A value → pixel mapping along one axis (log scales map log10 of the value). */
export interface Scale {
  lo: number;
  hi: number;
  log: boolean;
  /** Pixel of `lo` and of `hi` (for y, p0 is the bottom). */
  p0: number;
  p1: number;
}

/** Pixel of v, or null where v cannot be drawn (non-finite, or ≤ 0 on a log axis). */
export function toPixel(s: Scale, v: number): number | null {
  if (!Number.isFinite(v) || (s.log && v <= 0)) return null;
  const t = s.log ? Math.log10(v) : v, tlo = s.log ? Math.log10(s.lo) : s.lo, thi = s.log ? Math.log10(s.hi) : s.hi;
  return s.p0 + ((t - tlo) / (thi - tlo)) * (s.p1 - s.p0);
}

/** The inverse of toPixel: what a test uses to read a drawn point back. */
export function fromPixel(s: Scale, p: number): number {
  const tlo = s.log ? Math.log10(s.lo) : s.lo, thi = s.log ? Math.log10(s.hi) : s.hi;
  const t = tlo + ((p - s.p0) / (s.p1 - s.p0)) * (thi - tlo);
  return s.log ? 10 ** t : t;
}

/** 1, 2 or 5 times a power of ten, near span / 5. */
function niceStep(span: number): number {
  const raw = span / 5, mag = 10 ** Math.floor(Math.log10(raw)), f = raw / mag;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * mag;
}

/** A tick label: as many decimals as the step needs, exponent form for very large or small values. */
function tickLabel(v: number, step: number): string {
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(0).replace("e+", "e");
  return v.toFixed(Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9))));
}

/**
 * The domain of the drawable values, widened to round ticks (linear) or whole decades (log). Where
 * nothing is drawable it is [0, 1] ([1, 10] on a log axis) so the frame still draws.
 */
export function niceDomain(values: Iterable<number>, log: boolean, fixed?: { min?: number; max?: number; integer?: boolean }): { lo: number; hi: number; ticks: { v: number; label: string }[] } {
  let lo = Infinity, hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v) || (log && v <= 0)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (fixed?.min !== undefined) lo = fixed.min;
  if (fixed?.max !== undefined) hi = fixed.max;
  if (log) {
    let a = Number.isFinite(lo) ? Math.floor(Math.log10(lo)) : 0, b = Number.isFinite(hi) ? Math.ceil(Math.log10(hi)) : 1;
    if (b <= a) b = a + 1;
    const every = Math.max(1, Math.ceil((b - a) / 8));
    const ticks = [];
    for (let k = a; k <= b; k += every) ticks.push({ v: 10 ** k, label: Math.abs(k) <= 3 ? String(10 ** k) : `1e${k}` });
    return { lo: 10 ** a, hi: 10 ** b, ticks };
  }
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  if (hi === lo) [lo, hi] = [lo - (Math.abs(lo) || 1) * 0.5, hi + (Math.abs(hi) || 1) * 0.5];
  const step = fixed?.integer ? Math.max(1, Math.round(niceStep(hi - lo))) : niceStep(hi - lo);
  if (fixed?.min === undefined) lo = Math.floor(lo / step + 1e-9) * step;
  if (fixed?.max === undefined) hi = Math.ceil(hi / step - 1e-9) * step;
  const ticks = [];
  for (let k = Math.ceil(lo / step - 1e-9); k * step <= hi + step * 1e-9; k++) ticks.push({ v: k * step, label: tickLabel(k * step, step) });
  return { lo, hi, ticks };
}

/** One line: y against x, NaN/±Infinity (and ≤ 0 on a log axis) leave gaps; an optional ±band. */
export interface Series {
  label: string;
  xs: readonly number[];
  ys: readonly number[];
  /** Lower and upper edge of a shaded band (e.g. mean ± std), same length as ys. */
  band?: { lo: readonly number[]; hi: readonly number[] };
  /** Draw a dot at each point (few points, such as one per layer). */
  markers?: boolean;
  /** Index into the palette (the legend's order by default); series with one style share a legend entry. */
  style?: number;
  dash?: string;
}

/** An axis: its label, log scale, fixed ends, or category names in place of numeric ticks (x = 0, 1, …). */
export interface AxisSpec {
  label: string;
  log?: boolean;
  min?: number;
  max?: number;
  categories?: readonly string[];
  /** Ticks on whole numbers only (epochs). */
  integer?: boolean;
}

/** Several panels side by side sharing the x axis spec, with one y axis spec (shared or per-panel domain). */
export interface PanelsSpec {
  /** Names the figure (data-figure attribute; ids derive from it). */
  figure: string;
  title: string;
  panels: { title?: string; series: readonly Series[] }[];
  x: AxisSpec;
  y: AxisSpec;
  /** One y domain for all panels (default) or one each. */
  sharedY?: boolean;
  panelWidth?: number;
  panelHeight?: number;
}

const FONT = 12;
const MARGIN = { left: 58, right: 14, top: 34, bottom: 44 };
/** Rough width of a label (the report has no font metrics; 0.6 em per character errs wide). */
const textWidth = (s: string, size = FONT) => s.length * size * 0.6;

/** The legend's entries laid out in rows under the plot: markup and height. */
function legend(entries: { label: string; color: string; dash?: string }[], width: number, top: number): { svg: string; height: number } {
  if (entries.length === 0) return { svg: "", height: 0 };
  let x = MARGIN.left, y = top + 14, out = "";
  for (const e of entries) {
    const w = 26 + textWidth(e.label) + 14;
    if (x + w > width && x > MARGIN.left) [x, y] = [MARGIN.left, y + 18];
    out += `<line x1="${num(x)}" y1="${num(y - 4)}" x2="${num(x + 20)}" y2="${num(y - 4)}" stroke="${e.color}" stroke-width="2.5"${e.dash ? ` stroke-dasharray="${e.dash}"` : ""}/>`;
    out += `<text x="${num(x + 25)}" y="${num(y)}">${esc(e.label)}</text>`;
    x += w;
  }
  return { svg: `<g class="legend">${out}</g>`, height: y - top + 10 };
}

/** Path data for the drawable points; a point that cannot be drawn ends the segment. */
function pathData(xs: Scale, ys: Scale, px: readonly number[], py: readonly number[]): string {
  let d = "", pen = false;
  for (let i = 0; i < py.length; i++) {
    const x = toPixel(xs, px[i]), y = toPixel(ys, py[i]);
    if (x === null || y === null) {
      pen = false;
      continue;
    }
    d += `${pen ? "L" : "M"}${num(x)} ${num(y)}`;
    pen = true;
  }
  return d;
}

/** Polygons for a band, one per run of points whose both edges are finite (clamped into the plot). */
function bandPolygons(xs: Scale, ys: Scale, px: readonly number[], lo: readonly number[], hi: readonly number[]): string[] {
  const clamp = (v: number) => (ys.log && v <= 0 ? ys.lo : Math.min(Math.max(v, ys.lo), ys.hi));
  const runs: number[][] = [];
  let cur: number[] = [];
  for (let i = 0; i < px.length; i++) {
    if (Number.isFinite(px[i]) && Number.isFinite(lo[i]) && Number.isFinite(hi[i])) cur.push(i);
    else if (cur.length) [runs[runs.length], cur] = [cur, []];
  }
  if (cur.length) runs.push(cur);
  return runs.filter((r) => r.length > 1).map((r) => {
    const pts = [...r.map((i) => [px[i], hi[i]]), ...r.reverse().map((i) => [px[i], lo[i]])];
    return pts.map(([x, y]) => `${num(toPixel(xs, x) as number)},${num(toPixel(ys, clamp(y)) as number)}`).join(" ");
  });
}

/** Line plots in panels side by side: one <svg> with title, axes, ticks, gridlines and a legend. */
export function linePanels(spec: PanelsSpec): string {
  const pw = spec.panelWidth ?? 340, ph = spec.panelHeight ?? 220, gap = 30;
  const n = Math.max(1, spec.panels.length);
  const width = MARGIN.left + n * pw + (n - 1) * gap + MARGIN.right;
  const all = spec.panels.flatMap((p) => p.series);
  // categories sit half a step in from the frame, so the first and last points do not lie on it
  const cats = spec.x.categories;
  const xd = cats ? niceDomain([], false, { min: -0.5, max: Math.max(1, cats.length) - 0.5 }) : niceDomain(all.flatMap((s) => s.xs), spec.x.log ?? false, spec.x);
  const yOf = (ss: readonly Series[]) => ss.flatMap((s) => (s.band ? [...s.ys, ...s.band.lo, ...s.band.hi] : s.ys));
  const sharedYd = niceDomain(yOf(all), spec.y.log ?? false, spec.y);
  const id = spec.figure.replace(/[^A-Za-z0-9_-]/g, "_");
  const styles = new Map<string, number>();
  all.forEach((s) => styles.has(s.label) || styles.set(s.label, s.style ?? styles.size));
  let body = "";
  spec.panels.forEach((panel, pi) => {
    const left = MARGIN.left + pi * (pw + gap), top = MARGIN.top + (panel.title ? 16 : 0);
    const yd = spec.sharedY === false ? niceDomain(yOf(panel.series), spec.y.log ?? false, spec.y) : sharedYd;
    const xs: Scale = { lo: xd.lo, hi: xd.hi, log: spec.x.log ?? false, p0: left, p1: left + pw };
    const ys: Scale = { lo: yd.lo, hi: yd.hi, log: spec.y.log ?? false, p0: top + ph, p1: top };
    const clip = `${id}-clip${pi}`;
    let g = `<clipPath id="${clip}"><rect x="${num(left)}" y="${num(top)}" width="${num(pw)}" height="${num(ph)}"/></clipPath>`;
    if (panel.title) g += `<text class="subtitle" x="${num(left + pw / 2)}" y="${num(top - 6)}" text-anchor="middle">${esc(panel.title)}</text>`;
    for (const t of yd.ticks) {
      const y = toPixel(ys, t.v) as number;
      g += `<line class="grid" x1="${num(left)}" y1="${num(y)}" x2="${num(left + pw)}" y2="${num(y)}"/>`;
      if (pi === 0 || spec.sharedY === false) g += `<text x="${num(left - 5)}" y="${num(y + 4)}" text-anchor="end">${esc(t.label)}</text>`;
    }
    const xticks = cats ? cats.map((label, v) => ({ v, label })) : xd.ticks;
    for (const t of xticks) {
      const x = toPixel(xs, t.v) as number;
      g += `<line class="grid" x1="${num(x)}" y1="${num(top)}" x2="${num(x)}" y2="${num(top + ph)}"/>`;
      g += `<text x="${num(x)}" y="${num(top + ph + 15)}" text-anchor="middle">${esc(t.label)}</text>`;
    }
    g += `<rect class="frame" x="${num(left)}" y="${num(top)}" width="${num(pw)}" height="${num(ph)}"/>`;
    let lines = "";
    for (const s of panel.series) {
      const st = seriesStyle(styles.get(s.label) ?? 0), dash = s.dash ?? st.dash;
      for (const poly of s.band ? bandPolygons(xs, ys, s.xs, s.band.lo, s.band.hi) : []) lines += `<polygon class="band" points="${poly}" fill="${st.color}"/>`;
      const d = pathData(xs, ys, s.xs, s.ys);
      if (d) lines += `<path class="series" data-label="${esc(s.label)}" d="${d}" stroke="${st.color}"${dash ? ` stroke-dasharray="${dash}"` : ""}/>`;
      if (s.markers) {
        s.ys.forEach((v, i) => {
          const x = toPixel(xs, s.xs[i]), y = toPixel(ys, v);
          if (x !== null && y !== null) lines += `<circle cx="${num(x)}" cy="${num(y)}" r="3" fill="${st.color}"/>`;
        });
      }
    }
    const axes = `data-x="${xs.lo} ${xs.hi} ${xs.p0} ${xs.p1} ${xs.log ? "log" : "linear"}" data-y="${ys.lo} ${ys.hi} ${ys.p0} ${ys.p1} ${ys.log ? "log" : "linear"}"`;
    body += `<g class="panel" ${axes}>${g}<g clip-path="url(#${clip})">${lines}</g></g>`;
  });
  const plotBottom = MARGIN.top + (spec.panels.some((p) => p.title) ? 16 : 0) + ph;
  body += `<text class="axis-label" x="${num(MARGIN.left + (width - MARGIN.left - MARGIN.right) / 2)}" y="${num(plotBottom + 34)}" text-anchor="middle">${esc(spec.x.label)}</text>`;
  body += `<text class="axis-label" transform="translate(14 ${num(MARGIN.top + ph / 2 + 16)}) rotate(-90)" text-anchor="middle">${esc(spec.y.label)}</text>`;
  const entries = [...styles].map(([label, i]) => ({ label, ...seriesStyle(i) }));
  const leg = legend(entries, width, plotBottom + MARGIN.bottom - 4);
  const height = plotBottom + MARGIN.bottom + leg.height;
  return frame(spec.figure, spec.title, width, height, body + leg.svg);
}

/** The <svg> element around a chart's body, with its title. */
function frame(figure: string, title: string, width: number, height: number, body: string): string {
  // no xmlns: inline in HTML the parser supplies it (and the report holds no URL at all)
  return `<svg class="chart" data-figure="${esc(figure)}" width="${num(width)}" height="${num(height)}" viewBox="0 0 ${num(width)} ${num(height)}" role="img" aria-label="${esc(title)}">` +
    `<title>${esc(title)}</title><text class="title" x="${MARGIN.left}" y="18">${esc(title)}</text>${body}</svg>`;
}

/** Bars of several series per group (e.g. scalar, SIMD, relaxed per task); null = not measured. */
export interface BarsSpec {
  figure: string;
  title: string;
  yLabel: string;
  seriesLabels: readonly string[];
  groups: readonly { label: string; values: readonly (number | null)[]; notes?: readonly (string | null)[] }[];
}

/**
 * Grouped bars from 0, one small panel per group with its own scale (tasks' epoch times differ by
 * orders of magnitude, and what compares across tasks is the ratio within each), each bar's value above
 * it (or "n/a") and its note (a speedup) under it.
 */
export function barChart(spec: BarsSpec): string {
  const k = Math.max(1, spec.seriesLabels.length), bw = 40, pw = k * bw + 12, gap = 52, ph = 180;
  const width = MARGIN.left + spec.groups.length * (pw + gap) - gap + MARGIN.right;
  let body = "";
  spec.groups.forEach((g, gi) => {
    const left = MARGIN.left + gi * (pw + gap);
    // 8 % headroom so the value printed above the tallest bar stays inside the frame
    const yd = niceDomain([0, ...g.values.filter((v): v is number => v !== null).map((v) => v * 1.08)], false, { min: 0 });
    const ys: Scale = { lo: yd.lo, hi: yd.hi, log: false, p0: MARGIN.top + ph, p1: MARGIN.top };
    let panel = "";
    for (const t of yd.ticks) {
      const y = toPixel(ys, t.v) as number;
      panel += `<line class="grid" x1="${num(left)}" y1="${num(y)}" x2="${num(left + pw)}" y2="${num(y)}"/><text x="${num(left - 4)}" y="${num(y + 4)}" text-anchor="end">${esc(t.label)}</text>`;
    }
    g.values.forEach((v, si) => {
      const x = left + 6 + si * bw, y = v === null ? null : toPixel(ys, v);
      if (y === null) panel += `<text class="note" x="${num(x + bw / 2)}" y="${num(ys.p0 - 4)}" text-anchor="middle">n/a</text>`;
      else {
        panel += `<rect class="bar" data-value="${num(v as number)}" x="${num(x + 2)}" y="${num(y)}" width="${bw - 4}" height="${num(ys.p0 - y)}" fill="${seriesStyle(si).color}"/>`;
        panel += `<text class="note" x="${num(x + bw / 2)}" y="${num(y - 3)}" text-anchor="middle">${esc(shortNumber(v as number))}</text>`;
      }
      const note = g.notes?.[si];
      if (note) panel += `<text class="note" x="${num(x + bw / 2)}" y="${num(ys.p0 + 30)}" text-anchor="middle">${esc(note)}</text>`;
    });
    const room = Math.floor((pw + gap - 8) / (FONT * 0.6)), short = g.label.length > room ? `${g.label.slice(0, room - 1)}…` : g.label;
    panel += `<text x="${num(left + pw / 2)}" y="${num(ys.p0 + 15)}" text-anchor="middle"><title>${esc(g.label)}</title>${esc(short)}</text>`;
    body += `<g class="panel">${panel}<rect class="frame" x="${num(left)}" y="${MARGIN.top}" width="${num(pw)}" height="${ph}"/></g>`;
  });
  body += `<text class="axis-label" transform="translate(14 ${num(MARGIN.top + ph / 2)}) rotate(-90)" text-anchor="middle">${esc(spec.yLabel)}</text>`;
  const leg = legend(spec.seriesLabels.map((label, i) => ({ label, ...seriesStyle(i) })), width, MARGIN.top + ph + MARGIN.bottom + 2);
  return frame(spec.figure, spec.title, width, MARGIN.top + ph + MARGIN.bottom + 6 + leg.height, body + leg.svg);
}

/** Three significant digits, for labels on bars. */
export function shortNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  return Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-4 && v !== 0) ? v.toExponential(2).replace("e+", "e") : String(Number(v.toPrecision(3)));
}

/** One histogram: counts of equal-width bins over [min, max]. */
export interface Histogram {
  title: string;
  min: number;
  max: number;
  counts: readonly number[];
}

/** Histograms side by side (one per layer), each scaled to its own tallest bin, with its range under it. */
export function histogramStrip(figure: string, title: string, hists: readonly Histogram[]): string {
  // fit a row of 1100 px (the report's width) when there are many layers, but no panel under 90 px
  const gap = 16, pw = Math.max(90, Math.min(150, (1100 - MARGIN.left - MARGIN.right) / Math.max(1, hists.length) - gap)), ph = 90, top = MARGIN.top + 16;
  const width = MARGIN.left + hists.length * (pw + gap) - gap + MARGIN.right;
  let body = "";
  hists.forEach((h, i) => {
    const left = MARGIN.left + i * (pw + gap), total = h.counts.reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
    const peak = Math.max(0, ...h.counts.filter(Number.isFinite)), bw = pw / Math.max(1, h.counts.length);
    body += `<text class="subtitle" x="${num(left + pw / 2)}" y="${top - 6}" text-anchor="middle">${esc(h.title)}</text>`;
    h.counts.forEach((c, j) => {
      if (!(Number.isFinite(c) && c > 0 && peak > 0)) return;
      const hgt = (c / peak) * ph;
      body += `<rect class="bin" data-count="${c}" x="${num(left + j * bw)}" y="${num(top + ph - hgt)}" width="${num(Math.max(0.5, bw - 0.5))}" height="${num(hgt)}" fill="${PALETTE[0]}"/>`;
    });
    body += `<rect class="frame" x="${num(left)}" y="${top}" width="${pw}" height="${ph}"/>`;
    const range = Number.isFinite(h.min) && Number.isFinite(h.max) ? [shortNumber(h.min), shortNumber(h.max)] : ["?", "?"];
    body += `<text x="${num(left)}" y="${top + ph + 14}">${esc(range[0])}</text><text x="${num(left + pw)}" y="${top + ph + 14}" text-anchor="end">${esc(range[1])}</text>`;
    if (total === 0) body += `<text class="note" x="${num(left + pw / 2)}" y="${top + ph / 2}" text-anchor="middle">no data</text>`;
  });
  body += `<text class="axis-label" x="${MARGIN.left}" y="${top + ph + 32}">activation value (bars: share of samples, each panel scaled to its tallest bin)</text>`;
  return frame(figure, title, width, top + ph + 42, body);
}
