// nn.tidy and nn.dispose: tensors found in tf's containers (a Tensor, arrays, plain objects holding them),
// walked by one function for both.
import { ValueError, show } from "./errors.js";
import type { Runtime } from "./runtime.js";
import { Tensor } from "./tensor.js";

/** What nn.dispose walks, as tf.dispose's TensorContainer: tensors, arrays of them, plain objects holding them. */
export type TensorContainer = Tensor | readonly TensorContainer[] | { readonly [key: string]: unknown };

const isPlainObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;

/** Calls `visit` on every Tensor in `v`, through arrays and plain objects; anything else is left alone. */
function eachTensor(v: unknown, visit: (t: Tensor) => void): void {
  if (v instanceof Tensor) visit(v);
  else if (Array.isArray(v)) for (const x of v) eachTensor(x, visit);
  else if (isPlainObject(v)) for (const x of Object.values(v)) eachTensor(x, visit);
}

/** nn.tidy (see NN.tidy). */
export function tidy<T>(rt: Runtime, fn: () => T): T {
  if (typeof fn !== "function") throw new ValueError(`tidy expects a function; received ${show(fn)}.`);
  const scope: { dispose(): void }[] = [];
  rt.scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (error) {
    for (const t of scope) t.dispose();
    throw error;
  } finally {
    rt.scopes.pop();
  }
  if (result instanceof Promise) {
    // refused, so nothing the body made before its first await may outlive the call; the body's own later
    // failure (it may touch what was freed) is swallowed rather than surfacing as an unhandled rejection
    for (const t of scope) t.dispose();
    result.catch(() => {});
    throw new ValueError("tidy cannot track an async function: tensors created after an await escape the scope.");
  }
  const keep = new Set<Tensor>();
  eachTensor(result, (t) => keep.add(t));
  for (const t of scope) if (!keep.has(t as Tensor)) t.dispose();
  // kept tensors belong to the enclosing scope, if any
  const outer = rt.scopes[rt.scopes.length - 1];
  if (outer) for (const t of keep) outer.push(t);
  return result;
}

/** nn.dispose (see NN.dispose). */
export function dispose(rt: Runtime, containers: readonly TensorContainer[]): void {
  // no arguments: end this instance's worker threads; it keeps working on one thread
  if (containers.length === 0) rt.pool?.stop("nn.dispose() ended the worker threads");
  containers.forEach((t, i) => {
    if (!(t instanceof Tensor) && !Array.isArray(t) && !isPlainObject(t)) {
      throw new ValueError(`nn.dispose takes tensors, arrays or plain objects holding them; argument ${i} is ${show(t)}${typeof (t as { dispose?: unknown })?.dispose === "function" ? " (call its own dispose())" : ""}.`);
    }
  });
  for (const t of containers) eachTensor(t, (x) => x.dispose());
}
