// Cold start: a fresh node process that imports simdnn and awaits init(), minus a bare `node -e ''`.
import { execFileSync } from "node:child_process";

const dist = new URL("../dist/index.js", import.meta.url).href;
const RUNS = 15;
function median(args) {
  const t = [];
  for (let i = 0; i < RUNS; i++) {
    const s = process.hrtime.bigint();
    execFileSync(process.execPath, args, { stdio: "ignore" });
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return t.sort((a, b) => a - b)[RUNS >> 1];
}
const bare = median(["-e", ""]);
const bareFlag = median(["--experimental-wasm-relaxed-simd", "-e", ""]); // V8 flags can cost start-up time themselves
console.log(`\n## Cold start (median of ${RUNS} processes)\n`);
console.log("| build | process start → init() done | above bare node |\n|---|---|---|");
console.log(`| (bare node -e '') | ${bare.toFixed(1)} ms | – |`);
console.log(`| (bare node --experimental-wasm-relaxed-simd -e '') | ${bareFlag.toFixed(1)} ms | – |`);
for (const b of ["scalar", "simd", "relaxed-simd"]) {
  const flags = b === "relaxed-simd" ? ["--experimental-wasm-relaxed-simd"] : [];
  const ms = median([...flags, "--input-type=module", "-e", `const m = await import(${JSON.stringify(dist)}); await m.init({ backend: '${b}' });`]);
  console.log(`| ${b} | ${ms.toFixed(1)} ms | +${(ms - (flags.length ? bareFlag : bare)).toFixed(1)} ms |`);
}
