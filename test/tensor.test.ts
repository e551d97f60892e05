import { describe, expect, it } from "vitest";
import { DisposedError, ShapeError, type Tensor, ValueError } from "../src/index.js";
import { instance } from "./helpers/backends.js";

describe("tensors", async () => {
  const nn = await instance("simd");

  it("infer the shape of nested arrays and round-trip through toArray", () => {
    const t = nn.tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.size).toBe(6);
    expect(t.rank).toBe(2);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6]);
    t.dispose();
  });

  it("take typed arrays, flat arrays with a shape, scalars and empty shapes", () => {
    const a = nn.tensor(new Float32Array([1, 2, 3, 4]), [2, 2]);
    expect(a.toArray()).toEqual([[1, 2], [3, 4]]);
    const b = nn.tensor(Int32Array.from([7, 8]));
    expect(b.shape).toEqual([2]);
    const s = nn.tensor(3.5);
    expect(s.shape).toEqual([]);
    expect(s.toArray()).toBe(3.5);
    const e = nn.zeros([0, 4]);
    expect(e.size).toBe(0);
    expect(e.toArray()).toEqual([]);
    for (const t of [a, b, s, e]) t.dispose();
  });

  it("round values to float32", () => {
    const t = nn.tensor([0.1]);
    expect(t.data[0]).toBe(Math.fround(0.1));
    t.dispose();
  });

  it("reject ragged arrays, non-numbers and wrong shapes with messages that say what was received", () => {
    const before = nn.memory();
    expect(() => nn.tensor([[1, 2], [3]])).toThrow(ShapeError);
    expect(() => nn.tensor([[1, 2], [3]])).toThrow(/ragged.*values\[1\]/);
    expect(() => nn.tensor([1, "2" as unknown as number])).toThrow(ValueError);
    expect(() => nn.tensor([1, 2, 3], [2, 2])).toThrow(/shape \[2,2\] holds 4 values but 3 were given/);
    expect(() => nn.zeros([2, -1])).toThrow(/non-negative integers; received \[2, -1\]/);
    expect(() => nn.tensor({} as never)).toThrow(ValueError);
    expect(nn.memory()).toEqual(before);
  });

  it("throw DisposedError when used after dispose; disposing twice is harmless", () => {
    const t = nn.ones([3]);
    t.dispose();
    t.dispose();
    expect(t.isDisposed).toBe(true);
    expect(() => t.data).toThrow(DisposedError);
    expect(() => nn.sum(t)).toThrow(/used after dispose/);
  });

  it("support Symbol.dispose", () => {
    const before = nn.memory().bytesInUse;
    {
      const t = nn.ones([5]);
      const dispose = (t as unknown as Record<symbol, () => void>)[(Symbol as { dispose?: symbol }).dispose ?? Symbol.for("Symbol.dispose")];
      dispose.call(t);
    }
    expect(nn.memory().bytesInUse).toBe(before);
  });

  it("are 16-byte aligned at every size", () => {
    const ts = [0, 1, 3, 4, 5, 17, 1000].map((n) => nn.zeros([n]));
    for (const t of ts) expect(t.ptr % 16).toBe(0);
    for (const t of ts) t.dispose();
  });

  it("fill, zeros, ones, clone", () => {
    const f = nn.fill([2, 2], 2.5);
    expect(Array.from(f.data)).toEqual([2.5, 2.5, 2.5, 2.5]);
    const c = f.clone();
    f.data[0] = 9;
    expect(c.data[0]).toBe(2.5);
    for (const t of [f, c]) t.dispose();
  });

  it("random initialisers are reproducible with a seed and have the asked statistics", () => {
    const a = nn.randomNormal([10000], { seed: 42, mean: 1, stddev: 2 });
    const b = nn.randomNormal([10000], { seed: 42, mean: 1, stddev: 2 });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    const d = Array.from(a.data);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
    expect(Math.abs(mean - 1)).toBeLessThan(0.06);
    expect(Math.abs(sd - 2)).toBeLessThan(0.06);
    const t = nn.randomNormal([10000], { seed: 1, truncated: true });
    expect(Math.max(...Array.from(t.data).map(Math.abs))).toBeLessThanOrEqual(2);
    const u = nn.randomUniform([10000], { seed: 3, minval: -1, maxval: 3 });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...u.data)).toBeLessThan(3);
    expect(() => nn.randomUniform([2], { minval: 1, maxval: 1 })).toThrow(/maxval must be greater than minval/);
    for (const x of [a, b, t, u]) x.dispose();
  });

  it("take every typed array of numbers and refuse bigint arrays and DataViews before allocating", () => {
    const kinds = [Float32Array, Float64Array, Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array];
    for (const Kind of kinds) {
      const t = nn.tensor(Kind.from([0, 1, 7, 100]), [2, 2]);
      expect(t.toArray()).toEqual([[0, 1], [7, 100]]);
      t.dispose();
    }
    expect(Array.from(nn.tensor(new Float64Array([0.1, -1e39])).data)).toEqual([Math.fround(0.1), -Infinity]);
    const before = nn.memory();
    for (let i = 0; i < 100; i++) {
      expect(() => nn.tensor(new BigInt64Array([1n, 2n]) as never)).toThrow(ValueError);
      expect(() => nn.tensor(new BigUint64Array(2) as never, [2])).toThrow(ValueError);
      expect(() => nn.tensor(new DataView(new ArrayBuffer(8)) as never)).toThrow(ValueError);
    }
    expect(nn.memory()).toEqual(before);
    expect(() => nn.tensor(new BigInt64Array(2) as never)).toThrow(/received a BigInt64Array; its elements are bigints: convert them first, e\.g\. Float64Array\.from\(values, Number\)/);
    expect(() => nn.tensor(new DataView(new ArrayBuffer(8)) as never)).toThrow(/received a DataView; pass a typed array of numbers/);
  });

  it("copy a view of their own memory even when the copy's allocation grows memory (nn.tensor(x.data))", () => {
    const before = nn.memory();
    let grew = false;
    for (let n = 1 << 16; n <= 1 << 26 && !grew; n *= 2) {
      const x = nn.fill([n], 7);
      x.data[n - 1] = -3;
      const heap = nn.kernels.memory.buffer;
      const y = nn.tensor(x.data);
      grew = nn.kernels.memory.buffer !== heap; // the view handed in was detached by the allocation
      expect([y.size, y.data[0], y.data[n >> 1], y.data[n - 1]]).toEqual([n, 7, 7, -3]);
      nn.dispose(x, y);
    }
    expect(grew).toBe(true);
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
  });

  it("clone() of a disposed tensor throws DisposedError and allocates nothing", () => {
    const t = nn.ones([3]);
    t.dispose();
    const before = nn.memory();
    for (let i = 0; i < 100; i++) expect(() => t.clone()).toThrow(DisposedError);
    expect(nn.memory()).toEqual(before);
  });

  it("nn.dispose walks arrays and plain objects as tf.dispose does, and refuses a model or a number by name", async () => {
    const before = nn.memory();
    const a = nn.ones([3]), b = nn.zeros([2]), c = nn.fill([4], 2);
    nn.dispose([a, [b]], { value: 1, gradient: c, note: "kept" });
    expect([a, b, c].every((t) => t.isDisposed)).toBe(true);
    expect(nn.memory()).toEqual(before);
    const model = nn.sequential({ layers: [nn.layers.dense({ units: 1, inputShape: [1] })] });
    expect(() => nn.dispose(model as never)).toThrow(/nn.dispose takes tensors, arrays or plain objects holding them; argument 0 is .*\(call its own dispose\(\)\)/);
    expect(() => nn.dispose(new Float32Array(2) as never)).toThrow(/argument 0 is Float32Array/);
    expect(() => nn.dispose(3 as never)).toThrow(ValueError);
    model.dispose();
  });

  it("accept tfjs' dtype argument as 'float32' only", () => {
    const made = [nn.tensor([1, 2], [2], "float32"), nn.zeros([2], "float32"), nn.ones([2], "float32"), nn.fill([2], 3, "float32")];
    expect(made.map((t) => Array.from(t.data))).toEqual([[1, 2], [0, 0], [1, 1], [3, 3]]);
    nn.dispose(made);
    const before = nn.memory();
    expect(() => nn.tensor([1, 2], [2], "int32" as never)).toThrow(/nn.tensor: dtype "int32" is not supported; simdnn tensors are float32/);
    expect(() => nn.zeros([2], "bool" as never)).toThrow(/zeros: dtype "bool"/);
    expect(() => nn.ones([2], "float16" as never)).toThrow(ValueError);
    expect(() => nn.fill([2], 1, "int32" as never)).toThrow(ValueError);
    expect(() => nn.randomUniform([2], 0, 1, "int32" as never)).toThrow(/randomUniform: dtype "int32" is not supported/);
    expect(nn.memory()).toEqual(before);
  });

  it("random tensors take tfjs' positional arguments as well as Keras' options, with one set of defaults", () => {
    const seeded = (a: Tensor, b: Tensor) => {
      expect(Array.from(a.data)).toEqual(Array.from(b.data));
      nn.dispose(a, b);
    };
    seeded(nn.randomUniform([1000], 0, 3, "float32", 5), nn.randomUniform([1000], { minval: 0, maxval: 3, seed: 5 }));
    seeded(nn.randomUniform([1000], -2, undefined, undefined, 9), nn.randomUniform([1000], { minval: -2, seed: 9 }));
    seeded(nn.randomNormal([1000], 1, 2, undefined, 42), nn.randomNormal([1000], { mean: 1, stddev: 2, seed: 42 }));
    seeded(nn.truncatedNormal([1000], 0, 1, "float32", 1), nn.randomNormal([1000], { truncated: true, seed: 1 }));
    seeded(nn.truncatedNormal([1000], { mean: 3, stddev: 0.5, seed: 8 }), nn.truncatedNormal([1000], 3, 0.5, undefined, 8));
    const stats = (t: Tensor) => {
      const d = Array.from(t.data);
      t.dispose();
      return { min: Math.min(...d), max: Math.max(...d), mean: d.reduce((s, v) => s + v, 0) / d.length };
    };
    // positional bounds are used (the reported bug: values stayed in ±0.05)
    const u = stats(nn.randomUniform([10000], 0, 3));
    expect(u.min).toBeGreaterThanOrEqual(0);
    expect(u.max).toBeLessThan(3);
    expect(u.max).toBeGreaterThan(2.9);
    expect(Math.abs(u.mean - 1.5)).toBeLessThan(0.05);
    // the default is [0, 1) in both forms, as tf.randomUniform, keras.random.uniform and torch.rand
    for (const d of [stats(nn.randomUniform([10000])), stats(nn.randomUniform([10000], { seed: 2 }))]) {
      expect(d.min).toBeGreaterThanOrEqual(0);
      expect(d.max).toBeLessThan(1);
      expect(d.max).toBeGreaterThan(0.99);
      expect(Math.abs(d.mean - 0.5)).toBeLessThan(0.02);
    }
    const n = stats(nn.truncatedNormal([10000], 5, 2, undefined, 3));
    expect(n.min).toBeGreaterThanOrEqual(5 - 4);
    expect(n.max).toBeLessThanOrEqual(5 + 4);
    expect(Math.abs(n.mean - 5)).toBeLessThan(0.05);
  });

  it("randomUniform stays below maxval even where float32 rounding would reach it", () => {
    // [1, 1 + 2^-23) holds one float32, 1: half of the draws 1 + 2^-23·u round up to maxval unless capped
    const t = nn.randomUniform([1000], 1, 1 + 2 ** -23, "float32", 4);
    expect(new Set(t.data)).toEqual(new Set([1]));
    t.dispose();
    const z = nn.randomUniform([1000], -1, 0, undefined, 4);
    expect(Math.max(...z.data)).toBeLessThan(0);
    z.dispose();
    expect(() => nn.randomUniform([2], 1, 1 + 2 ** -30)).toThrow(/maxval must be greater than minval \(as float32\)/);
  });

  it("random tensors refuse mixed forms, extra arguments and wrong types, naming both forms", () => {
    const before = nn.memory();
    const call = nn.randomUniform as (...a: unknown[]) => Tensor;
    expect(() => call([2], { minval: 0 }, 3)).toThrow(/randomUniform takes an options object or positional arguments, not both; expected randomUniform\(shape, \{ minval, maxval, seed \}\) or randomUniform\(shape, minval, maxval, dtype, seed\)/);
    expect(() => call([2], 0, 1, "float32", 1, "extra")).toThrow(/randomUniform received 6 arguments/);
    expect(() => call([2], "0", 1)).toThrow(/randomUniform minval must be a number; received "0"/);
    expect(() => nn.randomNormal([2], 0, NaN)).toThrow(/randomNormal stddev must be a number in \[0, Infinity\]; received NaN/);
    expect(() => nn.randomNormal([2], { truncated: "yes" as never })).toThrow(/randomNormal truncated must be a boolean/);
    expect(() => nn.randomNormal([2], 0, 1, undefined, "seed" as never)).toThrow(/randomNormal seed must be a finite number/);
    expect(() => nn.truncatedNormal([2], null as never)).toThrow(/truncatedNormal options must be an object; received null/);
    expect(nn.memory()).toEqual(before);
  });

  it("work with `using` (Tensor declares [Symbol.dispose])", () => {
    const before = nn.memory();
    let seen: Tensor | undefined;
    {
      using t = nn.ones([5]);
      seen = t;
      expect(nn.memory().allocations).toBe(before.allocations + 1);
    }
    expect(seen.isDisposed).toBe(true);
    expect(nn.memory()).toEqual(before);
  });

  it("belong to one instance", async () => {
    const other = await instance("scalar");
    const t = other.ones([2]);
    expect(() => nn.sum(t)).toThrow(/another simdnn instance \(backend 'scalar'\)/);
    t.dispose();
  });
});

describe("nn.tidy", async () => {
  const nn = await instance("simd");

  it("disposes what was made inside except what is returned, nested, and on throw", () => {
    const before = nn.memory().bytesInUse;
    let inner: ReturnType<typeof nn.ones> | undefined;
    const kept = nn.tidy(() => {
      nn.ones([100]);
      const r = nn.tidy(() => {
        inner = nn.ones([3]);
        return { a: nn.fill([2], 5), list: [nn.zeros([1])] };
      });
      expect(inner?.isDisposed).toBe(true);
      expect(r.a.isDisposed).toBe(false);
      return r.a;
    });
    expect(Array.from(kept.data)).toEqual([5, 5]);
    kept.dispose();
    expect(nn.memory().bytesInUse).toBe(before);
    expect(() => nn.tidy(() => { nn.ones([7]); throw new Error("boom"); })).toThrow("boom");
    expect(nn.memory().bytesInUse).toBe(before);
    expect(() => nn.tidy(async () => 1)).toThrow(/async/);
  });
});
