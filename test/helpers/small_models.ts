// The small classifier and data the model-misuse tests share (model_robustness, model_freezing).
import type { NN } from "../../src/nn.js";
import type { Sequential } from "../../src/model/sequential.js";
import type { Tensor } from "../../src/tensor.js";
import { uniform } from "./edge.js";

export function data(nn: NN, n: number, seed = 1): { x: Tensor; y: Tensor } {
  const xs = uniform(n * 4, -1, 1, seed), ys = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) ys[i * 3 + (xs[i * 4] > 0 ? 1 : xs[i * 4 + 1] > 0 ? 2 : 0)] = 1;
  return { x: nn.tensor(xs, [n, 4]), y: nn.tensor(ys, [n, 3]) };
}

export function mlp(nn: NN, seed = 1, extra: "none" | "bn" = "none"): Sequential {
  const m = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: 8, activation: "relu", inputShape: [4], name: `first_${seed}_${extra}` }),
      ...(extra === "bn" ? [nn.layers.batchNormalization({})] : []),
      nn.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  m.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

/** The instance's one-time allocations (the GEMM packing workspace) happen here, before memory is measured. */
export function warm(nn: NN): void {
  const { x, y } = data(nn, 8);
  const m = mlp(nn, 99);
  m.trainOnBatch(x, y);
  m.predict(x).dispose();
  for (const d of [m, x, y]) d.dispose();
}

export const sameBits = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));
export const weightsOf = (m: Sequential) => m.getWeights().map((t) => {
  const v = t.data.slice();
  t.dispose();
  return v;
});

