// Keras functional models ("Functional", tfjs' "Model") that are a chain of layers: each layer fed by the
// one before it, one input, one output. The layers come back in chain order, InputLayer first, for the
// Sequential reader; anything with a branch, a merge or a layer used twice is refused by name.
import { FormatError, show } from "../errors.js";
import { isObject, type Json } from "./json.js";


/**
 * The layer names a layer's inbound_nodes read from, in both spellings: Keras 2 / tfjs
 * `[[["dense", 0, 0, {}]]]` (a node is a list of [layer, node, tensor, kwargs]) and Keras 3
 * `[{ args: [{ class_name: "__keras_tensor__", config: { keras_history: ["dense", 0, 0] } }], kwargs }]`.
 * Returns one list of names per node.
 */
function inboundOf(nodes: unknown, what: string): string[][] {
  if (nodes === undefined || nodes === null) return [];
  if (!Array.isArray(nodes)) throw new FormatError(`${what}: inbound_nodes must be a list; received ${show(nodes)}.`);
  return nodes.map((node) => {
    const names: string[] = [];
    const walk = (v: unknown, depth: number): void => {
      if (depth > 16) throw new FormatError(`${what}: inbound_nodes nest too deeply.`);
      if (Array.isArray(v)) {
        if (typeof v[0] === "string" && Number.isInteger(v[1]) && Number.isInteger(v[2])) names.push(v[0]);
        else for (const x of v) walk(x, depth + 1);
      } else if (isObject(v)) {
        const history = isObject(v.config) ? v.config.keras_history : undefined;
        if (Array.isArray(history) && typeof history[0] === "string") names.push(history[0]);
        else if (Array.isArray(v.args)) walk(v.args, depth + 1);
      }
    };
    walk(node, 0);
    return names;
  });
}

/** input_layers / output_layers: [["name", 0, 0]] (or, in some Keras 3 files, ["name", 0, 0]) → the one name. */
function single(v: unknown, key: string, where: string): string {
  const list = Array.isArray(v) && typeof v[0] === "string" ? [v] : v;
  if (!Array.isArray(list) || list.length !== 1 || !Array.isArray(list[0]) || typeof list[0][0] !== "string") {
    throw new FormatError(`${where}: a functional model loads as a chain of layers with one input and one output; ${key} is ${show(v)}.`);
  }
  return list[0][0];
}

/** The layer configs of a functional model in chain order (InputLayer first). */
export function functionalChain(c: Json, where: string): unknown[] {
  if (!Array.isArray(c.layers)) throw new FormatError(`${where}: the functional model's config must hold a layers array; received ${show(c.layers)}.`);
  const byName = new Map<string, Json>();
  const next = new Map<string, string>();
  for (const [i, entry] of c.layers.entries()) {
    if (!isObject(entry)) throw new FormatError(`${where}: layer ${i} must be { class_name, config, inbound_nodes }; received ${show(entry)}.`);
    const name = typeof entry.name === "string" ? entry.name : isObject(entry.config) && typeof entry.config.name === "string" ? entry.config.name : undefined;
    if (name === undefined) throw new FormatError(`${where}: layer ${i} (${show(entry.class_name)}) has no name.`);
    if (byName.has(name)) throw new FormatError(`${where}: two layers are named '${name}'.`);
    byName.set(name, entry);
    const what = `${where}: layer '${name}' (${String(entry.class_name)})`;
    const nodes = inboundOf(entry.inbound_nodes, what);
    if (entry.class_name === "InputLayer") continue;
    if (nodes.length !== 1 || nodes[0].length !== 1) {
      throw new FormatError(`${what} is called ${nodes.length} time(s) on ${show(nodes.map((n) => n.join(" + ")))}; only a chain (each layer called once, on one tensor) loads as a Sequential.`);
    }
    const from = nodes[0][0];
    if (next.has(from)) throw new FormatError(`${what}: layer '${from}' feeds both '${next.get(from)}' and '${name}'; a branching model is not a chain.`);
    next.set(from, name);
  }
  const input = single(c.input_layers, "input_layers", where), output = single(c.output_layers, "output_layers", where);
  const chain: unknown[] = [];
  for (let at: string | undefined = input; at !== undefined; at = next.get(at)) {
    const entry = byName.get(at);
    if (!entry) throw new FormatError(`${where}: the chain reaches '${at}', which is not a layer of the model.`);
    chain.push(entry);
    if (chain.length > byName.size) throw new FormatError(`${where}: the layers form a cycle.`);
    if (at === output) break;
  }
  const last = chain[chain.length - 1] as Json;
  const lastName = (last.name ?? (last.config as Json)?.name) as string;
  if (lastName !== output) throw new FormatError(`${where}: the chain from '${input}' ends at '${lastName}', not at the output '${output}'.`);
  if (chain.length !== byName.size) {
    const used = new Set(chain.map((e) => ((e as Json).name ?? ((e as Json).config as Json)?.name) as string));
    throw new FormatError(`${where}: layers ${[...byName.keys()].filter((n) => !used.has(n)).join(", ")} are not on the chain from '${input}' to '${output}'.`);
  }
  if ((chain[0] as Json).class_name !== "InputLayer") throw new FormatError(`${where}: the functional model's input '${input}' is not an InputLayer.`);
  return chain;
}
