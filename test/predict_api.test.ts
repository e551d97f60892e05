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
