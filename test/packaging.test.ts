// The package as users receive it (issue 16): dist/ + package.json installed in a temporary node_modules/simdnn
// (no network), then used the way deployments use it: a Cloudflare Worker bundled by esbuild must stay
// ≤ 100 KB gzipped with the one .wasm it loads; CommonJS code requires it (Node ≥ 20.19 requires ES
// modules without top-level await); simdnn/embedded works where no .wasm file is beside the code;
// simdnn/datasets holds the data the main entry no longer carries. Needs a built dist/ (npm test builds first).
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const LIMIT = 100 * 1024;
const [major, minor] = process.versions.node.split(".").map(Number);
const requiresEsm = major > 22 || (major === 22 && minor >= 12) || (major === 20 && minor >= 19);

// A handler as a Worker writes it: the model's files bundled beside the code (external here: data, not code)
const WORKER = `
import { init } from "simdnn";
import simd from "simdnn/wasm/simd.wasm";
import modelJson from "./model/model.json";
import weights from "./model/weights.bin";
let ready;
export default {
  async fetch(request) {
    ready ??= init({ module: simd }).then(async (nn) => ({ nn, model: await nn.loadLayersModel(nn.io.fromMemory(modelJson, weights)) }));
    const { nn, model } = await ready;
    const x = nn.tensor((await request.json()).inputs);
    const y = model.predict(x);
    const outputs = y.toArray();
    x.dispose();
    y.dispose();
    return Response.json({ outputs });
  },
};
`;

// Builds a model, predicts with it, prints the prediction: the same lines run as CommonJS and as ESM.
const PREDICT = (nn: string) => `
  const model = ${nn}.sequential({ seed: 3, layers: [${nn}.layers.dense({ units: 4, activation: "relu", inputShape: [3] }), ${nn}.layers.dense({ units: 2, activation: "softmax" })] });
  const x = ${nn}.tensor([[0.5, -1, 2], [1, 0, -0.25]]);
  console.log(${nn}.backend, JSON.stringify(Array.from(model.predict(x).data)));
`;

describe("the published package", () => {
  let dir: string;
  const run = (file: string, args: string[] = []) => execFileSync(process.execPath, [...args, join(dir, file)], { cwd: dir, encoding: "utf8" }).trim();

  beforeAll(() => {
    if (!existsSync(join(root, "dist/index.js")) || !existsSync(join(root, "dist/datasets.js"))) throw new Error("dist/ is not built: run `npm run build` (npm test does)");
    dir = mkdtempSync(join(tmpdir(), "simdnn-package-"));
    const pkg = join(dir, "node_modules/simdnn");
    mkdirSync(pkg, { recursive: true });
    cpSync(join(root, "package.json"), join(pkg, "package.json"));
    cpSync(join(root, "dist"), join(pkg, "dist"), { recursive: true });
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("bundles a Cloudflare Worker that loads a layers-model in ≤ 100 KB gzipped with its .wasm, without the ONNX, safetensors and Keras readers and the threads code it never calls", async () => {
    const { build } = await import("esbuild");
    writeFileSync(join(dir, "worker.mjs"), WORKER);
    const out = join(dir, "worker-out");
    await build({
      entryPoints: [join(dir, "worker.mjs")],
      absWorkingDir: dir,
      outdir: out,
      bundle: true,
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      minify: true,
      loader: { ".wasm": "file" },
      external: ["./model/*", "node:*"],
      logLevel: "error",
    });
    const files = readdirSync(out);
    const sizes = Object.fromEntries(files.map((f) => [f, gzipSync(readFileSync(join(out, f)), { level: 9 }).length]));
    const js = files.filter((f) => f.endsWith(".js"));
    const wasm = files.filter((f) => f.endsWith(".wasm"));
    expect(js).toHaveLength(1);
    expect(wasm).toHaveLength(1); // only the build the Worker imports
    expect(readFileSync(join(out, wasm[0])).equals(readFileSync(join(root, "dist/wasm/simd.wasm")))).toBe(true);
    const total = sizes[js[0]] + sizes[wasm[0]];
    console.log(`worker bundle: ${js[0]} ${sizes[js[0]]} B + ${wasm[0]} ${sizes[wasm[0]]} B gzipped = ${total} B`);
    expect(total).toBeLessThanOrEqual(LIMIT);
    // the ONNX, safetensors and Keras 3 readers stay out: nn.loadOnnx, nn.io's safetensors functions and .keras
    // loading reach them only through their registered entries or a run-time import that bundlers do not follow
    const bundled = readFileSync(join(out, js[0]), "utf8");
    expect(bundled).not.toMatch(/opset_import|data_offsets|model\.weights\.h5|HDF5 signature/);
    // nor the threads code (a Worker has no threads): init({ threads }) reaches it through simdnn/threads
    expect(bundled).not.toMatch(/worker_threads|Atomics\.wait/);
    // what kept it small: no build embedded as base64 (its magic "\0asm" is "AGFzbQ"), no digits
    const code = readFileSync(join(out, js[0]), "utf8");
    expect(code).not.toMatch(/AGFzbQ/);
    expect(code).not.toMatch(/DIGITS_GZ_BASE64|H4sI/);
  }, 60_000);

  it.runIf(requiresEsm)("require('simdnn') works from CommonJS and predicts what the ES module import predicts", () => {
    writeFileSync(join(dir, "consumer.cjs"), `const simdnn = require("simdnn");\nsimdnn.init({ backend: "simd" }).then((nn) => {${PREDICT("nn")}});\n`);
    writeFileSync(join(dir, "consumer.mjs"), `import { init } from "simdnn";\nconst nn = await init({ backend: "simd" });\n${PREDICT("nn")}\n`);
    const cjs = run("consumer.cjs");
    expect(cjs).toMatch(/^simd \[[^\]]+\]$/);
    const values = JSON.parse(cjs.slice(5)) as number[];
    expect(values).toHaveLength(4);
    expect(values[0] + values[1]).toBeCloseTo(1, 6); // softmax rows
    expect(cjs).toBe(run("consumer.mjs"));
  });

  it.runIf(requiresEsm)("every entry can be required (no top-level await anywhere in its static graph)", () => {
    const entries = ["simdnn", "simdnn/datasets", "simdnn/embedded", "simdnn/onnx", "simdnn/safetensors", "simdnn/keras"];
    writeFileSync(join(dir, "entries.cjs"), `for (const e of ${JSON.stringify(entries)}) console.log(e, Object.keys(require(e)).length > 0);\n`);
    expect(run("entries.cjs").split("\n")).toEqual(entries.map((e) => `${e} true`));
  });

  it("simdnn/embedded runs where no .wasm file is beside the code (a bundle that did not copy dist/wasm/)", async () => {
    const { build } = await import("esbuild");
    writeFileSync(join(dir, "lambda.mjs"), `import "simdnn/embedded";\nimport { init } from "simdnn";\nconst nn = await init({ backend: "scalar" });\n${PREDICT("nn")}`);
    writeFileSync(join(dir, "lambda-files.mjs"), `import { init } from "simdnn";\nconst nn = await init({ backend: "scalar" });\n${PREDICT("nn")}`);
    const out = join(dir, "lambda-out");
    await build({ entryPoints: [join(dir, "lambda.mjs")], outfile: join(out, "lambda.mjs"), bundle: true, format: "esm", platform: "node", logLevel: "error" });
    await build({ entryPoints: [join(dir, "lambda-files.mjs")], outfile: join(out, "lambda-files.mjs"), bundle: true, format: "esm", platform: "node", logLevel: "error" });
    expect(readdirSync(out).filter((f) => f.endsWith(".wasm"))).toEqual([]);
    const expected = run("lambda-files.mjs"); // from node_modules: reads dist/wasm/scalar.wasm
    expect(expected).toMatch(/^scalar \[/);
    expect(run("lambda-out/lambda.mjs")).toBe(expected);
    // without simdnn/embedded the moved bundle cannot find its .wasm: a BackendError that names the ways out
    const failed = (() => {
      try {
        return run("lambda-out/lambda-files.mjs");
      } catch (e) {
        return String((e as { stderr?: string }).stderr);
      }
    })();
    expect(failed).toMatch(/BackendError\]?: Could not load the 'scalar' build .*init\(\{ module \}\).*simdnn\/embedded/);
  }, 60_000);

  it("simdnn/datasets loads the digits; the main entry carries neither the data nor the IDX readers", async () => {
    writeFileSync(join(dir, "digits.mjs"), `import { loadDigits, oneHot, trainTestSplit } from "simdnn/datasets";\nimport * as main from "simdnn";\nconst d = await loadDigits();\nconsole.log(d.count, d.x.length, Math.max(...d.x), oneHot(d.y.subarray(0, 2), 10).length, trainTestSplit(d.count, 0.25, 1).test.length, main.oneHot === oneHot, main.trainTestSplit === trainTestSplit, "loadDigits" in main, "readIdx" in main);\n`);
    expect(run("digits.mjs")).toBe("1797 115008 1 20 449 true true false false");
  });

  it("the main entry is one file, and the secondary entries share its modules (each file costs a cold start ~1–2 ms on Node 20)", () => {
    const main = readFileSync(join(root, "dist/index.js"), "utf8");
    // static imports of other files of dist/: none (node:* builtins load lazily and the threads URLs only with threads)
    expect([...main.matchAll(/^\s*(?:import|export)\b[^;"']*?["'](\.{1,2}\/[^"']+)["']/gm)].map((m) => m[1])).toEqual([]);
    writeFileSync(join(dir, "shared.mjs"), `import * as main from "simdnn";\nimport * as onnx from "simdnn/onnx";\nimport { __simdnnInternals } from "simdnn";\nconst errors = __simdnnInternals["src/errors.ts"];\nconsole.log(errors.FormatError === main.FormatError, typeof onnx.onnxToArtifacts, Object.keys(__simdnnInternals).length > 0);\n`);
    expect(run("shared.mjs")).toBe("true function true");
  });
});
