// PyTorch state_dicts (and Keras-named weight sets) into a simdnn Sequential built in code, and back.
// A torch state_dict has no topology, so modules pair with simdnn's weight-bearing layers by order,
// and the layer's class (not the tensor's shape) decides how each parameter maps: a Linear weight is
// [out, in] by definition and is always transposed into Dense's [in, out] kernel, square or not.
import { FormatError, show, showShape, ValueError } from "../errors.js";
import type { Layer, Weight } from "../model/layer.js";
import type { Sequential } from "../model/sequential.js";
import { writeSafetensors } from "./safetensors.js";

/** 'torch': `<module>.weight` names and PyTorch shapes; 'keras': `<layer>/<weight>` names and simdnn's own shapes. */
export type StateDictLayout = "torch" | "keras";

/** One named tensor: readSafetensors' entries, `{ data, shape }` records and simdnn Tensors all fit. */
export type StateDictTensor = Readonly<{ shape: readonly number[]; data: Float32Array }>;

export interface LoadStateDictOptions {
  /** Refuse missing and unexpected keys (listing them). Default true, as torch's load_state_dict. */
  strict?: boolean;
  /** Default 'torch'. */
  layout?: StateDictLayout;
  /**
   * torch layout: the module prefixes (`"0"`, `"net.2"`) in model order. Default: every prefix holding a
   * weight, bias or running statistic, numeric parts in numeric order (nn.Sequential's order).
   */
  modules?: readonly string[];
}

/** What was loaded, and (with strict: false) what was skipped, as torch's load_state_dict reports. */
export interface LoadStateDictResult {
  loaded: string[];
  missingKeys: string[];
  unexpectedKeys: string[];
}

/** PyTorch's name for each simdnn weight (snake_case, Keras' spelling), per simdnn layer class. */
const TORCH_NAMES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  Dense: { kernel: "weight", bias: "bias" },
  BatchNormalization: { gamma: "weight", beta: "bias", moving_mean: "running_mean", moving_variance: "running_var" },
  LayerNormalization: { gamma: "weight", beta: "bias" },
  PReLU: { alpha: "weight" },
};
/** Buffers torch saves that simdnn has no use for (BatchNorm's step counter). */
const TORCH_IGNORED = new Set(["num_batches_tracked"]);
/** Parameter names that make a prefix a weight-bearing module. */
const TORCH_PARAMS = new Set(["weight", "bias", "running_mean", "running_var"]);

/** movingMean → moving_mean: simdnn's weight names in Keras' spelling. */
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const size = (shape: readonly number[]) => shape.reduce((a, d) => a * d, 1);
const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((d, i) => d === b[i]);

function weightLayers(model: Sequential, what: string): Layer[] {
  if (model === null || typeof model !== "object" || !Array.isArray(model.layers) || typeof model.snapshot !== "function") {
    throw new ValueError(`${what} expects a Sequential model; received ${show(model)}.`);
  }
  if (model.isDisposed) throw new ValueError(`${what}: model '${model.name}' was used after dispose().`);
  if (model.inputShape === null) throw new ValueError(`${what}: model '${model.name}' has no weights yet; give its first layer an inputShape or call model.build(shape) first.`);
  const layers = model.layers.filter((l) => l.weights.length > 0);
  for (const l of layers) {
    if (!TORCH_NAMES[l.className]) throw new ValueError(`${what}: layer '${l.name}' (${l.className}) has weights but no state-dict mapping; supported: ${Object.keys(TORCH_NAMES).join(", ")}.`);
  }
  return layers;
}

/** Prefix order: numeric parts numerically and before named ones, named parts as strings (a total order). */
function moduleOrder(a: string, b: string): number {
  const x = a.split("."), y = b.split(".");
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] === y[i]) continue;
    const nx = /^\d+$/.test(x[i]), ny = /^\d+$/.test(y[i]);
    if (nx !== ny) return nx ? -1 : 1;
    if (nx && Number(x[i]) !== Number(y[i])) return Number(x[i]) - Number(y[i]);
    return x[i] < y[i] ? -1 : 1;
  }
  return x.length - y.length;
}

const splitKey = (key: string): [string, string] => {
  const dot = key.lastIndexOf(".");
  return dot < 0 ? ["", key] : [key.slice(0, dot), key.slice(dot + 1)];
};

/** A torch tensor in the layout of simdnn weight `w` of `layer`, or a FormatError naming both sides. */
function fromTorch(layer: Layer, w: Weight, key: string, t: StateDictTensor): Float32Array {
  const at = `'${key}' ${showShape(t.shape)} → layer '${layer.name}' ${w.name} ${showShape(w.shape)}`;
  const data = t.data; // once: a Tensor's data is a getter
  if (layer.className === "Dense" && w.name === "kernel") {
    const [inputs, units] = w.shape;
    if (same(t.shape, [units, inputs])) {
      const out = new Float32Array(w.size);
      for (let o = 0; o < units; o++) for (let i = 0; i < inputs; i++) out[i * units + o] = data[o * inputs + i];
      return out;
    }
    const why = same(t.shape, [inputs, units]) ? "it fits only untransposed, which is Keras' [in, out] layout, but" : "the shapes differ:";
    const hint = same(t.shape, [inputs, units]) ? " (use layout: 'keras' for Keras-layout files)" : "";
    throw new FormatError(`loadStateDict: ${at}: ${why} a PyTorch Linear weight is [out, in] = ${showShape([units, inputs])}${hint}.`);
  }
  if (layer.className === "PReLU") {
    // torch's PReLU weight is [1] (one shared alpha) or [C], broadcast along simdnn's channel (last) axis
    if (same(t.shape, w.shape)) return data.slice();
    const c = t.shape.length === 1 ? t.shape[0] : -1;
    if (c === 1 || (c > 0 && w.shape[w.shape.length - 1] === c)) return Float32Array.from({ length: w.size }, (_, j) => data[j % c]);
    throw new FormatError(`loadStateDict: ${at}: a PReLU weight must be [1], [${w.shape[w.shape.length - 1]}] or ${showShape(w.shape)}.`);
  }
  if (!same(t.shape, w.shape)) throw new FormatError(`loadStateDict: ${at}: the shapes differ; expected ${showShape(w.shape)}.`);
  return data.slice();
}

interface Planned {
  writes: Map<Layer, Map<Weight, Float32Array>>;
  loaded: string[];
  missingKeys: string[];
  unexpectedKeys: string[];
  pairing: string;
}

function planTorch(layers: Layer[], tensors: Readonly<Record<string, StateDictTensor>>, order: readonly string[] | undefined): Planned {
  const plan: Planned = { writes: new Map(), loaded: [], missingKeys: [], unexpectedKeys: [], pairing: "" };
  const byModule = new Map<string, Map<string, string>>();
  for (const key of Object.keys(tensors)) {
    const [prefix, param] = splitKey(key);
    if (!byModule.has(prefix)) byModule.set(prefix, new Map());
    byModule.get(prefix)!.set(param, key);
  }
  const found = [...byModule.keys()].filter((p) => [...byModule.get(p)!.keys()].some((k) => TORCH_PARAMS.has(k)));
  if (order !== undefined) {
    if (!Array.isArray(order) || !order.every((p) => typeof p === "string" && byModule.has(p)) || new Set(order).size !== order.length) {
      throw new ValueError(`loadStateDict modules must list distinct prefixes present in the state dict (${found.map(show).join(", ")}); received ${show(order)}.`);
    }
  }
  const modules = order ? [...order] : found.sort(moduleOrder);
  const claimed = new Set<string>();
  const pairs: string[] = [];
  layers.forEach((layer, i) => {
    const prefix = modules[i];
    const params = prefix === undefined ? undefined : byModule.get(prefix)!;
    if (prefix !== undefined) pairs.push(`${prefix || "(root)"} → ${layer.name}`);
    for (const w of layer.weights) {
      const param = TORCH_NAMES[layer.className][snake(w.name)];
      const key = params?.get(param);
      if (key === undefined || param === undefined) {
        plan.missingKeys.push(prefix === undefined ? `${layer.name}/${w.name} (no module left to pair with)` : `${prefix ? `${prefix}.` : ""}${param ?? w.name}`);
        continue;
      }
      claimed.add(key);
      const values = fromTorch(layer, w, key, tensors[key]);
      if (!plan.writes.has(layer)) plan.writes.set(layer, new Map());
      plan.writes.get(layer)!.set(w, values);
      plan.loaded.push(key);
    }
    for (const [param, key] of params ?? []) if (TORCH_IGNORED.has(param) && layer.className === "BatchNormalization") claimed.add(key);
  });
  plan.unexpectedKeys = Object.keys(tensors).filter((k) => !claimed.has(k));
  plan.pairing = `modules paired in order: ${pairs.join(", ") || "none"}${modules.length > layers.length ? `; modules left over: ${modules.slice(layers.length).join(", ")}` : ""}`;
  return plan;
}

function planKeras(layers: Layer[], tensors: Readonly<Record<string, StateDictTensor>>): Planned {
  const plan: Planned = { writes: new Map(), loaded: [], missingKeys: [], unexpectedKeys: [], pairing: "weights matched by name" };
  const claimed = new Set<string>();
  for (const layer of layers) {
    for (const w of layer.weights) {
      const key = [`${layer.name}/${snake(w.name)}`, `${layer.name}/${w.name}`].find((k) => Object.hasOwn(tensors, k));
      if (key === undefined) {
        plan.missingKeys.push(`${layer.name}/${snake(w.name)}`);
        continue;
      }
      const t = tensors[key];
      if (!same(t.shape, w.shape)) {
        const hint = layer.className === "Dense" && w.name === "kernel" && same(t.shape, [...w.shape].reverse()) ? " (this is PyTorch's [out, in] layout: use layout: 'torch')" : "";
        throw new FormatError(`loadStateDict: '${key}' ${showShape(t.shape)} → layer '${layer.name}' ${w.name}: expected ${showShape(w.shape)}${hint}.`);
      }
      claimed.add(key);
      if (!plan.writes.has(layer)) plan.writes.set(layer, new Map());
      plan.writes.get(layer)!.set(w, t.data.slice());
      plan.loaded.push(key);
    }
  }
  plan.unexpectedKeys = Object.keys(tensors).filter((k) => !claimed.has(k));
  return plan;
}

function checkTensors(tensors: unknown): asserts tensors is Readonly<Record<string, StateDictTensor>> {
  if (tensors === null || typeof tensors !== "object" || Array.isArray(tensors)) throw new ValueError(`loadStateDict expects tensors by name (readSafetensors(bytes).tensors); received ${show(tensors)}.`);
  for (const [key, t] of Object.entries(tensors)) {
    const ok = t !== null && typeof t === "object" && t.data instanceof Float32Array && Array.isArray(t.shape) && t.shape.every((d: unknown) => Number.isInteger(d) && (d as number) >= 0) && size(t.shape) === t.data.length;
    if (!ok) throw new ValueError(`loadStateDict: '${key}' must be { data: Float32Array, shape } with data.length = the shape's size; received ${show(t)}.`);
  }
}

/**
 * Loads a PyTorch `nn.Sequential` state_dict (`0.weight`, `net.2.running_mean`…, e.g. from
 * readSafetensors(bytes).tensors) into a built model: Linear → dense (weight transposed to the kernel),
 * BatchNorm1d → batchNormalization (running_mean/var → moving statistics), LayerNorm →
 * layerNormalization, PReLU → prelu (a [1] or [C] weight broadcast to alpha). With layout 'keras',
 * `<layer>/<weight>` keys load by name. Everything is checked before anything is written: a failure
 * (FormatError naming the key and both shapes, or the missing and unexpected keys when strict)
 * leaves the model unchanged.
 */
export function loadStateDict(model: Sequential, tensors: Readonly<Record<string, StateDictTensor>>, options: LoadStateDictOptions = {}): LoadStateDictResult {
  const layers = weightLayers(model, "loadStateDict");
  checkTensors(tensors);
  if (options === null || typeof options !== "object") throw new ValueError(`loadStateDict options must be an object; received ${show(options)}.`);
  const unknown = Object.keys(options).filter((k) => !["strict", "layout", "modules"].includes(k));
  if (unknown.length) throw new ValueError(`loadStateDict has no option ${unknown.map(show).join(", ")}; it accepts: strict, layout, modules.`);
  const { strict = true, layout = "torch" } = options;
  if (typeof strict !== "boolean") throw new ValueError(`loadStateDict strict must be a boolean; received ${show(strict)}.`);
  if (layout !== "torch" && layout !== "keras") throw new ValueError(`loadStateDict layout must be 'torch' or 'keras'; received ${show(layout)}.`);
  if (layout === "keras" && options.modules !== undefined) throw new ValueError("loadStateDict modules applies to layout 'torch' only; Keras-named weights load by name.");
  const plan = layout === "torch" ? planTorch(layers, tensors, options.modules) : planKeras(layers, tensors);
  if (strict && (plan.missingKeys.length || plan.unexpectedKeys.length)) {
    const hint = layout === "torch" && Object.keys(tensors).some((k) => k.includes("/")) ? " The keys look Keras-named (layer/weight): pass layout: 'keras'." : "";
    throw new FormatError(
      `loadStateDict: the ${layout} state dict does not fit model '${model.name}' (${plan.pairing}). Missing: ${plan.missingKeys.join(", ") || "none"}. ` +
        `Unexpected: ${plan.unexpectedKeys.join(", ") || "none"}.${hint} Pass strict: false to load what fits.`,
    );
  }
  for (const [layer, values] of plan.writes) {
    for (const [w, v] of values) {
      const bad = v.findIndex((x) => Number.isNaN(x));
      if (bad >= 0) throw new FormatError(`loadStateDict: the value for layer '${layer.name}' ${w.name} is NaN at flat index ${bad}.`);
    }
  }
  const snapshot = model.snapshot();
  try {
    for (const [layer, values] of plan.writes) {
      // a layer is set whole: weights the dict does not give (strict: false) keep their values
      const current = layer.getWeights();
      const arrays = layer.weights.map((w, i) => values.get(w) ?? current[i].data.slice());
      current.forEach((t) => t.dispose());
      layer.setWeights(arrays);
    }
  } catch (error) {
    model.restore(snapshot);
    throw error;
  }
  return { loaded: plan.loaded, missingKeys: plan.missingKeys, unexpectedKeys: plan.unexpectedKeys };
}

/**
 * The model's weights as a state dict. 'keras': `<layer>/<weight>` (moving_mean…) in simdnn's shapes.
 * 'torch': `<layer index>.weight` etc. in PyTorch's shapes (Dense kernels transposed to [out, in]),
 * indices being positions in model.layers; loadStateDict reads either back.
 */
export function modelStateDict(model: Sequential, layout: StateDictLayout = "torch"): Record<string, { data: Float32Array; shape: number[] }> {
  const layers = weightLayers(model, "modelStateDict");
  if (layout !== "torch" && layout !== "keras") throw new ValueError(`modelStateDict layout must be 'torch' or 'keras'; received ${show(layout)}.`);
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const layer of layers) {
    const index = model.layers.indexOf(layer);
    const values = layer.getWeights();
    layer.weights.forEach((w, j) => {
      let data = values[j].data.slice(), shape = [...w.shape];
      if (layout === "torch" && layer.className === "Dense" && w.name === "kernel") {
        const [inputs, units] = w.shape, t = new Float32Array(w.size);
        for (let i = 0; i < inputs; i++) for (let o = 0; o < units; o++) t[o * inputs + i] = data[i * units + o];
        [data, shape] = [t, [units, inputs]];
      }
      const key = layout === "torch" ? `${index}.${TORCH_NAMES[layer.className][snake(w.name)]}` : `${layer.name}/${snake(w.name)}`;
      Object.defineProperty(out, key, { value: { data, shape }, enumerable: true, writable: true, configurable: true });
    });
    values.forEach((t) => t.dispose());
  }
  return out;
}

/** modelStateDict written as safetensors (torch layout adds HF's `format: "pt"` metadata). */
export function modelToSafetensors(model: Sequential, options: { layout?: StateDictLayout; metadata?: Readonly<Record<string, string>> } = {}): Uint8Array {
  const layout = options.layout ?? "torch";
  const base: Record<string, string> = layout === "torch" ? { format: "pt" } : {};
  return writeSafetensors(modelStateDict(model, layout), { ...base, ...options.metadata });
}
