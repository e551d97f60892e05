// simdnn → file → simdnn on every build: predictions identical bit for bit (every registry
// activation with non-default parameters too), training resumed from a save with its optimizer state
// continues exactly as if it had never stopped, and file:// writes model.json + weights.bin into a
// folder it creates.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ACTIVATIONS, ACTIVATION_NAMES, type ActivationParams } from "../src/activations.js";
import type { ModelArtifacts } from "../src/io/artifacts.js";
import type { Sequential } from "../src/model/sequential.js";
import type { NN } from "../src/nn.js";
import type { Optimizer } from "../src/optimizers.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { savedInfo, seededValues } from "./helpers/tfjs_interop.js";

/** Non-default parameters where an activation has any, so a file that drops them is caught. */
const PARAMS: Partial<Record<string, ActivationParams>> = { leakyRelu: { alpha: 0.07 }, elu: { alpha: 0.5 }, hardSigmoid: { alpha: 0.2 }, gelu: { approximate: "tanh" } };

function seed(model: Sequential, s: number): void {
  for (const [i, l] of model.layers.entries()) l.setWeights(l.weights.map((w, j) => seededValues(`${l.name}/${w.name}`, w.size, s + 101 * i + 7 * j, 1.5)));
}

async function capture(nn: NN, model: Sequential, options?: { includeOptimizer?: boolean }): Promise<ModelArtifacts> {
  let got: ModelArtifacts | null = null;
  await model.save(nn.io.withSaveHandler(async (a) => ((got = a), savedInfo())), options);
  expect(got).not.toBeNull();
  return got!;
}

const reload = (nn: NN, a: ModelArtifacts) => nn.loadLayersModel({ load: async () => a });

function predict(nn: NN, model: Sequential, x: Float32Array, features: number): number[] {
  const t = nn.tensor(x, [x.length / features, features]);
  const y = model.predict(t);
  const out = Array.from(y.data);
  nn.dispose(t, y);
  return out;
}

const weightsOf = (m: Sequential) => m.getWeights().map((t) => Array.from(t.data));

describe.each(BUILDS)("save → load in simdnn (%s)", (build) => {
  it("a model with every layer type predicts identically after the round trip", async () => {
    const nn = await instance(build);
    const model = nn.sequential({ name: "everything", layers: [
      nn.layers.dense({ units: 8, activation: "gelu", inputShape: [5] }),
      nn.layers.batchNormalization({ epsilon: 0.01, momentum: 0.9 }),
      nn.layers.prelu(),
      nn.layers.layerNormalization({ epsilon: 1e-5 }),
      nn.layers.dropout({ rate: 0.2 }),
      nn.layers.dense({ units: 6, activation: "tanh", useBias: false }),
      nn.layers.leakyReLU({ alpha: 0.1 }),
      nn.layers.elu(),
      nn.layers.reLU({ maxValue: 6 }),
      nn.layers.dense({ units: 3 }),
      nn.layers.softmax(),
    ] });
    seed(model, 3);
    const x = uniform(11 * 5, -3, 3, 4);
    const back = await reload(nn, await capture(nn, model));
    expect(back.name).toBe("everything");
    expect(back.layers.map((l) => [l.name, l.className])).toEqual(model.layers.map((l) => [l.name, l.className]));
    expect(back.weights).toEqual(model.weights);
    expect(weightsOf(back)).toEqual(weightsOf(model));
    expect(predict(nn, back, x, 5)).toEqual(predict(nn, model, x, 5));
    model.dispose();
    back.dispose();
  });

  it("every registry activation keeps its name and parameters", async () => {
    const nn = await instance(build);
    const x = uniform(7 * 4, -4, 4, 8);
    for (const name of ACTIVATION_NAMES.filter((n) => ACTIVATIONS[n].kind !== "channel")) {
      const params = PARAMS[name];
      for (const where of ["dense", "layer"] as const) {
        const layers = where === "dense"
          ? [nn.layers.dense({ units: 5, inputShape: [4], activation: name, activationParams: params })]
          : [nn.layers.dense({ units: 5, inputShape: [4] }), nn.layers.activation({ activation: name, activationParams: params })];
        const model = nn.sequential({ layers });
        seed(model, 9);
        const back = await reload(nn, await capture(nn, model));
        expect(predict(nn, back, x, 4), `${name} in ${where}`).toEqual(predict(nn, model, x, 4));
        model.dispose();
        back.dispose();
      }
    }
  });

  const OPTIMIZERS: [string, (nn: NN) => Optimizer][] = [
    ["adam", (nn) => nn.optimizers.adam({ learningRate: 0.02 })],
    ["sgd with momentum", (nn) => nn.optimizers.sgd({ learningRate: 0.05, momentum: 0.9 })],
    ["rmsprop", (nn) => nn.optimizers.rmsprop({ learningRate: 0.01, momentum: 0.5 })],
  ];
  it.each(OPTIMIZERS)("fit → save({ includeOptimizer }) → load → fit continues exactly as uninterrupted training (%s)", async (_name, optimizer) => {
    const nn = await instance(build);
    const make = () => nn.sequential({ seed: 11, layers: [nn.layers.dense({ units: 8, activation: "tanh", inputShape: [4] }), nn.layers.batchNormalization(), nn.layers.dense({ units: 3, activation: "softmax" })] });
    const xs = uniform(12 * 4, -2, 2, 12);
    const ys = new Float32Array(12 * 3).map((_, i) => (i % 3 === Math.floor(i / 3) % 3 ? 1 : 0));
    const x = nn.tensor(xs, [12, 4]), y = nn.tensor(ys, [12, 3]);
    const opts = { batchSize: 4, shuffle: false, verbose: 0 as const };
    const compileWith = (m: Sequential) => m.compile({ optimizer: optimizer(nn), loss: "categoricalCrossentropy" });

    const straight = make();
    compileWith(straight);
    await straight.fit(x, y, { ...opts, epochs: 5 });

    const first = make();
    compileWith(first);
    await first.fit(x, y, { ...opts, epochs: 2 });
    const artifacts = await capture(nn, first, { includeOptimizer: true });
    expect(artifacts.trainingConfig?.loss).toBeDefined();
    expect(artifacts.weightSpecs!.some((s) => s.group === "optimizer")).toBe(true);
    const resumed = await reload(nn, artifacts);
    await resumed.fit(x, y, { ...opts, epochs: 3 }); // compiled from the file's training config
    expect(weightsOf(resumed)).toEqual(weightsOf(straight));

    // without the optimizer state the same three epochs end elsewhere: the comparison above can fail
    const fresh = await reload(nn, await capture(nn, first));
    compileWith(fresh);
    await fresh.fit(x, y, { ...opts, epochs: 3 });
    expect(weightsOf(fresh)).not.toEqual(weightsOf(straight));

    for (const m of [straight, first, resumed, fresh]) m.dispose();
    nn.dispose(x, y);
  });

  it("file:// writes model.json and weights.bin into a folder it creates, and loads back", async () => {
    const nn = await instance(build);
    const root = mkdtempSync(join(tmpdir(), "simdnn-io-"));
    const dir = join(root, "not", "yet", "there");
    try {
      const model = nn.sequential({ layers: [nn.layers.dense({ units: 6, activation: "relu", inputShape: [3] }), nn.layers.batchNormalization(), nn.layers.dense({ units: 2 })] });
      seed(model, 5);
      const result = await model.save(`file://${dir}`);
      expect(existsSync(join(dir, "model.json"))).toBe(true);
      const bytes = statSync(join(dir, "weights.bin")).size;
      expect(bytes).toBe(4 * model.countParams());
      expect(result.modelArtifactsInfo.weightDataBytes).toBe(bytes);
      const json = JSON.parse(readFileSync(join(dir, "model.json"), "utf8")) as { format: string; weightsManifest: { paths: string[] }[] };
      expect(json.format).toBe("layers-model");
      expect(json.weightsManifest.map((g) => g.paths)).toEqual([["weights.bin"]]);
      const back = await nn.loadLayersModel(`file://${join(dir, "model.json")}`);
      const x = uniform(5 * 3, -2, 2, 1);
      expect(predict(nn, back, x, 3)).toEqual(predict(nn, model, x, 3));
      model.dispose();
      back.dispose();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
