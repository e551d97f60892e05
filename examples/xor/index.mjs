// XOR: why non-linearity matters. A linear model can't separate XOR (its best is 50% accuracy, or
// 75% when it guesses one corner right); one hidden layer of 4 tanh units learns it exactly.
//   npm run build && node examples/xor/index.mjs
import { init } from "../../dist/index.js";

export async function xor({ backend = "auto", epochs = 500, log = console.log } = {}) {
  const nn = await init({ backend });
  const x = nn.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
  const y = nn.tensor([[0], [1], [1], [0]]);
  const results = {};
  for (const [name, layers] of [
    ["linear (no hidden layer)", [nn.layers.dense({ units: 1, activation: "sigmoid", inputShape: [2] })]],
    ["2-4-1, tanh hidden layer", [nn.layers.dense({ units: 4, activation: "tanh", inputShape: [2] }), nn.layers.dense({ units: 1, activation: "sigmoid" })]],
  ]) {
    const model = nn.sequential({ seed: 3, layers });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss: "binaryCrossentropy", metrics: ["accuracy"] });
    const h = await model.fit(x, y, { epochs, batchSize: 4, verbose: 0 });
    const p = Array.from(model.predict(x).data, (v) => +v.toFixed(3));
    results[name] = { loss: h.history.loss.at(-1), accuracy: h.history.accuracy.at(-1), predictions: p };
    log(`${name.padEnd(26)} loss ${h.history.loss.at(-1).toFixed(4)}  accuracy ${h.history.accuracy.at(-1)}  outputs ${p.join(", ")}`);
    model.dispose();
  }
  nn.dispose(x, y);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) await xor();
