// The state of turning an ONNX graph into a chain of Keras layers: constants (initializers, Constant
// nodes and what folds from them), who reads each value, the per-sample shape so far, and the layers
// and weights emitted. ops.ts and patterns.ts advance it; graph.ts drives the walk.
import { FormatError } from "../../errors.js";
import { FLOAT, type OnnxAttribute, type OnnxModel, type OnnxNode } from "./model.js";
import { type ExternalData, type TensorValues, tensorValues } from "./values.js";

type Json = Record<string, unknown>;

export interface LayerOut {
  class_name: string;
  config: Json;
}

export interface WeightOut {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** Keras' default layer names: dense, dense_1, … per class. */
const BASE_NAMES: Record<string, string> = {
  Dense: "dense", Activation: "activation", LeakyReLU: "leaky_re_lu", ELU: "elu", ReLU: "re_lu", PReLU: "p_re_lu", Flatten: "flatten",
  BatchNormalization: "batch_normalization", LayerNormalization: "layer_normalization",
};

export class Chain {
  readonly layers: LayerOut[] = [];
  readonly weights: WeightOut[] = [];
  /** Per-sample shape of the value `cur` (the batch axis left out). */
  shape: number[];
  cur: string;
  readonly opset: number;
  /** The graph input's batch size when the exporter fixed it (no dynamic axis), else null. */
  batch: number | null = null;
  readonly readers = new Map<string, OnnxNode[]>();
  readonly graphOutputs: Set<string>;
  /** Nodes consumed by a layer or folded into a constant. */
  readonly done = new Set<OnnxNode>();
  #constTensors = new Map<string, () => TensorValues>();
  #constCache = new Map<string, TensorValues>();
  #counts = new Map<string, number>();

  constructor(readonly model: OnnxModel, readonly where: string, readonly external: ExternalData | undefined, input: string, shape: number[], opset: number) {
    this.cur = input;
    this.shape = shape;
    this.opset = opset;
    const g = model.graph!;
    this.graphOutputs = new Set(g.output.map((o) => o.name));
    for (const t of g.initializer) {
      if (t.name) this.#constTensors.set(t.name, () => tensorValues(t, external, `${where}: initializer '${t.name}'`));
    }
    for (const n of g.node) {
      for (const v of n.input) {
        if (!v) continue;
        const list = this.readers.get(v);
        if (list) list.push(n);
        else this.readers.set(v, [n]);
      }
    }
  }

  /** "node 3 'fc1' (Gemm)", for messages. */
  static label(n: OnnxNode): string {
    return `node ${n.index}${n.name ? ` '${n.name}'` : ""} (${n.opType})`;
  }

  fail(n: OnnxNode | undefined, what: string): never {
    throw new FormatError(`${this.where}: ${n ? `${Chain.label(n)}: ` : ""}${what}`);
  }

  isConst(name: string): boolean {
    return this.#constTensors.has(name);
  }

  /** A constant's values, decoded once; missing names are a FormatError naming the node. */
  constant(name: string, n: OnnxNode): TensorValues {
    const cached = this.#constCache.get(name);
    if (cached) return cached;
    const make = this.#constTensors.get(name);
    if (!make) this.fail(n, `input '${name}' is neither on the layer chain nor an initializer or constant.`);
    const v = make();
    this.#constCache.set(name, v);
    return v;
  }

  defineConst(name: string, make: () => TensorValues): void {
    this.#constTensors.set(name, make);
  }

  /** A float32 weight (refuses other types: simdnn computes in float32). */
  weight(name: string, n: OnnxNode): TensorValues & { values: Float32Array } {
    const v = this.constant(name, n);
    if (v.dataType !== FLOAT || !(v.values instanceof Float32Array)) {
      this.fail(n, `weight '${name}' is ${v.dataType === 11 ? "float64" : `data type ${v.dataType}`}; simdnn loads float32 weights only (convert the model to float32 first).`);
    }
    return v as TensorValues & { values: Float32Array };
  }

  /** A constant that must hold one number (scalar or size 1). */
  scalar(name: string, n: OnnxNode): number {
    const v = this.constant(name, n);
    if (v.values.length !== 1) this.fail(n, `input '${name}' must be a single number; it has shape [${v.dims.join(",")}].`);
    return v.values[0];
  }

  /** Readers of a value other than the nodes already consumed, plus one for a graph output. */
  uses(value: string): { nodes: OnnxNode[]; output: boolean } {
    return { nodes: (this.readers.get(value) ?? []).filter((r) => !this.done.has(r)), output: this.graphOutputs.has(value) };
  }

  attr(n: OnnxNode, name: string): OnnxAttribute | undefined {
    return n.attribute.get(name);
  }

  attrInt(n: OnnxNode, name: string, dflt: number): number {
    const a = n.attribute.get(name);
    return a?.i ?? dflt;
  }

  attrFloat(n: OnnxNode, name: string, dflt: number): number {
    const a = n.attribute.get(name);
    return a?.f ?? dflt;
  }

  /** The node's data input must be the chain's current value, its other outputs unused; returns its main output. */
  advance(n: OnnxNode, dataInput = 0): string {
    if (n.input[dataInput] !== this.cur) this.fail(n, `expected the layer chain's value '${this.cur}' as input ${dataInput}; received '${n.input[dataInput] ?? ""}'.`);
    n.output.slice(1).forEach((o) => {
      if (o && (this.readers.get(o)?.length || this.graphOutputs.has(o))) this.fail(n, `its extra output '${o}' is used; only the first output of ${n.opType} can be imported.`);
    });
    this.done.add(n);
    if (!n.output[0]) this.fail(n, "has no output.");
    this.cur = n.output[0];
    return this.cur;
  }

  /** Appends a layer with Keras' default name for its class; its weights are named `<layer>/<weight>`. */
  emit(className: string, config: Json, weights: [string, number[], Float32Array][] = []): LayerOut {
    const base = BASE_NAMES[className] ?? className.toLowerCase();
    const k = this.#counts.get(base) ?? 0;
    this.#counts.set(base, k + 1);
    const name = k === 0 ? base : `${base}_${k}`;
    const layer = { class_name: className, config: { name, ...config } };
    this.layers.push(layer);
    for (const [w, shape, values] of weights) this.weights.push({ name: `${name}/${w}`, shape, values });
    return layer;
  }

  /** An activation: folded into the Dense right before it when that one has none yet, else an Activation layer. */
  activation(activation: string, params?: Json): void {
    const last = this.layers[this.layers.length - 1];
    if (last?.class_name === "Dense" && last.config.activation === "linear") {
      last.config.activation = activation;
      if (params) last.config.activation_params = params;
      return;
    }
    this.emit("Activation", { activation, ...(params ? { activation_params: params } : {}) });
  }

  /** Number of features on the last axis. */
  get features(): number {
    return this.shape[this.shape.length - 1];
  }
}
