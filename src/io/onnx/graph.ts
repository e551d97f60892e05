// Walks an ONNX graph from its one input to its one output, turning each operator (or each
// decomposition, at a fork) into Keras layers. Anything off the chain, any second input or output,
// and any operator outside ops.ts is refused with the node named.
import { Chain } from "./chain.js";
import { FLOAT, INT64, type OnnxModel, type OnnxNode } from "./model.js";
import { OPS } from "./ops.js";
import { decomposition } from "./patterns.js";
import { type ExternalData, type TensorValues, tensorValues } from "./values.js";
import { FormatError } from "../../errors.js";

/** Values per sample beyond this are not an MLP's input (and would make Flatten's size overflow). */
const MAX_SAMPLE = 2 ** 26;

/** The opset of the default domain ("" or "ai.onnx"). */
export function defaultOpset(model: OnnxModel, where: string): number {
  const o = model.opsets.find((s) => s.domain === "" || s.domain === "ai.onnx");
  if (!o || o.version < 1) throw new FormatError(`${where}: no opset_import for the default ONNX domain; expected e.g. { domain: "", version: 17 }.`);
  return o.version;
}

/** The one graph input that is not an initializer, and its per-sample shape (the batch axis may be symbolic). */
function graphInput(model: OnnxModel, where: string): { name: string; shape: number[]; batch: number | null } {
  const g = model.graph!;
  const inits = new Set(g.initializer.map((t) => t.name));
  const inputs = g.input.filter((i) => !inits.has(i.name));
  if (inputs.length !== 1) throw new FormatError(`${where}: the graph has ${inputs.length} inputs (${inputs.map((i) => `'${i.name}'`).join(", ")}); a chain of layers has exactly one.`);
  if (g.output.length !== 1) throw new FormatError(`${where}: the graph has ${g.output.length} outputs; a chain of layers has exactly one.`);
  const { name, shape, elemType } = inputs[0];
  if (elemType !== undefined && elemType !== FLOAT) throw new FormatError(`${where}: input '${name}' has element type ${elemType}; expected float32 (1).`);
  const dims = shape?.slice(1) ?? [];
  if (!shape || shape.length < 2 || !dims.every((d) => typeof d === "number" && Number.isInteger(d) && d > 0 && d <= 1 << 24)) {
    throw new FormatError(`${where}: input '${name}' has shape ${JSON.stringify(shape ?? "unknown")}; expected [batch, ...known positive sizes].`);
  }
  if ((dims as number[]).reduce((a, b) => a * b, 1) > MAX_SAMPLE) throw new FormatError(`${where}: input '${name}' has shape ${JSON.stringify(shape)}: more than ${MAX_SAMPLE} values per sample.`);
  return { name, shape: dims as number[], batch: typeof shape[0] === "number" ? shape[0] : null };
}

function transpose(v: TensorValues, perm: readonly number[], n: OnnxNode, where: string): TensorValues {
  if (v.dims.length !== 2 || (perm.length > 0 && (perm[0] !== 1 || perm[1] !== 0))) {
    throw new FormatError(`${where}: ${Chain.label(n)}: only a 2-D transpose of a constant is supported; received dims [${v.dims.join(",")}], perm [${perm.join(",")}].`);
  }
  const [r, k] = v.dims;
  const out = v.values instanceof Float32Array ? new Float32Array(r * k) : new Float64Array(r * k);
  for (let i = 0; i < r; i++) for (let j = 0; j < k; j++) out[j * r + i] = v.values[i * k + j];
  return { dims: [k, r], dataType: v.dataType, values: out };
}

/** Constant nodes, and Transpose/Identity of constants (weights the dynamo exporter transposes), become constants. */
function foldConstants(c: Chain, where: string): void {
  for (const n of c.model.graph!.node) {
    const out = n.output[0];
    if (!out) continue;
    if (n.opType === "Constant" && (n.domain === "" || n.domain === "ai.onnx")) {
      const a = [...n.attribute.values()][0];
      const what = `${where}: ${Chain.label(n)}`;
      if (!a) throw new FormatError(`${what}: a Constant without a value.`);
      if (a.name === "value" && a.t) c.defineConst(out, () => tensorValues(a.t!, c.external, what));
      else if (a.name === "value_float") c.defineConst(out, () => ({ dims: [], dataType: FLOAT, values: Float32Array.of(a.f ?? 0) }));
      else if (a.name === "value_floats") c.defineConst(out, () => ({ dims: [a.floats.length], dataType: FLOAT, values: Float32Array.from(a.floats) }));
      else if (a.name === "value_int") c.defineConst(out, () => ({ dims: [], dataType: INT64, values: Float64Array.of(a.i ?? 0) }));
      else if (a.name === "value_ints") c.defineConst(out, () => ({ dims: [a.ints.length], dataType: INT64, values: Float64Array.from(a.ints) }));
      else throw new FormatError(`${what}: Constant attribute '${a.name}' is not supported.`);
      c.done.add(n);
    } else if ((n.opType === "Transpose" || n.opType === "Identity") && n.input.length === 1 && c.isConst(n.input[0])) {
      const src = n.input[0];
      c.defineConst(out, () => (n.opType === "Identity" ? c.constant(src, n) : transpose(c.constant(src, n), c.attr(n, "perm")?.ints ?? [], n, where)));
      c.done.add(n);
    }
  }
}

/** Turns the model's graph into layers on a Chain (see chain.ts); throws FormatError naming the node. */
export function graphToChain(model: OnnxModel, where: string, external: ExternalData | undefined): { chain: Chain; inputShape: number[] } {
  const opset = defaultOpset(model, where);
  const input = graphInput(model, where);
  const c = new Chain(model, where, external, input.name, input.shape, opset);
  c.batch = input.batch;
  foldConstants(c, where);
  const nodes = model.graph!.node;
  for (let steps = 0; ; steps++) {
    if (steps > nodes.length + 1) throw new FormatError(`${where}: the graph has a cycle through '${c.cur}'.`);
    const u = c.uses(c.cur);
    if (u.output) {
      if (u.nodes.length > 0) c.fail(u.nodes[0], `reads '${c.cur}', which is also the graph's output: the graph is not a chain of layers.`);
      break;
    }
    if (u.nodes.length === 0) throw new FormatError(`${where}: the value '${c.cur}' is read by no node and is not the graph's output '${model.graph!.output[0].name}'.`);
    if (u.nodes.length > 1) {
      decomposition(c);
      continue;
    }
    const n = u.nodes[0];
    if (n.domain !== "" && n.domain !== "ai.onnx") c.fail(n, `operator domain '${n.domain}' is not supported; only the default ONNX operators are.`);
    const handler = Object.hasOwn(OPS, n.opType) ? OPS[n.opType] : undefined;
    if (!handler) c.fail(n, `operator ${n.opType} is not supported; simdnn imports ${Object.keys(OPS).join(", ")} and the GELU, SiLU, Mish, softsign, HardSwish and LayerNorm decompositions.`);
    handler!(c, n);
  }
  const left = nodes.find((n) => !c.done.has(n));
  if (left) c.fail(left, "is not on the chain from the graph's input to its output: the graph is not a chain of layers.");
  if (c.layers.length === 0) throw new FormatError(`${where}: the graph computes no layer (its output is its input).`);
  const out = model.graph!.output[0].shape?.slice(1);
  if (out && out.every((d) => typeof d === "number") && (out.length !== c.shape.length || out.some((d, i) => d !== c.shape[i]))) {
    throw new FormatError(`${where}: the graph declares output shape [batch,${out.join(",")}]; its layers compute [batch,${c.shape.join(",")}].`);
  }
  return { chain: c, inputShape: input.shape };
}
