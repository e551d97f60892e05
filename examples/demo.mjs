// npm run demo: an MLP learns the UCI handwritten digits (embedded in the package: 1797 images of
// 8×8 pixels) on every build this host runs, side by side: test accuracy and time per epoch.
import { backendSupport, init } from "../dist/index.js";
import { datasets } from "../dist/datasets.js";

export async function demo({ epochs = 30, builds = ["scalar", "simd", "relaxed-simd"], log = console.log } = {}) {
  const digits = await datasets.loadDigits();
  const { train, test } = datasets.trainTestSplit(digits.count, 0.25, 42);
  const rows = (idx) => {
    const x = new Float32Array(idx.length * 64), y = new Float32Array(idx.length * 10);
    idx.forEach((r, i) => {
      x.set(digits.x.subarray(r * 64, r * 64 + 64), i * 64);
      y[i * 10 + digits.y[r]] = 1;
    });
    return { x, y, n: idx.length };
  };
  const tr = rows(train), te = rows(test);
  log(`UCI digits: ${tr.n} training and ${te.n} test images of 8×8 pixels; MLP 64-128-64-10 (relu, relu, softmax), Adam, ${epochs} epochs, batch 32\n`);
  log("| build | test accuracy | time per epoch | samples/s |");
  log("|---|---|---|---|");
  const results = {};
  for (const backend of builds) {
    const support = backendSupport(backend);
    if (!support.ok) {
      log(`| ${backend} | unavailable: ${support.reason} | | |`);
      continue;
    }
    const nn = await init({ backend });
    const x = nn.tensor(tr.x, [tr.n, 64]), y = nn.tensor(tr.y, [tr.n, 10]);
    const tx = nn.tensor(te.x, [te.n, 64]), ty = nn.tensor(te.y, [te.n, 10]);
    const model = nn.sequential({ seed: 1, layers: [
      nn.layers.dense({ units: 128, activation: "relu", inputShape: [64] }),
      nn.layers.dropout({ rate: 0.1 }),
      nn.layers.dense({ units: 64, activation: "relu" }),
      nn.layers.dense({ units: 10, activation: "softmax" }),
    ] });
    model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
    const t0 = performance.now();
    await model.fit(x, y, { epochs, batchSize: 32, seed: 1, verbose: 0 });
    const perEpoch = (performance.now() - t0) / epochs;
    const { accuracy } = model.evaluate(tx, ty);
    results[backend] = { accuracy, perEpochMs: perEpoch };
    log(`| ${backend} | ${(100 * accuracy).toFixed(1)}% | ${perEpoch.toFixed(1)} ms | ${Math.round(tr.n / (perEpoch / 1000)).toLocaleString("en-US")} |`);
    model.dispose();
    nn.dispose(x, y, tx, ty);
  }
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await demo();
