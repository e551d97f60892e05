// npm run bench [-- filter...]: runs every bench/*.bench.mjs whose name contains a filter word.
// Holds a lock so that two benchmarks never share the machine's two cores.
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { holdBenchLock, machine, results } from "./harness.mjs";

await holdBenchLock();

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
