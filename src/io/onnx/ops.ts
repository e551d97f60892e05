// One ONNX operator on the layer chain → one Keras layer (or an activation folded into the Dense
// before it, or nothing for Identity/Dropout/a no-op Flatten). Each handler checks every attribute and
// constant it relies on and refuses, naming the node, whatever it cannot import exactly.
import type { Chain } from "./chain.js";
import type { OnnxNode } from "./model.js";

type Handler = (c: Chain, n: OnnxNode) => void;

/** Where the last Dense ends, so that a following Add of a constant becomes its bias. */
const denseEnds = new WeakMap<Chain, { value: string; layer: { config: Record<string, unknown> }; units: number }>();

const f32 = Math.fround;
const MAX_BROADCAST = 2 ** 20;

/** A [units] bias from a constant of shape [], [1], [units] or [1, units] (numpy broadcasting on a row). */
function rowVector(c: Chain, n: OnnxNode, name: string, units: number, scale = 1): Float32Array {
  const v = c.weight(name, n);
  const dims = v.dims.filter((d, i) => !(d === 1 && i < v.dims.length - 1));
  if (v.values.length !== 1 && (dims.length !== 1 || dims[0] !== units)) c.fail(n, `'${name}' has shape [${v.dims.join(",")}]; expected [${units}] (one value per output feature) or one number.`);
  // A single number is broadcast: bounded, since `units` comes from shapes the file claims, not from bytes present.
  if (v.values.length === 1 && units > MAX_BROADCAST) c.fail(n, `'${name}' is one number to broadcast over ${units} features; more than ${MAX_BROADCAST} is refused.`);
  const out = new Float32Array(units);
  for (let i = 0; i < units; i++) out[i] = v.values[v.values.length === 1 ? 0 : i] * scale;
  return out;
}

/** Emits Dense(kernel [in, out]) on the chain; `bias` may come later from an Add. */
function dense(c: Chain, n: OnnxNode, kernel: Float32Array, inF: number, units: number, bias?: Float32Array): void {
  if (c.features !== inF) c.fail(n, `its weight expects ${inF} input features; the chain has shape [batch,${c.shape.join(",")}].`);
  const weights: [string, number[], Float32Array][] = [["kernel", [inF, units], kernel]];
  if (bias) weights.push(["bias", [units], bias]);
  const layer = c.emit("Dense", { units, activation: "linear", use_bias: bias !== undefined }, weights);
  c.shape = [...c.shape.slice(0, -1), units];
  if (!bias) denseEnds.set(c, { value: c.cur, layer, units });
}

/** [rows, cols] → [cols, rows] in 32 × 32 tiles (a plain loop strides through memory on one side: 3× slower at 784 × 512). */
function transpose(values: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const a = values instanceof Float32Array ? values : Float32Array.from(values); // one element type: V8 keeps the loop monomorphic
  const t = new Float32Array(rows * cols);
  for (let r0 = 0; r0 < rows; r0 += 32) {
    for (let c0 = 0; c0 < cols; c0 += 32) {
      const r1 = Math.min(r0 + 32, rows), c1 = Math.min(c0 + 32, cols);
      for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) t[c * rows + r] = a[r * cols + c];
    }
  }
  return t;
}

function gemm(c: Chain, n: OnnxNode): void {
  if (c.attrInt(n, "transA", 0) !== 0) c.fail(n, "transA = 1 (the input transposed) is not a Dense layer.");
  if (c.shape.length !== 1) c.fail(n, `Gemm needs a [batch, features] input; the chain has shape [batch,${c.shape.join(",")}].`);
  const transB = c.attrInt(n, "transB", 0) !== 0, alpha = c.attrFloat(n, "alpha", 1), beta = c.attrFloat(n, "beta", 1);
  const w = c.weight(n.input[1], n);
  if (w.dims.length !== 2) c.fail(n, `weight '${n.input[1]}' has shape [${w.dims.join(",")}]; expected a matrix.`);
  const [inF, units] = transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]];
  // alpha·A·B + beta·C: alpha folds into the kernel, beta into the bias (in float64, then rounded once).
  const kernel = transB ? transpose(w.values, units, inF) : new Float32Array(w.values);
  if (alpha !== 1) for (let i = 0; i < kernel.length; i++) kernel[i] = alpha * kernel[i];
  const bias = n.input[2] ? rowVector(c, n, n.input[2], units, beta) : undefined;
  c.advance(n);
  dense(c, n, kernel, inF, units, bias);
}

function matMul(c: Chain, n: OnnxNode): void {
  if (n.input[1] === c.cur) c.fail(n, `the chain's value is the right operand (weight @ x); only x @ weight is a Dense layer.`);
  const w = c.weight(n.input[1], n);
  if (w.dims.length !== 2) c.fail(n, `weight '${n.input[1]}' has shape [${w.dims.join(",")}]; expected a matrix [in, out].`);
  c.advance(n);
  dense(c, n, new Float32Array(w.values), w.dims[0], w.dims[1]);
}

/** Add of a constant right after a Dense without bias (MatMul + Add, either operand order) → its bias. */
function add(c: Chain, n: OnnxNode): void {
  const end = denseEnds.get(c);
  const data = n.input.indexOf(c.cur);
  if (!end || end.value !== c.cur || data < 0 || n.input.length !== 2) c.fail(n, "an Add that is not the bias of a MatMul right before it is not supported.");
  const bias = rowVector(c, n, n.input[1 - data], end.units);
  c.advance(n, data);
  end.layer.config.use_bias = true;
  const name = end.layer.config.name as string;
  const at = c.weights.findIndex((w) => w.name === `${name}/kernel`);
  c.weights.splice(at + 1, 0, { name: `${name}/bias`, shape: [end.units], values: bias });
  denseEnds.delete(c);
}

/** The last axis of the chain's value, in ONNX's counting (batch included), given an axis attribute. */
function isLastAxis(c: Chain, axis: number): boolean {
  const rank = c.shape.length + 1;
  return (axis < 0 ? axis + rank : axis) === rank - 1;
}

function softmax(activation: string): Handler {
  return (c, n) => {
    // Before opset 13, Softmax flattened to 2-D at `axis` (default 1): the same only on a [batch, F] input.
    const axis = c.attrInt(n, "axis", c.opset >= 13 ? -1 : 1);
    if (!isLastAxis(c, axis) || (c.opset < 13 && c.shape.length !== 1)) c.fail(n, `axis ${axis} on shape [batch,${c.shape.join(",")}]; only the last axis is supported.`);
    c.advance(n);
    c.activation(activation);
  };
}

function simple(activation: string): Handler {
  return (c, n) => {
    c.advance(n);
    c.activation(activation);
  };
}

/** Clip min/max: attributes before opset 11, optional constant inputs since. */
function clip(c: Chain, n: OnnxNode): void {
  const bound = (i: number, attr: string, dflt: number): number =>
    c.opset < 11 ? c.attrFloat(n, attr, dflt) : n.input[i] ? c.scalar(n.input[i], n) : dflt;
  const lo = bound(1, "min", -Infinity), hi = bound(2, "max", Infinity);
  if (lo !== 0 || !(hi >= 0)) c.fail(n, `Clip(min ${lo}, max ${hi}) is not supported; Clip(0, max ≥ 0) is a ReLU clipped at max (relu6 for 6), Clip(0) is relu.`);
  c.advance(n);
  if (hi === 6 || hi === Infinity) c.activation(hi === 6 ? "relu6" : "relu");
  else c.emit("ReLU", { max_value: hi }); // Keras' ReLU layer with max_value: reluMax
}

function flatten(c: Chain, n: OnnxNode): void {
  const axis = c.attrInt(n, "axis", 1);
  if (axis !== 1) c.fail(n, `Flatten axis ${axis}; only axis 1 (keep the batch axis) is supported.`);
  c.advance(n);
  if (c.shape.length > 1) c.emit("Flatten", {});
  c.shape = [c.shape.reduce((a, b) => a * b, 1)];
}

/**
 * Reshape to [0, −1] / [−1, F] / [0, F] is a Flatten, and so is [B, −1] when the graph's batch size is
 * fixed at B (an export without a dynamic axis); anything else is refused.
 */
function reshape(c: Chain, n: OnnxNode): void {
  const t = Array.from(c.constant(n.input[1], n).values);
  const size = c.shape.reduce((a, b) => a * b, 1);
  const ok = t.length === 2 && (t[1] === -1 || t[1] === size) && (t[0] === 0 || t[0] === c.batch || (t[0] === -1 && t[1] === size));
  if (!ok) c.fail(n, `Reshape to [${t.join(",")}] from [batch,${c.shape.join(",")}]; only a flattening reshape ([0,-1], [-1,${size}]) is supported.`);
  c.advance(n);
  if (c.shape.length > 1) c.emit("Flatten", {});
  c.shape = [size];
}

function prelu(c: Chain, n: OnnxNode): void {
  if (c.shape.length !== 1) c.fail(n, `PRelu on shape [batch,${c.shape.join(",")}]; only [batch, features] is supported.`);
  const alpha = rowVector(c, n, n.input[1], c.features);
  c.advance(n);
  c.emit("PReLU", { shared_axes: null }, [["alpha", [c.features], alpha]]);
}

function batchNorm(c: Chain, n: OnnxNode): void {
  if (c.shape.length !== 1) c.fail(n, `BatchNormalization on shape [batch,${c.shape.join(",")}] normalises axis 1; only [batch, features] inputs are supported.`);
  if (c.attrInt(n, "training_mode", 0) !== 0) c.fail(n, "training_mode = 1; export the model in eval mode.");
  const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => rowVector(c, n, n.input[i], c.features));
  c.advance(n);
  c.emit("BatchNormalization", { axis: -1, momentum: f32(c.attrFloat(n, "momentum", 0.9)), epsilon: c.attrFloat(n, "epsilon", 1e-5), center: true, scale: true },
    [["gamma", [c.features], gamma], ["beta", [c.features], beta], ["moving_mean", [c.features], mean], ["moving_variance", [c.features], variance]]);
}

function layerNorm(c: Chain, n: OnnxNode): void {
  const axis = c.attrInt(n, "axis", -1);
  if (!isLastAxis(c, axis)) c.fail(n, `axis ${axis} on shape [batch,${c.shape.join(",")}]; only the last axis is supported.`);
  const gamma = rowVector(c, n, n.input[1], c.features);
  const beta = n.input[2] ? rowVector(c, n, n.input[2], c.features) : undefined;
  c.advance(n);
  emitLayerNorm(c, c.attrFloat(n, "epsilon", 1e-5), gamma, beta);
}

export function emitLayerNorm(c: Chain, epsilon: number, gamma: Float32Array | undefined, beta: Float32Array | undefined): void {
  const weights: [string, number[], Float32Array][] = [];
  if (gamma) weights.push(["gamma", [c.features], gamma]);
  if (beta) weights.push(["beta", [c.features], beta]);
  c.emit("LayerNormalization", { axis: -1, epsilon, center: beta !== undefined, scale: gamma !== undefined }, weights);
}

// SELU's constants as ONNX defines them (float32).
const SELU_ALPHA = f32(1.67326319217681884765625), SELU_GAMMA = f32(1.05070102214813232421875);

export const OPS: Record<string, Handler> = {
  Gemm: gemm,
  MatMul: matMul,
  Add: add,
  Relu: simple("relu"),
  Sigmoid: simple("sigmoid"),
  Tanh: simple("tanh"),
  Softplus: simple("softplus"),
  Softsign: simple("softsign"),
  HardSwish: simple("simdnn.hardSwish"),
  Softmax: softmax("softmax"),
  LogSoftmax: softmax("log_softmax"),
  Clip: clip,
  Flatten: flatten,
  Reshape: reshape,
  PRelu: prelu,
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  Identity: (c, n) => void c.advance(n),
  Dropout: (c, n) => void c.advance(n),
  LeakyRelu: (c, n) => {
    c.advance(n);
    c.emit("LeakyReLU", { alpha: c.attrFloat(n, "alpha", 0.01) });
  },
  Elu: (c, n) => {
    c.advance(n);
    c.emit("ELU", { alpha: c.attrFloat(n, "alpha", 1) });
  },
  Selu: (c, n) => {
    const alpha = c.attrFloat(n, "alpha", SELU_ALPHA), gamma = c.attrFloat(n, "gamma", SELU_GAMMA);
    if (f32(alpha) !== SELU_ALPHA || f32(gamma) !== SELU_GAMMA) c.fail(n, `Selu(alpha ${alpha}, gamma ${gamma}); only the standard constants (${SELU_ALPHA}, ${SELU_GAMMA}) are supported.`);
    simple("selu")(c, n);
  },
  HardSigmoid: (c, n) => {
    const alpha = c.attrFloat(n, "alpha", 0.2), beta = c.attrFloat(n, "beta", 0.5);
    if (f32(beta) !== 0.5) c.fail(n, `HardSigmoid beta ${beta}; only 0.5 is supported.`);
    c.advance(n);
    if (f32(alpha) === f32(0.2)) c.activation("hard_sigmoid");
    else c.activation("simdnn.hardSigmoid", { alpha });
  },
  Gelu: (c, n) => {
    const approximate = c.attr(n, "approximate")?.s ?? "none";
    if (approximate !== "none" && approximate !== "tanh") c.fail(n, `approximate ${JSON.stringify(approximate)}; expected "none" or "tanh".`);
    simple(approximate === "tanh" ? "gelu_new" : "gelu")(c, n);
  },
};
