// npm run bench [-- filter...]: runs every bench/*.bench.mjs whose name contains a filter word.
// Holds a lock so that two benchmarks never share the machine's two cores.
import { mkdirSync, readdirSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { machine, results } from "./harness.mjs";

const lock = join(tmpdir(), "simdnn-bench.lock");
for (let waited = 0; ; waited++) {
  try {
    mkdirSync(lock);
    break;
  } catch {
    const age = Date.now() - statSync(lock).mtimeMs;
    if (age > 30 * 60_000) rmdirSync(lock); // a run that died long ago
    if (waited % 30 === 0) console.error(`waiting for another benchmark to finish (${lock})…`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
const release = () => { try { rmdirSync(lock); } catch {} };
process.on("exit", release);
process.on("SIGINT", () => process.exit(130));

const here = fileURLToPath(new URL(".", import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => filters.length === 0 || filters.some((w) => f.includes(w)))
  .sort();
console.log(`# simdnn benchmarks\n\n${machine()}\nMedians of benchmark.js samples; one core; ratios are within this run.`);
for (const f of files) await import(join(here, f));
mkdirSync(join(here, "out"), { recursive: true });
writeFileSync(join(here, "out", "latest.json"), JSON.stringify({ machine: machine(), results }, null, 2));
