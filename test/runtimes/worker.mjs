// A Cloudflare Worker: WASM arrives as precompiled modules (Workers forbid compiling bytes at run time)
// and model files as bundled data (no file system): gen/* written by prepare.mjs, the ONNX fixture as bytes.
import { init } from "./dist/index.js";
import "./dist/onnx.js"; // nn.loadOnnx and nn.io's safetensors functions in bundled code: the readers ship as
import "./dist/safetensors.js"; // entries of their own, carried only when imported (README, Model files)
import "./dist/keras.js"; // likewise the Keras 3 .keras reader
import scalar from "./scalar.wasm";
import simd from "./simd.wasm";
import relaxed from "./relaxed-simd.wasm";
import modelJson from "./gen/model.json";
import weightData from "./gen/weights.bin";
import expected from "./gen/expected.json";
import onnxBytes from "./onnx/model.onnx";
import onnxData from "./onnx/model.onnx.data";
import onnxFixture from "./onnx/model.json";
import kerasBytes from "./keras3/norms.keras";
import kerasFixture from "./keras3/norms.json";
import { checkKeras, checkLoadAgainst, checkOnnx, checkSafetensors, runAll } from "./checks.mjs";

export default {
  async fetch() {
    const lines = [];
    const agree = [];
    for (const module of [scalar, simd, relaxed]) {
      const nn = await init({ module });
      const t = nn.tensor([1, 2, 3, 4, 5]);
      lines.push(`${nn.backend}: ${nn.sum(t) === 15 ? "ok" : "WRONG"}`);
      t.dispose();
      agree.push([`${nn.backend} fromMemory = Node`, () => checkLoadAgainst(nn, nn.io.fromMemory(modelJson, weightData), expected)]);
    }
    const t = await init({ module: simd, threads: 2 }); // Workers have no workers to start: one thread, with the reason, never an error
    lines.push(`threads fallback: ${t.threads === 1 && t.threadsReason ? `1 (${t.threadsReason})` : `WRONG (${t.threads} threads)`}`);
    try {
      await init({ backend: "simd" }); // embedded bytes: must be refused with the hint
      lines.push("embedded bytes: WRONG (loaded where Workers forbid it)");
    } catch (e) {
      lines.push(`embedded bytes refused with hint: ${e.name === "BackendError" && /init\(\{ module/.test(e.message) ? "ok" : "WRONG " + e.message}`);
    }
    const nn = await init({ module: simd });
    const files = await runAll([
      ...agree,
      ["onnx bytes+externalData", async () => {
        const err = await checkOnnx(nn, new Uint8Array(onnxBytes), onnxFixture, { externalData: { "model.onnx.data": new Uint8Array(onnxData) } });
        return `max|Δ| ${err.toExponential(1)}`;
      }],
      [".keras bytes", async () => `max|Δ| ${(await checkKeras(nn, new Uint8Array(kerasBytes), kerasFixture)).toExponential(1)}`],
      ["safetensors", () => checkSafetensors(nn)],
      ["file:// refused", async () => {
        const e = await nn.loadLayersModel("file:///model.json").then(() => null, (e) => e);
        if (!e || !/node:fs/.test(e.message)) throw new Error(`WRONG file:// in a worker: ${e ? e.message : "loaded"}`);
      }],
    ]);
    return new Response(`${lines.join(", ")}; ${files}`);
  },
};
