import { describe, expect, it } from "vitest";
import { BUILDS, instances } from "./helpers/backends.js";
import { SIZES, uniform } from "./helpers/edge.js";

describe.each(BUILDS)("reductions and blas1 (%s)", async (backend) => {
  const nn = (await instances())[backend];
  const k = nn.kernels;

  it.each([...SIZES, 1_000_003])("sum, sum of squares, dot, max at n = %i", (n) => {
    const xs = uniform(n, -1, 1, 7);
    const ys = uniform(n, -1, 1, 8);
    const x = nn.tensor(xs);
    const y = nn.tensor(ys);
    let s = 0, sq = 0, d = 0, abs = 0, m = -Infinity;
    for (let i = 0; i < n; i++) {
      s += xs[i]; sq += xs[i] ** 2; d += xs[i] * ys[i]; abs += Math.abs(xs[i]); m = Math.max(m, xs[i]);
    }
    // bound from assembly/reduce.ts: (1024/4 + 2)·2^-24·Σ|x|
    const bound = 258 * 2 ** -24;
    expect(Math.abs(k.red_sum(x.ptr, n) - s)).toBeLessThanOrEqual(bound * abs + 1e-30);
    expect(Math.abs(k.red_sum_squares(x.ptr, n) - sq)).toBeLessThanOrEqual(bound * sq + 1e-30);
    expect(Math.abs(k.red_dot(x.ptr, y.ptr, n) - d)).toBeLessThanOrEqual(bound * abs + 1e-30);
    expect(k.red_max(x.ptr, n)).toBe(n ? Math.fround(m) : -Infinity);
    x.dispose();
    y.dispose();
  });

  it("max propagates NaN; sum of ±Inf follows IEEE", () => {
    const t = nn.tensor([1, NaN, 3, 4, 5]);
    expect(k.red_max(t.ptr, 5)).toBeNaN();
    const u = nn.tensor([1, Infinity, 2]);
    expect(k.red_sum(u.ptr, 3)).toBe(Infinity);
    t.dispose();
    u.dispose();
  });

  it.each([0, 1, 5, 17])("row sums of a %i-column matrix", (cols) => {
    const xs = uniform(3 * cols, -1, 1);
    const x = nn.tensor(xs);
    const out = nn.zeros([3]);
    k.red_row_sums(out.ptr, x.ptr, 3, cols);
    const expected = [0, 1, 2].map((r) => xs.slice(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0));
    expect(out.data).toBeCloseArray(expected, { atol: 1e-6 });
    x.dispose();
    out.dispose();
  });

  it.each(SIZES)("elementwise add, mul, scale, axpy, fill at n = %i (in place too)", (n) => {
    const as = uniform(n, -2, 2, 1);
    const bs = uniform(n, -2, 2, 2);
    const a = nn.tensor(as);
    const b = nn.tensor(bs);
    const out = nn.zeros([n]);
    k.ew_add(out.ptr, a.ptr, b.ptr, n);
    expect(out.data).toBeCloseArray(as.map((v, i) => v + bs[i]), { atol: 0, rtol: 2 ** -24 });
    k.ew_mul(out.ptr, a.ptr, b.ptr, n);
    expect(out.data).toBeCloseArray(as.map((v, i) => v * bs[i]), { atol: 0, rtol: 2 ** -24 });
    k.ew_scale(out.ptr, a.ptr, -3, n);
    expect(out.data).toBeCloseArray(as.map((v) => -3 * v), { atol: 0, rtol: 2 ** -24 });
    k.ew_axpy(b.ptr, 0.5, a.ptr, n); // in place on y
    expect(b.data).toBeCloseArray(as.map((v, i) => 0.5 * v + bs[i]), { atol: 1e-6, rtol: 1e-6 });
    k.mem_fill(out.ptr, 7, n);
    expect(Array.from(out.data)).toEqual(new Array(n).fill(7));
    for (const t of [a, b, out]) t.dispose();
  });
});

describe.each(BUILDS)("column sums (%s)", async (backend) => {
  const nn = (await instances())[backend];
  it.each([[1, 1], [3, 5], [7, 17], [128, 10], [0, 3]])("of a %i×%i matrix", (rows, cols) => {
    const xs = uniform(rows * cols, -1, 1, 5);
    const x = nn.tensor(xs);
    const out = nn.fill([cols], 99);
    nn.kernels.red_col_sums(out.ptr, x.ptr, rows, cols);
    const expected = Array.from({ length: cols }, (_, c) => { let s = 0; for (let r = 0; r < rows; r++) s += xs[r * cols + c]; return s; });
    expect(out.data).toBeCloseArray(expected, { atol: 1e-5, rtol: 1e-6 });
    x.dispose();
    out.dispose();
  });
});
