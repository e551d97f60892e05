// One harness for every benchmark: for each case and each build it sets up, validates the result
// against the case's check, then times with benchmark.js and prints medians side by side.
//   case = { name, elements?, flops?, samples?, perCall?, setup(nn) => { run(), check?(), teardown?() }, js?() => { run(), check?() } }
import Benchmark from "benchmark";
import os from "node:os";
import { BACKENDS, backendSupport, init } from "../dist/index.js";

const BUILDS = [...BACKENDS].reverse(); // scalar, simd, relaxed-simd
export const results = [];

/** Median seconds per call of fn, from benchmark.js samples. */
export function time(fn, { maxTime = 0.5, minSamples = 10 } = {}) {
  const b = new Benchmark({ fn, maxTime, minSamples, initCount: 1 });
  b.run({ async: false });
  if (b.error) throw b.error;
  const s = [...b.stats.sample].sort((a, c) => a - c);
  return s.length ? s[s.length >> 1] : b.times.period;
}

const instances = new Map();
/** The initialised module of a build (one per process), or undefined where the host lacks the build's features. */
export async function instance(build) {
  if (!backendSupport(build).ok) return undefined;
  if (!instances.has(build)) instances.set(build, await init({ backend: build }));
  return instances.get(build);
}

function rate(c, sec) {
  const parts = [];
  if (c.samples) parts.push(`${(c.samples / sec / 1e3).toFixed(1)}k samples/s`);
  if (c.elements) parts.push(`${(c.elements / sec / 1e6).toFixed(0)} Melem/s`);
  if (c.flops) parts.push(`${(c.flops / sec / 1e9).toFixed(2)} GFLOP/s`);
  if (c.perCall || (!c.elements && !c.flops && !c.samples)) parts.push(fmtTime(sec));
  return parts.join(" ");
}

export function fmtTime(sec) {
  return sec < 1e-3 ? `${(sec * 1e6).toFixed(2)} µs` : `${(sec * 1e3).toFixed(2)} ms`;
}

/** Runs a titled group of cases on every build (and the plain-JS baseline where given), prints a table. */
export async function suite(title, cases, options = {}) {
  console.log(`\n## ${title}\n`);
  const head = ["case", "js", ...BUILDS, "simd/scalar", "relaxed/scalar"];
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map(() => "---").join("|")}|`);
  for (const c of cases) {
    const secs = {};
    const cells = [];
    if (c.js) {
      const j = c.js();
      j.run();
      j.check?.();
      secs.js = time(j.run, options);
      cells.push(rate(c, secs.js));
    } else cells.push("–");
    for (const build of BUILDS) {
      const support = backendSupport(build);
      if (!support.ok) {
        cells.push(`unavailable (${support.reason.split(";")[0]})`);
        continue;
      }
      const nn = await instance(build);
      const s = c.setup(nn);
      s.run();
      s.check?.(); // validate before timing: a fast wrong answer is not a result
      secs[build] = time(s.run, options);
      s.teardown?.();
      cells.push(rate(c, secs[build]));
    }
    const ratio = (b) => (secs[b] && secs.scalar ? `${(secs.scalar / secs[b]).toFixed(2)}×` : "–");
    cells.push(ratio("simd"), ratio("relaxed-simd"));
    console.log(`| ${c.name} | ${cells.join(" | ")} |`);
    results.push({ suite: title, case: c.name, seconds: secs, elements: c.elements, flops: c.flops });
  }
}

/** Throws unless |a − e| ≤ atol + rtol·|e| everywhere (NaN only matches NaN). */
export function assertClose(actual, expected, atol = 1e-5, rtol = 1e-5, what = "result") {
  if (actual.length !== expected.length) throw new Error(`${what}: length ${actual.length} ≠ ${expected.length}`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    if (Number.isNaN(e) ? !Number.isNaN(a) : !(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      throw new Error(`${what}: index ${i} is ${a}, expected ${e}`);
    }
  }
}

export function machine() {
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${os.cpus().length} cores, Node ${process.versions.node} (V8 ${process.versions.v8}), ${new Date().toISOString().slice(0, 10)}`;
}

/**
 * Waits for and holds the machine-wide bench lock until exit, so that two benchmarks never share the
 * two cores. The lock directory names its holder's pid; a lock whose holder is gone is taken over.
 */
export async function holdBenchLock() {
  const { mkdirSync, readFileSync, rmSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const lock = join(tmpdir(), "simdnn-bench.lock");
  const holderAlive = () => {
    try {
      process.kill(Number(readFileSync(join(lock, "pid"), "utf8")), 0);
      return true;
    } catch (error) {
      return error.code === "EPERM" || error.code === "ENOENT"; // ENOENT: the holder is still writing its pid
    }
  };
  for (let waited = 0; ; waited++) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, "pid"), String(process.pid));
      break;
    } catch {
      if (waited > 2 && !holderAlive()) rmSync(lock, { recursive: true, force: true });
      else if (waited % 30 === 0) console.error(`waiting for another benchmark to finish (${lock})…`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  process.on("exit", () => rmSync(lock, { recursive: true, force: true }));
  process.on("SIGINT", () => process.exit(130));
  process.on("SIGTERM", () => process.exit(143));
}

/** The MLP 784-512-256-10 (relu, relu, softmax; Adam, categorical cross-entropy) the training and threads benches time. */
export function mlp(nn) {
  const model = nn.sequential({ seed: 1, layers: [
    nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }),
    nn.layers.dense({ units: 256, activation: "relu" }),
    nn.layers.dense({ units: 10, activation: "softmax" }),
  ] });
  model.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
  return model;
}
