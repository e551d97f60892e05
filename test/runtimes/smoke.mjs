// The same check in every runtime: each build it can run, a sum and an exp computed in WASM; then model
// files. Node, Deno, Bun: file:// save → load (bit-identical), the model Node saved in gen/ (same bits as
// Node), the ONNX fixture with its external data through file://, a Keras 3 .keras file, a safetensors round trip. In a page
// (Chromium) the same over http from run.mjs's server (shards fetched relative to model.json).
import { backendSupport, init } from "../../dist/index.js";
import { checkKeras, checkLoadAgainst, checkOnnx, checkSafetensors, checkSaveLoad, runAll } from "./checks.mjs";

const browser = typeof document !== "undefined";
const lines = [];
const builds = [];
for (const backend of ["scalar", "simd", "relaxed-simd"]) {
  if (!backendSupport(backend).ok) {
    lines.push(`${backend}: unavailable`);
    continue;
  }
  const nn = await init({ backend });
  const t = nn.tensor([0, 1, 2, 3, 4]);
  const out = nn.zeros([5]);
  nn.kernels.ew_exp(out.ptr, t.ptr, 5);
  const ok = nn.sum(t) === 10 && Math.abs(out.data[4] - Math.exp(4)) < 1e-4;
  lines.push(`${backend}: ${ok ? "ok" : "WRONG"}`);
  t.dispose();
  out.dispose();
  builds.push(nn);
}
const auto = await init();
lines.push(`auto → ${auto.backend}`);

/** Where this host reads files from: a folder on disk, or URLs on the page's server. */
async function host() {
  const fixture = new URL("../fixtures/onnx/external/", import.meta.url);
  const keras = new URL("../fixtures/keras3/", import.meta.url); // a Keras 3 .keras file and Keras' predictions
  const gen = new URL("gen/", import.meta.url);
  if (browser) {
    const json = async (u) => { const r = await fetch(u); if (!r.ok) throw new Error(`${u}: HTTP ${r.status}`); return r.json(); };
    return {
      kind: "http", gen: gen.href, onnx: `${fixture.href}model.onnx`, fixture: await json(`${fixture.href}model.json`), expected: await json(`${gen.href}expected.json`),
      keras: `${keras.href}norms.keras`, kerasFixture: await json(`${keras.href}norms.json`),
    };
  }
  const [{ mkdtemp, readFile, rm }, { tmpdir }, { join }, { fileURLToPath }] = await Promise.all([import("node:fs/promises"), import("node:os"), import("node:path"), import("node:url")]);
  const json = async (u) => JSON.parse(await readFile(fileURLToPath(u), "utf8"));
  const tmp = await mkdtemp(join(tmpdir(), "simdnn-smoke-"));
  return {
    kind: "file", tmp, cleanup: () => rm(tmp, { recursive: true, force: true }),
    gen: `file://${fileURLToPath(gen)}`, onnx: `file://${fileURLToPath(fixture)}model.onnx`,
    fixture: await json(new URL("model.json", fixture)), expected: await json(new URL("expected.json", gen)),
    keras: `file://${fileURLToPath(keras)}norms.keras`, kerasFixture: await json(new URL("norms.json", keras)),
  };
}

let files;
try {
  const h = await host();
  const groups = [];
  for (const nn of builds) {
    const checks = [];
    if (h.kind === "file") checks.push(["save→load", () => checkSaveLoad(nn, `file://${h.tmp}/${nn.backend}`, `file://${h.tmp}/${nn.backend}/model.json`).then(() => "bits")]);
    checks.push(["Node's model.json", () => checkLoadAgainst(nn, `${h.gen}model.json`, h.expected)]);
    checks.push(["onnx", async () => `max|Δ| ${(await checkOnnx(nn, h.onnx, h.fixture)).toExponential(1)}`]);
    checks.push(["keras", async () => `max|Δ| ${(await checkKeras(nn, h.keras, h.kerasFixture)).toExponential(1)}`]);
    groups.push(`${nn.backend} {${await runAll(checks)}}`);
  }
  groups.push(await runAll([["safetensors", () => checkSafetensors(auto)]]));
  files = `${h.kind}: ${groups.join(" ")}`;
  await h.cleanup?.();
} catch (e) {
  files = `model files FAILED before the checks: ${e?.name}: ${e?.message}`.split("\n")[0];
}

export const report = `${lines.join(", ")}; ${files}`;
if (!browser) console.log(report);
