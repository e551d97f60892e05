// tfjs-layers 4.x as the second implementation the layers-model files are checked against: its CPU
// backend, its save artifacts written out as tfjs' file writer does (model.json + shards), seeded
// weights, and the python converter's weight quantization (tensorflowjs/quantization.py) so that
// uint8 / uint16 / float16 manifests can be produced without python.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import * as tfl from "@tensorflow/tfjs-layers";
import type { ModelArtifacts, ModelJSON, SaveResult, WeightsManifestEntry } from "../../src/io/artifacts.js";
import { uniform } from "./edge.js";

export { tf, tfl };

let ready: Promise<boolean> | null = null;
/** The CPU backend (float32 kernels in JavaScript: the reference the interop tests compare with). */
export function tfReady(): Promise<boolean> {
  return (ready ??= tf.setBackend("cpu"));
}

/** What a save handler resolves to when it only captures (tfjs' SaveResult). */
export function savedInfo(): SaveResult {
  return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
}

/** Saves a tfjs model into memory and returns its artifacts (simdnn's ModelArtifacts shape). */
export async function captureTf(model: tfl.LayersModel, config?: tf.io.SaveConfig): Promise<ModelArtifacts> {
  let got: tf.io.ModelArtifacts | null = null;
  await model.save(tf.io.withSaveHandler(async (a) => ((got = a), savedInfo() as tf.io.SaveResult)), config);
  return got as unknown as ModelArtifacts;
}

/** One buffer from weightData (a buffer or shards). */
export function joined(data: ArrayBuffer | ArrayBuffer[] | undefined): ArrayBuffer {
  if (data === undefined) return new ArrayBuffer(0);
  if (!Array.isArray(data)) return data;
  const out = new Uint8Array(data.reduce((s, b) => s + b.byteLength, 0));
  let at = 0;
  for (const b of data) out.set(new Uint8Array(b), at), (at += b.byteLength);
  return out.buffer;
}

/** Cuts a buffer at byte offsets (not aligned to weights or to 4 bytes, as --weight_shard_size_bytes does). */
export function shards(buffer: ArrayBuffer, cuts: readonly number[]): ArrayBuffer[] {
  const at = [0, ...cuts, buffer.byteLength];
  return at.slice(1).map((end, i) => buffer.slice(at[i], end));
}

/** model.json as tfjs' file writer produces it, passed through JSON text like a file on disk. */
export function modelJson(a: ModelArtifacts, paths: readonly string[] = ["weights.bin"]): ModelJSON {
  const json: ModelJSON = {
    modelTopology: a.modelTopology!,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy ?? null,
    weightsManifest: [{ paths: [...paths], weights: a.weightSpecs ?? [] }],
  };
  if (a.trainingConfig) json.trainingConfig = a.trainingConfig;
  return JSON.parse(JSON.stringify(json)) as ModelJSON;
}

/** Seeded values for a weight: positive for variances, near 1 for gammas, ±scale otherwise. */
export function seededValues(name: string, size: number, seed: number, scale = 1): Float32Array {
  if (/moving_variance$/.test(name)) return uniform(size, 0.4, 2.5, seed);
  if (/gamma$/.test(name)) return uniform(size, 0.5, 1.5, seed);
  if (/moving_mean$|beta$|bias$/.test(name)) return uniform(size, -0.8, 0.8, seed);
  return uniform(size, -scale, scale, seed);
}

/** Gives every weight of a tfjs model seeded values (tfjs' order: trainable, then non-trainable). */
export function seedTf(model: tfl.LayersModel, seed: number, scale = 1): void {
  const values = model.weights.map((w, i) => tf.tensor(seededValues(w.originalName, (w.shape as number[]).reduce((a, b) => a * b, 1), seed + 17 * i, scale), w.shape as number[]));
  model.setWeights(values);
  tf.dispose(values);
}

/** tfjs' prediction for x (per-sample shape given) as a Float32Array. */
export function tfPredict(model: tfl.LayersModel, x: Float32Array, sampleShape: readonly number[]): Float32Array {
  const n = x.length / sampleShape.reduce((a, b) => a * b, 1);
  return tf.tidy(() => (model.predict(tf.tensor(x, [n, ...sampleShape])) as tf.Tensor).dataSync() as Float32Array).slice();
}

/** float32 → IEEE half bits, round to nearest even (numpy's astype(float16)). */
export function halfBits(v: number): number {
  const f = new Float32Array([v]);
  const x = new Uint32Array(f.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let m = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  let m = mant >>> 13;
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) (m = 0), e++;
    if (e >= 0x1f) return sign | 0x7c00;
  }
  return sign | (e << 10) | m;
}

/**
 * The python converter's quantization of one float32 weight: uint8/uint16 affine over [min, max]
 * widened to contain 0 and nudged so that 0 is exactly representable; float16 by rounding.
 */
export function quantize(values: Float32Array, dtype: "uint8" | "uint16" | "float16"): { bytes: Uint8Array; quantization: NonNullable<WeightsManifestEntry["quantization"]> } {
  if (dtype === "float16") {
    const h = new Uint16Array(values.length);
    for (let i = 0; i < values.length; i++) h[i] = halfBits(values[i]);
    return { bytes: new Uint8Array(h.buffer), quantization: { dtype, original_dtype: "float32" } };
  }
  const qmax = dtype === "uint8" ? 255 : 65535;
  let lo = Math.min(0, ...values), hi = Math.max(0, ...values);
  let scale = 1;
  if (lo !== 0 || hi !== 0) {
    scale = (hi - lo) / qmax;
    const zeroPoint = Math.round(-lo / scale);
    lo = -zeroPoint * scale;
    hi = (qmax - zeroPoint) * scale;
  }
  const q = dtype === "uint8" ? new Uint8Array(values.length) : new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.round((Math.min(Math.max(values[i], lo), hi) - lo) / scale);
  return { bytes: new Uint8Array(q.buffer), quantization: { dtype, scale, min: lo, original_dtype: "float32" } };
}

/** Re-encodes float32 artifacts with every weight quantized (as tensorflowjs_converter --quantize_*). */
export function quantizeArtifacts(a: ModelArtifacts, dtype: "uint8" | "uint16" | "float16"): ModelArtifacts {
  const all = new Float32Array(joined(a.weightData));
  const parts: Uint8Array[] = [];
  const specs: WeightsManifestEntry[] = [];
  let at = 0;
  for (const spec of a.weightSpecs ?? []) {
    const size = spec.shape.reduce((s, d) => s * d, 1);
    const { bytes, quantization } = quantize(all.subarray(at, at + size), dtype);
    at += size;
    parts.push(bytes);
    specs.push({ ...spec, quantization });
  }
  return { ...a, weightSpecs: specs, weightData: joined(parts.map((p) => p.slice().buffer)) };
}
