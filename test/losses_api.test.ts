// Stability at extreme logits, logits forms vs probability forms, Keras clipping, the fused
// pointer-level entry points, combined losses, regularisers, and every validation error (which must
// allocate nothing and compute nothing).
import { describe, expect, it } from "vitest";
import {
  regularizerRaw, ShapeError, sigmoidCrossentropyRaw, softmaxCrossentropyRaw, ValueError, type LossName,
} from "../src/index.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { cycle, uniform } from "./helpers/edge.js";
import { focalLogits64, softmax } from "./losses_cases.js";

const sig = (x: number) => 1 / (1 + Math.exp(-x));

describe.each(BUILDS)("loss stability and API (%s)", async (backend) => {
  const nn = (await instances())[backend];

  // [3, 9]: row-at-a-time only; [9, 9] and [9, 17]: two four-row blocks plus a tail row; [8, 3]: lane
  // gathers (C < 4); [5, 1030]: past the rows-in-lanes class limit (1024)
  it.each([[3, 9], [9, 9], [9, 17], [8, 3], [5, 1030]])("logits ±100 and ±1e4 at [%i, %i] give finite losses and gradients matching σ − z and softmax − y", (B, C) => {
    const n = B * C;
    const xs = cycle([100, -100, 1e4, -1e4, 0, 30, -30, 88, -88], n);
    const zs = cycle([1, 0, 0, 1, 1, 0], n, 1);
    const x = nn.tensor(xs, [B, C]), z = nn.tensor(zs, [B, C]);
    for (const name of ["binaryCrossentropy", "binaryFocalCrossentropy"] as const) {
      const v = nn.loss(name, z, x, { fromLogits: true });
      const g = nn.lossGradient(name, z, x, { fromLogits: true });
      expect(Number.isFinite(v), name).toBe(true);
      expect(g.data.every(Number.isFinite), name).toBe(true);
      if (name === "binaryCrossentropy") {
        // exact: max(x,0) − xz + log1p(e^−|x|), gradient (σ(x) − z)/n
        const ref = xs.reduce((a, xi, i) => a + Math.max(xi, 0) - xi * zs[i] + Math.log1p(Math.exp(-Math.abs(xi))), 0) / n;
        expect(v).toBeCloseTo(ref, 2);
        expect(g.data).toBeCloseArray(Array.from(xs, (xi, i) => (sig(xi) - zs[i]) / n), { atol: 1e-8, rtol: 1e-5 });
      } else {
        // focal from logits keeps the unclipped BCE term (torchvision): a wrong logit of 1e4 costs 1e4·F, gradient ≈ ±1
        const ref = Array.from(xs, (xi, i) => focalLogits64(zs[i], xi, 2, 0.25, false));
        expect([v]).toBeCloseArray([ref.reduce((a, r) => a + r.v, 0) / n], { atol: 0, rtol: 1e-5 }); // float32 sums of up to 1024 terms
        expect(g.data).toBeCloseArray(ref.map((r) => r.g / n), { atol: 1e-9, rtol: 1e-5 });
      }
      g.dispose();
    }
    const cls = Array.from({ length: B }, (_, r) => [1, 0, 4][r % 3] % C);
    const onehot = nn.tensor(Array.from({ length: n }, (_, i) => (i % C === cls[Math.floor(i / C)] ? 1 : 0)), [B, C]);
    const ids = nn.tensor(cls);
    for (const [name, labels] of [["categoricalCrossentropy", onehot], ["sparseCategoricalCrossentropy", ids]] as const) {
      const { value, gradient: g } = nn.lossAndGradient(name, labels, x, { fromLogits: true, reduction: "none" });
      const exp: number[] = [];
      const rowLoss: number[] = [];
      for (let r = 0; r < B; r++) {
        const row = xs.subarray(C * r, C * r + C);
        const m = Math.max(...row);
        rowLoss.push(m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) - row[cls[r]]); // log-sum-exp − x_cls
        softmax(row).forEach((p, j) => exp.push(p - onehot.data[C * r + j]));
      }
      expect(value.data, name).toBeCloseArray(rowLoss, { atol: 1e-6, rtol: 1e-6 });
      expect(g.data, name).toBeCloseArray(exp, { atol: 1e-8, rtol: 1e-5 });
      value.dispose();
      g.dispose();
    }
    for (const t of [x, z, onehot, ids]) t.dispose();
  });

  it.each([[9, 10], [7, 3], [5, 1030]])("NaN and ±Inf logits at [%i, %i]: NaN stays in its row; −Inf has probability 0 in the gradient (the value is NaN: 0·∞ in Σ z·(m − x), as tf); +Inf gives NaN (Inf − Inf)", (B, C) => {
    const xs = uniform(B * C, -3, 3, 5);
    const cls = Array.from({ length: B }, (_, r) => (r + 1) % C);
    xs[2 * C + 1] = NaN; // row 2
    xs[4 * C + (cls[4] + 1) % C] = -Infinity; // row 4, not its class (C ≥ 2 here)
    xs[B * C - 1] = Infinity; // last row (a tail row when B mod 4 ≠ 0)
    const x = nn.tensor(xs, [B, C]), ids = nn.tensor(cls);
    const y = nn.tensor(Array.from({ length: B * C }, (_, i) => (i % C === cls[Math.floor(i / C)] ? 1 : 0)), [B, C]);
    for (const [name, labels] of [["categoricalCrossentropy", y], ["sparseCategoricalCrossentropy", ids]] as const) {
      const { value, gradient } = nn.lossAndGradient(name, labels, x, { fromLogits: true, reduction: "none" });
      for (let r = 0; r < B; r++) {
        const bad = r === 2 || r === B - 1;
        expect(Number.isNaN(value.data[r]), `${name} row ${r}`).toBe(bad || r === 4);
        const g = gradient.data.subarray(r * C, (r + 1) * C);
        if (bad) expect(g.every(Number.isNaN), `${name} gradient row ${r}`).toBe(true);
        else {
          const row = Array.from(xs.subarray(r * C, (r + 1) * C));
          const expect0 = softmax(row).map((p, j) => p - (j === cls[r] ? 1 : 0));
          expect(g, `${name} gradient row ${r}`).toBeCloseArray(expect0, { atol: 1e-7, rtol: 1e-5 });
        }
      }
      value.dispose();
      gradient.dispose();
    }
    const z = nn.tensor(uniform(B * C, 0, 1, 6), [B, C]);
    const { value, gradient } = nn.lossAndGradient("binaryCrossentropy", z, x, { fromLogits: true, reduction: "none" });
    expect(Number.isNaN(value.data[2])).toBe(true);
    expect(Number.isNaN(gradient.data[2 * C + 1])).toBe(true);
    expect(Number.isFinite(value.data[0])).toBe(true);
    for (const t of [x, ids, y, z, value, gradient]) t.dispose();
  });

  it("a params object reused across calls is resolved again after it changes (the resolution memo checks its values)", () => {
    const x = nn.tensor(uniform(12, -2, 2, 3), [3, 4]), z = nn.tensor(cycle([0, 1, 0, 0], 12), [3, 4]);
    const p: { fromLogits: boolean; labelSmoothing?: number } = { fromLogits: true };
    const plain = nn.loss("categoricalCrossentropy", z, x, p);
    expect(nn.loss("categoricalCrossentropy", z, x, p)).toBe(plain);
    p.labelSmoothing = 0.2;
    expect(nn.loss("categoricalCrossentropy", z, x, p)).toBe(nn.loss("categoricalCrossentropy", z, x, { fromLogits: true, labelSmoothing: 0.2 }));
    expect(nn.loss("categoricalCrossentropy", z, x, p)).not.toBe(plain);
    p.labelSmoothing = 2;
    expect(() => nn.loss("categoricalCrossentropy", z, x, p)).toThrow(/labelSmoothing must be a number in \[0, 1\]; received 2/);
    delete p.labelSmoothing;
    expect(nn.loss("categoricalCrossentropy", z, x, p)).toBe(plain);
    expect(() => nn.loss("binaryCrossentropy", z, x, p)).not.toThrow(); // same object, another loss
    x.dispose();
    z.dispose();
  });

  // the SIMD kernels clamp with pmax/pmin (value first), which must keep a NaN as max/min do
  it.each([[3, 9], [5, 8]])("a NaN prediction makes its row's loss NaN, in the SIMD body and the tail, at [%i, %i]", (B, C) => {
    const xs = uniform(B * C, -2, 2, 9);
    xs[C + 2] = NaN; // row 1, inside the first f32x4
    xs[2 * C + C - 1] = NaN; // row 2, the last element (the scalar tail when C mod 4 ≠ 0)
    const x = nn.tensor(xs, [B, C]), z = nn.tensor(cycle([0, 1, 1, 0, 1], B * C), [B, C]);
    const smooth = new Set(["mse", "logCosh", "squaredHinge", "binaryCrossentropy", "binaryFocalCrossentropy"]); // gradients that depend on p through arithmetic
    for (const [name, params] of [["mse"], ["mae"], ["huber"], ["logCosh"], ["quantile"], ["hinge"], ["squaredHinge"], ["wasserstein"],
      ["binaryCrossentropy", { fromLogits: true }], ["binaryFocalCrossentropy", { fromLogits: true }], ["categoricalHinge"]] as const) {
      const { value, gradient } = nn.lossAndGradient(name, z, x, { ...(params ?? {}), reduction: "none" });
      expect(Array.from(value.data, Number.isNaN), name).toEqual(Array.from({ length: B }, (_, r) => r === 1 || r === 2));
      if (smooth.has(name)) expect([C + 2, 3 * C - 1, 0].map((i) => Number.isNaN(gradient.data[i])), name).toEqual([true, true, false]);
      value.dispose();
      gradient.dispose();
    }
    x.dispose();
    z.dispose();
  });

  it("BCE from logits keeps log1p(e^−|x|) relative at large |x| (where the loss is that term alone), every lane and tail", () => {
    const xs = cycle([16, 20, 30, 50, 80, -16, -20, -30, -50, -80, 1e-3, -1e-3, 0.5], 4 * 13 + 3);
    const zs = Float32Array.from(xs, (x) => (x > 0 ? 1 : 0)); // the label the logit agrees with: loss = log1p(e^−|x|)
    const x = nn.tensor(xs, [xs.length, 1]), z = nn.tensor(zs, [xs.length, 1]); // one element per sample: per-element losses
    const { value, gradient } = nn.lossAndGradient("binaryCrossentropy", z, x, { fromLogits: true, reduction: "sum" });
    const ref = Array.from(xs, (xi) => Math.log1p(Math.exp(-Math.abs(xi))));
    const none = nn.loss("binaryCrossentropy", z, x, { fromLogits: true, reduction: "none" });
    expect(none.data).toBeCloseArray(ref, { atol: 0, rtol: 2e-6 });
    expect([value]).toBeCloseArray([ref.reduce((a, b) => a + b, 0)], { atol: 0, rtol: 2e-6 });
    expect(gradient.data).toBeCloseArray(Array.from(xs, (xi, i) => (zs[i] ? -sig(-xi) : sig(xi))), { atol: 0, rtol: 4e-6 }); // σ(x) − 1 = −σ(−x), without float64's own cancellation
    for (const t of [x, z, none, gradient]) t.dispose();
  });

  it("logits forms match probability forms where both are defined", () => {
    const xs = uniform(4 * 7, -6, 6, 3), zs = uniform(4 * 7, 0, 1, 4);
    const x = nn.tensor(xs, [4, 7]), z = nn.tensor(zs, [4, 7]);
    const p = nn.tensor(xs.map(sig), [4, 7]);
    const sm: number[] = [];
    for (let r = 0; r < 4; r++) sm.push(...softmax(xs.subarray(7 * r, 7 * r + 7)));
    const q = nn.tensor(sm, [4, 7]);
    const zn = nn.tensor(Array.from(zs, (v, i) => v / zs.subarray(7 * Math.floor(i / 7), 7 * Math.floor(i / 7) + 7).reduce((a, b) => a + b, 0)), [4, 7]);
    const pairs: [LossName, typeof z, typeof p, object][] = [
      ["binaryCrossentropy", z, p, { labelSmoothing: 0.1 }],
      ["binaryFocalCrossentropy", z, p, { gamma: 2, applyClassBalancing: true }],
      ["categoricalCrossentropy", zn, q, { labelSmoothing: 0.05 }],
    ];
    for (const [name, labels, probs, params] of pairs) {
      const logitsFrom = name === "categoricalCrossentropy" ? x : x;
      expect(nn.loss(name, labels, logitsFrom, { ...params, fromLogits: true })).toBeCloseTo(nn.loss(name, labels, probs, params) as number, 5);
    }
    // gradients: d/dx of the logits form = (d/dp of the probability form)·σ'(x) for BCE
    const gl = nn.lossGradient("binaryCrossentropy", z, x, { fromLogits: true });
    const gp = nn.lossGradient("binaryCrossentropy", z, p);
    expect(gl.data).toBeCloseArray(Array.from(gp.data, (g, i) => g * sig(xs[i]) * (1 - sig(xs[i]))), { atol: 1e-7, rtol: 1e-4 });
    for (const t of [x, z, p, q, zn, gl, gp]) t.dispose();
  });

  it("clips probabilities to [1e-7, 1 − 1e-7] as Keras, with a zero gradient where clipped", () => {
    const z = nn.tensor([[1, 0, 1, 0]]), p = nn.tensor([[0, 1, 1, 0]]);
    const v = nn.loss("binaryCrossentropy", z, p);
    // (1, 0) → −log ε; (0, 1) → −log(1 − (1 − ε)); the two matching pairs ≈ ε each
    const lo = Math.fround(1e-7), hi = Math.fround(1 - 1e-7);
    expect(v).toBeCloseTo((-Math.log(lo) - Math.log(1 - hi) - Math.log(hi) - Math.log(1 - lo)) / 4, 5);
    const g = nn.lossGradient("binaryCrossentropy", z, p);
    expect(Array.from(g.data)).toEqual([0, 0, 0, 0]);
    for (const t of [z, p, g]) t.dispose();
  });

  it("softmaxCrossentropyRaw and sigmoidCrossentropyRaw: mean loss, grad = (softmax − y)/batch", () => {
    const batch = 5, classes = 10;
    const xs = uniform(batch * classes, -4, 4, 9);
    const ids = [3, 0, 9, 5, 5];
    const x = nn.tensor(xs, [batch, classes]), idT = nn.tensor(ids), grad = nn.zeros([batch, classes]);
    const y = nn.tensor(Array.from({ length: 50 }, (_, i) => (ids[Math.floor(i / 10)] === i % 10 ? 1 : 0)), [batch, classes]);
    let refLoss = 0;
    const refGrad: number[] = [];
    for (let r = 0; r < batch; r++) {
      const s = softmax(xs.subarray(10 * r, 10 * r + 10));
      refLoss -= Math.log(s[ids[r]]) / batch;
      s.forEach((p, j) => refGrad.push((p - (j === ids[r] ? 1 : 0)) / batch));
    }
    for (const [labels, sparse] of [[idT, true], [y, false]] as const) {
      expect(softmaxCrossentropyRaw(nn.rt, grad.ptr, labels.ptr, x.ptr, batch, classes, 0, sparse)).toBeCloseTo(refLoss, 5);
      expect(grad.data).toBeCloseArray(refGrad, { atol: 1e-7, rtol: 1e-5 });
    }
    // label smoothing ε: y(1−ε) + ε/C
    softmaxCrossentropyRaw(nn.rt, grad.ptr, idT.ptr, x.ptr, batch, classes, 0.1, true);
    expect(grad.data).toBeCloseArray(refGrad.map((g, i) => g + (0.9 * (ids[Math.floor(i / 10)] === i % 10 ? 1 : 0) - (ids[Math.floor(i / 10)] === i % 10 ? 1 : 0) + 0.01) * -1 / batch), { atol: 1e-7, rtol: 1e-5 });
    const z = nn.tensor(uniform(50, 0, 1, 2), [batch, classes]);
    const v = sigmoidCrossentropyRaw(nn.rt, grad.ptr, z.ptr, x.ptr, batch, classes, 0);
    expect(v).toBeCloseTo(nn.loss("binaryCrossentropy", z, x, { fromLogits: true }) as number, 6);
    expect(grad.data).toBeCloseArray(Array.from(xs, (xi, i) => (sig(xi) - z.data[i]) / 50), { atol: 1e-8, rtol: 1e-5 });
    for (const t of [x, idT, grad, y, z]) t.dispose();
  });

  it("combine: L = Σ wᵢ·Lᵢ, value and gradient (tensor and pointer level)", () => {
    const yt = nn.tensor(uniform(6 * 5, -1, 1, 1), [6, 5]), yp = nn.tensor(uniform(6 * 5, -1, 1, 2), [6, 5]);
    const sw = nn.tensor(uniform(6, 0.5, 1.5, 3));
    const c = nn.losses.combine([{ loss: "mse", weight: 0.7 }, { loss: "huber", weight: 0.3, params: { delta: 0.5 } }, { loss: "mae" }]);
    for (const opts of [{}, { reduction: "sum" as const, sampleWeight: sw }]) {
      const parts = [["mse", 0.7, {}], ["huber", 0.3, { delta: 0.5 }], ["mae", 1, {}]] as const;
      const v = parts.reduce((a, [n, w, p]) => a + w * (nn.loss(n, yt, yp, { ...p, ...opts }) as number), 0);
      expect(c.value(yt, yp, opts)).toBeCloseTo(v, 6);
      const g = c.gradient(yt, yp, opts);
      const e = new Float64Array(30);
      for (const [n, w, p] of parts) {
        const gi = nn.lossGradient(n, yt, yp, { ...p, ...opts });
        gi.data.forEach((x, i) => (e[i] += w * x));
        gi.dispose();
      }
      expect(g.data).toBeCloseArray(e, { atol: 1e-7, rtol: 1e-5 });
      g.dispose();
    }
    expect(() => nn.losses.combine([])).toThrow(ValueError);
    expect(() => nn.losses.combine([{ loss: "nope" as LossName }])).toThrow(/Unknown loss "nope"/);
    for (const t of [yt, yp, sw]) t.dispose();
  });

  it("regularizers l1, l2, l1l2: value and accumulated gradient (Keras: l2·Σw², no ½)", () => {
    const ws = cycle([0.5, -2, 0, 3, -0.25, 1e-3], 1027);
    const w = nn.tensor(ws);
    const cases = [[nn.regularizers.l1(0.1), 0.1, 0], [nn.regularizers.l2(1e-4), 0, 1e-4], [nn.regularizers.l1l2({ l1: 0.01, l2: 0.02 }), 0.01, 0.02], [nn.regularizers.l2(), 0, 0.01]] as const;
    for (const [reg, l1, l2] of cases) {
      const val = ws.reduce((a, v) => a + l1 * Math.abs(v) + l2 * v * v, 0);
      expect([reg.value(w)]).toBeCloseArray([val], { atol: 0, rtol: 1e-5 });
      const g = nn.fill([1027], 1);
      reg.gradient(w, g);
      expect(g.data).toBeCloseArray(Array.from(ws, (v) => 1 + l1 * Math.sign(v) + 2 * l2 * v), { atol: 1e-7, rtol: 1e-6 });
      expect([regularizerRaw(nn.rt, reg, 0, w.ptr, w.size)]).toBeCloseArray([val], { atol: 0, rtol: 1e-5 });
      const fresh = reg.gradient(w);
      expect(fresh.data).toBeCloseArray(Array.from(ws, (v) => l1 * Math.sign(v) + 2 * l2 * v), { atol: 1e-7, rtol: 1e-6 });
      g.dispose();
      fresh.dispose();
    }
    expect(() => nn.regularizers.l2(-1)).toThrow(/l2 must be a number in \[0, Infinity\]/);
    w.dispose();
  });

  it("rejects bad input with a clear error, computing and allocating nothing", () => {
    const yt = nn.tensor([[0, 1, 0], [1, 0, 0]]), yp = nn.tensor([[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]]);
    const gradOut = nn.fill([2, 3], 7);
    const bad = (fn: () => unknown, type: typeof ValueError | typeof ShapeError, msg: RegExp) => {
      const before = nn.memory();
      expect(fn).toThrow(type);
      expect(fn).toThrow(msg);
      expect(nn.memory()).toEqual(before);
      expect(Array.from(gradOut.data)).toEqual([7, 7, 7, 7, 7, 7]);
    };
    bad(() => nn.loss("meanSquareError" as LossName, yt, yp), ValueError, /Unknown loss "meanSquareError"; expected one of: meanSquaredError, .*mse/);
    const wide = nn.tensor([[1, 2, 3, 4]]);
    bad(() => nn.lossGradient("mse", yt, wide, {}, gradOut), ShapeError, /yTrue \[2,3\] and yPred \[1,4\]/);
    bad(() => nn.loss("sparseCategoricalCrossentropy", nn.tidy(() => yt), yp), ShapeError, /class id per sample/);
    const ids = nn.tensor([1, 3]), frac = nn.tensor([1.5, 0]), neg = nn.tensor([[-1, 2, 0], [1, 1, 1]]), nan = nn.tensor([[NaN, 0, 0], [0, 0, 0]]);
    bad(() => nn.lossGradient("sparseCategoricalCrossentropy", ids, yp, {}, gradOut), ValueError, /integer class ids in \[0, 2\]; received 3 at flat index 1/);
    bad(() => nn.lossAndGradient("sparseCategoricalCrossentropy", ids, yp, {}, gradOut), ValueError, /yTrue of loss 'sparseCategoricalCrossentropy' must hold integer class ids in \[0, 2\]; received 3 at flat index 1/);
    bad(() => nn.lossAndGradient("categoricalCrossentropy", neg, yp, { fromLogits: true }, gradOut), ValueError, /yTrue .* probabilities in \[0, 1\]; received -1 at flat index 0/);
    bad(() => nn.lossAndGradient("mse", yt, yp, {}, wide), ValueError, /out must have yPred's size 6/);
    bad(() => nn.loss("sparseCategoricalCrossentropy", frac, yp), ValueError, /received 1.5/);
    bad(() => nn.loss("poisson", neg, yp), ValueError, /yTrue of loss 'poisson' must hold finite values ≥ 0; received -1/);
    bad(() => nn.loss("mse", nan, yp), ValueError, /finite values; received NaN/);
    bad(() => nn.loss("binaryCrossentropy", yt, neg), ValueError, /yPred .* probabilities in \[0, 1\] \(pass fromLogits: true/);
    bad(() => nn.loss("categoricalCrossentropy", neg, yp), ValueError, /yTrue .* probabilities/);
    bad(() => nn.loss("binaryCrossentropy", yt, yp, { labelSmoothing: 1.5 }), ValueError, /labelSmoothing must be a number in \[0, 1\]; received 1.5/);
    bad(() => nn.loss("huber", yt, yp, { delta: 0 }), ValueError, /delta must be > 0/);
    bad(() => nn.loss("quantile", yt, yp, { quantile: 1 }), ValueError, /quantile must be in \(0, 1\)/);
    bad(() => nn.loss("binaryFocalCrossentropy", yt, yp, { gamma: -1 }), ValueError, /gamma/);
    bad(() => nn.loss("mse", yt, yp, { fromLogits: true }), ValueError, /Loss 'meanSquaredError' has no parameter 'fromLogits'; it takes none/);
    bad(() => nn.loss("mse", yt, yp, { reduction: "avg" as "mean" }), ValueError, /Unknown reduction "avg"/);
    const sw3 = nn.tensor([1, 2, 3]), swNeg = nn.tensor([1, -2]);
    bad(() => nn.loss("mse", yt, yp, { sampleWeight: sw3 }), ShapeError, /sampleWeight \[3\] must have one weight per sample of yPred \[2,3\]: shape \[2\] or \[2,1\]/);
    bad(() => nn.lossGradient("mse", yt, yp, { sampleWeight: swNeg }, gradOut), ValueError, /sampleWeight must hold finite values ≥ 0; received -2/);
    const boxes = nn.tensor([[2, 0, 1, 1]]);
    bad(() => nn.loss("iou", boxes, boxes), ValueError, /x2 ≥ x1/);
    bad(() => nn.loss("iou", yt, yp), ShapeError, /4 box coordinates/);
    for (const t of [yt, yp, gradOut, wide, ids, frac, neg, nan, sw3, swNeg, boxes]) t.dispose();
  });

  it("label checks name the first bad element at every position of the vector scan and its tails", () => {
    for (const n of [1, 3, 15, 16, 17, 31, 32, 33, 2563]) {
      const positions = [...new Set([0, 3, 4, 15, 16, 17, n - 16, n - 2, n - 1].filter((i) => i >= 0 && i < n))];
      const yp = nn.tensor(uniform(n, 0.1, 0.9, n), [n, 1]);
      const good = uniform(n, 0, 1, n + 1);
      for (const i of positions) {
        for (const badValue of [NaN, 1.5, -0.25, Infinity, -Infinity]) {
          const t = good.slice();
          t[i] = badValue;
          t[Math.min(n - 1, i + 1)] = Math.min(n - 1, i + 1) === i ? t[i] : NaN; // a later bad element is not the one named
          const yt = nn.tensor(t, [n, 1]);
          expect(() => nn.lossAndGradient("binaryCrossentropy", yt, yp), `${n} ${i} ${badValue}`).toThrow(
            new RegExp(`yTrue of loss 'binaryCrossentropy' must hold probabilities in \\[0, 1\\]; received ${badValue} at flat index ${i} `));
          yt.dispose();
        }
        const ids = Float32Array.from({ length: n }, (_, r) => r % 3);
        for (const badId of [3, -1, 0.5, NaN]) {
          const t = ids.slice();
          t[i] = badId;
          const yt = nn.tensor(t, [n]), logits = nn.tensor(uniform(3 * n, -1, 1, 2), [n, 3]);
          expect(() => nn.lossAndGradient("sparseCategoricalCrossentropy", yt, logits, { fromLogits: true }), `${n} ${i} ${badId}`).toThrow(
            new RegExp(`integer class ids in \\[0, 2\\]; received ${badId} at flat index ${i} `));
          yt.dispose();
          logits.dispose();
        }
      }
      const ok = nn.tensor(good, [n, 1]);
      expect(Number.isFinite(nn.loss("binaryCrossentropy", ok, yp))).toBe(true);
      ok.dispose();
      yp.dispose();
    }
  });

  it("hinge converts {0, 1} labels to ±1 only when every label is 0 or 1 (Keras)", () => {
    const p = nn.tensor([[0.3, -0.4]]);
    const bin = nn.tensor([[1, 0]]), pm = nn.tensor([[1, -1]]), mixed = nn.tensor([[1, 0.5]]);
    expect(nn.loss("hinge", bin, p)).toBeCloseTo(nn.loss("hinge", pm, p) as number, 6);
    expect(nn.loss("hinge", mixed, p)).toBeCloseTo(((1 - 0.3) + (1 + 0.2)) / 2, 6);
    for (const t of [p, bin, pm, mixed]) t.dispose();
  });

  it("cosine similarity normalises as Keras 3 (ops.normalize: the norm clamped at ε = 1e-7)", () => {
    const t = nn.tensor([[1, 0], [1, 0], [0, 0]]), p = nn.tensor([[5e-7, 0], [5e-8, 0], [3, 4]]);
    const { value, gradient } = nn.lossAndGradient("cosineSimilarity", t, p, { reduction: "none" });
    // ‖p‖ = 5e-7 > ε: a unit vector, loss −1, no gradient along p; ‖p‖ = 5e-8 < ε: p̂ = p/ε = [0.5, 0], ∂/∂p = −t/ε;
    // yTrue = 0: loss 0, and only the p-term of the gradient, which vanishes with t̂ = 0
    expect(value.data).toBeCloseArray([-1, -0.5, 0], { atol: 1e-6, rtol: 1e-6 });
    expect(gradient.data).toBeCloseArray([0, 0, -1e7, 0, 0, 0], { atol: 1e-6, rtol: 1e-6 });
    for (const x of [t, p, value, gradient]) x.dispose();
  });

  it("categorical hinge shares a tied maximum's gradient equally (as TensorFlow's, PyTorch's and JAX's max)", () => {
    const t = nn.tensor([[0, 1, 0]]), p = nn.tensor([[0.5, 0.2, 0.5]]);
    const { value, gradient } = nn.lossAndGradient("categoricalHinge", t, p, { reduction: "sum" });
    expect(value).toBeCloseTo(1.3, 6);
    expect(gradient.data).toBeCloseArray([0.5, -1, 0.5], { atol: 1e-7, rtol: 0 });
    const t5 = nn.tensor([[0, 0, 1, 0, 0, 0, 0]]), p5 = nn.tensor([[0.7, 0.1, 0.3, 0.7, 0.2, 0.7, 0.7]]); // ties in the SIMD body and the tail
    const r5 = nn.lossAndGradient("categoricalHinge", t5, p5, { reduction: "sum" });
    expect(r5.gradient.data).toBeCloseArray([0.25, 0, -1, 0.25, 0, 0.25, 0.25], { atol: 1e-7, rtol: 0 });
    for (const x of [t, p, gradient, t5, p5, r5.gradient]) x.dispose();
  });

  it("accepts sparse labels and weights of shape [batch, 1]; rank-3 inputs reduce over the last axis", () => {
    const yp = nn.tensor(uniform(12, 0.1, 1, 1), [2, 2, 3]);
    const ids = nn.tensor([0, 2, 1, 1], [2, 2, 1]), ids2 = nn.tensor([0, 2, 1, 1], [2, 2]);
    const sw = nn.tensor([1, 2, 3, 4], [2, 2, 1]);
    const a = nn.loss("sparseCategoricalCrossentropy", ids, yp, { reduction: "none", sampleWeight: sw });
    const b = nn.loss("sparseCategoricalCrossentropy", ids2, yp, { reduction: "none", sampleWeight: sw });
    expect(a.shape).toEqual([2, 2]);
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
    for (const t of [yp, ids, ids2, sw, a, b]) t.dispose();
  });

  it("memory stays flat over repeated loss + gradient calls", () => {
    const yt = nn.tensor(uniform(256 * 10, 0, 1, 1), [256, 10]), yp = nn.tensor(uniform(256 * 10, -3, 3, 2), [256, 10]);
    const run = () => {
      nn.loss("categoricalCrossentropy", yt, yp, { fromLogits: true });
      nn.lossGradient("categoricalCrossentropy", yt, yp, { fromLogits: true }).dispose();
    };
    run();
    const before = nn.memory();
    for (let i = 0; i < 200; i++) run();
    expect(nn.memory()).toEqual(before);
    yt.dispose();
    yp.dispose();
  });
});
