// The converter CLI (src/cli.ts, bin/simdnn.mjs): convert ONNX (with external data), layers-model and
// safetensors (with a topology) into layers-model folders that load and predict as the source did;
// inspect; bad arguments and bad files exit 1 with the reason.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { main } from "../src/cli.js";
import { readSafetensors } from "../src/safetensors.js";
import { instance } from "./helpers/backends.js";

const fixtures = new URL("./fixtures/", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "simdnn-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [], err: string[] = [];
  const log = vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  const error = vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  try {
    return { code: await main(args), out: out.join("\n"), err: err.join("\n") };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

async function predictFolder(folder: string, input: number[][]): Promise<Float32Array> {
  const nn = await instance("simd");
  const model = await nn.loadLayersModel(`file://${folder}/model.json`);
  const y = model.predict(input);
  const out = y.data.slice();
  y.dispose();
  model.dispose();
  return out;
}

describe("simdnn convert", () => {
  it("an ONNX graph with external data → a layers-model folder that predicts what PyTorch did", async () => {
    const out = join(dir, "onnx");
    const r = await run("convert", join(fixtures, "onnx/external/model.onnx"), out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/model\.json \+ weights\.bin/);
    const ref = JSON.parse(readFileSync(join(fixtures, "onnx/external/model.json"), "utf8"));
    expect(await predictFolder(out, ref.input)).toBeCloseArray(ref.output.flat(), { atol: 1e-6, rtol: 2e-5 });
  });

  it("a Keras 3 .keras file → a layers-model folder that predicts what Keras did", async () => {
    const out = join(dir, "keras");
    const r = await run("convert", join(fixtures, "keras3/norms.keras"), out);
    expect(r.code, r.err).toBe(0);
    const ref = JSON.parse(readFileSync(join(fixtures, "keras3/norms.json"), "utf8"));
    expect(await predictFolder(out, ref.input)).toBeCloseArray(ref.output.flat(), { atol: 1e-6, rtol: 2e-5 });
    expect((await run("inspect", join(fixtures, "keras3/norms.keras"))).out).toMatch(/keras 3\.15\.1 \(\.keras\)[\s\S]*PReLU/);
  });

  it("--quantize float16 halves weights.bin and stays within half precision", async () => {
    const src = join(fixtures, "onnx/gelu_op17.onnx");
    const ref = JSON.parse(readFileSync(join(fixtures, "onnx/gelu_op17.json"), "utf8"));
    const full = join(dir, "f32"), half = join(dir, "f16");
    expect((await run("convert", src, full)).code).toBe(0);
    expect((await run("convert", src, half, "--quantize", "float16")).code).toBe(0);
    expect(statSync(join(half, "weights.bin")).size * 2).toBe(statSync(join(full, "weights.bin")).size);
    expect(JSON.parse(readFileSync(join(half, "model.json"), "utf8")).weightsManifest[0].weights[0].quantization.dtype).toBe("float16");
    expect(await predictFolder(half, ref.input)).toBeCloseArray(ref.output.flat(), { atol: 5e-3, rtol: 5e-3 });
  });

  it("a layers-model folder → another (re-quantized to uint8), and a PyTorch safetensors state_dict with --topology", async () => {
    const nn = await instance("simd");
    // the architecture of the safetensors fixture, written as a model.json by simdnn itself
    const arch = nn.sequential({ layers: [
      nn.layers.dense({ units: 7, activation: "relu", inputShape: [5] }), nn.layers.batchNormalization({ epsilon: 1e-5 }), nn.layers.dense({ units: 7 }),
      nn.layers.prelu(), nn.layers.layerNormalization({ epsilon: 1e-5 }), nn.layers.dense({ units: 3 }),
    ] });
    await arch.save(`file://${join(dir, "arch")}`);
    arch.dispose();
    const st = join(dir, "st");
    const r = await run("convert", join(fixtures, "safetensors/mlp.safetensors"), st, "--topology", join(dir, "arch/model.json"));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/PyTorch state_dict/);
    const io = readSafetensors(readFileSync(join(fixtures, "safetensors/mlp_io.safetensors"))).tensors;
    const rows = Array.from({ length: io.x.shape[0] }, (_, i) => Array.from(io.x.data.subarray(i * 5, i * 5 + 5)));
    const y = await predictFolder(st, rows);
    expect(y).toBeCloseArray(io.y.data, { atol: 1e-6, rtol: 2e-5 });
    const u8 = join(dir, "u8");
    expect((await run("convert", join(st, "model.json"), u8, "--quantize", "uint8")).code).toBe(0);
    expect(await predictFolder(u8, rows)).toBeCloseArray(y, { atol: 0.1, rtol: 0 });
  });
});

describe("simdnn inspect and bad input", () => {
  it("prints the layers, parameter counts, bytes and producer", async () => {
    const r = await run("inspect", join(fixtures, "onnx/batchnorm_op13.onnx"));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/pytorch 1\.13/);
    expect(r.out).toMatch(/batch_normalization \(BatchNormalization\)/);
    expect(r.out).toMatch(/Total params: 94/);
    expect(r.out).toMatch(/moving_variance\s+\[7\] \(non-trainable\)/);
  });

  it("refuses with exit code 1 and says why", async () => {
    const bad = join(dir, "bad.onnx");
    writeFileSync(bad, new Uint8Array([8, 7, 0x12, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    const cases: [string[], RegExp][] = [
      [[], /Usage/],
      [["convert", "x.onnx"], /Usage/],
      [["convert", bad, join(dir, "never")], /FormatError: .*bad\.onnx/],
      [["inspect", join(fixtures, "safetensors/mlp.safetensors")], /weights only.*--topology/],
      [["convert", "a.onnx", "b", "--quantize", "int4"], /--quantize must be float16, uint8 or uint16/],
      [["convert", "a.onnx", "b", "--frobnicate"], /Unknown option --frobnicate/],
    ];
    for (const [args, msg] of cases) {
      const r = await run(...args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.err + r.out).toMatch(msg);
    }
  });
});
