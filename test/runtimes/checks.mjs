// Model-file checks shared by every runtime. Nothing here touches a file system or node:* — the caller
// passes what its host can provide (a file:// folder, a URL, bytes) — so the same code runs in Node,
// Deno, Bun, workerd and Chromium. Every check returns a short phrase; a mismatch throws with WRONG.

/** The input every model check predicts on: 4 rows of 5 features, fixed. */
export const INPUT = Array.from({ length: 20 }, (_, i) => Math.round(Math.sin(i * 1.7 + 0.3) * 3000) / 1000);

/** dense 5→7 relu, batchNormalization, dense 3 softmax, with fixed weights (BN statistics not 0/1, so a lost one shows). */
export function smallModel(nn) {
  const model = nn.sequential({ name: "smoke", layers: [
    nn.layers.dense({ units: 7, activation: "relu", inputShape: [5] }),
    nn.layers.batchNormalization({ epsilon: 0.01 }),
    nn.layers.dense({ units: 3, activation: "softmax" }),
  ] });
  model.setWeights(model.weights.map((w, k) => {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const v = Float32Array.from({ length: n }, (_, i) => Math.cos(i * 2.3 + k * 0.9) * 0.8);
    return /variance/.test(w.name) ? v.map((x) => 0.5 + Math.abs(x)) : v;
  }));
  return model;
}

export function predict(nn, model, flat = INPUT, features = 5) {
  const x = nn.tensor(Float32Array.from(flat), [flat.length / features, features]);
  const y = model.predict(x);
  const out = Float32Array.from(y.data);
  nn.dispose(x, y);
  return out;
}

/** Index of the first element whose bits differ (NaN payloads included), or -1. */
export function firstBitDifference(a, b) {
  if (a.length !== b.length) return 0;
  const ua = new Uint32Array(Float32Array.from(a).buffer), ub = new Uint32Array(Float32Array.from(b).buffer);
  return ua.findIndex((v, i) => v !== ub[i]);
}

export function assertSameBits(what, got, want) {
  const i = firstBitDifference(got, want);
  if (i >= 0) throw new Error(`WRONG ${what}: [${i}] ${got[i]} vs ${want[i]} (lengths ${got.length}, ${want.length})`);
}

/** |got − want| ≤ abs + rel·|want| everywhere; returns the largest |got − want| seen. */
export function assertClose(what, got, want, rel, abs) {
  if (got.length !== want.length) throw new Error(`WRONG ${what}: ${got.length} values, expected ${want.length}`);
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= abs + rel * Math.abs(want[i]))) throw new Error(`WRONG ${what}: [${i}] ${got[i]} vs ${want[i]}`);
    worst = Math.max(worst, d);
  }
  return worst;
}

/** save(destination) then loadLayersModel(source): predictions must be bit-identical to the original's. */
export async function checkSaveLoad(nn, destination, source) {
  const model = smallModel(nn);
  const want = predict(nn, model);
  await model.save(destination);
  const loaded = await nn.loadLayersModel(source);
  assertSameBits(`${nn.backend} save→load`, predict(nn, loaded), want);
  model.dispose();
  loaded.dispose();
}

/**
 * A model saved elsewhere (by Node) loaded here: scalar and simd must match Node bit for bit (IEEE
 * arithmetic in a fixed order); relaxed-simd may fuse multiply-adds differently per engine, so it is
 * held to 1e-6 and the phrase says whether it was bit-identical anyway.
 */
export async function checkLoadAgainst(nn, source, expected) {
  const model = await nn.loadLayersModel(source);
  const got = predict(nn, model, expected.input);
  model.dispose();
  const want = expected.output[nn.backend];
  if (nn.backend !== "relaxed-simd") return assertSameBits(`${nn.backend} vs Node`, got, want), "bits";
  assertClose(`${nn.backend} vs Node`, got, want, 1e-6, 1e-7);
  return firstBitDifference(got, want) < 0 ? "bits" : "≤1e-6";
}

/** The committed ONNX fixture (weights in model.onnx.data) against PyTorch's output: 2e-5 relative + 1e-6 absolute. */
export async function checkOnnx(nn, source, fixture, options) {
  const model = await nn.loadOnnx(source, options);
  const got = predict(nn, model, fixture.input.flat(), fixture.inputShape[1]);
  model.dispose();
  return assertClose(`${nn.backend} ONNX vs PyTorch`, got, fixture.output.flat(), 2e-5, 1e-6);
}

/** A .keras file Keras 3 wrote (path, URL or bytes) against Keras' predictions: 2e-5 relative + 1e-6 absolute. */
export async function checkKeras(nn, source, fixture) {
  const model = await nn.loadLayersModel(typeof source === "string" ? source : nn.io.kerasFile(source));
  const got = predict(nn, model, fixture.input.flat(), fixture.inputShape[1]);
  model.dispose();
  return assertClose(`${nn.backend} .keras vs Keras`, got, fixture.output.flat(), 2e-5, 1e-6);
}

/** writeSafetensors → readSafetensors: names, shapes, values (NaN, ±0, ±Inf, subnormal) and metadata survive. */
export async function checkSafetensors(nn) {
  const a = Float32Array.of(1.5, -0, NaN, Infinity, -Infinity, 1e-45, 3.4028234663852886e38, -2.75);
  const t = nn.tensor([[0.25, -1], [7, 1e-8], [-3, 2]]);
  const bytes = await nn.io.writeSafetensors({ a, "layer.0/weight": t, empty: { data: new Float32Array(0), shape: [0, 3] } }, { format: "pt", by: "smoke" });
  const back = await nn.io.readSafetensors(bytes, { name: "smoke.safetensors" });
  const names = Object.keys(back.tensors).sort().join(",");
  if (names !== "a,empty,layer.0/weight") throw new Error(`WRONG safetensors names ${names}`);
  assertSameBits("safetensors a", back.tensors.a.data, a);
  assertSameBits("safetensors layer.0/weight", back.tensors["layer.0/weight"].data, t.data);
  const shapes = JSON.stringify([back.tensors.a.shape, back.tensors["layer.0/weight"].shape, back.tensors.empty.shape]);
  if (shapes !== "[[8],[3,2],[0,3]]") throw new Error(`WRONG safetensors shapes ${shapes}`);
  if (back.metadata.format !== "pt" || back.metadata.by !== "smoke" || back.tensors.a.dtype !== "F32") throw new Error(`WRONG safetensors metadata ${JSON.stringify(back.metadata)}`);
  t.dispose();
}

/** Runs each named check, collecting "name ok" phrases; the first failure becomes the whole result. */
export async function runAll(checks) {
  const parts = [];
  for (const [name, fn] of checks) {
    try {
      const note = await fn();
      parts.push(note ? `${name} ${note}` : `${name} ok`);
    } catch (e) {
      const msg = `${e?.name ?? "Error"}: ${e?.message ?? e}`.split("\n")[0];
      parts.push(`${name} ${/WRONG/.test(msg) ? msg : `FAILED ${msg}`}`);
    }
  }
  return parts.join(", ");
}
