// Cold start: a fresh node process that imports simdnn and awaits init(), minus a bare node process
// with the same flags. Runs are interleaved round by round so that drift on a noisy machine hits
// every row alike; the table shows medians.
import { execFileSync } from "node:child_process";

const dist = new URL("../dist/index.js", import.meta.url).href;
const ROUNDS = 21;
const RELAXED = ["--experimental-wasm-relaxed-simd"];
// The child also reports import + init() measured inside itself, which process-spawn noise cannot touch.
const load = (b) => ["--input-type=module", "-e", `const t = performance.now(); const m = await import(${JSON.stringify(dist)}); await m.init({ backend: '${b}' }); console.log(performance.now() - t);`];
const rows = [
  { name: "(bare node -e '')", args: ["-e", ""] },
  { name: "(bare node --experimental-wasm-relaxed-simd -e '')", args: [...RELAXED, "-e", ""] },
  // any ES module entry pays for Node's ESM loader; this row shows how much of the gap that is
  { name: "(bare node --input-type=module -e '')", args: ["--input-type=module", "-e", ""] },
  { name: "scalar", args: load("scalar"), base: 0 },
  { name: "simd", args: load("simd"), base: 0 },
  { name: "relaxed-simd", args: [...RELAXED, ...load("relaxed-simd")], base: 1 },
];
const times = rows.map(() => []);
const inside = rows.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  rows.forEach((row, i) => {
    const s = process.hrtime.bigint();
    const out = execFileSync(process.execPath, row.args, { encoding: "utf8" });
    times[i].push(Number(process.hrtime.bigint() - s) / 1e6);
    if (out.trim()) inside[i].push(Number(out));
  });
}
const median = (t) => [...t].sort((a, b) => a - b)[t.length >> 1];
const med = times.map(median);
console.log(`\n## Cold start (median of ${ROUNDS} interleaved rounds)\n`);
console.log("| build | process start → init() done | above bare node | import + init() inside the process |\n|---|---|---|---|");
rows.forEach((row, i) => {
  const above = row.base === undefined ? "–" : `+${(med[i] - med[row.base]).toFixed(1)} ms`;
  const own = inside[i].length ? `${median(inside[i]).toFixed(1)} ms` : "–";
  console.log(`| ${row.name} | ${med[i].toFixed(1)} ms | ${above} | ${own} |`);
});
