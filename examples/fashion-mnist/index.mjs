// Fashion-MNIST with the Keras configuration of the seed articles: 784-512-256-10 (relu, relu,
// softmax), Adam, categorical cross-entropy, 10 epochs, batch 128, validationSplit 0.2. Reads the
// IDX files with the library's own reader; prints the time per epoch (48k samples) and test accuracy.
//   npm run build && node --experimental-wasm-relaxed-simd examples/fashion-mnist/index.mjs [dataDir]
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { init, oneHot } from "../../dist/index.js";
import { imagesToFloat32, readIdx } from "../../dist/datasets.js";

export const DEFAULT_DIR = fileURLToPath(new URL("../../../shared/data/fashion-mnist", import.meta.url));

async function load(dir, prefix, limit) {
  const images = await readIdx(await readFile(join(dir, `${prefix}-images-idx3-ubyte.gz`)));
  const labels = await readIdx(await readFile(join(dir, `${prefix}-labels-idx1-ubyte.gz`)));
  const n = Math.min(limit ?? Infinity, images.shape[0]);
  return { x: imagesToFloat32(images).subarray(0, n * 784), y: oneHot(labels.data.subarray(0, n), 10), n };
}

export async function fashionMnist({ dir = DEFAULT_DIR, backend = "auto", epochs = 10, seed = 1, trainLimit, testLimit, verbose = 1, log = console.log } = {}) {
  const nn = await init({ backend });
  const train = await load(dir, "train", trainLimit);
  const test = await load(dir, "t10k", testLimit);
  const x = nn.tensor(train.x, [train.n, 784]), y = nn.tensor(train.y, [train.n, 10]);
  const model = nn.sequential({ seed, layers: [
    nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }),
    nn.layers.dense({ units: 256, activation: "relu" }),
    nn.layers.dense({ units: 10, activation: "softmax" }),
  ] });
  model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  const epochTimes = [];
  let t0 = 0;
  const history = await model.fit(x, y, {
    epochs, batchSize: 128, validationSplit: 0.2, shuffle: true, seed, verbose,
    callbacks: { onEpochBegin: () => void (t0 = performance.now()), onEpochEnd: () => void epochTimes.push(performance.now() - t0) },
  });
  const tx = nn.tensor(test.x, [test.n, 784]), ty = nn.tensor(test.y, [test.n, 10]);
  const { accuracy, loss } = model.evaluate(tx, ty, { batchSize: 256 });
  const trainSamples = Math.floor(train.n * 0.8);
  const median = [...epochTimes].sort((a, b) => a - b)[epochTimes.length >> 1];
  log(`${nn.backend}: test accuracy ${(100 * accuracy).toFixed(2)}% (loss ${loss.toFixed(4)}), ` +
    `median epoch ${(median / 1000).toFixed(2)} s for ${trainSamples} samples (${Math.round(trainSamples / (median / 1000))} samples/s, including validation)`);
  model.dispose();
  nn.dispose(x, y, tx, ty);
  return { accuracy, loss, epochTimes, history: history.history, backend: nn.backend };
}

if (import.meta.url === `file://${process.argv[1]}`) await fashionMnist({ dir: process.argv[2] ?? DEFAULT_DIR });
