// npx simdnn lab: the Node front end of the lab engine (grid.ts). Reads Fashion-MNIST's IDX files, shows a
// progress bar on a terminal (a line per run otherwise), prints the summary table and writes
// <out>/results.json and <out>/report.html. The only lab file with node: imports.
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { arch, cpus, platform } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readIdx } from "../data/idx.js";
import { SimdnnError, ValueError, show } from "../errors.js";
import { init } from "../index.js";
import type { ImageSet } from "./data.js";
import { checkNames, initBuilds, type LabOptions, planGrid, runLab } from "./grid.js";
import { renderReport } from "./report.js";
import { LAB_ACTIVATION_NAMES, LAB_LOSS_IDS, LAB_TASK_IDS, type LabActivation, type LabTaskId } from "./tasks.js";
import type { LabResults } from "./types.js";

export const LAB_USAGE = `Usage: simdnn lab [--quick] [--tasks a,b] [--activations a,b] [--losses a,b] [--seeds n] [--out dir] [--data dir]

  --quick         fewer epochs, Fashion-MNIST on a subset, 1 seed (about a minute on this project's 2-core machine)
  --tasks         ${LAB_TASK_IDS.join(", ")}
  --activations   hidden activations of the tasks that compare them (digits, fashion, deep): ${LAB_ACTIVATION_NAMES.join(", ")}
  --losses        loss variants of the tasks that compare them: ${LAB_LOSS_IDS.join(", ")}
  --seeds         seeds per cell, mean ± std in the summary (default 1 with --quick, else 3)
  --out           output folder for results.json and report.html (default lab-out)
  --data          folder with Fashion-MNIST's four IDX files (default ../shared/data/fashion-mnist beside the
                  package or the working directory); without them the fashion task is skipped, saying so`;

export interface LabCliOptions {
  quick: boolean;
  tasks?: LabTaskId[];
  activations?: LabActivation[];
  losses?: string[];
  seeds?: number;
  out: string;
  data?: string;
  help: boolean;
}

const VALUED = ["--tasks", "--activations", "--losses", "--seeds", "--out", "--data"] as const;
const FLAGS = ["--quick", "--help", "-h"] as const;

/** Parses the lab's arguments strictly: an unknown option, a missing value or an unknown name is a ValueError listing the valid ones. */
export function parseLabArgs(argv: readonly string[]): LabCliOptions {
  const o: LabCliOptions = { quick: false, out: "lab-out", help: false };
  const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].startsWith("--") && argv[i].includes("=") ? [argv[i].slice(0, argv[i].indexOf("=")), argv[i].slice(argv[i].indexOf("=") + 1)] : [argv[i], undefined];
    if ((FLAGS as readonly string[]).includes(flag)) {
      if (inline !== undefined) throw new ValueError(`lab: ${flag} takes no value; received '${argv[i]}'.`);
      if (flag === "--quick") o.quick = true;
      else o.help = true;
      continue;
    }
    if (!(VALUED as readonly string[]).includes(flag)) {
      throw new ValueError(`lab: unknown ${flag.startsWith("-") ? "option" : "argument"} '${argv[i]}'; expected: ${[...FLAGS.slice(0, 2), ...VALUED].join(", ")}.`);
    }
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith("--") || value === "") throw new ValueError(`lab: ${flag} needs a value; received ${value === undefined ? "nothing" : `'${value}'`}.`);
    if (flag === "--tasks") o.tasks = checkNames("task (--tasks)", list(value), LAB_TASK_IDS);
    else if (flag === "--activations") o.activations = checkNames("activation (--activations)", list(value), LAB_ACTIVATION_NAMES);
    else if (flag === "--losses") o.losses = checkNames("loss (--losses)", list(value), LAB_LOSS_IDS);
    else if (flag === "--seeds") {
      if (!/^[1-9]\d*$/.test(value)) throw new ValueError(`lab: --seeds must be a positive integer; received '${value}'.`);
      o.seeds = Number(value);
    } else if (flag === "--out") o.out = value;
    else o.data = value;
  }
  return o;
}

const FASHION_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];

/** The folders looked in when --data is not given: ../shared/data/fashion-mnist beside the package's root and beside the working directory. */
function defaultDataDirs(): string[] {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return [...new Set([join(dir, "../shared/data/fashion-mnist"), resolve("../shared/data/fashion-mnist")])];
}

/** Fashion-MNIST's training and test files pooled (the lab splits them itself, seeded), or why not. */
export async function loadFashion(dataDir: string | undefined): Promise<ImageSet | { missing: string }> {
  const dirs = dataDir ? [resolve(dataDir)] : defaultDataDirs();
  const dir = dirs.find((d) => FASHION_FILES.every((f) => existsSync(join(d, f))));
  if (!dir) return { missing: `looked for ${FASHION_FILES.join(", ")} in ${dirs.join(" and ")}${dataDir ? "" : "; pass --data <dir>"}` };
  const [xa, ya, xb, yb] = await Promise.all(FASHION_FILES.map(async (f) => readIdx(new Uint8Array(await readFile(join(dir, f))))));
  const count = ya.data.length + yb.data.length, features = xa.data.length / ya.data.length;
  const x = new Float32Array(count * features);
  for (let i = 0; i < xa.data.length; i++) x[i] = xa.data[i] / 255;
  for (let i = 0; i < xb.data.length; i++) x[xa.data.length + i] = xb.data[i] / 255;
  const labels = new Uint8Array(count);
  labels.set(ya.data as Uint8Array);
  labels.set(yb.data as Uint8Array, ya.data.length);
  return { x, labels, count, features, classes: 10 };
}

function progress(tty: boolean): NonNullable<Parameters<typeof runLab>[2]>["onProgress"] {
  const started = Date.now();
  return (p) => {
    if (p.skipped) {
      console.log(`skipped ${p.skipped.task}: ${p.skipped.reason}`);
      return;
    }
    const elapsed = (Date.now() - started) / 1000;
    if (!p.run) {
      if (tty) {
        const width = 28, filled = Math.round((width * p.done) / Math.max(1, p.total));
        process.stdout.write(`\r\x1b[2K[${"#".repeat(filled)}${".".repeat(width - filled)}] ${p.done}/${p.total} ${elapsed.toFixed(0)} s  ${p.label}`);
      }
      return;
    }
    const r = p.run, ms = r.msPerEpoch;
    const line = `${p.done}/${p.total} ${p.label}: ${r.metric.name} ${r.metric.value.toFixed(4)}${r.diverged ? " (diverged)" : ""}, ms/epoch ${[ms.scalar, ms.simd, ms.relaxed].map((v) => (v === null ? "–" : v.toFixed(1))).join(" / ")}`;
    if (!tty) console.log(line);
    else if (p.done === p.total) process.stdout.write("\r\x1b[2K");
  };
}

/** The summary table: one row per cell, mean ± std over seeds, and ms per epoch on each build (seed 0). */
export function summaryTable(results: LabResults): string {
  const rows = results.summary.map((s) => {
    const runs = results.runs.filter((r) => r.task === s.task && r.activation === s.activation && r.loss === s.loss && r.initializer === s.initializer);
    const ms = (k: "scalar" | "simd" | "relaxed") => runs[0]?.msPerEpoch[k] ?? null;
    const speed = [ms("scalar"), ms("simd"), ms("relaxed")].map((v) => (v === null ? "–" : v.toFixed(1))).join(" / ");
    const value = `${s.mean.toFixed(4)}${s.seeds > 1 ? ` ± ${s.std.toFixed(4)}` : ""}`;
    return [s.task, s.activation, s.initializer ?? "", s.loss, `${s.metric} ${value}`, speed];
  });
  const head = ["task", "activation", "initializer", "loss", "metric (test)", "ms/epoch scalar / simd / relaxed"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [fmt(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(fmt)].join("\n");
}

/** `simdnn lab …`: returns the exit code. */
export async function labMain(argv: readonly string[]): Promise<number> {
  try {
    const o = parseLabArgs(argv);
    if (o.help) {
      console.log(LAB_USAGE);
      return 0;
    }
    const options: LabOptions = { tasks: o.tasks, activations: o.activations, losses: o.losses, seeds: o.seeds, quick: o.quick };
    const cells = planGrid(options);
    if (cells.length === 0) throw new ValueError(`lab: the filters leave no run (tasks ${show(o.tasks ?? "all")}, activations ${show(o.activations ?? "all")}, losses ${show(o.losses ?? "all")}).`);
    if (cells.some((c) => c.task === "fashion")) {
      const f = await loadFashion(o.data);
      if ("missing" in f) options.fashionMissing = f.missing;
      else options.fashion = f;
    }
    const builds = await initBuilds(init);
    const nn = builds.relaxed ?? builds.simd ?? builds.scalar!;
    options.builds = builds;
    options.meta = { host: `${platform()} ${arch()}, ${cpus()[0]?.model ?? "unknown CPU"}`, argv: [...argv], builds: Object.keys(builds) };
    const started = Date.now();
    const results = await runLab(nn, options, { onProgress: progress(process.stdout.isTTY === true) });
    results.meta.wallSeconds = (Date.now() - started) / 1000;
    if (results.runs.length === 0) throw new ValueError(`lab: nothing ran: every task asked for was skipped (reasons above).`);
    console.log(summaryTable(results));
    await mkdir(o.out, { recursive: true });
    await writeFile(join(o.out, "results.json"), JSON.stringify(results, null, 1) + "\n");
    await writeFile(join(o.out, "report.html"), renderReport(results, nn));
    console.log(`\n${results.runs.length} runs in ${(results.meta.wallSeconds as number).toFixed(1)} s on ${nn.backend}; wrote ${join(o.out, "results.json")} and ${join(o.out, "report.html")}`);
    return 0;
  } catch (error) {
    console.error(error instanceof SimdnnError ? `${error.name}: ${error.message}` : error);
    return 1;
  }
}
