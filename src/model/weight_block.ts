// The weights of a Sequential in one contiguous block: trainable weights first (the optimizer's range,
// one fused kernel call), then frozen weights and moving statistics; 16-byte aligned offsets whose gaps
// stay zero. The gradient block (the trainable part's layout) is allocated by the first training step,
// not at layout: a model built or loaded for inference holds its weights and nothing more.
import { Rng } from "../random.js";
import type { Runtime } from "../runtime.js";
import type { Layer } from "./layer.js";

/** Where a model's weights live. @internal */
export interface WeightBlock {
  /** Parameter block (trainable first), its float count and the trainable part. */
  params: number;
  paramFloats: number;
  trainableFloats: number;
  /** Gradient block, same layout as the trainable part; 0 until {@link allocateGradients}. */
  grads: number;
  /** Per-variable ranges (float offsets) of the trainable block, for clipNorm. */
  segments: { offset: number; size: number }[];
}

/** Floats of the gradient block (never zero, so a fully frozen model still has an address to pass). */
const gradFloats = (b: WeightBlock) => Math.max(b.trainableFloats, 4);

/** Frees a block placed by {@link placeWeights}, with its gradients if they were allocated. */
export function freeWeights(rt: Runtime, b: WeightBlock): void {
  if (!b.params) return;
  rt.free(b.params, b.paramFloats);
  if (b.grads) rt.free(b.grads, gradFloats(b));
}

/**
 * Allocates the gradient block of `b` (zeroed: the optimizer leaves the alignment gaps at zero) and points
 * each weight of the optimizer's block at its gradient. Returns the block's address; a no-op when allocated.
 */
export function allocateGradients(rt: Runtime, layers: readonly Layer[], b: WeightBlock): number {
  if (b.grads) return b.grads;
  const grads = rt.alloc(gradFloats(b));
  rt.k.mem_fill(grads, 0, gradFloats(b));
  for (const l of layers) for (const w of l.weights) w.grad = w.optimized ? grads + 4 * w.blockOffset : 0;
  b.grads = grads;
  return grads;
}

/**
 * How new weights start: drawn from their initializers, zero, or as memory left them because the caller writes
 * every one (a loader; only the padding is zeroed, so a cold load first touches each weight's pages in its read).
 */
export type WeightInit = "random" | "zero" | "written";

/**
 * Lays out every weight of `layers` by its current `trainable` flag and points each Weight at its place
 * (grad 0 until the gradients are allocated). Weights placed before (in `previous`, freed here with its
 * gradients) keep their values; new ones start as `initialize` says.
 */
export function placeWeights(rt: Runtime, layers: readonly Layer[], seed: number, initialize: WeightInit, previous: WeightBlock): WeightBlock {
  const all = layers.flatMap((l) => l.weights);
  const kept = new Map(all.filter((w) => w.ptr >= 0).map((w) => [w, rt.f32.slice(w.ptr >> 2, (w.ptr >> 2) + w.size)]));
  freeWeights(rt, previous);
  const ordered = [...all.filter((w) => w.trainable), ...all.filter((w) => !w.trainable)];
  const offsets = new Map<object, number>();
  let off = 0, trainableFloats = -1;
  for (const w of ordered) {
    if (!w.trainable && trainableFloats < 0) trainableFloats = off;
    offsets.set(w, off);
    off += Math.ceil(w.size / 4) * 4;
  }
  if (trainableFloats < 0) trainableFloats = off;
  const paramFloats = Math.max(off, 4);
  const params = rt.alloc(paramFloats);
  if (initialize !== "written" || kept.size) rt.k.mem_fill(params, 0, paramFloats);
  const rng = new Rng(seed);
  const f32 = rt.f32;
  const segments: WeightBlock["segments"] = [];
  for (const w of all) {
    const o = offsets.get(w)!;
    w.ptr = params + 4 * o;
    w.grad = 0;
    w.blockOffset = w.trainable ? o : -1;
    if (w.trainable) segments.push({ offset: o, size: w.size });
    const old = kept.get(w);
    if (initialize === "written") f32.fill(0, (w.ptr >> 2) + w.size, (w.ptr >> 2) + Math.ceil(w.size / 4) * 4);
    if (old) f32.set(old, w.ptr >> 2);
    else if (initialize === "random") {
      const [fanIn, fanOut] = w.fans;
      for (let i = 0; i < w.size; i++) f32[(w.ptr >> 2) + i] = w.initializer(rng, fanIn, fanOut);
    }
  }
  for (const l of layers) l.frozen = !l.trainable; // the flag in force until the next layout (compile)
  return { params, paramFloats, trainableFloats, grads: 0, segments };
}
