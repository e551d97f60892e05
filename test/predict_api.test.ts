// model.predict's request path (issue 16): plain Float32Array rows or nested arrays in, a Float32Array out
// (new, or the caller's), bit for bit what the tensor path computes on every build; bad input refused
// naming what was received and expected, with memory and the caller's buffers untouched; predict inside
// nn.tidy; and a million batch-1 predictions through the array path with memory flat.
import { describe, expect, it } from "vitest";
import { DisposedError, ShapeError, ValueError } from "../src/errors.js";
import { init } from "../src/index.js";
import type { Sequential } from "../src/model/sequential.js";
import type { NN } from "../src/nn.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";

function mlp(nn: NN, features = 6, classes = 3): Sequential {
  return nn.sequential({ seed: 4, layers: [
    nn.layers.dense({ units: 9, activation: "gelu", inputShape: [features] }),
    nn.layers.layerNormalization(),
    nn.layers.dense({ units: classes, activation: "softmax" }),
  ] });
}

const rowsOf = (flat: Float32Array, size: number) => Array.from({ length: flat.length / size }, (_, i) => Array.from(flat.subarray(i * size, (i + 1) * size)));

describe.each(BUILDS)("predict on arrays (%s)", (build) => {
  it("Float32Array rows and nested arrays give the tensor path's outputs bit for bit, in every output form", async () => {
    const nn = await instance(build);
    const model = mlp(nn);
    const flat = uniform(7 * 6, -2, 2, 11);
    const xt = nn.tensor(flat, [7, 6]);
    const ref = model.predict(xt, { batchSize: 3 });
    const want = Array.from(ref.data);
    expect(Array.from(model.predict(flat, { output: "array", batchSize: 3 }))).toEqual(want);
    expect(Array.from(model.predict(rowsOf(flat, 6), { output: "array", batchSize: 3 }))).toEqual(want);
    const out = new Float32Array(21);
    expect(model.predict(flat, { out, batchSize: 3 })).toBe(out); // the caller's buffer, returned
    expect(Array.from(out)).toEqual(want);
    const big = new Float32Array(100).fill(-1);
    model.predict(xt, { out: big.subarray(10, 31), batchSize: 3 }); // tensor in, array out, into part of a larger buffer
    expect(Array.from(big.subarray(10, 31))).toEqual(want);
    expect(big[9]).toBe(-1);
    expect(big[31]).toBe(-1);
    const t = model.predict(flat, { batchSize: 3 }); // array in, tensor out
    expect(t.shape).toEqual([7, 3]);
    expect(Array.from(t.data)).toEqual(want);
    const into = nn.zeros([7, 3]);
    expect(model.predict(rowsOf(flat, 6), { out: into, batchSize: 3 })).toBe(into);
    expect(Array.from(into.data)).toEqual(want);
    // batch 1 (the GEMV) and the empty batch
    expect(Array.from(model.predict(flat.subarray(6, 12), { output: "array" }))).toEqual(Array.from(model.predict([rowsOf(flat, 6)[1]], { output: "array" })));
    expect(model.predict(new Float32Array(0), { output: "array" })).toHaveLength(0);
    nn.dispose(xt, ref, t, into);
    model.dispose();
  });
});

describe("predict's array path: checks, memory views, tidy", () => {
  it("refuses bad input naming what it received and what it expected; nothing is allocated or written", async () => {
    const nn = await instance("simd");
    const model = mlp(nn);
    const xt = nn.tensor(uniform(12, -1, 1, 2), [2, 6]);
    model.predict(xt).dispose(); // plans the buffers first, so refusals are compared with a warm model
    const out = new Float32Array(6).fill(7);
    const m0 = nn.memory();
    const cases: [() => unknown, new (...a: never[]) => Error, RegExp][] = [
      [() => model.predict(new Float32Array(13), { output: "array" }), ShapeError, /Float32Array of 13 values, not a whole number of samples of 6 values .*per-sample shape \[6\].*batch·6/],
      [() => model.predict(new Float64Array(12) as never), ValueError, /received Float64Array\(12\) \(convert it first: Float32Array\.from\(x\)\)/],
      [() => model.predict("rows" as never), ValueError, /x must be a Tensor, a Float32Array of rows or nested arrays of numbers; received "rows"/],
      [() => model.predict([[1, 2, 3, 4, 5, 6], [1, 2, 3]], { output: "array" }), ShapeError, /x\[1\] is \[1, 2, 3\]; expected an array of 6 entries: rows of per-sample shape \[6\]/],
      [() => model.predict([[1, 2, 3, 4, 5, "6"]] as never, { output: "array" }), ValueError, /x\[0\]\[5\] is "6"; expected a number/],
      [() => model.predict([1, 2, 3, 4, 5, 6], { output: "array" }), ShapeError, /x\[0\] is 1; expected an array of 6 entries/],
      [() => model.predict(new Float32Array(12), { out: new Float32Array(5) }), ShapeError, /out is a Float32Array of 5 floats; 2 samples of output shape \[3\] need exactly 6 \(pass buffer\.subarray\(0, 6\)/],
      [() => model.predict(new Float32Array(12), { output: "json" as never }), ValueError, /output must be 'tensor' or 'array'; received "json"/],
      [() => model.predict(new Float32Array(12), { out: out, output: "tensor" }), ValueError, /out is a Float32Array but output is 'tensor'/],
      [() => model.predict(xt, { out: xt, output: "array" } as never), ValueError, /out is a Tensor but output is 'array'/],
      [() => model.predict(new Float32Array(12), { out: [0, 0] as never }), ValueError, /out must be a Tensor or a Float32Array; received \[0, 0\]/],
      [() => model.predict(new Float32Array(12), { outt: out } as never), ValueError, /unknown option "outt"; expected some of: batchSize, out, output/],
      [() => model.predict(new Float32Array(12), { batchSize: 0 }), ValueError, /batchSize must be a positive integer; received 0/],
    ];
    for (const [call, type, message] of cases) {
      expect(call).toThrow(type);
      expect(call).toThrow(message);
      expect(nn.memory()).toEqual(m0);
      expect(Array.from(out)).toEqual([7, 7, 7, 7, 7, 7]);
    }
    const shared = new Float32Array(18);
    expect(() => model.predict(shared.subarray(0, 12), { out: shared.subarray(10, 16) })).toThrow(/out must not overlap x/);
    expect(() => model.predict(xt, { out: xt.data.subarray(0, 6) })).toThrow(/out must not overlap x/);
    const square = nn.sequential({ layers: [nn.layers.dense({ units: 3, inputShape: [3] })] });
    const o = nn.zeros([1, 3]);
    expect(() => square.predict(o.data, { out: o })).toThrow(/out must not overlap x \(x views out's memory\)/);
    nn.dispose(o);
    square.dispose();
    xt.dispose();
    expect(() => model.predict(xt)).toThrow(DisposedError);
    const unbuilt = nn.sequential({ layers: [nn.layers.dense({ units: 2 })] });
    expect(() => unbuilt.predict(new Float32Array(4))).toThrow(/a Float32Array carries no shape and model '.*' has no input shape yet; give its first layer an inputShape, call build\(inputShape\), or pass nested arrays/);
    expect(unbuilt.predict([[1, 2, 3]], { output: "array" })).toHaveLength(2); // nested arrays build it, as a tensor does
    unbuilt.dispose();
    model.dispose();
  });

  it("a Float32Array viewing WASM memory (a tensor's data) still reads right when planning grows memory", async () => {
    const nn = await init({ backend: "simd" });
    const model = mlp(nn, 64, 4);
    const n = 20000;
    const x = nn.tensor(uniform(n * 64, -1, 1, 9), [n, 64]);
    const heap = nn.memory().heapBytes;
    const got = model.predict(x.data, { output: "array", batchSize: n }); // the plan for 20000 rows grows memory
    expect(nn.memory().heapBytes).toBeGreaterThan(heap);
    const want = model.predict(x, { batchSize: n });
    expect(Array.from(got)).toEqual(Array.from(want.data));
    nn.dispose(x, want);
    model.dispose();
  });

  it("inside nn.tidy: a returned prediction is kept, the rest freed; the array path leaves nothing to free", async () => {
    const nn = await instance("simd");
    const model = mlp(nn);
    const flat = uniform(12, -1, 1, 4);
    model.predict(flat, { output: "array" });
    model.predict(flat, { output: "array" }); // the second use packs the kernels (kept: they are the model's)
    const m0 = nn.memory();
    const kept = nn.tidy(() => {
      const x = nn.tensor(flat, [2, 6]);
      model.predict(x); // dropped: freed by tidy
      model.predict(flat); // array in, tensor out: freed by tidy
      return model.predict(x);
    });
    expect(nn.memory().allocations).toBe(m0.allocations + 1);
    expect(Array.from(kept.data)).toEqual(Array.from(model.predict(flat, { output: "array" })));
    kept.dispose();
    const values = nn.tidy(() => model.predict(rowsOf(flat, 6), { output: "array" }));
    expect(values).toBeInstanceOf(Float32Array);
    expect(nn.memory()).toEqual(m0);
  });

  it("a million batch-1 predictions through the array path: bytes, allocations and heap flat after warm-up", async () => {
    const nn = await init({ backend: "simd" });
    const model = nn.sequential({ seed: 1, layers: [
      nn.layers.dense({ units: 16, activation: "relu", inputShape: [8] }),
      nn.layers.dense({ units: 4, activation: "softmax" }),
    ] });
    const requests = Array.from({ length: 64 }, (_, i) => uniform(8, -1, 1, i + 1));
    const out = new Float32Array(4);
    const expected = requests.map((r) => model.predict(r, { output: "array" }));
    const before = nn.memory();
    let checksum = 0;
    for (let i = 0; i < 1_000_000; i++) {
      model.predict(requests[i & 63], { out });
      checksum += out[i & 3];
    }
    expect(nn.memory()).toEqual(before);
    expect(Number.isFinite(checksum)).toBe(true);
    expect(Array.from(out)).toEqual(Array.from(expected[(1_000_000 - 1) & 63]));
    // a JSON handler's path: nested rows in, a fresh Float32Array out
    for (let i = 0; i < 100_000; i++) model.predict([Array.from(requests[i & 63])], { output: "array" });
    expect(nn.memory()).toEqual(before);
    model.dispose();
  });
});

/** Reference order, written out directly: NaN first (lower index among NaNs), then larger values, ties to the lower index. */
function referenceOrder(row: ArrayLike<number>): number[] {
  return Array.from({ length: row.length }, (_, j) => j).sort((a, b) => {
    const na = Number.isNaN(row[a]), nb = Number.isNaN(row[b]);
    if (na !== nb) return na ? -1 : 1;
    if (!na && row[a] !== row[b]) return row[a] > row[b] ? -1 : 1;
    return a - b;
  });
}

describe("nn.argMax and nn.topK over the last axis", () => {
  it("hand cases: ties to the lower index, NaN first, ±Infinity, ±0, k = 1 and k = cols", async () => {
    const nn = await instance("simd");
    expect(Array.from(nn.argMax([[1, 3, 3, 2], [-Infinity, -Infinity, -Infinity, -Infinity], [1, NaN, 5, NaN], [-0, 0, -1, -2], [-Infinity, Infinity, 3, Infinity], [NaN, NaN, 1, 2]]))).toEqual([1, 0, 1, 0, 1, 0]);
    const t = nn.topK([[1, NaN, 5, 5, -Infinity]], 3);
    expect(Array.from(t.indices)).toEqual([1, 2, 3]);
    expect(Array.from(t.values)).toEqual([NaN, 5, 5]);
    const all = nn.topK([[0, -0, Infinity, -Infinity, 2]], 5);
    expect(Array.from(all.indices)).toEqual([2, 4, 0, 1, 3]);
    expect(Object.is(all.values[3], -0)).toBe(true);
    const one = nn.topK([[0.1, 0.7, 0.2], [0.5, 0.25, 0.25]]); // k defaults to 1
    expect(Array.from(one.indices)).toEqual([1, 0]);
    expect(one.values).toEqual(Float32Array.of(0.7, 0.5));
  });

  it("agrees with the reference order on random rows full of ties, NaN and ±Infinity (insertion and sort paths), from every input form", async () => {
    const nn = await instance("simd");
    const pool = [NaN, Infinity, -Infinity, 0, -0, 1, -1, 2.5, 2.5, 1e-30, -3.4e38, 3.4e38];
    let seed = 7;
    const next = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const cols of [1, 2, 3, 10, 33, 100]) {
      const rows = 9;
      const flat = Float32Array.from({ length: rows * cols }, () => (next() < 0.6 ? pool[Math.floor(next() * pool.length)] : Math.round(next() * 8) / 4));
      const tensor = nn.tensor(flat, [rows, cols]);
      const ref = rowsOf(flat, cols).map(referenceOrder);
      expect(Array.from(nn.argMax(flat, { shape: [rows, cols] }))).toEqual(ref.map((o) => o[0]));
      expect(Array.from(nn.argMax(tensor, -1))).toEqual(ref.map((o) => o[0]));
      for (const k of new Set([1, Math.min(3, cols), Math.ceil(cols / 2), cols])) {
        const want = ref.flatMap((o) => o.slice(0, k));
        for (const got of [nn.topK(flat, k, { shape: [rows, cols] }), nn.topK(tensor, k), nn.topK(rowsOf(flat, cols), k, true)]) {
          expect(Array.from(got.indices), `cols ${cols}, k ${k}`).toEqual(want);
          expect(Array.from(got.values)).toEqual(want.map((j, i) => flat[Math.floor(i / k) * cols + j]));
        }
      }
      tensor.dispose();
    }
    // leading axes are rows: [2, 3, 4] has 6 rows; a flat array without a shape is one row
    const cube = Float32Array.from({ length: 24 }, (_, i) => (i * 7) % 4);
    expect(Array.from(nn.argMax(cube, { shape: [2, 3, 4] }))).toEqual(rowsOf(cube, 4).map((r) => referenceOrder(r)[0]));
    expect(nn.topK(cube, 2, { shape: [2, 3, 4] }).indices).toHaveLength(12);
    expect(nn.argMax(Float32Array.of(3, 9, 1))).toEqual(Int32Array.of(1));
  });

  it("refuses k outside 1…cols, other axes, scalars, empty rows, wrong shapes; nothing is allocated", async () => {
    const nn = await instance("simd");
    const x = nn.tensor([[1, 2, 3], [4, 5, 6]]);
    const m0 = nn.memory();
    expect(() => nn.topK(x, 0)).toThrow(/topK: k must be an integer from 1 to 3 \(the last axis\); received 0/);
    expect(() => nn.topK(x, 4)).toThrow(/received 4/);
    expect(() => nn.topK(x, 1.5)).toThrow(ValueError);
    expect(() => nn.argMax(x, 0)).toThrow(/argMax works over the last axis; received axis 0 for x of shape \[2,3\] \(expected -1 or 1\)/);
    expect(() => nn.argMax(x, { axis: 1 })).not.toThrow();
    expect(() => nn.argMax(Float32Array.of(1))).not.toThrow();
    expect(() => nn.argMax(Float32Array.of(1, 2, 3), { shape: [2, 2] })).toThrow(/argMax: shape \[2,2\] holds 4 values but 3 were given/);
    expect(() => nn.argMax(x, { shape: [3, 2] })).toThrow(/shape is for flat arrays; x is a Tensor \[2,3\]/);
    expect(() => nn.argMax(5 as never)).toThrow(/argMax: x must be a Tensor, a Float32Array \(with \{ shape \}\) or nested arrays of numbers; received 5/);
    expect(() => nn.argMax(new Float32Array(0), { shape: [2, 0] })).toThrow(/the last axis of x \[2,0\] is empty/);
    expect(() => nn.argMax([[1, "a"]] as never)).toThrow(/argMax: Tensor values must be numbers; received "a" at \[0\]\[1\]/);
    expect(() => nn.topK(x, 1, { sorted: false } as never)).toThrow(/unknown option "sorted"; expected some of: shape, axis/);
    expect(nn.memory()).toEqual(m0);
    x.dispose();
    expect(() => nn.argMax(x)).toThrow(DisposedError);
    expect(nn.argMax(new Float32Array(0), { shape: [0, 10] })).toHaveLength(0);
  });

  it("a classification handler: predict's array output → topK labels, without a tensor", async () => {
    const nn = await instance("simd");
    const model = mlp(nn, 6, 5);
    const rows = [uniform(6, -1, 1, 1), uniform(6, -1, 1, 2)].map((r) => Array.from(r));
    const probs = model.predict(rows, { output: "array" });
    const m0 = nn.memory();
    const { indices, values } = nn.topK(probs, 2, { shape: [2, 5] });
    expect(nn.memory()).toEqual(m0);
    const ref = rowsOf(probs, 5).map(referenceOrder);
    expect(Array.from(indices)).toEqual([ref[0][0], ref[0][1], ref[1][0], ref[1][1]]);
    expect(values[0]).toBe(probs[ref[0][0]]);
    expect(Array.from(nn.argMax(probs, { shape: [2, 5] }))).toEqual([ref[0][0], ref[1][0]]);
    model.dispose();
  });
});
