import { describe, expect, it } from "vitest";
import type { NN } from "../src/nn.js";
import type { KernelFamily } from "../src/runtime.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { EDGE_VALUES, SIZES, cycle, uniform } from "./helpers/edge.js";
import { ulpDiff } from "./helpers/reference.js";

/** Runs a (out, x, n) kernel on a copy of `x`; `inPlace` passes the same pointer twice. */
function run(nn: NN, kernel: KernelFamily<"", [out: number, x: number, n: number], [], void>, x: Float32Array, inPlace = false): Float32Array {
  const xt = nn.tensor(x);
  const out = inPlace ? xt : nn.zeros([x.length]);
  nn.kernels[kernel](out.ptr, xt.ptr, x.length);
  const r = out.data.slice();
  xt.dispose();
  out.dispose();
  return r;
}

// The bounds stated in assembly/math.ts, in float32 ulps of the float64 result rounded to float32.
const CASES = [
  { kernel: "ew_exp", ref: Math.exp, ulps: 2, domain: [-103, 88.7] },
  { kernel: "ew_log", ref: Math.log, ulps: 2, domain: [1e-30, 1e30] },
  { kernel: "ew_log1p", ref: Math.log1p, ulps: 3, domain: [-0.999, 1e6] },
] as const;

describe.each(BUILDS)("vector math (%s)", async (backend) => {
  const nn = (await instances())[backend];

  describe.each(CASES)("$kernel", ({ kernel, ref, ulps, domain }) => {
    it(`is within ${ulps} ulp of float64 over 2^18 points and at the edge values`, () => {
      const [lo, hi] = domain;
      const x = kernel === "ew_log" ? uniform(1 << 18, Math.log(lo), Math.log(hi)).map(Math.exp) : uniform(1 << 18, lo, hi);
      const y = run(nn, kernel, x);
      let worst = 0;
      for (let i = 0; i < x.length; i++) {
        const e = Math.fround(ref(x[i]));
        // below the normal range only an absolute bound makes sense
        const d = Math.abs(e) < 1.2e-38 ? (Math.abs(y[i] - ref(x[i])) <= 2 ** -149 ? 0 : Infinity) : ulpDiff(y[i], e);
        worst = Math.max(worst, d);
      }
      expect(worst).toBeLessThanOrEqual(ulps);
      const edge = Float32Array.from(EDGE_VALUES);
      const ye = run(nn, kernel, edge);
      for (let i = 0; i < edge.length; i++) {
        const e = Math.fround(ref(edge[i]));
        if (Math.abs(e) < 1.2e-38 && Number.isFinite(e)) expect(Math.abs(ye[i] - ref(edge[i]))).toBeLessThanOrEqual(2 ** -149);
        else expect(ulpDiff(ye[i], e), `${kernel}(${edge[i]}) = ${ye[i]}, expected ${e}`).toBeLessThanOrEqual(ulps);
      }
    });

    it.each(SIZES)("handles n = %i (body and tail), out of place and in place", (n) => {
      const x = cycle(EDGE_VALUES, n, 3);
      const expected = Float32Array.from(x, (v) => ref(v));
      expect(run(nn, kernel, x)).toBeCloseArray(expected, { atol: 1e-38, rtol: ulps * 2 ** -23 });
      expect(run(nn, kernel, x, true)).toBeCloseArray(expected, { atol: 1e-38, rtol: ulps * 2 ** -23 });
    });
  });
});

// The activation exponentials (assembly/activations_math.ts): arguments ≤ 0 by construction, flushed
// to 0 (expNeg) or −1 (expm1Neg) below ≈ −87.68, where e^z < 2^−126. The base-2 forms (expFast,
// expm1Fast) state a relative bound rel0 + slope·|z| instead of ulps (the rounding of z·log2e grows with |z|);
// `ulps` is then that bound at z = −20, for comparing lanes with the scalar tail below.
const ACT_CASES = [
  { kernel: "act_exp_neg", ref: Math.exp, ulps: 3, domain: [-87.3, 88.3], flush: 0 },
  { kernel: "act_expm1_neg", ref: Math.expm1, ulps: 2, domain: [-87.3, 0], flush: -1 },
  { kernel: "act_exp_fast", ref: Math.exp, rel0: 6e-7, slope: 1.5 * 2 ** -24, ulps: 20, domain: [-87.3, 88.3], flush: 0 },
  { kernel: "act_expm1_fast", ref: Math.expm1, rel0: 6.5e-7, slope: 1.5 * 2 ** -24, ulps: 20, domain: [-87.3, 0], flush: -1 },
] as const satisfies readonly { kernel: string; ref: (x: number) => number; ulps: number; rel0?: number; slope?: number; domain: readonly [number, number]; flush: number }[];

describe.each(BUILDS)("activation exponentials (%s)", async (backend) => {
  const nn = (await instances())[backend];
  describe.each(ACT_CASES)("$kernel", (c) => {
    const { kernel, ref, ulps, domain, flush } = c;
    const bound = "rel0" in c ? `a relative ${c.rel0} + ${c.slope.toExponential(2)}·|z|` : `${ulps} ulp`;
    it(`is within ${bound} of float64 over 2^18 points and near 0`, () => {
      const x = Float32Array.from([...uniform(1 << 18, domain[0], domain[1], 5), ...uniform(4096, -1e-3, 0, 6), -1e-8, -1e-30, -0, 0]);
      const y = run(nn, kernel, x);
      let worst = 0, at = 0;
      for (let i = 0; i < x.length; i++) {
        const e = ref(x[i]);
        // relative error over the stated bound (≤ 1 passes), or ulps over ulps
        const d = "rel0" in c ? (e === 0 ? (y[i] === 0 ? 0 : Infinity) : Math.abs(y[i] - e) / Math.abs(e) / (c.rel0 + c.slope * Math.abs(x[i])))
          : ulpDiff(y[i], Math.fround(e)) / ulps;
        if (d > worst) [worst, at] = [d, x[i]];
      }
      expect(worst, `worst at ${at} (1 = the bound)`).toBeLessThanOrEqual(1);
      expect(worst, "the bound is not vacuous").toBeGreaterThan(0.2);
    });
    it("flushes below the normal range, keeps NaN, and matches its own tail at every size", () => {
      const y = run(nn, kernel, Float32Array.from([-87.7, -88, -100, -1e4, -Infinity, NaN]));
      expect(Array.from(y)).toEqual([flush, flush, flush, flush, flush, NaN]);
      expect(Math.abs(run(nn, kernel, Float32Array.of(-87.5))[0] - ref(-87.5))).toBeLessThanOrEqual(2 ** -126);
      for (const n of SIZES) {
        const x = uniform(n, -20, 0, n);
        const whole = run(nn, kernel, x), inPlace = run(nn, kernel, x, true);
        const lanes = Float32Array.from(x, (v) => run(nn, kernel, Float32Array.of(v))[0]); // n = 1: the scalar tail
        expect(inPlace).toEqual(whole);
        expect(whole).toBeCloseArray(lanes, { atol: 1e-38, rtol: 2 * ulps * 2 ** -23 });
      }
    });
  });
});

describe("scalar and SIMD builds agree", async () => {
  const all = await instances();
  it.each(CASES)("$kernel", ({ kernel, ulps }) => {
    const x = Float32Array.from([...EDGE_VALUES, ...uniform(4099, -90, 90)]);
    const s = run(all.scalar, kernel, x);
    for (const b of ["simd", "relaxed-simd"] as const) {
      const v = run(all[b], kernel, x);
      expect(v).toBeCloseArray(s, { atol: 1e-38, rtol: ulps * 2 ** -23 });
    }
  });
});
