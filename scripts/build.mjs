// Builds the three WASM variants from assembly/ (asconfig.json targets) into src/wasm/ (where src/ finds them:
// tests run from src/) and dist/wasm/ (published as files: read, fetched, or imported as modules by bundlers
// and Workers), writes src/generated/kernels.ts (their typed exports), then emits dist/ (types + bundles).
// Usage: node scripts/build.mjs [--wasm-only | --js-only]  (--js-only reuses build/*.wasm: for work on src/ alone)
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundle } from "./bundle.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const TARGETS = ["scalar", "simd", "relaxed-simd"];
// The same kernels over an imported, shared memory (asconfig.json: importMemory, sharedMemory, maximumMemory):
// loaded only by init({ threads }) (src/threads/), so the default builds above are unchanged.
const THREAD_TARGETS = TARGETS.map((t) => `${t}-threads`);
const wasmOnly = process.argv.includes("--wasm-only");
const jsOnly = process.argv.includes("--js-only");

for (const dir of ["src/generated", "src/wasm", "dist/wasm"]) mkdirSync(join(root, dir), { recursive: true });
const ASC = join(root, "node_modules/assemblyscript/bin/asc.js");
const LIMIT_S = Number(process.env.SIMDNN_BUILD_TIMEOUT ?? 180);

/** Runs asc in a child process so a pathological build is stopped and explained, not left to hang. */
function asc(args, timeoutS) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [ASC, ...args], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutS * 1000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(signal ? "timeout" : code);
    });
  });
}

/** After a timeout: the largest functions of an unoptimised build, where inlining exploded. */
async function explainSlowBuild(target) {
  const wat = join(root, "build/diagnose-O0.wat");
  await asc(["assembly/index.ts", "--config", "asconfig.json", "--target", target, "-O0", "--outFile", join(root, "build/diagnose-O0.wasm"), "--textFile", wat], 300);
  const sizes = new Map();
  let current = "";
  for (const line of readFileSync(wat, "utf8").split("\n")) {
    const m = /^ \(func (\S+)/.exec(line);
    if (m) current = m[1];
    if (current) sizes.set(current, (sizes.get(current) ?? 0) + 1);
  }
  const top = [...sizes].sort((a, b) => b[1] - a[1]).slice(0, 8);
  console.error(
    `\nThe ${target} build took longer than ${LIMIT_S} s and was stopped. Largest functions at -O0 (lines of text):\n` +
      top.map(([f, n]) => `  ${String(n).padStart(8)}  ${f}`).join("\n") +
      "\nA function of more than a few thousand lines usually means @inline code that branches on a parameter:\n" +
      "AssemblyScript inlines every branch before Binaryen removes the dead ones, so a dispatcher such as\n" +
      "`if (op == A) …; if (op == B) …` inlined N times costs N × (all branches). Branch on compile-time\n" +
      "constants instead (ASC_FEATURE_*, generic type parameters with isInteger<T>()/sizeof<T>()), or give each\n" +
      "op its own small loop. Raise the limit with SIMDNN_BUILD_TIMEOUT=seconds.",
  );
}

/**
 * src/generated/kernels.ts: the typed interface of the module's exports, from the TypeScript definitions
 * asc writes with --bindings (parameter names kept, AssemblyScript types in the doc), so that a misspelt
 * kernel or a wrong argument count is a compile error in src/ and in a user's project. The three builds
 * export the same functions (test/build.test.ts), so the scalar build's bindings serve for all.
 */
function writeKernelTypes(dts) {
  const rows = [];
  const block = /\/\*\*\n\s*\* (\S+)\n((?:\s*\* @.*\n)*)\s*\*\/\n\s*export function (\w+)\(([^)]*)\): (\w+);/g;
  for (const [, source, tags, name, params, result] of dts.matchAll(block)) {
    const names = params ? params.split(", ").map((p) => p.split(": ")) : [];
    // raw exports pass numbers only: a bool/i64/string parameter would need lifting that Runtime does not do
    const bad = names.find(([, t]) => t !== "number");
    if (bad || (result !== "number" && result !== "void")) throw new Error(`writeKernelTypes: ${name} is not numbers-in, number-or-void-out (${params}): ${result}`);
    const asTypes = Object.fromEntries([...tags.matchAll(/@param (\w+) `([^`]+)`/g)].map((m) => [m[1], m[2]]));
    const asResult = /@returns `([^`]+)`/.exec(tags)?.[1] ?? "void";
    const signature = names.map(([p]) => `${p}: ${asTypes[p] ?? "?"}`).join(", ");
    rows.push({ name, doc: `${source}(${signature}): ${asResult}`, params: names.map(([p]) => `${p}: number`).join(", "), result, arity: names.length });
  }
  if (rows.length < 50 || !/export const memory: WebAssembly\.Memory;/.test(dts)) {
    throw new Error(`writeKernelTypes: read ${rows.length} exports from asc's bindings; their format has changed (see build/scalar.d.ts).`);
  }
  const text =
    "// Generated by scripts/build.mjs from asc's --bindings definitions of assembly/. Do not edit.\n\n" +
    "/**\n * The exports of a simdnn WASM build, as `nn.kernels` gives them: byte addresses (16-byte aligned\n" +
    " * for tensors) and sizes in, numbers out; no validation (kernels only assert in debug builds). Each\n" +
    " * doc line is the AssemblyScript source and signature (usize/i32 = integer, f32 = float32).\n */\n" +
    "export interface Kernels {\n  /** The linear memory. It only grows, and a grow detaches every view made before it. */\n" +
    "  readonly memory: WebAssembly.Memory;\n" +
    rows.map((r) => `  /** ${r.doc} */\n  readonly ${r.name}: (${r.params}) => ${r.result};\n`).join("") +
    "}\n\n/** Each function export's parameter count (a WebAssembly function's `length`): init() checks a module against it. @internal */\n" +
    "export const KERNEL_ARITY: { readonly [K in Exclude<keyof Kernels, \"memory\">]: number } = {\n" +
    rows.map((r) => `  ${r.name}: ${r.arity},\n`).join("") +
    "};\n";
  const out = join(root, "src/generated/kernels.ts");
  if (!existsSync(out) || readFileSync(out, "utf8") !== text) writeFileSync(out, text);
  return rows.length;
}

/** Writes `bytes` to `path` unless it already holds them (an unchanged mtime keeps vitest's caches warm). */
function copyIfChanged(bytes, path) {
  if (!existsSync(path) || !readFileSync(path).equals(bytes)) writeFileSync(path, bytes);
}

// asc runs two targets at a time (one per core of the machines this is built on: six targets one by one
// would double the build's time); each target's output is checked and copied in TARGETS order afterwards.
const statuses = new Map();
{
  const queue = [...TARGETS, ...THREAD_TARGETS];
  const worker = async () => {
    for (let target; (target = queue.shift()) !== undefined; ) {
      // the scalar build also writes build/scalar.d.ts (asc --bindings: the typed exports; the .wasm is unchanged)
      const bindings = target === "scalar" ? ["--bindings", "raw"] : [];
      const needed = !jsOnly || (target === "scalar" && !existsSync(join(root, "build/scalar.d.ts"))) || !existsSync(join(root, `build/${target}.wasm`));
      statuses.set(target, needed ? await asc(["assembly/index.ts", "--config", "asconfig.json", "--target", target, ...bindings], LIMIT_S) : 0);
    }
  };
  await Promise.all([worker(), worker()]);
}
const sizes = {};
for (const target of [...TARGETS, ...THREAD_TARGETS]) {
  const status = statuses.get(target);
  if (status === "timeout") {
    await explainSlowBuild(target);
    process.exit(1);
  }
  if (status !== 0) {
    console.error(`asc failed for target ${target} (exit ${status}).`);
    process.exit(1);
  }
  const bytes = readFileSync(join(root, `build/${target}.wasm`));
  sizes[target] = { bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  copyIfChanged(bytes, join(root, `src/wasm/${target}.wasm`));
  copyIfChanged(bytes, join(root, `dist/wasm/${target}.wasm`));
  // the base64 modules of earlier builds: gone (simdnn/embedded embeds the .wasm files at bundle time)
  rmSync(join(root, `src/generated/${target}.ts`), { force: true });
}
console.log(`src/generated/kernels.ts: ${writeKernelTypes(readFileSync(join(root, "build/scalar.d.ts"), "utf8"))} typed exports`);
writeFileSync(join(root, "build/sizes.json"), JSON.stringify(sizes, null, 2) + "\n");
for (const [t, s] of Object.entries(sizes)) console.log(`${t.padEnd(21)} ${s.bytes} bytes, ${s.gzip} gzipped`);

if (!wasmOnly) {
  execFileSync(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], {
    cwd: root,
    stdio: "inherit",
  });
  const esbuild = await import("esbuild");
  // the main entry as one file, the secondary entries bridged to it (scripts/bundle.mjs says why)
  const { bridged } = await bundle(esbuild, root);
  for (const f of ["wasm_files.js", "wasm_files.js.map"]) rmSync(join(root, "dist", f), { force: true }); // no longer an entry
  console.log(`dist/index.js: one file; the secondary entries read ${bridged.length} of its modules`);
}
