// Runs one layer outside a model: places its weights and buffers in WASM memory by hand, the way
// Sequential does, so each layer's forward and backward can be checked against float64 references.
import type { Layer, Pass } from "../../src/model/layer.js";
import type { NN } from "../../src/nn.js";
import { shapeSize } from "../../src/tensor.js";
import { uniform } from "./edge.js";

export interface Harness {
  inF: number;
  outF: number;
  write(ptr: number, values: ArrayLike<number>): void;
  read(ptr: number, n: number): Float64Array;
  x: number;
  y: number;
  dy: number;
  dx: number;
  scratch: number;
  forward(training: boolean, seed?: number): Float64Array;
  backward(dy: ArrayLike<number>, seed?: number): Float64Array;
  free(): void;
}

export function standalone(nn: NN, layer: Layer, inputShape: number[], batch: number, seed = 1): Harness {
  const rt = nn.rt;
  const blocks: [number, number][] = [];
  const alloc = (n: number) => {
    const p = rt.alloc(Math.max(n, 1));
    blocks.push([p, Math.max(n, 1)]);
    return p;
  };
  layer.build(rt, inputShape);
  const write = (ptr: number, v: ArrayLike<number>) => rt.f32.set(v, ptr >> 2);
  const read = (ptr: number, n: number) => Float64Array.from(rt.f32.subarray(ptr >> 2, (ptr >> 2) + n));
  layer.weights.forEach((w, i) => {
    w.ptr = alloc(w.size);
    write(w.ptr, uniform(w.size, -0.6, 0.6, seed + 17 * i));
    if (w.trainable) w.grad = alloc(w.size);
  });
  const inF = shapeSize(inputShape), outF = shapeSize(layer.outputShape!);
  const h = {
    inF, outF, write, read,
    x: alloc(batch * inF), y: alloc(batch * outF), dy: alloc(batch * outF), dx: alloc(batch * inF),
    scratch: alloc(layer.scratchFloats(batch)),
    forward(training: boolean, s = 7): Float64Array {
      const pass: Pass = { rt, batch, training, seed: s };
      layer.forward(pass, h.x, h.y, h.scratch);
      return read(h.y, batch * outF);
    },
    backward(dy: ArrayLike<number>, s = 7): Float64Array {
      write(h.dy, dy);
      layer.backward({ rt, batch, training: true, seed: s }, h.x, h.y, h.dy, h.dx, h.scratch);
      return read(h.dx, batch * inF);
    },
    free() {
      for (const [p, n] of blocks) rt.free(p, n);
    },
  };
  return h;
}
