// Keras' model JSON (as tfjs-layers and tensorflowjs_converter write it) ⇄ simdnn layers. Reading accepts
// the Keras 2 and Keras 3 spellings (batch_input_shape / batch_shape / build_config, dtype strings or
// DTypePolicy objects, module / registered_name keys, model_config nesting); writing produces what
// tfjs-layers 4.x writes, so tf.loadLayersModel reads it. Activations follow tfjs' definitions; simdnn
// activations tfjs lacks are written as "simdnn.<name>" (with activation_params), which tfjs refuses
// by name rather than computing something else.
import { ACTIVATION_NAMES, type ActivationName, type ActivationParams } from "../activations.js";
import { FormatError, show } from "../errors.js";
import { Regularizer } from "../losses_api.js";
import type { Layer } from "../model/layer.js";
import { ELU, LeakyReLU, ReLU } from "../model/layers_activation.js";
import { Activation, Dense, Flatten, PReLU, Softmax } from "../model/layers_core.js";
import { BatchNormalization, Dropout, LayerNormalization } from "../model/layers_norm.js";
import type { Sequential } from "../model/sequential.js";
import { functionalChain } from "./functional.js";
import { isObject, type Json } from "./json.js";


/** tfjs' activation names (and the Keras 3 spellings tfjs lacks) → simdnn's registry name and parameters. */
const FROM_KERAS: Record<string, readonly [ActivationName, ActivationParams?]> = {
  linear: ["linear"], relu: ["relu"], relu6: ["relu6"], sigmoid: ["sigmoid"], tanh: ["tanh"], elu: ["elu"],
  selu: ["selu"], softplus: ["softplus"], softsign: ["softsign"], swish: ["silu"], silu: ["silu"], mish: ["mish"],
  gelu: ["gelu"], gelu_new: ["gelu", { approximate: "tanh" }], softmax: ["softmax"], log_softmax: ["logSoftmax"],
  logSoftmax: ["logSoftmax"], hard_sigmoid: ["hardSigmoid", { alpha: 0.2 }], hardSigmoid: ["hardSigmoid", { alpha: 0.2 }],
  hard_silu: ["hardSwish"], hard_swish: ["hardSwish"], leaky_relu: ["leakyRelu", { alpha: 0.2 }],
};

/** The tfjs name of an activation when tfjs computes the same function, else null. */
function kerasName(name: ActivationName, alpha: number, approximate: string | undefined): string | null {
  switch (name) {
    case "silu":
    case "swish":
      return "swish";
    case "gelu":
      return approximate === "tanh" ? "gelu_new" : "gelu";
    case "logSoftmax":
      return "log_softmax";
    case "elu":
      return alpha === 1 ? "elu" : null;
    case "hardSigmoid":
      return Math.fround(alpha) === Math.fround(0.2) ? "hard_sigmoid" : null;
    case "linear": case "relu": case "relu6": case "sigmoid": case "tanh": case "selu": case "softplus": case "softsign": case "mish": case "softmax":
      return name;
    default:
      return null;
  }
}

// ---------------------------------------------------------------- reading

/** What a topology describes: the model name, the per-sample input shape and the layers, not yet built. */
export interface ReadTopology {
  name: string | undefined;
  inputShape: number[];
  layers: Layer[];
}

/** Unwraps the nestings producers write and returns the Sequential's layer configs. */
function sequentialConfig(topology: unknown, where: string): { name: string | undefined; layers: unknown[]; buildShape: unknown; keras3: boolean } {
  let t = topology;
  const version = isObject(t) && typeof t.keras_version === "string" ? t.keras_version : undefined;
  if (isObject(t) && isObject(t.model_config)) t = t.model_config;
  if (!isObject(t)) throw new FormatError(`${where}: modelTopology must be a Keras model JSON object; received ${show(t)}.`);
  const c = t.config;
  if ((t.class_name === "Functional" || t.class_name === "Model") && isObject(c)) {
    const layers = functionalChain(c, where);
    const k3 = version !== undefined ? version.startsWith("3.") : "module" in t || layers.some((l) => isObject(l) && "registered_name" in l);
    return { name: typeof c.name === "string" ? c.name : undefined, layers, buildShape: undefined, keras3: k3 };
  }
  if (t.class_name !== "Sequential") {
    throw new FormatError(`${where}: modelTopology has class_name ${show(t.class_name)}; simdnn loads Sequential models and functional ones that are a chain of layers.`);
  }
  if (Array.isArray(c)) return { name: undefined, layers: c, buildShape: undefined, keras3: false };
  if (!isObject(c) || !Array.isArray(c.layers)) throw new FormatError(`${where}: the Sequential's config must hold a layers array; received ${show(c)}.`);
  const k3 = version !== undefined ? version.startsWith("3.") : "module" in t || c.layers.some((l) => isObject(l) && "registered_name" in l);
  return { name: typeof c.name === "string" ? c.name : undefined, layers: c.layers, buildShape: c.build_input_shape, keras3: k3 };
}

/** A [null, d1, d2…] batch shape → [d1, d2…]; undefined when absent. */
function batchShape(v: unknown, what: string): number[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.length < 2 || !v.slice(1).every((d) => Number.isInteger(d) && d > 0 && d <= 1 << 24)) {
    throw new FormatError(`${what} must be [null, ...positive sizes]; received ${show(v)}.`);
  }
  return v.slice(1) as number[];
}

function checkDtype(c: Json, what: string): void {
  const d = c.dtype;
  const name = isObject(d) ? (isObject(d.config) ? d.config.name : d.name) : d;
  if (name !== undefined && name !== null && name !== "float32") {
    throw new FormatError(`${what} has dtype ${show(name)}; simdnn computes in float32 and loads float32 models only.`);
  }
}

/**
 * `keras3`: Keras 3 redefined hard_sigmoid as relu6(x + 3)/6 (slope 1/6); tfjs and Keras 2 use 0.2x + 0.5. A
 * file from Keras 3 (keras_version 3.x, or layers carrying Keras 3's module/registered_name keys; tfjs cannot
 * read those) means Keras 3's function; everything else means tfjs'.
 */
function activationOf(c: Json, what: string, keras3: boolean): { activation: ActivationName; activationParams?: ActivationParams } {
  let a: unknown = c.activation ?? "linear";
  if (isObject(a)) a = a.config ?? a.class_name; // Keras 3 may serialise a function as { class_name: 'function', config: 'relu' }
  if (typeof a !== "string") throw new FormatError(`${what}: activation must be a name; received ${show(a)}.`);
  if (a.startsWith("simdnn.")) {
    const name = a.slice(7);
    if (!(ACTIVATION_NAMES as readonly string[]).includes(name)) throw new FormatError(`${what}: unknown activation ${show(a)}; simdnn has ${ACTIVATION_NAMES.join(", ")}.`);
    const params = c.activation_params;
    if (params !== undefined && !isObject(params)) throw new FormatError(`${what}: activation_params must be an object; received ${show(params)}.`);
    return { activation: name as ActivationName, activationParams: params as ActivationParams | undefined };
  }
  const known = keras3 && (a === "hard_sigmoid" || a === "hardSigmoid") ? (["hardSigmoid", { alpha: 1 / 6 }] as const) : FROM_KERAS[a];
  if (!known) throw new FormatError(`${what}: unknown activation ${show(a)}; expected one of ${Object.keys(FROM_KERAS).join(", ")} (or simdnn.<name>).`);
  return { activation: known[0], activationParams: known[1] };
}

function num(c: Json, key: string, dflt: number, what: string): number {
  const v = c[key] ?? dflt;
  if (typeof v !== "number" || !Number.isFinite(v)) throw new FormatError(`${what}: ${key} must be a finite number; received ${show(v)}.`);
  return v;
}

function bool(c: Json, key: string, dflt: boolean, what: string): boolean {
  const v = c[key] ?? dflt;
  if (typeof v !== "boolean") throw new FormatError(`${what}: ${key} must be true or false; received ${show(v)}.`);
  return v;
}

function regularizerOf(v: unknown, what: string): Regularizer | undefined {
  if (v === undefined || v === null) return undefined;
  const r = isObject(v) ? v : {};
  const c = isObject(r.config) ? r.config : {};
  const l1 = typeof c.l1 === "number" ? c.l1 : 0, l2 = typeof c.l2 === "number" ? c.l2 : 0;
  if (!["L1L2", "L1", "L2"].includes(r.class_name as string)) throw new FormatError(`${what}: unsupported regularizer ${show(r.class_name)}; expected L1L2, L1 or L2.`);
  return new Regularizer(r.class_name === "L2" ? 0 : l1, r.class_name === "L1" ? 0 : l2);
}

/** Only the last axis is supported for normalisation; Keras writes −1, [−1] or the axis index (rank of the input). */
function lastAxis(v: unknown, what: string): void {
  const a = Array.isArray(v) && v.length === 1 ? v[0] : v;
  if (a === undefined || a === null || a === -1 || (Number.isInteger(a) && (a as number) > 0)) return;
  throw new FormatError(`${what}: axis ${show(v)} is not supported; simdnn normalises over the last (feature) axis.`);
}

/** Checks a layer's axis argument once its input rank is known (an index must be the last axis). */
const axisChecks = new WeakMap<Layer, unknown>();

type Factory = (c: Json, base: { name: string }, what: string, keras3: boolean) => Layer;

const LAYERS: Record<string, Factory> = {
  Dense: (c, base, what, keras3) => {
    const units = c.units;
    if (!Number.isInteger(units) || (units as number) < 1 || (units as number) > 1 << 24) throw new FormatError(`${what}: units must be a positive integer; received ${show(units)}.`);
    return new Dense({
      ...base, units: units as number, ...activationOf(c, what, keras3), useBias: bool(c, "use_bias", true, what),
      kernelRegularizer: regularizerOf(c.kernel_regularizer, `${what} kernel_regularizer`), biasRegularizer: regularizerOf(c.bias_regularizer, `${what} bias_regularizer`),
    });
  },
  Activation: (c, base, what, keras3) => new Activation({ ...base, ...activationOf(c, what, keras3) }),
  Softmax: (c, base, what) => {
    lastAxis(c.axis, what);
    return new Softmax(base);
  },
  LeakyReLU: (c, base, what) => new LeakyReLU({ ...base, alpha: num(c, c.negative_slope !== undefined ? "negative_slope" : "alpha", 0.3, what) }),
  ELU: (c, base, what) => new ELU({ ...base, alpha: num(c, "alpha", 1, what) }),
  ReLU: (c, base, what) => {
    if (num(c, "negative_slope", 0, what) !== 0 || num(c, "threshold", 0, what) !== 0) throw new FormatError(`${what}: ReLU with negative_slope or threshold is not supported (max_value is).`);
    const max = c.max_value ?? null;
    if (max !== null && !(typeof max === "number" && Number.isFinite(max) && max >= 0)) throw new FormatError(`${what}: ReLU max_value must be null or a finite number ≥ 0; received ${show(max)}.`);
    return new ReLU({ ...base, maxValue: max as number | null });
  },
  PReLU: (c, base, what) => {
    const shared = c.shared_axes ?? undefined;
    if (shared !== undefined && !(Array.isArray(shared) && shared.every((a) => Number.isInteger(a) && a >= 1))) throw new FormatError(`${what}: shared_axes must be null or a list of axes ≥ 1; received ${show(shared)}.`);
    return new PReLU({ ...base, sharedAxes: shared as number[] | undefined, alphaRegularizer: regularizerOf(c.alpha_regularizer, `${what} alpha_regularizer`) });
  },
  Dropout: (c, base, what) => {
    if (c.noise_shape !== undefined && c.noise_shape !== null) throw new FormatError(`${what}: noise_shape is not supported.`);
    const rate = num(c, "rate", 0, what);
    if (!(rate >= 0 && rate < 1)) throw new FormatError(`${what}: rate must be in [0, 1); received ${rate}.`);
    return new Dropout({ ...base, rate, seed: Number.isInteger(c.seed) ? (c.seed as number) : undefined });
  },
  Flatten: (_c, base) => new Flatten(base),
  BatchNormalization: (c, base, what) => {
    lastAxis(c.axis, what);
    const layer = new BatchNormalization({
      ...base, momentum: num(c, "momentum", 0.99, what), epsilon: num(c, "epsilon", 1e-3, what), center: bool(c, "center", true, what), scale: bool(c, "scale", true, what),
      gammaRegularizer: regularizerOf(c.gamma_regularizer, `${what} gamma_regularizer`), betaRegularizer: regularizerOf(c.beta_regularizer, `${what} beta_regularizer`),
    });
    axisChecks.set(layer, c.axis);
    return layer;
  },
  LayerNormalization: (c, base, what) => {
    lastAxis(c.axis, what);
    if (c.rms_scaling === true) throw new FormatError(`${what}: rms_scaling is not supported.`);
    const layer = new LayerNormalization({ ...base, epsilon: num(c, "epsilon", 1e-3, what), center: bool(c, "center", true, what), scale: bool(c, "scale", true, what) });
    axisChecks.set(layer, c.axis);
    return layer;
  },
};

/** Keras' `Reshape` to one flat axis is a Flatten; anything else is refused. */
function reshape(c: Json, base: { name: string }, what: string, inputSize: number | undefined): Layer {
  const t = c.target_shape;
  if (Array.isArray(t) && t.length === 1 && (t[0] === -1 || t[0] === inputSize)) return new Flatten(base);
  throw new FormatError(`${what}: Reshape to ${show(t)} is not supported; only a reshape to one flat axis (a Flatten).`);
}

/**
 * Reads a Sequential topology into unbuilt layers (the first carries the input shape). Throws
 * FormatError naming the layer (index, class and name) and the key that is wrong.
 */
export function readTopology(topology: unknown, where: string): ReadTopology {
  const seq = sequentialConfig(topology, where);
  let inputShape: number[] | undefined = batchShape(seq.buildShape, `${where}: build_input_shape`);
  const layers: Layer[] = [];
  const names = new Set<string>();
  seq.layers.forEach((entry, i) => {
    if (!isObject(entry) || typeof entry.class_name !== "string") throw new FormatError(`${where}: layer ${i} must be { class_name, config }; received ${show(entry)}.`);
    const cls = entry.class_name, c = isObject(entry.config) ? entry.config : {};
    const name = typeof c.name === "string" && c.name ? c.name : `${cls.toLowerCase()}_${i}`;
    const what = `${where}: layer ${i} '${name}' (${cls})`;
    checkDtype(c, what);
    const shape = batchShape(c.batch_input_shape ?? c.batch_shape, `${what}: ${c.batch_input_shape !== undefined ? "batch_input_shape" : "batch_shape"}`)
      ?? (layers.length === 0 && isObject(entry.build_config) ? batchShape(entry.build_config.input_shape, `${what}: build_config.input_shape`) : undefined);
    if (cls === "InputLayer") {
      if (layers.length > 0) throw new FormatError(`${what}: an InputLayer must come first.`);
      if (!shape) throw new FormatError(`${what}: the InputLayer has no batch_input_shape or batch_shape.`);
      inputShape = shape;
      return;
    }
    if (names.has(name)) throw new FormatError(`${what}: two layers are named '${name}'; layer names must be unique.`);
    names.add(name);
    if (layers.length === 0 && shape) inputShape = shape;
    const base = { name }; // built by the loader (with the input shape, weights uninitialised)
    const factory = LAYERS[cls];
    if (!factory && cls !== "Reshape") throw new FormatError(`${what}: unknown layer class '${cls}'; simdnn reads ${[...Object.keys(LAYERS), "Reshape", "InputLayer"].join(", ")}.`);
    if (c.trainable !== undefined && typeof c.trainable !== "boolean") throw new FormatError(`${what}: trainable must be true or false; received ${show(c.trainable)}.`);
    try {
      const layer = factory ? factory(c, base, what, seq.keras3) : reshape(c, base, what, inputShape && layers.length === 0 ? inputShape.reduce((a, b) => a * b, 1) : undefined);
      if (c.trainable === false) layer.trainable = false; // a frozen layer stays frozen after a round trip (fine-tuning checkpoints)
      layers.push(layer);
    } catch (error) {
      if (error instanceof FormatError) throw error;
      throw new FormatError(`${what}: ${(error as Error).message}`, { cause: error });
    }
  });
  if (layers.length === 0) throw new FormatError(`${where}: the model has no layers.`);
  if (!inputShape) throw new FormatError(`${where}: no input shape: the first layer needs batch_input_shape (or batch_shape), or an InputLayer must come first.`);
  return { name: seq.name, inputShape, layers };
}

/** After build: an explicit axis index must be the last axis of the layer's input. */
export function checkAxes(layers: readonly Layer[], where: string): void {
  for (const l of layers) {
    const a = axisChecks.get(l);
    const axis = Array.isArray(a) ? a[0] : a;
    if (Number.isInteger(axis) && axis !== -1 && axis !== l.inputShape!.length) {
      throw new FormatError(`${where}: layer '${l.name}' (${l.className}) normalises over axis ${axis} of inputs [batch,${l.inputShape!.join(",")}]; only the last axis (${l.inputShape!.length} or −1) is supported.`);
    }
  }
}

// ---------------------------------------------------------------- writing

function regularizerJson(r: Regularizer | undefined): Json | null {
  return r ? { class_name: "L1L2", config: { l1: r.l1, l2: r.l2 } } : null;
}

/** A standalone layer computing `name` with its parameters: a tfjs layer where tfjs has one, else Activation "simdnn.<name>". */
function activationLayer(name: ActivationName, alpha: number, approximate: string | undefined, layerName: string): Json {
  if (name === "leakyRelu") return { class_name: "LeakyReLU", config: { name: layerName, alpha } };
  if (name === "elu") return { class_name: "ELU", config: { name: layerName, alpha } };
  if (name === "reluMax") return { class_name: "ReLU", config: { name: layerName, max_value: alpha } };
  const keras = kerasName(name, alpha, approximate);
  if (keras) return { class_name: "Activation", config: { name: layerName, activation: keras } };
  const params = name === "hardSigmoid" ? { alpha } : undefined;
  return { class_name: "Activation", config: { name: layerName, activation: `simdnn.${name}`, ...(params ? { activation_params: params } : {}) } };
}

const approximation = (kernel: string) => (kernel === "act_gelu_tanh" ? "tanh" : undefined);

/** The Keras config of one layer, possibly two layers (a Dense whose activation tfjs has only as a layer). */
function layerJson(l: Layer): Json[] {
  const name = l.name;
  if (l instanceof Dense) {
    const a = l.act, approx = approximation(a.kernel);
    const keras = kerasName(a.name, a.alpha, approx);
    const simdnnOnly = !keras && a.name !== "leakyRelu" && a.name !== "elu";
    const dense: Json = {
      class_name: "Dense",
      config: {
        name, trainable: l.trainable, dtype: "float32", units: l.units, activation: keras ?? (simdnnOnly ? `simdnn.${a.name}` : "linear"), use_bias: l.useBias,
        ...(simdnnOnly && a.name === "hardSigmoid" ? { activation_params: { alpha: a.alpha } } : {}),
        kernel_regularizer: regularizerJson(l.kernel.regularizer), bias_regularizer: regularizerJson(l.bias?.regularizer),
      },
    };
    return keras || simdnnOnly ? [dense] : [dense, activationLayer(a.name, a.alpha, approx, `${name}_${a.name === "elu" ? "elu" : "leaky_re_lu"}`)];
  }
  if (l instanceof Softmax) return [{ class_name: "Softmax", config: { name, axis: -1 } }];
  if (l instanceof ReLU) return [{ class_name: "ReLU", config: { name, max_value: l.maxValue } }];
  if (l instanceof LeakyReLU) return [{ class_name: "LeakyReLU", config: { name, alpha: l.alpha } }];
  if (l instanceof ELU) return [{ class_name: "ELU", config: { name, alpha: l.alpha } }];
  if (l instanceof Activation) {
    const a = l.act;
    return [activationLayer(a.name, a.alpha, approximation(a.kernel), name)];
  }
  if (l instanceof Dropout) return [{ class_name: "Dropout", config: { name, rate: l.rate, noise_shape: null, seed: null } }];
  if (l instanceof Flatten) return [{ class_name: "Flatten", config: { name } }];
  if (l instanceof PReLU) return [{ class_name: "PReLU", config: { name, shared_axes: l.sharedAxes ?? null, alpha_regularizer: regularizerJson(l.alpha.regularizer) } }];
  if (l instanceof BatchNormalization) {
    return [{ class_name: "BatchNormalization", config: { name, axis: -1, momentum: l.momentum, epsilon: l.epsilon, center: l.center, scale: l.scale, gamma_regularizer: regularizerJson(l.gamma?.regularizer), beta_regularizer: regularizerJson(l.beta?.regularizer) } }];
  }
  if (l instanceof LayerNormalization) return [{ class_name: "LayerNormalization", config: { name, axis: -1, epsilon: l.epsilon, center: l.center, scale: l.scale } }];
  throw new FormatError(`Layer '${name}' (${l.className}) has no Keras form to save.`);
}

/** The model as tfjs-layers writes it: `{ class_name: 'Sequential', config: { name, layers } , keras_version, backend }`. */
export function writeTopology(model: Sequential): Json {
  // every layer says whether it is trainable, as tfjs and Keras write it (name first, then trainable)
  const layers = model.layers.flatMap((l) => layerJson(l).map((j): Json => ({ ...j, config: { name: (j.config as Json).name, trainable: l.trainable, ...(j.config as Json) } })));
  const first = layers[0].config as Json;
  layers[0] = { ...layers[0], config: { batch_input_shape: [null, ...model.inputShape!], ...first } };
  return { class_name: "Sequential", config: { name: model.name, layers }, keras_version: "tfjs-layers 4.22.0", backend: "tensor_flow.js" };
}
