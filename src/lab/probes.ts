// Probes into a model during and after training: the L2 norm of each dense block's weight gradient (read
// from the gradient block the last training step wrote), and per hidden block the fraction of dead units,
// of saturated outputs and a histogram of its outputs over probe rows (an inference forward through the
// model's planned buffers: plan.acts[i + 1] holds layer i's output).
import type { NN } from "../nn.js";
import type { Sequential } from "../model/sequential.js";

/**
 * A dense layer with what follows it up to the next dense layer (a prelu layer): one "layer" of the
 * lab's per-layer rows. `output` is the model layer whose output is the block's activation.
 */
export interface Block {
  readonly layers: readonly number[];
  readonly output: number;
}

/** The blocks of a model, each starting at a layer whose class is Dense; the last block is the output layer. */
export function denseBlocks(model: Sequential): Block[] {
  const blocks: number[][] = [];
  model.layers.forEach((l, i) => {
    if (l.className === "Dense" || blocks.length === 0) blocks.push([i]);
    else blocks[blocks.length - 1].push(i);
  });
  return blocks.map((layers) => ({ layers, output: layers[layers.length - 1] }));
}

/** L2 norm of each block's weight gradients (kernel, bias, prelu alpha together), first block first. */
export function gradientNorms(model: Sequential, blocks: readonly Block[]): number[] {
  const f32 = model.rt.f32;
  return blocks.map((b) => {
    let s = 0;
    for (const i of b.layers) {
      for (const w of model.layers[i].weights) {
        if (!w.grad) continue;
        const at = w.grad >> 2;
        for (let j = 0; j < w.size; j++) s += f32[at + j] * f32[at + j];
      }
    }
    return Math.sqrt(s);
  });
}

/** What one hidden block's outputs look like over the probe rows. */
export interface UnitStats {
  /** Fraction of units whose output is ≤ 0 on every probe row (a ReLU unit there is dead: zero gradient). */
  dead: number;
  /** Fraction of outputs within 1 % of the range's ends (null range: not a bounded activation). */
  saturated: number | null;
  histogram: { min: number; max: number; counts: number[] };
}

/** Statistics of outputs [rows, units] (row-major). */
export function unitStats(values: Float32Array, rows: number, units: number, range: readonly [number, number] | null, bins = 20): UnitStats {
  let dead = 0;
  for (let u = 0; u < units; u++) {
    let active = false;
    for (let r = 0; r < rows && !active; r++) active = values[r * units + u] > 0;
    if (!active) dead++;
  }
  let saturated: number | null = null;
  if (range) {
    const [lo, hi] = range, margin = 0.01 * (hi - lo);
    let s = 0;
    for (let i = 0; i < rows * units; i++) if (values[i] <= lo + margin || values[i] >= hi - margin) s++;
    saturated = rows * units ? s / (rows * units) : 0;
  }
  let min = Infinity, max = -Infinity;
  for (let i = 0; i < rows * units; i++) {
    if (values[i] < min) min = values[i];
    if (values[i] > max) max = values[i];
  }
  const counts = new Array<number>(bins).fill(0);
  if (rows * units > 0) {
    const width = max > min ? (max - min) / bins : 1;
    for (let i = 0; i < rows * units; i++) counts[Math.min(bins - 1, Math.floor((values[i] - min) / width))]++;
  } else [min, max] = [0, 0];
  return { dead: units ? dead / units : 0, saturated, histogram: { min, max, counts } };
}

/** Runs the first `rows` rows of x through the model (inference mode) and returns the stats of every hidden block. */
export function probeHidden(nn: NN, model: Sequential, blocks: readonly Block[], x: Float32Array, rows: number, range: readonly [number, number] | null): UnitStats[] {
  const features = model.inputShape!.reduce((p, d) => p * d, 1);
  const input = nn.tensor(x.subarray(0, rows * features), [rows, features]);
  try {
    const plan = model.plan(rows, false);
    const L = model.layers.length;
    model.forwardInto(input.ptr, plan.acts[L], rows, plan);
    return blocks.slice(0, -1).map((b) => {
      const units = model.layers[b.output].outputShape!.reduce((p, d) => p * d, 1);
      const at = plan.acts[b.output + 1] >> 2;
      return unitStats(model.rt.f32.subarray(at, at + rows * units), rows, units, range);
    });
  } finally {
    input.dispose();
  }
}
