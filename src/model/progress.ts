// fit's verbose output: a Keras-like progress bar with ETA on a TTY (verbose 1), one line per epoch
// otherwise. Works where there is no process (browsers, Workers): it falls back to console.log.
import type { Callback, Logs } from "./callbacks.js";

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
