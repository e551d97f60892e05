// Every loss of the spec table (test/losses_cases.ts) on every build: value against the float64
// reference and gradient against float64 central differences of that reference, at shapes hitting
// every SIMD tail, for reductions mean / sum / none, with and without sample weights.
import { describe, expect, it } from "vitest";
import { LOSSES, lossRaw, resolveLoss, type Tensor } from "../src/index.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";
import { numericGradient } from "./helpers/reference.js";
import { CASES } from "./losses_cases.js";

const SHAPES: readonly [number, number][] = [[1, 1], [1, 3], [2, 4], [3, 5], [2, 7], [4, 8], [2, 9], [3, 17], [33, 10], [3, 343], [0, 5]];
const label = (c: (typeof CASES)[number]) => `${c.name}${c.params ? " " + JSON.stringify(c.params) : ""}`;

describe("spec table covers the registry", () => {
  it("every loss and alias has at least one case", () => {
    const covered = new Set(CASES.map((c) => c.name));
    expect(Object.keys(LOSSES).filter((n) => !covered.has(n as never))).toEqual([]);
  });
});

describe.each(BUILDS)("losses vs float64 (%s)", async (backend) => {
  const nn = (await instances())[backend];

  describe.each(CASES.map((c) => [label(c), c] as const))("%s", (_, c) => {
    const shapes = SHAPES.map(([b, d]) => [b, c.dims ? c.dims[0] : d] as const).filter((s, i, a) => a.findIndex((x) => x[0] === s[0] && x[1] === s[1]) === i);
    it.each(shapes)("batch %i × dim %i: value and gradient, all reductions, with and without weights", (batch, dim) => {
      const before = nn.memory().bytesInUse;
      const sparse = c.name === "sparseCategoricalCrossentropy";
      const { yt, yp } = c.gen(batch, dim, 11 * batch + dim);
      const ytT = nn.tensor(yt, sparse ? [batch] : [batch, dim]);
      const ypT = nn.tensor(yp, [batch, dim]);
      const wts = uniform(batch, 0.2, 2, 5);
      const wT = nn.tensor(wts, [batch]);
      const ctx = { binary: yt.every((v) => v === 0 || v === 1) };
      const rowT = (r: number) => Float64Array.from(sparse ? yt.subarray(r, r + 1) : yt.subarray(r * dim, (r + 1) * dim));
      const perSample = Array.from({ length: batch }, (_, r) => c.ref(rowT(r), Float64Array.from(yp.subarray(r * dim, (r + 1) * dim)), ctx));
      const rowGrad = Array.from({ length: batch }, (_, r) =>
        numericGradient((p) => c.ref(rowT(r), p, ctx), Float64Array.from(yp.subarray(r * dim, (r + 1) * dim)), 1e-7));
      for (const weighted of [false, true]) {
        const w = (r: number) => (weighted ? wts[r] : 1);
        const params = { ...c.params, sampleWeight: weighted ? wT : undefined };
        const sum = perSample.reduce((a, v, r) => a + w(r) * v, 0);
        const vtol = { atol: 2e-6 * Math.max(1, batch), rtol: 2e-5 };
        expect([nn.loss(c.name, ytT, ypT, { ...params, reduction: "sum" })]).toBeCloseArray([sum], vtol);
        expect([nn.loss(c.name, ytT, ypT, params)]).toBeCloseArray([batch ? sum / batch : 0], { atol: 2e-6, rtol: 2e-5 });
        const none = nn.loss(c.name, ytT, ypT, { ...params, reduction: "none" });
        expect(none.shape).toEqual([batch]);
        expect(none.data).toBeCloseArray(perSample.map((v, r) => w(r) * v), { atol: 2e-6, rtol: 2e-5 });
        none.dispose();
        for (const reduction of ["mean", "sum", "none"] as const) {
          const scale = reduction === "mean" ? 1 / batch : 1;
          const expected = new Float64Array(batch * dim);
          rowGrad.forEach((g, r) => g.forEach((v, j) => (expected[r * dim + j] = v * w(r) * scale)));
          const g = nn.lossGradient(c.name, ytT, ypT, { ...params, reduction });
          expect(g.shape).toEqual([batch, dim]);
          expect(g.data, `${reduction}${weighted ? " weighted" : ""}`).toBeCloseArray(expected, { atol: 2e-5 * scale, rtol: 2e-4 });
          g.dispose();
        }
      }
      // nn.lossAndGradient (one kernel pass) agrees with nn.loss and nn.lossGradient
      for (const reduction of ["mean", "sum", "none"] as const) {
        const p = { ...c.params, sampleWeight: wT, reduction };
        const both = nn.lossAndGradient(c.name, ytT, ypT, p);
        const v = nn.loss(c.name, ytT, ypT, p), g = nn.lossGradient(c.name, ytT, ypT, p);
        if (typeof v === "number") expect([both.value as number], reduction).toBeCloseArray([v], { atol: 1e-7, rtol: 1e-6 });
        else {
          expect((both.value as Tensor).data, reduction).toBeCloseArray(v.data, { atol: 1e-7, rtol: 1e-6 });
          (both.value as Tensor).dispose();
          v.dispose();
        }
        expect(both.gradient.data, reduction).toBeCloseArray(g.data, { atol: 1e-9, rtol: 1e-6 });
        both.gradient.dispose();
        g.dispose();
      }
      // pointer level: lossRaw with a gradient buffer agrees with the tensor API
      const loss = resolveLoss(c.name, c.params);
      const grad = nn.zeros([batch, dim]);
      const raw = lossRaw(nn.rt, loss, grad.ptr, ytT.ptr, ypT.ptr, batch, dim, "mean", wT.ptr);
      expect(raw).toBeCloseTo(nn.loss(c.name, ytT, ypT, { ...c.params, sampleWeight: wT }) as number, 6);
      const ref = nn.lossGradient(c.name, ytT, ypT, { ...c.params, sampleWeight: wT });
      expect(grad.data).toBeCloseArray(ref.data, { atol: 0, rtol: 0 });
      for (const t of [ytT, ypT, wT, grad, ref] as Tensor[]) t.dispose();
      expect(nn.memory().bytesInUse).toBe(before);
    });
  });
});

// The fused logits kernels run four rows per f32x4 in the SIMD builds (batch mod 4 rows and class
// axes over 1024 take the row-at-a-time path; [5, 1030] in losses_api.test.ts), so every row tail and class tail is a case here: value
// per sample against the float64 reference of the spec table, gradient against central differences
// (every row for short class axes; for C = 1000 the first row, the last row of the four-row blocks and
// the last row), and every build's whole gradient against the scalar build's.
const TAIL_ROWS = [0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 255, 256, 257];
const TAIL_CLASSES = [1, 2, 3, 4, 5, 7, 8, 9, 10, 16, 17, 1000];
const LOGITS_CASES = CASES.filter((c) => c.params?.fromLogits === true);

describe("fused logits kernels at every row and class tail, all builds", async () => {
  const nns = await instances();
  it("the sweep covers every fromLogits row of the spec table", () => {
    expect(LOGITS_CASES.map((c) => c.name).sort()).toEqual(["binaryCrossentropy", "binaryFocalCrossentropy", "binaryFocalCrossentropy", "categoricalCrossentropy", "categoricalCrossentropy", "sparseCategoricalCrossentropy"]);
  });
  describe.each(LOGITS_CASES.map((c) => [label(c), c] as const))("%s", (_, c) => {
    it.each(TAIL_CLASSES)("classes %i × rows 0…257", (dim) => {
      const sparse = c.name === "sparseCategoricalCrossentropy";
      for (const batch of TAIL_ROWS) {
        const { yt, yp } = c.gen(batch, dim, 7 * batch + dim);
        const wts = uniform(batch, 0.2, 2, 3);
        const ctx = { binary: yt.every((v) => v === 0 || v === 1) };
        const rowT = (r: number) => Float64Array.from(sparse ? yt.subarray(r, r + 1) : yt.subarray(r * dim, (r + 1) * dim));
        const rowP = (r: number) => Float64Array.from(yp.subarray(r * dim, (r + 1) * dim));
        const perSample = Array.from({ length: batch }, (_, r) => c.ref(rowT(r), rowP(r), ctx));
        const checked = dim <= 17 ? Array.from({ length: batch }, (_, r) => r) : [...new Set([0, (batch & ~3) - 1, batch - 1].filter((r) => r >= 0))];
        const numeric = new Map(checked.map((r) => [r, numericGradient((p) => c.ref(rowT(r), p, ctx), rowP(r), 1e-6)]));
        let scalarGrad: Float32Array | undefined;
        for (const backend of BUILDS) {
          const nn = nns[backend];
          const ytT = nn.tensor(yt, sparse ? [batch] : [batch, dim]), ypT = nn.tensor(yp, [batch, dim]), wT = nn.tensor(wts, [batch]);
          const at = `${backend} ${batch}×${dim}`;
          const { value, gradient } = nn.lossAndGradient(c.name, ytT, ypT, { ...c.params, sampleWeight: wT, reduction: "none" });
          const vtol = { atol: 2e-6 * Math.sqrt(dim), rtol: 2e-5 };
          expect(value.data, `${at} value`).toBeCloseArray(perSample.map((v, r) => v * wts[r]), vtol);
          for (const [r, g] of numeric) {
            expect(gradient.data.subarray(r * dim, (r + 1) * dim), `${at} gradient row ${r}`).toBeCloseArray(g.map((v) => v * wts[r]), { atol: 2e-5, rtol: 2e-4 });
          }
          if (dim <= 17) {
            // the accumulating kernels (a combined loss adds its second term into the first one's gradient)
            const both = nn.losses.combine([{ loss: c.name, params: c.params }, { loss: c.name, params: c.params, weight: 0.5 }]);
            const g2 = both.gradient(ytT, ypT, { sampleWeight: wT, reduction: "sum" });
            expect(g2.data, `${at} accumulated gradient`).toBeCloseArray(Array.from(gradient.data, (v) => 1.5 * v), { atol: 1e-7, rtol: 1e-5 });
            g2.dispose();
          }
          if (backend === "scalar") scalarGrad = gradient.data.slice();
          else expect(gradient.data, `${at} gradient vs scalar build`).toBeCloseArray(scalarGrad!, { atol: 1e-6 * (1 + dim / 100), rtol: 2e-5 + 1e-7 * dim }); // float32 sums of C terms in another order: (C + 6)·2^−24 relative to T·softmax, which can exceed the element
          for (const t of [ytT, ypT, wT, value, gradient]) t.dispose();
        }
      }
    });
  });
});
