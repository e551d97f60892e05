// The runnable examples, at small size: they must still do what their headers claim.
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
// @ts-expect-error plain ESM example without types
import { demo } from "../examples/demo.mjs";
// @ts-expect-error plain ESM example without types
import { xor } from "../examples/xor/index.mjs";
// @ts-expect-error plain ESM example without types
import { regression } from "../examples/regression/index.mjs";
// @ts-expect-error plain ESM example without types
import { DEFAULT_DIR, fashionMnist } from "../examples/fashion-mnist/index.mjs";

const quiet = () => {};

describe("examples", () => {
  it("npm run demo: the digits MLP reaches ≥ 95% test accuracy on the scalar and SIMD builds", async () => {
    const r = await demo({ builds: ["scalar", "simd"], log: quiet });
    expect(r.scalar.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.simd.accuracy).toBeGreaterThanOrEqual(0.95);
  });

  it("xor: the linear model is stuck at chance, the 2-4-1 network is exact", async () => {
    const r = await xor({ backend: "simd", log: quiet });
    expect(r["linear (no hidden layer)"].accuracy).toBeLessThanOrEqual(0.75);
    expect(r["2-4-1, tanh hidden layer"].accuracy).toBe(1);
  });

  it("regression: outliers drag MSE; Huber and the median stay near y = 2x + 1; quantile 0.9 leaves ~10% above", async () => {
    const r = await regression({ backend: "simd", log: quiet });
    const miss = (f: { slope: number; intercept: number }) => Math.abs(f.slope - 2) + Math.abs(f.intercept - 1);
    expect(miss(r.mse)).toBeGreaterThan(0.8);
    expect(miss(r["huber δ=1"])).toBeLessThan(0.35);
    expect(miss(r["quantile 0.5"])).toBeLessThan(0.25);
    expect(r["quantile 0.9"].fractionAbove).toBeGreaterThan(0.07);
    expect(r["quantile 0.9"].fractionAbove).toBeLessThan(0.13);
  });

  it.skipIf(!existsSync(DEFAULT_DIR))("fashion-mnist: the Keras configuration learns on a 6000-image subset", async () => {
    const r = await fashionMnist({ backend: "simd", epochs: 2, trainLimit: 6000, testLimit: 1000, verbose: 0, log: quiet });
    expect(r.accuracy).toBeGreaterThan(0.75);
    expect(r.epochTimes).toHaveLength(2);
  });
});
