// Robust regression: y = 2x + 1 with Gaussian noise and 10% gross outliers (all pushed upward).
// MSE chases the outliers (the fitted line is lifted and tilted); Huber (δ = 1) weighs them
// linearly, so its line stays near the truth; the quantile (pinball) loss at 0.5 fits the median,
// and at 0.9 a line above 90% of the points, an upper prediction band.
//   npm run build && node examples/regression/index.mjs
import { init, Rng } from "../../dist/index.js";

export async function regression({ backend = "auto", n = 400, epochs = 150, log = console.log } = {}) {
  const nn = await init({ backend });
  const rng = new Rng(11);
  const xs = new Float32Array(n), ys = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const x = 4 * rng.uniform() - 2;
    const outlier = rng.uniform() < 0.1;
    xs[i] = x;
    ys[i] = 2 * x + 1 + 0.3 * rng.normal() + (outlier ? 8 + 4 * rng.uniform() : 0);
  }
  const x = nn.tensor(xs, [n, 1]), y = nn.tensor(ys, [n, 1]);
  const fits = {};
  for (const [label, loss] of [
    ["mse", "meanSquaredError"],
    ["mae", "meanAbsoluteError"],
    ["huber δ=1", { name: "huber", delta: 1 }],
    ["quantile 0.5", { name: "quantile", quantile: 0.5 }],
    ["quantile 0.9", { name: "quantile", quantile: 0.9 }],
  ]) {
    const model = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 1, inputShape: [1] })] });
    model.compile({ optimizer: nn.optimizers.adam({ learningRate: 0.05 }), loss });
    await model.fit(x, y, { epochs, batchSize: 32, verbose: 0, seed: 2 });
    const [w, b] = model.layers[0].getWeights();
    const pred = model.predict(x).data;
    let above = 0;
    for (let i = 0; i < n; i++) if (ys[i] > pred[i]) above++;
    fits[label] = { slope: w.data[0], intercept: b.data[0], fractionAbove: above / n };
    log(`${label.padEnd(13)} y = ${w.data[0].toFixed(3)}·x + ${b.data[0].toFixed(3)}   points above the line: ${((100 * above) / n).toFixed(1)}%`);
    nn.dispose(w, b);
    model.dispose();
  }
  log("truth         y = 2.000·x + 1.000 (+ outliers on 10% of points)");
  nn.dispose(x, y);
  return fits;
}

if (import.meta.url === `file://${process.argv[1]}`) await regression();
