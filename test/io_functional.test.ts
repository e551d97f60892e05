// Keras functional models that are a chain of layers load as a Sequential: tfjs-layers' own tf.model saves
// (class_name "Model", Keras 2 inbound_nodes), and Keras 3's "Functional" spelling (keras_history nodes).
// Branching, merging or reused layers are refused by name.
import { beforeAll, describe, expect, it } from "vitest";
import { FormatError } from "../src/index.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { captureTf, joined, modelJson, seedTf, tfl, tfPredict, tfReady } from "./helpers/tfjs_interop.js";

const TOL = { atol: 1e-6, rtol: 2e-5 };
const x = Float32Array.from({ length: 4 * 5 }, (_, i) => Math.sin(i * 1.7) * 2);

function chain() {
  const input = tfl.input({ shape: [5], name: "features" });
  const h = tfl.layers.dense({ units: 7, activation: "relu", name: "hidden" }).apply(input) as tfl.SymbolicTensor;
  const n = tfl.layers.batchNormalization({ name: "bn" }).apply(h) as tfl.SymbolicTensor;
  const out = tfl.layers.dense({ units: 3, activation: "softmax", name: "out" }).apply(n) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out, name: "chain" });
}

function branching() {
  const input = tfl.input({ shape: [5] });
  const a = tfl.layers.dense({ units: 4 }).apply(input) as tfl.SymbolicTensor;
  const b = tfl.layers.dense({ units: 4 }).apply(input) as tfl.SymbolicTensor;
  const sum = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: sum });
}

/** The tfjs chain's topology rewritten as Keras 3 writes a functional model (keras_history nodes, batch_shape). */
function keras3Spelling(topology: Record<string, unknown>): Record<string, unknown> {
  const cfg = topology.config as { layers: Record<string, unknown>[]; input_layers: unknown; output_layers: unknown; name: string };
  const layers = cfg.layers.map((l) => {
    const config = { ...(l.config as Record<string, unknown>) };
    if ("batch_input_shape" in config) {
      config.batch_shape = config.batch_input_shape;
      delete config.batch_input_shape;
    }
    const nodes = (l.inbound_nodes as [string, number, number, object][][]).map((node) => ({
      args: node.map(([name, n, t]) => ({ class_name: "__keras_tensor__", config: { shape: [null, 5], dtype: "float32", keras_history: [name, n, t] } })),
      kwargs: {},
    }));
    return { module: "keras.layers", class_name: l.class_name, config, registered_name: null, name: l.name, inbound_nodes: nodes };
  });
  return { module: "keras", class_name: "Functional", config: { name: cfg.name, trainable: true, layers, input_layers: cfg.input_layers, output_layers: cfg.output_layers }, registered_name: "Functional" };
}

let artifacts: Awaited<ReturnType<typeof captureTf>>;
let expected: Float32Array;
beforeAll(async () => {
  await tfReady();
  const m = chain();
  seedTf(m, 404, 1);
  artifacts = await captureTf(m);
  expected = tfPredict(m, x, [5]);
});

describe.each(BUILDS)("functional chains (%s)", (build) => {
  it("tf.model(input → dense → batchNormalization → dense) loads and predicts what tfjs predicts", async () => {
    const nn = await instance(build);
    expect((artifacts.modelTopology as { class_name: string }).class_name).toMatch(/^(Model|Functional)$/);
    const model = await nn.loadLayersModel(nn.io.fromMemory(modelJson(artifacts), joined(artifacts.weightData)));
    expect(model.layers.map((l) => l.name)).toEqual(["hidden", "bn", "out"]);
    expect(model.inputShape).toEqual([5]);
    const y = model.predict(nn.tensor(x, [4, 5]));
    expect(y.data).toBeCloseArray(expected, TOL);
    y.dispose();
    model.dispose();
  });

  it("the same chain in Keras 3's spelling (keras_history nodes, batch_shape, module keys)", async () => {
    const nn = await instance(build);
    const json = { ...modelJson(artifacts), modelTopology: keras3Spelling(artifacts.modelTopology as Record<string, unknown>) };
    const model = await nn.loadLayersModel(nn.io.fromMemory(json, joined(artifacts.weightData)));
    const y = model.predict(nn.tensor(x, [4, 5]));
    expect(y.data).toBeCloseArray(expected, TOL);
    y.dispose();
    model.dispose();
  });

  it("a branching model is refused, naming the layer that feeds two others", async () => {
    const nn = await instance(build);
    const a = await captureTf(branching());
    const error = await nn.loadLayersModel(nn.io.fromMemory(modelJson(a), joined(a.weightData))).catch((e: unknown) => e as Error);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toMatch(/layer '\w+' \(Dense\): layer '\w+' feeds both '\w+' and '\w+'; a branching model is not a chain/);
  });
});
