// Trains the small classifier every serverless example serves and saves it to model/ (model.json +
// weights.bin, committed): 64-32-10 on the UCI digits embedded in simdnn (8×8 pixels in [0, 1]), seeded,
// so a rerun writes the same file on the same build. 2410 weights, 9.6 KB.
//   npm run build && node examples/serverless/train.mjs
import { fileURLToPath } from "node:url";
import { init } from "simdnn";

const nn = await init({ backend: "scalar" }); // the portable build: no fused multiply-add, same bits everywhere
// loadDigits moves to the simdnn/datasets entry (issue 16); the main entry had it before
const { loadDigits, trainTestSplit } = await import("simdnn/datasets").catch(() => import("simdnn"));
const digits = await loadDigits();
const { train, test } = trainTestSplit(digits.count, 0.2, 1);
const rows = (idx) => {
  const x = new Float32Array(idx.length * 64), y = new Float32Array(idx.length * 10);
  idx.forEach((r, i) => (x.set(digits.x.subarray(r * 64, r * 64 + 64), i * 64), (y[i * 10 + digits.y[r]] = 1)));
  return [nn.tensor(x, [idx.length, 64]), nn.tensor(y, [idx.length, 10])];
};
const [xTrain, yTrain] = rows(train), [xTest, yTest] = rows(test);
const model = nn.sequential({ name: "digits", seed: 1, layers: [
  nn.layers.dense({ units: 32, activation: "relu", inputShape: [64] }),
  nn.layers.dense({ units: 10, activation: "softmax" }),
] });
model.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
await model.fit(xTrain, yTrain, { epochs: 40, batchSize: 32, shuffle: true, seed: 1, verbose: 0 });
const { accuracy } = model.evaluate(xTest, yTest);
const dir = fileURLToPath(new URL("model", import.meta.url));
await model.save(`file://${dir}`);
console.log(`test accuracy ${(100 * accuracy).toFixed(1)}% on ${test.length} held-out digits; saved ${dir}`);
nn.dispose(xTrain, yTrain, xTest, yTest);
model.dispose();
