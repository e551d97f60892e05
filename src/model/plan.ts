// Memory planning: every buffer a forward/backward pass needs at a batch size, allocated once and
// reused for every batch (a smaller last batch uses the prefix of each buffer).
import type { Runtime } from "../runtime.js";
import { show, ValueError } from "../errors.js";
import { shapeSize } from "../tensor.js";
import type { Layer } from "./layer.js";

export class Plan {
  /** acts[i] = output of layer i−1 (acts[0] the gathered input batch); [batch, ...shape]. */
  readonly acts: number[] = [];
  /** Per-layer scratch (0 = none); training plans only. */
  readonly scratch: number[] = [];
  /** Two gradient buffers used in turn by backward (dy of one layer, dx of the next); training only. */
  readonly grads: [number, number] = [0, 0];
  /** Gathered labels; training only. */
  labels = 0;
  readonly #blocks: [number, number][] = [];

  constructor(
    readonly rt: Runtime,
    readonly batch: number,
    readonly training: boolean,
    layers: readonly Layer[],
    inputShape: readonly number[],
    readonly labelFloats: number,
  ) {
    const alloc = (floats: number) => {
      const p = rt.alloc(floats);
      this.#blocks.push([p, floats]);
      return p;
    };
    const sizes = [shapeSize(inputShape), ...layers.map((l) => shapeSize(l.outputShape!))];
    sizes.forEach((s) => this.acts.push(alloc(batch * s)));
    if (!training) return;
    for (const l of layers) {
      const f = l.scratchFloats(batch);
      this.scratch.push(f > 0 ? alloc(f) : 0);
    }
    const widest = batch * Math.max(...sizes);
    this.grads[0] = alloc(widest);
    this.grads[1] = alloc(widest);
    this.labels = alloc(batch * labelFloats);
  }

  dispose(): void {
    for (const [p, f] of this.#blocks) this.rt.free(p, f);
    this.#blocks.length = 0;
  }
}

/** @internal */
export function batchSizeOption(v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) throw new ValueError(`batchSize must be a positive integer; received ${show(v)}.`);
  return v;
}

