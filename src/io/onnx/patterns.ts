// Decompositions exporters write where the chain's value is read twice (GELU, SiLU, Mish, softsign,
// HardSwish, LayerNorm) become one activation or layer each. The region is every node from the fork
// to where the branches join again. A region of elementwise operators is a function of one number:
// it is evaluated at fixed points and must equal one known activation there (so every constant is
// checked, whatever order the exporter chose); a region with ReduceMean must be LayerNorm, wired exactly.
import { Chain } from "./chain.js";
import type { OnnxNode } from "./model.js";
import { emitLayerNorm } from "./ops.js";

/** Larger regions are not one activation. */
const MAX_REGION = 40;

/** Nodes from the fork at `c.cur` to the value where all its branches have joined. */
export function forkRegion(c: Chain, start = c.cur): { nodes: OnnxNode[]; exit: string } {
  const order = c.model.graph!.node;
  const pending = new Map<string, number>();
  const usesOf = (v: string) => c.uses(v).nodes.length + (c.uses(v).output ? 1 : 0);
  pending.set(start, usesOf(start));
  const nodes: OnnxNode[] = [];
  const first = c.uses(start).nodes.reduce((m, n) => Math.min(m, n.index), order.length);
  let last = first;
  // Region nodes sit together in topological order (Constant nodes between them): a long gap ends the search.
  for (let i = first; i < order.length && i - last <= 4 * MAX_REGION; i++) {
    const n = order[i];
    if (c.done.has(n) || !n.input.some((v) => pending.has(v))) continue;
    last = i;
    for (const v of n.input) {
      if (pending.has(v)) pending.set(v, pending.get(v)! - 1);
      else if (v && !c.isConst(v)) c.fail(n, `reads '${v}', which is neither on the layer chain nor a constant: the graph is not a chain of layers.`);
    }
    nodes.push(n);
    for (const o of n.output) if (o) pending.set(o, usesOf(o));
    const open = [...pending].filter(([, k]) => k > 0);
    if (open.length === 1 && open[0][0] === n.output[0]) return { nodes, exit: n.output[0] };
    if (open.length === 0) break;
    if (nodes.length >= MAX_REGION) break;
  }
  return c.fail(nodes[0], `the value '${start}' is read by several nodes (${c.uses(start).nodes.map((n) => n.opType).join(", ")}) whose branches do not join into one known activation or LayerNorm: the graph is not a chain of layers.`);
}

// ---------------------------------------------------------------- elementwise regions

/** erf in float64: Taylor series near 0, Lentz's continued fraction of erfc beyond (both < 1e-14). */
function erf(x: number): number {
  const a = Math.abs(x);
  if (a < 2.5) {
    let term = x, sum = x;
    for (let k = 1; k < 60; k++) {
      term *= (-x * x) / k;
      sum += term / (2 * k + 1);
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const erfc = Math.exp(-a * a) / (Math.sqrt(Math.PI) * f);
  return Math.sign(x) * (1 - erfc);
}

const softplus = (x: number) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** The activations exporters decompose, in their Keras topology names, with float64 definitions. */
const CANDIDATES: [string, (x: number) => number][] = [
  ["gelu", (x) => 0.5 * x * (1 + erf(x / Math.SQRT2))],
  ["gelu_new", (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3)))],
  ["swish", (x) => x * sigmoid(x)],
  ["mish", (x) => x * Math.tanh(softplus(x))],
  ["softsign", (x) => x / (1 + Math.abs(x))],
  ["simdnn.hardSwish", (x) => (x * Math.min(Math.max(x + 3, 0), 6)) / 6],
];

/** Points spanning both tails, the bend near 0 and HardSwish's kinks at ±3. */
const POINTS = [-7, -4.2, -3, -2.6, -1.7, -0.9, -0.3, -0.05, 0, 0.05, 0.3, 0.9, 1.7, 2.6, 3, 4.2, 7];

type Unary = (x: number) => number;
type Binary = (a: number, b: number) => number;
const UNARY: Record<string, Unary> = {
  Erf: erf, Tanh: Math.tanh, Sigmoid: sigmoid, Softplus: softplus, Abs: Math.abs, Sqrt: Math.sqrt, Exp: Math.exp,
  Neg: (x) => -x, Relu: (x) => Math.max(x, 0), Reciprocal: (x) => 1 / x, Log: Math.log, Identity: (x) => x,
};
const BINARY: Record<string, Binary> = { Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b, Div: (a, b) => a / b, Pow: (a, b) => a ** b };

/** Evaluates an elementwise region at x (constants are single numbers); NaN when an operator is not elementwise. */
function evaluate(c: Chain, nodes: readonly OnnxNode[], exit: string, x: number): number {
  const env = new Map<string, number>([[c.cur, x]]);
  const value = (v: string, n: OnnxNode) => env.get(v) ?? c.scalar(v, n);
  for (const n of nodes) {
    const u = UNARY[n.opType], b = BINARY[n.opType];
    let y: number;
    if (u && n.input.length === 1) y = u(value(n.input[0], n));
    else if (b && n.input.length === 2) y = b(value(n.input[0], n), value(n.input[1], n));
    else if (n.opType === "HardSigmoid") y = Math.min(Math.max(c.attrFloat(n, "alpha", 0.2) * value(n.input[0], n) + c.attrFloat(n, "beta", 0.5), 0), 1);
    else return c.fail(n, `${n.opType} inside the elementwise function starting at '${c.cur}' is not supported.`);
    env.set(n.output[0], y);
  }
  return env.get(exit) ?? NaN;
}

const isElementwise = (n: OnnxNode) => (Object.hasOwn(UNARY, n.opType) || Object.hasOwn(BINARY, n.opType) || n.opType === "HardSigmoid") && (n.domain === "" || n.domain === "ai.onnx");

/** The activation the region computes, or undefined. */
function matchActivation(c: Chain, nodes: readonly OnnxNode[], exit: string): string | undefined {
  const ys = POINTS.map((x) => evaluate(c, nodes, exit, x));
  return CANDIDATES.find(([, f]) => POINTS.every((x, i) => Math.abs(ys[i] - f(x)) <= 1e-6 * Math.max(1, Math.abs(f(x)))))?.[0];
}

/**
 * The fork closes where the branches join (x·Φ(x)·2 for GELU), but exporters may scale after the join
 * (·0.5): while the region matches nothing, it grows by the next elementwise node of the chain whose
 * other input is a constant. The shortest match wins.
 */
function pointwise(c: Chain, nodes: OnnxNode[], exit: string): void {
  let match = matchActivation(c, nodes, exit);
  while (!match && nodes.length < MAX_REGION) {
    const u = c.uses(exit);
    const n = u.nodes[0];
    if (u.output || u.nodes.length !== 1 || !isElementwise(n) || !n.input.every((v) => v === exit || c.isConst(v)) || n.input.filter((v) => v === exit).length !== 1) break;
    nodes.push(n);
    exit = n.output[0];
    match = matchActivation(c, nodes, exit);
  }
  if (!match) {
    c.fail(nodes[0], `nodes ${nodes[0].index}–${nodes[nodes.length - 1].index} (${nodes.map((n) => n.opType).join(", ")}) compute an elementwise function that is none of ${CANDIDATES.map(([n]) => n).join(", ")} (checked at ${POINTS.length} points).`);
  }
  for (const n of nodes) c.done.add(n);
  c.cur = exit;
  c.activation(match);
}

// ---------------------------------------------------------------- LayerNorm

/** ReduceMean over the last axis only, keeping dims; axes as an attribute or (opset 18) a constant input. */
function checkMean(c: Chain, n: OnnxNode, input: string): void {
  const axes = n.input[1] ? Array.from(c.constant(n.input[1], n).values) : c.attr(n, "axes")?.ints ?? [];
  const rank = c.shape.length + 1;
  if (n.input[0] !== input || axes.length !== 1 || (axes[0] < 0 ? axes[0] + rank : axes[0]) !== rank - 1 || c.attrInt(n, "keepdims", 1) === 0) {
    c.fail(n, `ReduceMean(axes [${axes.join(",")}]) of '${n.input[0]}' is not the mean over the last axis of a LayerNorm.`);
  }
}

/** ReduceMean, Sub, Pow 2 (or Mul by itself), ReduceMean, Add eps, Sqrt, Div; then optional Mul γ and Add β. */
function layerNorm(c: Chain, nodes: readonly OnnxNode[], exit: string): void {
  const x = c.cur;
  const one = (op: string, pick = 0) => nodes.filter((n) => n.opType === op)[pick] ?? c.fail(nodes[0], `a LayerNorm decomposition needs ${op}; found ${nodes.map((n) => n.opType).join(", ")}.`);
  const [mean, sub, mean2, add, sqrt, div] = [one("ReduceMean"), one("Sub"), one("ReduceMean", 1), one("Add"), one("Sqrt"), one("Div")];
  const square = nodes.find((n) => n.opType === "Pow" || n.opType === "Mul") ?? c.fail(nodes[0], "a LayerNorm decomposition needs Pow(x − mean, 2).");
  const d = sub.output[0];
  const wired = nodes.length === 7 && sub.input[0] === x && sub.input[1] === mean.output[0] && mean2.input[0] === square.output[0] &&
    (square.opType === "Pow" ? square.input[0] === d && c.scalar(square.input[1], square) === 2 : square.input[0] === d && square.input[1] === d) &&
    add.input.includes(mean2.output[0]) && sqrt.input[0] === add.output[0] && div.input[0] === d && div.input[1] === sqrt.output[0] && div.output[0] === exit;
  if (!wired) c.fail(nodes[0], `nodes ${nodes.map((n) => n.opType).join(", ")} read '${x}' twice but are not wired as LayerNorm's (x − mean) / √(var + ε).`);
  checkMean(c, mean, x);
  checkMean(c, mean2, square.output[0]);
  const epsilon = c.scalar(add.input[add.input[0] === mean2.output[0] ? 1 : 0], add);
  for (const n of nodes) c.done.add(n);
  c.cur = exit;
  // γ and β follow as a Mul and an Add of per-feature constants when the LayerNorm is affine.
  const affine = (op: string): Float32Array | undefined => {
    const u = c.uses(c.cur);
    const n = u.nodes[0];
    if (u.output || u.nodes.length !== 1 || n.opType !== op || n.input.length !== 2) return undefined;
    const other = n.input[n.input[0] === c.cur ? 1 : 0];
    if (!c.isConst(other)) return undefined;
    const v = c.weight(other, n);
    if (v.values.length !== c.features) return undefined;
    c.advance(n, n.input.indexOf(c.cur));
    return new Float32Array(v.values);
  };
  const gamma = affine("Mul"), beta = affine("Add");
  emitLayerNorm(c, epsilon, gamma, beta);
}

/** Replaces the fork at `c.cur` by the one activation or LayerNorm it computes, or refuses. */
export function decomposition(c: Chain): void {
  let { nodes, exit } = forkRegion(c);
  // LayerNorm forks twice (x feeds the mean and the difference, x − mean feeds the variance and the division).
  while (nodes.some((n) => n.opType === "ReduceMean") && c.uses(exit).nodes.length > 1 && nodes.length < MAX_REGION) {
    const next = forkRegion(c, exit);
    nodes = nodes.concat(next.nodes);
    exit = next.exit;
  }
  const other = nodes.find((n) => !isElementwise(n) && n.opType !== "ReduceMean");
  if (other) {
    const readers = c.uses(c.cur).nodes.map(Chain.label).join(", ");
    c.fail(other, `is inside a branch: '${c.cur}' is read by ${readers}, which is neither one activation nor a LayerNorm; the graph is not a chain of layers.`);
  }
  if (nodes.some((n) => n.opType === "ReduceMean")) layerNorm(c, nodes, exit);
  else pointwise(c, nodes, exit);
}
