import { describe, expect, it } from "vitest";
import { DisposedError, ShapeError, ValueError } from "../src/index.js";
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
