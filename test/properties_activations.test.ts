// Property tests for every activation of the registry: random sizes (0…3000), values mixing edge.ts' edge
// values, any float32 and uniform/log-uniform magnitudes, random parameters where an activation takes them,
// forward out of place and in place, backward into a new tensor, into dy or into x. Each build against the
// float64 references of helpers/activation_spec.ts within the bound (4e-7 absolute + 2e-6 relative,
// as test/activations.test.ts) and the kernel's own stated bounds; the builds against each other; memory
// back where it was after every call. Seeds fixed (helpers/arbitraries.ts).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACTIVATION_NAMES, type ActivationName, type ActivationParams, type BackendName } from "../src/index.js";
import type { NN } from "../src/nn.js";
import { type PointwiseSpec, POINTWISE, ROWS } from "./helpers/activation_spec.js";
import { ACTIVATION_MIX, between, realize, recipeArb, runs, sizeArb } from "./helpers/arbitraries.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";

const TOL = { atol: 4e-7, rtol: 2e-6 };
const f32 = Math.fround;
const RUNS = 100;
const ROW_RUNS = 60;

/**
 * Ranges for the parameters an activation takes: leakyRelu's slope (PyTorch 0.01, Keras 0.3), elu's scale
 * (the spec rows test 1 and 2), hardSigmoid's slope (1/6 and 0.2 in the spec rows).
 */
const ALPHA_RANGE: Partial<Record<ActivationName, [number, number]>> = { leakyRelu: [0, 1], elu: [0.1, 2], hardSigmoid: [0.05, 1] };

/**
 * The spec row's f and df for a random alpha. hardSigmoid's rows fix their kinks at alpha 1/6 and 0.2, so for
 * another slope the derivative is the kernel's documented one: alpha where t = x·alpha + 0.5 (in float32,
 * plain mul and add in every build) lies strictly inside (0, 1), i.e. where the forward does not clip.
 */
function withAlpha(spec: PointwiseSpec & { name: ActivationName }): Pick<PointwiseSpec, "f" | "df"> {
  if (spec.name !== "hardSigmoid") return spec;
  return {
    f: (x, a) => Math.min(Math.max(a * x + 0.5, 0), 1),
    df: (x, a) => { const t = f32(f32(x * f32(a)) + 0.5); return t > 0 && t < 1 ? a : 0; },
  };
}

type Out = "new" | "dy" | "x" | "separate";

/** Runs forward (out of place and in place) and backward (into `out`) on one build; checks in-place bits and memory. */
function run(nn: NN, name: ActivationName, params: ActivationParams | undefined, xs: Float32Array, dys: Float32Array, out: Out) {
  const before = nn.memory();
  const x = nn.tensor(xs), dy = nn.tensor(dys);
  const yT = nn.activation(name, x, params);
  const y = yT.data.slice();
  const inPlace = nn.tensor(xs);
  nn.activation(name, inPlace, params, { out: inPlace });
  expect(Array.from(inPlace.data), `${nn.backend}: in place differs from out of place`).toEqual(Array.from(y));
  const fresh = nn.activationBackward(name, x, dy, params);
  const dx = fresh.data.slice();
  if (out !== "new") {
    const target = out === "dy" ? dy : out === "x" ? x : nn.zeros([xs.length]);
    expect(nn.activationBackward(name, x, dy, params, { out: target })).toBe(target);
    expect(Array.from(target.data), `${nn.backend}: backward into ${out} differs from a new dx`).toEqual(Array.from(dx));
    if (out === "separate") target.dispose();
  }
  nn.dispose(x, dy, yT, inPlace, fresh);
  const after = nn.memory();
  expect([after.bytesInUse, after.allocations], `${nn.backend}: memory in use`).toEqual([before.bytesInUse, before.allocations]);
  return { y, dx };
}

const SPECS = Object.entries(POINTWISE);

describe("registry coverage", () => {
  it("every activation has a pointwise spec row, is row-wise or is prelu (each tested below)", () => {
    const covered = new Set([...SPECS.map(([, s]) => s.name), ...Object.keys(ROWS), "prelu"]);
    expect(ACTIVATION_NAMES.filter((n) => !covered.has(n))).toEqual([]);
  });
});

describe("pointwise activations: every build vs float64 and vs each other", async () => {
  const all = await instances();

  it.each(SPECS)("%s", (_label, spec) => {
    const range = ALPHA_RANGE[spec.name];
    const fixed = spec.params?.alpha ?? spec.params?.maxValue;
    const alphaArb = range && fixed !== undefined ? fc.oneof(fc.constant(fixed), between(...range)) : fc.constant(fixed ?? 0);
    const outArb = fc.constantFrom<Out>("new", "dy", "x", "separate");
    fc.assert(fc.property(recipeArb(3000), fc.integer({ min: 0, max: 0x7fffffff }), alphaArb, outArb, (recipe, dySeed, alpha, out) => {
      const xs = realize(recipe, ACTIVATION_MIX);
      const dys = uniform(xs.length, -2, 2, dySeed);
      const random = alpha !== fixed;
      const { f, df } = random ? withAlpha(spec) : spec;
      const params: ActivationParams | undefined = spec.params ? { ...spec.params, ...(range ? { alpha } : {}) } : undefined;
      const yRef = Array.from(xs, (x) => f32(f(x, alpha)));
      const dxRef = Array.from(xs, (x, i) => f32(df(x, alpha) * dys[i]));
      const got = {} as Record<BackendName, { y: Float32Array; dx: Float32Array }>;
      for (const b of BUILDS) {
        const r = (got[b] = run(all[b], spec.name, params, xs, dys, out));
        expect(r.y, `${b} forward`).toBeCloseArray(yRef, TOL);
        expect(r.dx, `${b} backward`).toBeCloseArray(dxRef, TOL);
        for (const { atol, rtol, where } of random ? [] : spec.bounds ?? []) {
          const idx = Array.from(xs.keys()).filter((i) => !where || where(xs[i], f(xs[i], alpha)));
          expect(idx.map((i) => r.y[i]), `${b} forward within the kernel's stated bound`).toBeCloseArray(idx.map((i) => f(xs[i], alpha)), { atol, rtol });
        }
      }
      for (const b of ["simd", "relaxed-simd"] as const) {
        expect(got[b].y, `${b} forward vs scalar`).toBeCloseArray(got.scalar.y, TOL);
        expect(got[b].dx, `${b} backward vs scalar`).toBeCloseArray(got.scalar.dx, TOL);
      }
    }), runs("activations", RUNS));
  });
});

/**
 * float64 Jacobian–vector products of the row-wise activations from a row's float64 forward y, and the part of
 * each element's error that the row's float32 sum carries: softmax dx = y·(dy − Σ dy·y), logSoftmax
 * dx = dy − p·Σ dy (p = e^y), so element j inherits p_j times the sum's error, bounded as a dot product of
 * `cols` terms is in assembly/gemm.ts: (cols + 2)·2^-24·Σ|terms|. (A row that one huge value dominates has
 * p = 1 there, and a 368-term Σ dy in float32 is 3e-6 off: FC_SEED=99.)
 */
const JVP = {
  softmax: (y: number[], dy: ArrayLike<number>) => {
    let s = 0, abs = 0;
    y.forEach((v, j) => { s += dy[j] * v; abs += Math.abs(dy[j] * v); });
    return { dx: y.map((v, j) => v * (dy[j] - s)), sumErr: y.map((v) => v * (y.length + 2) * 2 ** -24 * abs) };
  },
  logSoftmax: (y: number[], dy: ArrayLike<number>) => {
    let s = 0, abs = 0;
    for (let j = 0; j < y.length; j++) { s += dy[j]; abs += Math.abs(dy[j]); }
    return { dx: y.map((v, j) => dy[j] - Math.exp(v) * s), sumErr: y.map((v) => Math.exp(v) * (y.length + 2) * 2 ** -24 * abs) };
  },
} as const;

/** Elementwise |a − e| ≤ atol + extra[i] + rtol·|e| (toBeCloseArray with a per-element absolute term); names the first failures. */
function expectCloseEach(actual: ArrayLike<number>, expected: readonly number[], extra: readonly number[], tol: { atol: number; rtol: number }, what: string): void {
  const bad: string[] = [];
  for (let i = 0; i < expected.length && bad.length < 3; i++) {
    const e = expected[i], a = actual[i];
    if (!(Math.abs(a - e) <= tol.atol + extra[i] + tol.rtol * Math.abs(e))) bad.push(`index ${i}: received ${a}, expected ${e} ± ${tol.atol + extra[i] + tol.rtol * Math.abs(e)}`);
  }
  expect(bad, what).toEqual([]);
}

// Rows mostly uniform on ±30 (as activations.test.ts), some ±1e4, edge values and any magnitude planted.
const ROW_MIX = { edge: 0.03, narrow: 0.8, wide: 0.12, range: { narrow: 30, wide: 1e4 } };
const COLS = fc.oneof(fc.constantFrom(1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33, 63, 64, 65, 1023, 1024, 1025), fc.integer({ min: 0, max: 1100 }));
// The backward tolerance of activations.test.ts' row-wise tests (there against central differences), plus JVP's sumErr.
const ROW_GRAD_TOL = { atol: 2e-6, rtol: 1e-5 };

describe.each(Object.keys(ROWS) as (keyof typeof ROWS)[])("%s over random [rows, cols]: every build vs float64 and vs each other", async (name) => {
  const all = await instances();
  it("forward (new and in place) and backward, rows with NaN/±Inf compared forward only", () => {
    const arb = fc.record({ rows: sizeArb(40), cols: COLS, seed: fc.integer({ min: 0, max: 0x7fffffff }), planted: fc.array(fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 3.4e38, -3.4e38, 88, -88, 0, -0), fc.float()), { maxLength: 6 }) });
    fc.assert(fc.property(arb, ({ rows, cols, seed, planted }) => {
      const xs = realize({ n: rows * cols, seed, planted }, ROW_MIX);
      const dys = uniform(xs.length, -1, 1, seed + 7);
      const yRef: number[] = [], dxRef: number[] = [], sumErr: number[] = [], finiteAt: number[] = [];
      for (let r = 0; r < rows; r++) {
        const row = Array.from(xs.subarray(r * cols, (r + 1) * cols));
        const y = ROWS[name](row);
        yRef.push(...y.map(f32));
        if (row.every(Number.isFinite)) {
          const j = JVP[name](y, dys.subarray(r * cols, (r + 1) * cols));
          dxRef.push(...j.dx);
          sumErr.push(...j.sumErr);
          for (let j = 0; j < cols; j++) finiteAt.push(r * cols + j);
        }
      }
      const got: Partial<Record<BackendName, { y: Float32Array; dx: Float32Array }>> = {};
      for (const b of BUILDS) {
        const nn = all[b];
        const before = nn.memory();
        const x = nn.tensor(xs, [rows, cols]), dy = nn.tensor(dys, [rows, cols]);
        const y = nn.activation(name, x);
        const copy = nn.tensor(xs, [rows, cols]);
        nn.activation(name, copy, undefined, { out: copy });
        expect(Array.from(copy.data), `${b}: in place`).toEqual(Array.from(y.data));
        const dx = nn.activationBackward(name, x, dy);
        const r = (got[b] = { y: y.data.slice(), dx: dx.data.slice() });
        nn.dispose(x, dy, y, copy, dx);
        expect(nn.memory().bytesInUse, `${b}: memory in use`).toBe(before.bytesInUse);
        expect(r.y, `${b} forward`).toBeCloseArray(yRef, TOL);
        expectCloseEach(finiteAt.map((i) => r.dx[i]), dxRef, sumErr, ROW_GRAD_TOL, `${b} backward`);
      }
      for (const b of ["simd", "relaxed-simd"] as const) {
        expect(got[b]!.y, `${b} forward vs scalar`).toBeCloseArray(got.scalar!.y, TOL);
        // each within the bound of float64, so within twice it of each other (FC_SEED=99: 3.3e-6 apart at 0.104)
        const twice = { atol: 2 * ROW_GRAD_TOL.atol, rtol: 2 * ROW_GRAD_TOL.rtol };
        expectCloseEach(finiteAt.map((i) => got[b]!.dx[i]), finiteAt.map((i) => got.scalar!.dx[i]), sumErr.map((e) => 2 * e), twice, `${b} backward vs scalar`);
      }
    }), runs("softmax", ROW_RUNS));
  });
});

// prelu: alpha a random number or a random tensor of the channel count. y and dx elementwise within the issue's
// bound at edge-mixed values; d alpha (a dot product over the rows per channel) on channels whose inputs are
// finite, within the dot-product bound assembly/gemm.ts states, (rows + 2)·2^-24·Σ|x·dy|, plus
// activations.test.ts' 1e-6 absolute / 1e-5 relative (channels whose Σ|x·dy| passes FLT_MAX left out).
describe("prelu over random [rows, cols] and alpha: every build vs float64", async () => {
  const all = await instances();
  it("forward, dx and d alpha", () => {
    const arb = fc.record({
      rows: sizeArb(40), cols: fc.oneof(fc.constantFrom(1, 3, 4, 5, 8, 17), fc.integer({ min: 1, max: 70 })),
      seed: fc.integer({ min: 0, max: 0x7fffffff }), planted: fc.array(fc.float(), { maxLength: 6 }),
      alpha: fc.oneof(between(-1, 1), fc.constant("tensor" as const)),
    });
    fc.assert(fc.property(arb, ({ rows, cols, seed, planted, alpha }) => {
      const xs = realize({ n: rows * cols, seed, planted }, ACTIVATION_MIX), dys = uniform(xs.length, -1, 1, seed + 9);
      const al = alpha === "tensor" ? uniform(cols, -0.5, 1, seed + 3) : new Float32Array(cols).fill(alpha);
      const a = (i: number) => al[i % cols];
      const yRef = Array.from(xs, (x, i) => f32(x > 0 ? x : a(i) * x));
      const dxRef = Array.from(xs, (x, i) => f32(x > 0 ? dys[i] : a(i) * dys[i]));
      const finite = Array.from({ length: cols }, (_, c) => Array.from({ length: rows }, (_, r) => xs[r * cols + c]).every(Number.isFinite));
      const da = new Float64Array(cols), daAbs = new Float64Array(cols);
      xs.forEach((x, i) => { if (!(x > 0)) { da[i % cols] += x * dys[i]; daAbs[i % cols] += Math.abs(x * dys[i]); } });
      // a channel whose Σ|x·dy| passes FLT_MAX may overflow in a float32 partial sum: not compared
      const checked = finite.flatMap((ok, c) => (ok && daAbs[c] <= 3.4e38 ? [c] : []));
      const worst = checked.reduce((m, c) => Math.max(m, daAbs[c]), 0);
      const daTol = { atol: (rows + 2) * 2 ** -24 * worst + 1e-6, rtol: 1e-5 };
      for (const b of BUILDS) {
        const nn = all[b];
        const before = nn.memory();
        const x = nn.tensor(xs, [rows, cols]), dy = nn.tensor(dys, [rows, cols]), at = nn.tensor(al);
        const params = { alpha: alpha === "tensor" ? at : alpha };
        const y = nn.activation("prelu", x, params);
        const { dx, dalpha } = nn.activations.preluBackward(x, dy, params);
        expect(y.data, `${b} forward`).toBeCloseArray(yRef, TOL);
        expect(dx.data, `${b} dx`).toBeCloseArray(dxRef, TOL);
        expect(checked.map((c) => dalpha.data[c]), `${b} d alpha`).toBeCloseArray(checked.map((c) => f32(da[c])), daTol);
        expect(Array.from(at.data), `${b}: alpha tensor changed`).toEqual(Array.from(al));
        nn.dispose(x, dy, at, y, dx, dalpha);
        expect(nn.memory().bytesInUse, `${b}: memory in use`).toBe(before.bytesInUse);
      }
    }), runs("activations", ROW_RUNS));
  });
});
