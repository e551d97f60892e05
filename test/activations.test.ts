import { describe, expect, it } from "vitest";
import { ACTIVATION_NAMES, ACTIVATIONS, type ActivationName, ShapeError, ValueError } from "../src/index.js";
import { gradReads } from "../src/activations.js";
import type { NN } from "../src/nn.js";
import type { KernelFamily } from "../src/runtime.js";
import { kernelParam, POINTWISE, ROWS } from "./helpers/activation_spec.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { EDGE_VALUES, SIZES, cycle, uniform } from "./helpers/edge.js";
import { centralDiff } from "./helpers/reference.js";

// The bound: 4e-7 absolute + 2e-6 relative, forward and backward, against float64.
const TOL = { atol: 4e-7, rtol: 2e-6 };
const SPECS = Object.entries(POINTWISE);
const f32 = Math.fround;

function forward(nn: NN, name: ActivationName, params: object | undefined, xs: Float32Array, inPlace = false): Float32Array {
  const x = nn.tensor(xs);
  const y = nn.activation(name, x, params, inPlace ? { out: x } : {});
  const r = y.data.slice();
  x.dispose();
  y.dispose();
  return r;
}

function backward(nn: NN, name: ActivationName, params: object | undefined, xs: Float32Array, dys: Float32Array): Float32Array {
  const x = nn.tensor(xs);
  const dy = nn.tensor(dys);
  const dx = nn.activationBackward(name, x, dy, params);
  const r = dx.data.slice();
  for (const t of [x, dy, dx]) t.dispose();
  return r;
}

const points = Float32Array.from([...EDGE_VALUES, ...uniform(10_000, -100, 100, 11), ...uniform(2_000, -8, 8, 12)]);
const dys = uniform(points.length, -2, 2, 13);

describe("the registry", () => {
  it("has a float64 reference for every activation", () => {
    const covered = new Set([...SPECS.map(([, s]) => s.name), ...Object.keys(ROWS), "prelu"]);
    expect(ACTIVATION_NAMES.filter((n) => !covered.has(n))).toEqual([]);
  });
});

describe.each(BUILDS)("pointwise activations (%s)", async (backend) => {
  const nn = (await instances())[backend];

  describe.each(SPECS)("%s", (_label, spec) => {
    const alpha = kernelParam(spec);
    it("forward within 4e-7 + 2e-6·|y| of float64 at the edge values and 12k points", () => {
      const y = forward(nn, spec.name, spec.params, points);
      expect(y).toBeCloseArray(Array.from(points, (x) => f32(spec.f(x, alpha))), TOL);
    });

    if (spec.bounds) it("forward within the kernel's own stated bounds", () => {
      for (const { atol, rtol, where } of spec.bounds ?? []) {
        const xs = Array.from(points).filter((x) => !where || where(x, spec.f(x, alpha)));
        expect(xs.length).toBeGreaterThan(1000);
        const y = forward(nn, spec.name, spec.params, Float32Array.from(xs));
        expect(y).toBeCloseArray(xs.map((x) => spec.f(x, alpha)), { atol, rtol });
      }
    });

    it("backward within the same bound of the exact derivative", () => {
      const dx = backward(nn, spec.name, spec.params, points, dys);
      expect(dx).toBeCloseArray(Array.from(points, (x, i) => f32(spec.df(x, alpha) * dys[i])), TOL);
    });

    it("backward matches float64 central differences of the reference away from kinks", () => {
      const xs = uniform(400, -6, 6, 21).filter((x) => !(spec.kinks ?? []).some((k) => Math.abs(x - k) < 1e-3));
      const dx = backward(nn, spec.name, spec.params, Float32Array.from(xs), new Float32Array(xs.length).fill(1));
      expect(dx).toBeCloseArray(Array.from(xs, (x) => centralDiff((v) => spec.f(v, alpha), x, 1e-5)), { atol: 2e-6, rtol: 1e-5 });
    });

    it.each(SIZES)("n = %i: every tail, out of place and in place (forward), dx may alias dy", (n) => {
      const xs = cycle(points, n, 5);
      const expected = Array.from(xs, (x) => f32(spec.f(x, alpha)));
      expect(forward(nn, spec.name, spec.params, xs)).toBeCloseArray(expected, TOL);
      expect(forward(nn, spec.name, spec.params, xs, true)).toBeCloseArray(expected, TOL);
      const x = nn.tensor(xs);
      const dy = nn.tensor(dys.subarray(0, n));
      const y = nn.activation(spec.name, x, spec.params);
      nn.kernels[spec.params?.approximate === "tanh" ? "act_gelu_tanh_grad" : (`${kernelOf(spec.name)}_grad` as const)](dy.ptr, x.ptr, y.ptr, dy.ptr, n, alpha);
      expect(dy.data).toBeCloseArray(Array.from(xs, (v, i) => f32(spec.df(v, alpha) * dys[i])), TOL);
      for (const t of [x, dy, y]) t.dispose();
    });
  });
});

/** The exports called by these computed names: elementwise forward (out, x, n, alpha), each with a `_grad`. */
type PointwiseKernel = KernelFamily<"act_", [out: number, x: number, n: number, alpha: number], [], void>;

function kernelOf(name: ActivationName): PointwiseKernel {
  const kernel = { swish: "act_silu" }[name as string] ?? "act_" + name.replace(/[A-Z0-9]+/g, (m) => "_" + m.toLowerCase()).replace("relu_6", "relu6");
  return kernel as PointwiseKernel; // a misspelt derivation fails at run time: nn.kernels has no such function
}

describe("scalar and SIMD builds agree within the bound", async () => {
  const all = await instances();
  it.each(SPECS)("%s", (_label, spec) => {
    const s = forward(all.scalar, spec.name, spec.params, points);
    const ds = backward(all.scalar, spec.name, spec.params, points, dys);
    for (const b of ["simd", "relaxed-simd"] as const) {
      expect(forward(all[b], spec.name, spec.params, points)).toBeCloseArray(s, TOL);
      expect(backward(all[b], spec.name, spec.params, points, dys)).toBeCloseArray(ds, TOL);
    }
  });
});

describe.each(BUILDS)("softmax and logSoftmax over the last axis (%s)", async (backend) => {
  const nn = (await instances())[backend];
  // rows ≥ 4 with cols ≤ 64 take the rows-in-lanes path in the SIMD builds (cols < 4: lane gathers;
  // cols mod 4 ≠ 0: an overlapping last group), the rows mod 4 left and longer rows the row path
  const shapes = [[1, 1], [1, 3], [2, 4], [3, 5], [4, 7], [2, 17], [5, 33], [2, 1024], [3, 1025], [2, 3, 9],
    [8, 1], [5, 2], [7, 3], [9, 10], [6, 16], [4, 64], [4, 65]];

  describe.each(Object.entries(ROWS))("%s", (name, ref) => {
    it.each(shapes)("shape [%i, %i…]: forward and Jacobian–vector product vs float64", (...shape) => {
      const cols = shape[shape.length - 1];
      const size = shape.reduce((a, b) => a * b, 1);
      const xs = Float32Array.from(uniform(size, -30, 30, cols));
      const x = nn.tensor(xs, shape);
      const y = nn.activation(name as ActivationName, x);
      const expected: number[] = [];
      for (let r = 0; r < size / cols; r++) expected.push(...ref(Array.from(xs.subarray(r * cols, (r + 1) * cols))));
      expect(y.data).toBeCloseArray(expected, TOL);
      // in place (out = x) gives the same bits: softmax scales row r while it reads row r + 1
      const xi = nn.tensor(xs, shape);
      nn.activation(name as ActivationName, xi, undefined, { out: xi });
      expect(Array.from(xi.data)).toEqual(Array.from(y.data));
      xi.dispose();
      // backward vs finite differences of L = Σ dy·f(x) in float64, row by row
      const g = uniform(size, -1, 1, 99);
      const dy = nn.tensor(g, shape);
      const dx = nn.activationBackward(name as ActivationName, x, dy);
      const num: number[] = [];
      for (let r = 0; r < size / cols; r++) {
        const row = Array.from(xs.subarray(r * cols, (r + 1) * cols));
        const gr = g.subarray(r * cols, (r + 1) * cols);
        for (let c = 0; c < cols; c++) {
          num.push(centralDiff((v) => { const rr = row.slice(); rr[c] = v; return ref(rr).reduce((s, yv, j) => s + yv * gr[j], 0); }, row[c], 1e-6));
        }
      }
      expect(dx.data).toBeCloseArray(num, { atol: 2e-6, rtol: 1e-5 });
      for (const t of [x, y, dy, dx]) t.dispose();
    });
  });

  it("stay finite at extremes: softmax([1000, 0]) = [1, 0], NaN propagates, in place works", () => {
    const x = nn.tensor([[1000, 0], [-1000, 1000], [NaN, 1], [-Infinity, 0]]);
    const y = nn.activation("softmax", x);
    expect(Array.from(y.data)).toEqual([1, 0, 0, 1, NaN, NaN, 0, 1]);
    nn.activation("logSoftmax", x, undefined, { out: x });
    expect(Array.from(x.data)).toEqual([0, -1000, -2000, 0, NaN, NaN, -Infinity, 0]);
    x.dispose();
    y.dispose();
  });
});

describe.each(BUILDS)("prelu (%s)", async (backend) => {
  const nn = (await instances())[backend];
  it.each([[3, 1], [2, 4], [3, 5], [4, 17]])("[%i, %i] forward, dx and dalpha vs float64", (rows, cols) => {
    const xs = uniform(rows * cols, -3, 3, cols);
    const al = uniform(cols, 0, 0.5, 7);
    const g = uniform(rows * cols, -1, 1, 8);
    const x = nn.tensor(xs, [rows, cols]);
    const alpha = nn.tensor(al);
    const dy = nn.tensor(g, [rows, cols]);
    const y = nn.activation("prelu", x, { alpha });
    expect(y.data).toBeCloseArray(Array.from(xs, (v, i) => (v > 0 ? v : al[i % cols] * v)), TOL);
    const { dx, dalpha } = nn.activations.preluBackward(x, dy, { alpha });
    expect(dx.data).toBeCloseArray(Array.from(xs, (v, i) => (v > 0 ? g[i] : al[i % cols] * g[i])), TOL);
    const da = Array.from({ length: cols }, (_, c) => { let s = 0; for (let r = 0; r < rows; r++) { const v = xs[r * cols + c]; if (!(v > 0)) s += v * g[r * cols + c]; } return s; });
    expect(dalpha.data).toBeCloseArray(da, { atol: 1e-6, rtol: 1e-5 });
    // a number alpha is broadcast to every channel
    const y2 = nn.activation("prelu", x, { alpha: 0.25 });
    expect(y2.data).toBeCloseArray(Array.from(xs, (v) => (v > 0 ? v : 0.25 * v)), TOL);
    for (const t of [x, alpha, dy, y, dx, dalpha, y2]) t.dispose();
  });
});

describe("the issue's extreme cases", async () => {
  const all = await instances();
  it.each(BUILDS)("%s: sigmoid(±100) = 1/0, softplus(100) = 100, NaN propagates, ±Inf behave", (b) => {
    const nn = all[b];
    expect(Array.from(forward(nn, "sigmoid", undefined, Float32Array.from([100, -100, Infinity, -Infinity, NaN])))).toEqual([1, 0, 1, 0, NaN]);
    expect(Array.from(forward(nn, "softplus", undefined, Float32Array.from([100, -100, Infinity, -Infinity, 0])))).toEqual([100, 0, Infinity, 0, f32(Math.LN2)]);
    expect(Array.from(forward(nn, "tanh", undefined, Float32Array.from([20, -20, Infinity, -Infinity, -0])))).toEqual([1, -1, 1, -1, -0]);
    expect(Array.from(forward(nn, "relu", undefined, Float32Array.from([NaN, -Infinity, Infinity])))).toEqual([NaN, 0, Infinity]);
  });
});

describe.each(BUILDS)("the registry's grad column says what each backward kernel reads (%s)", async (backend) => {
  const nn = (await instances())[backend];
  // The API skips the forward where y is unread and dense layers keep z only where x is read, so a wrong
  // entry would silently corrupt gradients: garbage in every slot the entry says is unread must not matter.
  it.each(SPECS.filter(([, s]) => ACTIVATIONS[s.name].kind === "pointwise"))("%s", (_label, spec) => {
    const n = 37, alpha = kernelParam(spec);
    const kernel = spec.params?.approximate === "tanh" ? "act_gelu_tanh" : kernelOf(spec.name);
    const entry = ACTIVATIONS[spec.name];
    const x = nn.tensor(cycle(points, n, 3)), y = nn.zeros([n]), dy = nn.tensor(dys.subarray(0, n));
    const junk = nn.tensor(uniform(n, -50, 50, 77)), dx = nn.zeros([n]), dxJunk = nn.zeros([n]);
    nn.kernels[kernel](y.ptr, x.ptr, n, alpha);
    nn.kernels[`${kernel}_grad` as const](dx.ptr, x.ptr, y.ptr, dy.ptr, n, alpha);
    nn.kernels[`${kernel}_grad` as const](dxJunk.ptr, gradReads(entry, "x") ? x.ptr : junk.ptr, gradReads(entry, "y") ? y.ptr : junk.ptr, dy.ptr, n, alpha);
    expect(Array.from(dxJunk.data)).toEqual(Array.from(dx.data));
    for (const t of [x, y, dy, junk, dx, dxJunk]) t.dispose();
  });
});

describe.each(BUILDS)("tanh's rational form and its sech² gradient (%s)", async (backend) => {
  const nn = (await instances())[backend];
  /** Every float32 from lo up to hi. */
  const floats = (lo: number, hi: number) => {
    const bits = new Uint32Array(Float32Array.of(lo, hi).buffer);
    const u = new Uint32Array(bits[1] - bits[0] + 1).map((_, i) => bits[0] + i);
    return new Float32Array(u.buffer);
  };
  it("every float32 in [7.5, 9.1] (where evaluation error peaks and the clamp sits): relative ≤ 4.9e-7, |y| ≤ 1, odd", () => {
    const xs = floats(7.5, 9.1);
    expect(xs.length).toBeGreaterThan(2_000_000);
    const y = forward(nn, "tanh", undefined, xs);
    const yn = forward(nn, "tanh", undefined, xs.map((v) => -v));
    let worst = 0;
    for (let i = 0; i < xs.length; i++) {
      const t = Math.tanh(xs[i]);
      worst = Math.max(worst, Math.abs(y[i] - t) / t);
      if (!(y[i] <= 1) || yn[i] !== -y[i]) throw new Error(`tanh(${xs[i]}) = ${y[i]}, tanh(−x) = ${yn[i]}`);
    }
    expect(worst).toBeLessThanOrEqual(4.9e-7);
  });
  it("tanh(x) = x below 2^−13, and ±1 exactly from the clamp on", () => {
    const tiny = Float32Array.of(1e-30, -1e-20, 2 ** -14, 1.2e-4, -1.2e-4, 1e-38, -1e-45);
    expect(Array.from(forward(nn, "tanh", undefined, tiny))).toEqual(Array.from(tiny));
    const big = Float32Array.of(9.02, 9.5, 10, 44, 1e4, 3e38, -9.02, -1e4);
    expect(Array.from(forward(nn, "tanh", undefined, big))).toEqual([1, 1, 1, 1, 1, 1, -1, -1]);
  });
  it("the gradient reads x: sech² within 1e-6 relative for |x| ≤ 40, 0 beyond 44, whatever y holds", () => {
    const xs = Float32Array.from([...uniform(20_000, -40, 40, 31), ...uniform(2_000, -1e-3, 1e-3, 32), 0, -0, 44, -50, Infinity, -Infinity, NaN]);
    const x = nn.tensor(xs), dy = nn.tensor(new Float32Array(xs.length).fill(1)), junk = nn.tensor(new Float32Array(xs.length).fill(7));
    const dx = nn.tensor(new Float32Array(xs.length));
    nn.kernels.act_tanh_grad(dx.ptr, x.ptr, junk.ptr, dy.ptr, xs.length, 0);
    const expected = Array.from(xs, (v) => (Number.isNaN(v) ? NaN : Math.abs(v) >= 44 ? 0 : 1 / Math.cosh(v) ** 2));
    expect(dx.data).toBeCloseArray(expected, { atol: 0, rtol: 1e-6 });
    for (const t of [x, dy, junk, dx]) t.dispose();
  });
});

describe.each(BUILDS)("activationBackward into out (%s)", async (backend) => {
  const nn = (await instances())[backend];
  // y is recomputed into dx itself unless dx is x or dy: every case must give the bits of a fresh dx
  it.each(["relu", "sigmoid", "tanh", "gelu", "elu", "softmax", "logSoftmax", "prelu"] as const)("%s: out separate, out = dy and out = x give the same dx, and nothing leaks", (name) => {
    const xs = uniform(3 * 7, -4, 4, 11), gs = uniform(3 * 7, -1, 1, 12);
    const x = nn.tensor(xs, [3, 7]), dy = nn.tensor(gs, [3, 7]);
    const before = nn.memory();
    const fresh = nn.activationBackward(name, x, dy);
    const expected = Array.from(fresh.data);
    fresh.dispose();
    expect(nn.memory()).toEqual(before); // prelu's dalpha included
    const out = nn.zeros([3, 7]);
    expect(nn.activationBackward(name, x, dy, undefined, { out })).toBe(out);
    expect(Array.from(out.data)).toEqual(expected);
    nn.activationBackward(name, x, dy, undefined, { out: dy });
    expect(Array.from(dy.data)).toEqual(expected);
    dy.data.set(gs);
    nn.activationBackward(name, x, dy, undefined, { out: x });
    expect(Array.from(x.data)).toEqual(expected);
    const wrong = nn.zeros([7, 3]);
    expect(() => nn.activationBackward(name, x, dy, undefined, { out: wrong })).toThrow(/x \[3,7\] and out \[7,3\] must have the same shape/);
    nn.dispose(x, dy, out, wrong);
  });
});

describe("API errors", async () => {
  const nn = (await instances()).simd;
  it("name the problem and change nothing", () => {
    const x = nn.tensor([[1, 2, 3]]);
    const dy = nn.tensor([1, 2]);
    const before = nn.memory();
    expect(() => nn.activation("relu7" as ActivationName, x)).toThrow(/Unknown activation "relu7"; expected one of: linear, binaryStep, sigmoid/);
    expect(() => nn.activation("relu", x, { alpha: 2 })).toThrow(/'relu' takes no parameters; received alpha/);
    expect(() => nn.activation("leakyRelu", x, { alpha: NaN })).toThrow(/leakyRelu alpha must be a finite number; received NaN/);
    expect(() => nn.activation("gelu", x, { approximate: "erf" as "none" })).toThrow(/Unknown gelu approximate "erf"; expected one of: none, tanh/);
    expect(() => nn.activationBackward("tanh", x, dy)).toThrow(ShapeError);
    expect(() => nn.activationBackward("tanh", x, dy)).toThrow(/x \[1,3\] and dy \[2\] must have the same shape/);
    expect(() => nn.activation("softmax", x, undefined, { out: dy })).toThrow(/x \[1,3\] and out \[2\] must have the same shape/);
    const alpha = nn.tensor([0.1, 0.2]);
    expect(() => nn.activation("prelu", x, { alpha })).toThrow(/prelu alpha has 2 values \(shape \[2\]\) but x has 3 channels/);
    expect(() => nn.activation("softmax", nn.tensor(3))).toThrow(/rank ≥ 1/);
    expect(() => nn.activation("sigmoid", [1, 2] as never)).toThrow(ValueError);
    alpha.dispose();
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse + 16); // only the rank-0 tensor made inline above
    expect(Array.from(x.data)).toEqual([1, 2, 3]);
  });

  it("typed helpers run the same kernels", () => {
    const x = nn.tensor([-1, 0, 2]);
    const a = nn.activations.gelu(x, { approximate: "tanh" });
    const b = nn.activation("gelu", x, { approximate: "tanh" });
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    for (const t of [x, a, b]) t.dispose();
  });
});
