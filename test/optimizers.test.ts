// Every optimizer × build × tail size against a float64 transcription of Keras' update rule, through
// both entry points (step on tensors, applyRaw on one block); builds against each other; clipping at
// NaN/±Inf; schedules against their closed forms; validation; flat memory over 1000 steps.
import { describe, expect, it } from "vitest";
import { DisposedError, ShapeError, ValueError } from "../src/index.js";
import type { NN } from "../src/nn.js";
import { Optimizer, OPTIMIZER_NAMES, OPTIMIZERS, type OptimizerName, optimizers, resolveOptimizer } from "../src/optimizers.js";
import type { LearningRateSchedule } from "../src/schedules.js";
import type { Tensor } from "../src/tensor.js";
import { BUILDS, instance } from "./helpers/backends.js";
import { cycle, SIZES, uniform } from "./helpers/edge.js";

const { schedules } = optimizers;
type Opts = Record<string, number | boolean | LearningRateSchedule>;

/** The Keras 3 update rule in float64 (keras/src/optimizers/*.py), state per variable. */
function reference(name: OptimizerName, options: Opts) {
  // every option read below is a number (clip options may be null, nesterov and centered are booleans) except learningRate
  const o = { ...OPTIMIZERS[name].defaults, ...options } as unknown as Record<string, number> & { learningRate: number | LearningRateSchedule };
  const state: Float64Array[][] = [];
  let iterations = 0;
  return (params: Float64Array[], grads: ArrayLike<number>[]) => {
    const lr = typeof o.learningRate === "function" ? o.learningRate(iterations) : o.learningRate;
    const t = ++iterations;
    const norm = (g: ArrayLike<number>) => Math.sqrt(Array.from(g).reduce((a, x) => a + x * x, 0));
    let gs = grads.map((g) => Float64Array.from(g));
    if (o.clipNorm) gs = gs.map((g) => g.map((x) => (x * o.clipNorm) / Math.max(norm(g), o.clipNorm)));
    else if (o.globalClipNorm) {
      const c = o.globalClipNorm, total = Math.hypot(...gs.map(norm));
      gs = gs.map((g) => g.map((x) => x * c * Math.min(1 / total, 1 / c)));
    } else if (o.clipValue) gs = gs.map((g) => g.map((x) => Math.min(Math.max(x, -o.clipValue), o.clipValue)));
    params.forEach((p, i) => {
      const g = gs[i];
      const [a, b, c] = (state[i] ??= [0, 1, 2].map((k) => new Float64Array(p.length).fill(name === "adagrad" && k === 0 ? o.initialAccumulatorValue : 0)));
      for (let j = 0; j < p.length; j++) {
        p[j] -= p[j] * o.weightDecay * lr;
        const x = g[j];
        if (name === "sgd") {
          if (o.momentum === 0) p[j] -= lr * x;
          else {
            a[j] = a[j] * o.momentum - x * lr;
            p[j] += o.nesterov ? a[j] * o.momentum - x * lr : a[j];
          }
        } else if (name === "adam" || name === "adamw") {
          const alpha = (lr * Math.sqrt(1 - o.beta2 ** t)) / (1 - o.beta1 ** t);
          a[j] += (x - a[j]) * (1 - o.beta1);
          b[j] += (x * x - b[j]) * (1 - o.beta2);
          p[j] -= (a[j] * alpha) / (Math.sqrt(b[j]) + o.epsilon);
        } else if (name === "rmsprop") {
          a[j] = o.rho * a[j] + (1 - o.rho) * x * x;
          let den = a[j] + o.epsilon;
          if (o.centered) {
            c[j] = o.rho * c[j] + (1 - o.rho) * x;
            den = a[j] - c[j] * c[j] + o.epsilon;
          }
          const inc = (lr * x) / Math.sqrt(den);
          if (o.momentum > 0) p[j] -= b[j] = o.momentum * b[j] + inc;
          else p[j] -= inc;
        } else {
          a[j] += x * x;
          p[j] -= (lr * x) / Math.sqrt(a[j] + o.epsilon);
        }
      }
    });
  };
}

const CASES: { label: string; name: OptimizerName; options: Opts }[] = [
  { label: "sgd", name: "sgd", options: { learningRate: 0.1 } },
  { label: "sgd momentum", name: "sgd", options: { learningRate: 0.1, momentum: 0.9 } },
  { label: "sgd nesterov", name: "sgd", options: { learningRate: 0.1, momentum: 0.9, nesterov: true } },
  { label: "sgd momentum + weightDecay + clipValue", name: "sgd", options: { learningRate: 0.1, momentum: 0.5, weightDecay: 0.05, clipValue: 0.3 } },
  { label: "adam", name: "adam", options: { learningRate: 0.1 } },
  { label: "adam + clipNorm + exponentialDecay", name: "adam", options: { clipNorm: 1, learningRate: schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 2, decayRate: 0.5 }) } },
  { label: "adamw", name: "adamw", options: { learningRate: 0.1, weightDecay: 0.1 } },
  { label: "adamw + globalClipNorm + stepDecay", name: "adamw", options: { globalClipNorm: 0.5, learningRate: schedules.stepDecay({ initialLearningRate: 0.1, stepSize: 2, gamma: 0.5 }) } },
  { label: "rmsprop", name: "rmsprop", options: { learningRate: 0.01 } },
  { label: "rmsprop momentum + clipValue", name: "rmsprop", options: { learningRate: 0.01, momentum: 0.9, clipValue: 0.5 } },
  { label: "rmsprop centered + momentum + cosineDecay", name: "rmsprop", options: { centered: true, momentum: 0.5, learningRate: schedules.cosineDecay({ initialLearningRate: 0.01, decaySteps: 4, alpha: 0.1 }) } },
  { label: "rmsprop centered + piecewiseConstantDecay", name: "rmsprop", options: { centered: true, learningRate: schedules.piecewiseConstantDecay({ boundaries: [1, 2], values: [0.02, 0.01, 0.005] }) } },
  { label: "adagrad", name: "adagrad", options: { learningRate: 0.1 } },
  { label: "adagrad + clipNorm + weightDecay", name: "adagrad", options: { learningRate: 0.1, initialAccumulatorValue: 0.5, clipNorm: 0.7, weightDecay: 0.01 } },
];

const STEPS = 5;
/** Per step, the float32 result rounds p (2^-24 relative) and the update's few ops add a few ulp of it. */
const TOL = { rtol: 1e-5, atol: 2e-6 };
const stride = (n: number) => Math.ceil(n / 4) * 4;

/** Runs STEPS steps of a case on two variables (sizes n and 5) through step() and through applyRaw(). */
function run(nn: NN, name: OptimizerName, options: Opts, n: number) {
  const sizes = [n, 5];
  const p0 = sizes.map((s, i) => uniform(s, -1, 1, 10 + i));
  const grad = (step: number, i: number) => uniform(sizes[i], -2, 2, 100 * step + i);
  // step(): one tensor per variable
  const opt = OPTIMIZERS[name].make(options);
  const params = p0.map((p) => nn.tensor(p));
  const grads = sizes.map((s) => nn.zeros([s]));
  // applyRaw(): one block, variables at 16-byte aligned offsets with a zero-gradient gap between
  const offsets = [0, stride(n)];
  const block = nn.zeros([stride(n) + 5]), gblock = nn.zeros([stride(n) + 5]);
  p0.forEach((p, i) => block.data.set(p, offsets[i]));
  const segments = sizes.map((size, i) => ({ offset: offsets[i], size }));
  const rawOpt = OPTIMIZERS[name].make(options);
  const ref = p0.map((p) => Float64Array.from(p));
  const refStep = reference(name, options);
  for (let s = 0; s < STEPS; s++) {
    const gs = sizes.map((_, i) => grad(s, i));
    gs.forEach((g, i) => (grads[i].data.set(g), gblock.data.set(g, offsets[i])));
    opt.step(params, grads);
    rawOpt.applyRaw(nn.rt, block.ptr, gblock.ptr, block.size, segments);
    refStep(ref, gs);
  }
  const viaStep = params.map((p) => Array.from(p.data));
  const viaRaw = sizes.map((s, i) => Array.from(block.data.subarray(offsets[i], offsets[i] + s)));
  const gap = Array.from(block.data.subarray(n, stride(n)));
  expect(opt.iterations).toBe(STEPS);
  for (const t of [...params, ...grads, block, gblock]) t.dispose();
  opt.dispose();
  rawOpt.dispose();
  return { viaStep, viaRaw, ref, gap };
}

describe.each(BUILDS)("optimizers (%s build)", (backend) => {
  describe.each(CASES)("$label", ({ name, options }) => {
    it.each(SIZES)(`n = %i: ${STEPS} steps of step() and applyRaw() match float64 Keras (rtol 1e-5)`, async (n) => {
      const nn = await instance(backend);
      const { viaStep, viaRaw, ref, gap } = run(nn, name, options, n);
      ref.forEach((r, i) => {
        expect(viaStep[i], `step(), variable ${i}`).toBeCloseArray(r, TOL);
        expect(viaRaw[i], `applyRaw(), variable ${i}`).toBeCloseArray(r, TOL);
      });
      expect(gap.every((x) => x === 0)).toBe(true);
    });
  });
});

describe("builds agree", () => {
  it.each(CASES)("$label: scalar and simd bit for bit, relaxed-simd within 1e-6 of the terms (it fuses a·b + c)", async ({ name, options }) => {
    const [scalar, simd, relaxed] = await Promise.all(BUILDS.map((b) => instance(b)).map((p) => p.then((nn) => run(nn, name, options, 1025))));
    expect(simd.viaStep).toEqual(scalar.viaStep);
    expect(simd.viaRaw).toEqual(scalar.viaRaw);
    relaxed.viaStep.forEach((v, i) => expect(v).toBeCloseArray(scalar.viaStep[i], { rtol: 1e-6, atol: 1e-6 }));
  });
});

describe.each(BUILDS)("edges and API (%s build)", (backend) => {
  it("opt_clip_value clamps every tail to [−c, c], keeps NaN, sends ±Inf to ±c", async () => {
    const nn = await instance(backend);
    const edge = [NaN, Infinity, -Infinity, 5, -5, 0.25, -0.25, 0, -0, 3.4e38, -1e-30];
    for (const n of SIZES) {
      const x = cycle(edge, n), t = nn.tensor(x);
      nn.kernels.opt_clip_value(t.ptr, n, 0.5);
      expect(t.data, `n = ${n}`).toBeCloseArray(Array.from(x, (v) => (Number.isNaN(v) ? NaN : Math.min(Math.max(v, -0.5), 0.5))), { atol: 0, rtol: 0 });
      t.dispose();
    }
  });

  it("clipping folded into the update treats NaN/±Inf gradients as Keras", async () => {
    const nn = await instance(backend);
    const g = nn.tensor(cycle([NaN, Infinity, -Infinity, 2], 9)), p = nn.zeros([9]);
    optimizers.sgd({ learningRate: 1, clipValue: 0.5 }).step([p], [g]);
    expect(Array.from(p.data)).toEqual(Array.from(cycle([NaN, -0.5, 0.5, -0.5], 9)));
    // an Inf norm gives scale 0, and Inf·0 = NaN everywhere (Keras: g·c / max(‖g‖, c))
    p.data.fill(0);
    optimizers.sgd({ learningRate: 1, clipNorm: 1 }).step([p], [g]);
    expect(p.data.every(Number.isNaN)).toBe(true);
    for (const t of [g, p]) t.dispose();
  });

  it("Adam's first step from zero state is Keras' float64 step to float32 rounding", async () => {
    const nn = await instance(backend);
    const p0 = uniform(33, -1, 1, 5), g = uniform(33, -1e-3, 1e-3, 6);
    const p = nn.tensor(p0), gt = nn.tensor(g);
    const opt = optimizers.adam();
    opt.step([p], [gt]);
    const [b1, b2, lr, eps] = [0.9, 0.999, 1e-3, 1e-7];
    const alpha = (lr * Math.sqrt(1 - b2)) / (1 - b1);
    const exp = Array.from(p0, (x, i) => x - (alpha * (1 - b1) * g[i]) / (Math.sqrt((1 - b2) * g[i] * g[i]) + eps));
    expect(p.data).toBeCloseArray(exp, { rtol: 1.2e-7, atol: 1e-10 });
    for (const t of [p, gt]) t.dispose();
    opt.dispose();
  });

  it("Adam minimises a quadratic", async () => {
    const nn = await instance(backend);
    const c = uniform(17, -3, 3, 7), p = nn.zeros([17]), g = nn.zeros([17]);
    const opt = optimizers.adam({ learningRate: 0.05 });
    for (let s = 0; s < 1000; s++) {
      const pd = p.data, gd = g.data;
      for (let i = 0; i < 17; i++) gd[i] = 2 * (pd[i] - c[i]);
      opt.step([p], [g]);
    }
    expect(p.data).toBeCloseArray(c, { atol: 1e-3, rtol: 0 });
    for (const t of [p, g]) t.dispose();
    opt.dispose();
  });

  it("state is allocated once, 1000 applyRaw steps keep memory flat, dispose frees it", async () => {
    const nn = await instance(backend);
    const p = nn.tensor(uniform(1001, -1, 1)), g = nn.tensor(uniform(1001, -1, 1, 2));
    const segments = [{ offset: 0, size: 1000 }, { offset: 1000, size: 1 }];
    const before = nn.memory();
    const opt = optimizers.adam({ clipNorm: 1 });
    opt.applyRaw(nn.rt, p.ptr, g.ptr, 1001, segments);
    const warm = nn.memory();
    expect(warm.bytesInUse - before.bytesInUse).toBe(2 * 1004 * 4);
    for (let s = 0; s < 1000; s++) opt.applyRaw(nn.rt, p.ptr, g.ptr, 1001, segments);
    expect(nn.memory()).toEqual(warm);
    expect(opt.iterations).toBe(1001);
    opt.dispose();
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
    expect(opt.iterations).toBe(0);
    expect(() => opt.applyRaw(nn.rt, p.ptr, g.ptr, 1000, segments.slice(0, 1))).not.toThrow();
    expect(() => opt.applyRaw(nn.rt, p.ptr, g.ptr, 1001, segments)).toThrow(/n = 1001/);
    opt.dispose();
    // step(): state per tensor, freed when a later step meets a new tensor after the old one was disposed
    const a = nn.zeros([10]), b = nn.zeros([10]), c = nn.zeros([10]), base = nn.memory().bytesInUse;
    const sgd = optimizers.sgd({ momentum: 0.9 });
    sgd.step([a], [b]);
    expect(nn.memory().bytesInUse - base).toBe(48);
    a.dispose();
    sgd.step([c], [b]);
    expect(nn.memory().bytesInUse - base).toBe(48 - 48);
    sgd.dispose();
    for (const t of [p, g, b, c]) t.dispose();
  });

  it("a failed step names the argument and changes nothing", async () => {
    const nn = await instance(backend);
    const p = nn.tensor([1, 2, 3]), g = nn.tensor([1, 1, 1]), bad = nn.tensor([[1, 1, 1]]), dead = nn.tensor([1, 1, 1]);
    dead.dispose();
    const opt = optimizers.sgd({ momentum: 0.9 });
    const mem = nn.memory();
    expect(() => opt.step([p], [])).toThrow(ValueError);
    expect(() => opt.step([p], [])).toThrow(/grads must hold one tensor per param \(1\); received 0/);
    expect(() => opt.step([p], [bad])).toThrow(ShapeError);
    expect(() => opt.step([p], [bad])).toThrow(/params\[0\] \[3\] and grads\[0\] \[1,3\]/);
    expect(() => opt.step([p, p], [g, g])).toThrow(/params\[1\] appears twice/);
    expect(() => opt.step([p], [dead])).toThrow(DisposedError);
    expect(() => opt.step([p], [[1, 2, 3] as never])).toThrow(/grads\[0\] must be a Tensor; received \[1, 2, 3\]/);
    expect(() => opt.step(p as never, [g])).toThrow(/params must be an array of Tensors; received Tensor/);
    const badLr = optimizers.sgd({ learningRate: () => NaN });
    expect(() => badLr.step([p], [g])).toThrow(/learningRate schedule must return a finite number ≥ 0; received NaN at step 0/);
    expect(Array.from(p.data)).toEqual([1, 2, 3]);
    expect(opt.iterations + badLr.iterations).toBe(0);
    expect(nn.memory()).toEqual(mem);
    const other = await instance(backend === "scalar" ? "simd" : "scalar");
    const q = other.tensor([1, 2, 3]);
    expect(() => opt.step([p], [q])).toThrow(/grads\[0\] belongs to another simdnn instance/);
    opt.step([p], [g]);
    expect(() => opt.step([q], [q])).toThrow(/belongs to another simdnn instance/);
    for (const t of [p, g, bad, q]) t.dispose();
    opt.dispose();
  });
});

describe("options, registry and config", () => {
  it.each([
    [() => optimizers.adam({ beta3: 1 } as never), /Adam: unknown option "beta3"; expected some of: learningRate, .*beta1/],
    [() => optimizers.sgd({ learningRate: 0 }), /learningRate must be a finite number > 0; received 0/],
    [() => optimizers.sgd({ momentum: 1.5 }), /momentum must be a number in \[0, 1\]; received 1.5/],
    [() => optimizers.sgd({ nesterov: 1 as never }), /nesterov must be a boolean; received 1/],
    [() => optimizers.adam({ beta1: 1 }), /beta1 must be a number in \[0, 1\); received 1/],
    [() => optimizers.adamw({ beta2: -0.1 }), /beta2 must be a number in \[0, 1\]; received -0.1/],
    [() => optimizers.adam({ epsilon: -1 }), /epsilon must be a number in \[0, Infinity\]; received -1/],
    [() => optimizers.adamw({ weightDecay: -1 }), /weightDecay must be/],
    [() => optimizers.rmsprop({ rho: 2 }), /rho must be a number in \[0, 1\]; received 2/],
    [() => optimizers.adagrad({ initialAccumulatorValue: -1 }), /initialAccumulatorValue must be/],
    [() => optimizers.adam({ clipNorm: 1, clipValue: 1 }), /Only one of clipNorm, globalClipNorm and clipValue can be set; received clipNorm and clipValue/],
    [() => optimizers.adam({ globalClipNorm: -1 }), /globalClipNorm must be a finite number > 0; received -1/],
    [() => optimizers.adam(3 as never), /Adam options must be an object; received 3/],
    [() => resolveOptimizer("adamax" as never), /Unknown optimizer "adamax"; expected one of: sgd, adam, adamw, rmsprop, adagrad/],
    [() => schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 0, decayRate: 0.5 }), /decaySteps must be a finite number > 0; received 0/],
    [() => schedules.cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 2 }), /alpha must be a number in \[0, 1\]; received 2/],
    [() => schedules.piecewiseConstantDecay({ boundaries: [2, 1], values: [1, 2, 3] }), /boundaries must be a strictly increasing array/],
    [() => schedules.piecewiseConstantDecay({ boundaries: [1], values: [1] }), /values must have boundaries.length \+ 1 = 2 entries; received \[1\]/],
    [() => schedules.stepDecay({ initialLearningRate: 1, stepSize: 1.5 }), /stepSize must be an integer in \[1, /],
    [() => schedules.stepDecay({ initialLearningRate: 1, stepSize: 1, warm: 1 } as never), /stepDecay: unknown option "warm"/],
  ])("%#: bad options throw ValueError naming the argument", (f, message) => {
    expect(f).toThrow(ValueError);
    expect(f).toThrow(message);
  });

  it("registry: every name resolves to a fresh instance with Keras defaults", () => {
    expect(OPTIMIZER_NAMES).toEqual(["sgd", "adam", "adamw", "rmsprop", "adagrad"]);
    for (const name of OPTIMIZER_NAMES) {
      const a = resolveOptimizer(name), b = resolveOptimizer(name);
      expect(a).toBeInstanceOf(Optimizer);
      expect(a).not.toBe(b);
      expect(resolveOptimizer(a)).toBe(a);
      const { name: n, ...config } = a.getConfig();
      expect(n).toBe(name);
      expect(config).toEqual(OPTIMIZERS[name].defaults);
    }
    expect(optimizers.adamw().weightDecay).toBe(0.004);
    expect(optimizers.sgd().learningRate).toBe(0.01);
  });

  it("getConfig carries a schedule's config; learningRate follows iterations", async () => {
    const nn = await instance("scalar");
    const lr = schedules.stepDecay({ initialLearningRate: 0.1, stepSize: 2, gamma: 0.5 });
    const opt = optimizers.rmsprop({ learningRate: lr, momentum: 0.5 });
    expect(opt.getConfig()).toMatchObject({ name: "rmsprop", momentum: 0.5, learningRate: { className: "StepDecay", config: { initialLearningRate: 0.1, stepSize: 2, gamma: 0.5 } } });
    const p = nn.zeros([3]), g = nn.zeros([3]);
    const seen = [];
    for (let s = 0; s < 5; s++) (seen.push(opt.learningRate), opt.step([p], [g]));
    expect(seen).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
    for (const t of [p, g]) t.dispose();
    opt.dispose();
  });
});

describe("schedules match their closed forms", () => {
  const at = (s: LearningRateSchedule, steps: number[]) => steps.map((k) => s(k));
  it("exponentialDecay: lr₀·r^(s/D), floored with staircase", () => {
    const steps = [0, 1, 5, 10, 25];
    expect(at(schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 }), steps)).toBeCloseArray(steps.map((s) => 0.1 * 0.5 ** (s / 10)), { rtol: 1e-15 });
    expect(at(schedules.exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true }), steps)).toEqual([0.1, 0.1, 0.1, 0.05, 0.025]);
  });
  it("cosineDecay: lr₀ at 0, midpoint at D/2, α·lr₀ from D on; linear warmup to the target", () => {
    const s = schedules.cosineDecay({ initialLearningRate: 1, decaySteps: 10, alpha: 0.2 });
    expect(at(s, [0, 5, 10, 20])).toBeCloseArray([1, 0.6, 0.2, 0.2], { rtol: 1e-15, atol: 1e-15 });
    expect(s(2.5)).toBeCloseTo(0.8 * 0.5 * (1 + Math.cos(Math.PI / 4)) + 0.2, 15);
    const w = schedules.cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 2, warmupSteps: 4 });
    expect(at(w, [0, 1, 4, 9, 14, 100])).toBeCloseArray([0, 0.5, 2, 1, 0, 0], { rtol: 1e-15, atol: 1e-15 });
  });
  it("piecewiseConstantDecay: values[i] for boundaries[i−1] < step ≤ boundaries[i]", () => {
    const s = schedules.piecewiseConstantDecay({ boundaries: [10, 20], values: [1, 0.5, 0.1] });
    expect(at(s, [0, 10, 11, 20, 21, 1e6])).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });
  it("stepDecay: lr₀·γ^⌊s/size⌋ (PyTorch StepLR)", () => {
    expect(at(schedules.stepDecay({ initialLearningRate: 1, stepSize: 3, gamma: 0.5 }), [0, 2, 3, 7])).toEqual([1, 1, 0.5, 0.25]);
    expect(schedules.stepDecay({ initialLearningRate: 1, stepSize: 3 })(3)).toBeCloseTo(0.1, 15);
  });
});
