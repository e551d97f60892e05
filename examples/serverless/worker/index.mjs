// Cloudflare Worker (module syntax). Workers have no file system and may not compile WebAssembly at run
// time, so everything arrives bundled with the code (rules in wrangler.toml): the SIMD build as a compiled
// WebAssembly.Module, model.json as JSON, weights.bin as an ArrayBuffer. The model loads once per isolate
// (top-level await) and serves every request that isolate gets.
import { init } from "simdnn";
import simd from "simdnn/wasm/simd.wasm";
import modelJson from "../model/model.json";
import weights from "../model/weights.bin";
import { createApp } from "../shared/classify.mjs";

const nn = await init({ module: simd });
const app = createApp(nn, await nn.loadLayersModel(nn.io.fromMemory(modelJson, weights)));

export default {
  fetch: (request) => app.fetch(request),
};
