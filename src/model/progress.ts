// fit's verbose output: a Keras-like progress bar with ETA on a TTY (verbose 1), one line per epoch
// otherwise. Works where there is no process (browsers, Workers): it falls back to console.log.
import type { Callback, Logs } from "./callbacks.js";
import type { Layer } from "./layer.js";

type Writer = (text: string) => void;

interface Stdout {
  isTTY?: boolean;
  write(s: string): unknown;
}

function stdout(): Stdout | null {
  const p = (globalThis as { process?: { stdout?: Stdout } }).process;
  return p?.stdout && typeof p.stdout.write === "function" ? p.stdout : null;
}

/** Keras' number format: 4 decimals, exponent form for tiny values. */
export function formatValue(v: number): string {
  return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(4) : v.toFixed(4);
}

function formatLogs(logs: Logs): string {
  return Object.entries(logs).map(([k, v]) => ` - ${k}: ${formatValue(v)}`).join("");
}

function formatDuration(sec: number): string {
  if (sec >= 3600) return `${Math.floor(sec / 3600)}:${String(Math.floor((sec % 3600) / 60)).padStart(2, "0")}:${String(Math.floor(sec % 60)).padStart(2, "0")}`;
  if (sec >= 60) return `${Math.floor(sec / 60)}:${String(Math.floor(sec % 60)).padStart(2, "0")}`;
  return `${Math.round(sec)}s`;
}

export interface ProgressOptions {
  verbose: 1 | 2;
  epochs: number;
  steps: number;
  /** Where text goes (default process.stdout.write, else console.log per line). */
  write?: Writer;
  /** Force the TTY form on or off (default: process.stdout.isTTY). */
  tty?: boolean;
}

/** The logger fit adds for verbose 1 or 2. */
export function progressLogger(o: ProgressOptions): Callback {
  const out = stdout();
  const write: Writer = o.write ?? (out ? (s) => void out.write(s) : (s) => console.log(s.replace(/\n$/, "")));
  const tty = o.verbose === 1 && (o.tty ?? !!out?.isTTY);
  const width = String(o.steps).length;
  let start = 0, last = 0;
  return {
    onEpochBegin(epoch) {
      start = last = performance.now();
      write(`Epoch ${epoch + 1}/${o.epochs}\n`);
    },
    onBatchEnd(batch, logs) {
      if (!tty) return;
      const now = performance.now();
      if (now - last < 50 && batch + 1 < o.steps) return;
      last = now;
      const done = batch + 1, filled = Math.floor((30 * done) / o.steps);
      const bar = "=".repeat(Math.max(0, filled - 1)) + (done < o.steps ? ">" : "=") + ".".repeat(30 - filled);
      const eta = ((now - start) / 1000 / done) * (o.steps - done);
      write(`\r${String(done).padStart(width)}/${o.steps} [${bar.slice(0, 30)}] - ETA: ${formatDuration(eta)}${formatLogs(logs)}\x1b[K`);
    },
    onEpochEnd(_epoch, logs) {
      const sec = (performance.now() - start) / 1000;
      const perStep = (1000 * sec) / Math.max(1, o.steps);
      write(`${tty ? "\r" : ""}${o.steps}/${o.steps} - ${formatDuration(sec)} ${perStep < 1 ? `${Math.round(perStep * 1000)}us` : `${Math.round(perStep)}ms`}/step${formatLogs(logs)}${tty ? "\x1b[K" : ""}\n`);
    },
  };
}

function fmtBytes(b: number): string {
  return b < 1024 ? `${b} B` : b < 1 << 20 ? `${(b / 1024).toFixed(2)} KB` : `${(b / (1 << 20)).toFixed(2)} MB`;
}

/** model.summary()'s Keras-style table: layers, output shapes, parameter counts; frozen layers marked, trainable and non-trainable totals. */
export function formatSummary(name: string, layers: readonly Layer[]): string {
  const rows = layers.map((l) => [`${l.name} (${l.className})${l.trainable || l.weights.length === 0 ? "" : " [frozen]"}`, l.outputShape ? `(None, ${l.outputShape.join(", ")})` : "?", l.countParams().toLocaleString("en-US")]);
  const head = ["Layer (type)", "Output Shape", "Param #"];
  const w = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)) + 2);
  const line = (r: string[]) => r.map((s, c) => s.padEnd(w[c])).join("").trimEnd();
  const rule = (ch: string) => ch.repeat(w.reduce((a, b) => a + b, 0));
  const all = layers.flatMap((l) => l.weights);
  const trainable = all.filter((x) => x.trainable).reduce((s, x) => s + x.size, 0);
  const total = all.reduce((s, x) => s + x.size, 0);
  return [
    `Model: "${name}"`, rule("─"), line(head), rule("═"),
    ...rows.map(line), rule("─"),
    `Total params: ${total.toLocaleString("en-US")} (${fmtBytes(total * 4)})`,
    `Trainable params: ${trainable.toLocaleString("en-US")} (${fmtBytes(trainable * 4)})`,
    `Non-trainable params: ${(total - trainable).toLocaleString("en-US")} (${fmtBytes((total - trainable) * 4)})`,
  ].join("\n");
}
