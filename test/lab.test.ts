// The lab engine (src/lab/*, issue 19): scores against hand-computed cases, unit probes against a model
// whose weights make the answer known, runs and results.json against the schema, the deep task's
// vanishing gradient, and the CLI's strict options. Tiny epochs and row caps keep it fast.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { init, ValueError } from "../src/index.js";
import type { NN } from "../src/nn.js";
import {
  accuracy, denseBlocks, digitsSet, type ImageSet, inkRegression, LAB_TASKS, meanStd, precisionRecallF1, prAuc, prepareLabData, probeHidden, rareClass,
  regressionErrors, runLab, runLabRun, unitStats,
} from "../src/lab.js";
import { labMain, parseLabArgs } from "../src/lab/cli.js";
import type { LabResults, LabRun } from "../src/lab/types.js";

let nn: NN;
let digits: ImageSet;
beforeAll(async () => {
  nn = await init({ backend: "simd" });
  digits = await digitsSet();
});

/** Every field of results.json's LabRun with its type, and the per-layer / per-epoch lengths that tie them together. */
function checkRun(r: LabRun): void {
  expect(typeof r.task).toBe("string");
  expect(typeof r.activation).toBe("string");
  expect(typeof r.loss).toBe("string");
  expect(Number.isInteger(r.seed)).toBe(true);
  expect(typeof r.metric.name).toBe("string");
  expect(Number.isFinite(r.metric.value)).toBe(true);
  expect(["higher", "lower"]).toContain(r.metric.better);
  const epochs = r.curve.length;
  expect(epochs).toBeGreaterThan(0);
  expect(r.valCurve).toHaveLength(epochs);
  expect(r.metricCurve).toHaveLength(epochs);
  for (const v of [...r.curve, ...r.valCurve]) expect(Number.isFinite(v)).toBe(true);
  const hidden = LAB_TASKS[r.task as keyof typeof LAB_TASKS].hidden.length;
  expect(r.gradNormByLayer).toHaveLength(hidden + 1); // one row per dense layer, output included
  for (const row of r.gradNormByLayer) {
    expect(row).toHaveLength(epochs);
    for (const g of row) expect(g).toBeGreaterThanOrEqual(0);
  }
  expect(r.deadFraction).toHaveLength(hidden);
  for (const d of r.deadFraction) expect(d >= 0 && d <= 1).toBe(true);
  expect([0, hidden]).toContain(r.saturatedFraction.length);
  expect(r.histograms).toHaveLength(hidden);
  for (const h of r.histograms!) {
    expect(h.min).toBeLessThanOrEqual(h.max);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  }
  for (const k of ["scalar", "simd", "relaxed"] as const) expect(r.msPerEpoch[k] === null || r.msPerEpoch[k]! > 0).toBe(true);
}

describe("scores", () => {
  it("precision, recall and F1 at a threshold, by hand", () => {
    // scores ≥ 0.5 predict positive: tp = 1 (0.9), fp = 1 (0.8), fn = 1 (0.3)
    expect(precisionRecallF1([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0], 0.5)).toEqual({ precision: 0.5, recall: 0.5, f1: 0.5 });
    // tp = 2, fp = 0, fn = 1: P = 1, R = 2/3, F1 = 0.8
    const r = precisionRecallF1([3, 2, -1, -2], [1, 1, 1, 0], 0);
    expect(r.precision).toBe(1);
    expect(r.recall).toBeCloseTo(2 / 3, 12);
    expect(r.f1).toBeCloseTo(0.8, 12);
    expect(precisionRecallF1([0.1, 0.2], [0, 0], 0.5)).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it("PR-AUC is average precision (scikit-learn's), ties one threshold", () => {
    // thresholds 0.9: R ½, P 1 → ½; 0.8: R unchanged; 0.3: R 1, P ⅔ → ½·⅔. AP = ½ + ⅓
    expect(prAuc([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0])).toBeCloseTo(5 / 6, 12);
    expect(prAuc([0.5, 0.5], [1, 0])).toBe(0.5);
    expect(prAuc([0.1, 0.9, 0.4], [1, 1, 1])).toBe(1);
    expect(prAuc([0.2, 0.3], [0, 0])).toBe(0);
    expect(() => prAuc([1, 2], [1])).toThrow(/2 values but labels 1/);
  });

  it("accuracy, errors, mean ± std", () => {
    expect(accuracy([0.1, 0.9, 0.8, 0.2, 0.5, 0.5], [1, 1, 0], 2)).toBeCloseTo(2 / 3, 12); // the tie goes to class 0
    expect(regressionErrors([1, 2, 3], [1, 0, 6])).toEqual({ mae: 5 / 3, rmse: Math.sqrt(13 / 3) });
    expect(meanStd([1, 2, 3])).toEqual({ mean: 2, std: 1 });
    expect(meanStd([4])).toEqual({ mean: 4, std: 0 });
  });
});

describe("probes", () => {
  it("unitStats: dead units, saturated outputs, histogram", () => {
    // 2 rows × 3 units: unit 1 never positive
    const s = unitStats(new Float32Array([1, 0, 0.5, 2, -1, 0]), 2, 3, null, 4);
    expect(s.dead).toBeCloseTo(1 / 3, 12);
    expect(s.saturated).toBeNull();
    expect(s.histogram).toEqual({ min: -1, max: 2, counts: [1, 2, 2, 1] }); // width ¾: −1 | 0, 0 | 0.5, 1 | 2
    expect(unitStats(new Float32Array([0.995, 0.005, 0.5, 0.98]), 2, 2, [0, 1]).saturated).toBe(0.5);
  });

  it("dead and saturated fractions of a model whose weights make them known", () => {
    const x = new Float32Array([1, 1, 2, 1]); // two rows, both inputs positive
    const relu = nn.sequential({ layers: [nn.layers.dense({ units: 3, activation: "relu", inputShape: [2] }), nn.layers.dense({ units: 1 })] });
    // unit 0 = x0 + x1 > 0; unit 1 = −(x0 + x1) < 0 on every row (dead); unit 2 = x0 − x1: 0 then 1 (alive)
    relu.layers[0].setWeights([[[1, -1, 1], [1, -1, -1]], [0, 0, 0]]);
    const [r] = probeHidden(nn, relu, denseBlocks(relu), x, 2, null);
    expect(r.dead).toBeCloseTo(1 / 3, 6);
    const sig = nn.sequential({ layers: [nn.layers.dense({ units: 3, activation: "sigmoid", inputShape: [2] }), nn.layers.dense({ units: 1 })] });
    // σ(100·x0) ≈ 1 and σ(−100·x0) ≈ 0 on both rows (saturated), σ(0) = 0.5 (not): 4 of 6 outputs
    sig.layers[0].setWeights([[[100, -100, 0], [0, 0, 0]], [0, 0, 0]]);
    const [s] = probeHidden(nn, sig, denseBlocks(sig), x, 2, [0, 1]);
    expect(s.saturated).toBeCloseTo(4 / 6, 6);
    relu.dispose();
    sig.dispose();
  });
});

describe("data", () => {
  it("regression outliers are in the training targets only", () => {
    const d = inkRegression(digits, 0);
    const big = (t: Float32Array) => t.filter((v) => v > 6).length;
    expect(big(d.train.targets!) / d.train.n).toBeGreaterThan(0.05);
    expect(big(d.test.targets!)).toBe(0);
    expect(d.features).toBe(32);
  });

  it("the rare class is a few % of each side", () => {
    const d = rareClass(digits, 0);
    for (const s of [d.train, d.test]) {
      const rate = s.targets!.reduce((a, b) => a + b, 0) / s.n;
      expect(rate).toBeGreaterThan(0.03);
      expect(rate).toBeLessThan(0.07);
    }
  });
});

describe("runs", () => {
  it("a run records one entry per epoch and one row per layer", async () => {
    const data = prepareLabData("digits", { digits }, true, { train: 300, test: 120 });
    const partials: number[] = [];
    const run = await runLabRun(nn, { task: "digits", activation: "prelu", loss: "cce", seed: 1, epochs: 3, data }, { onEpoch: (e, p) => partials.push(e + p.curve.length) });
    checkRun(run);
    expect(run.curve).toHaveLength(3);
    expect(partials).toEqual([1, 3, 5]); // epoch e sees e + 1 entries
    expect(run.msPerEpoch.simd).toBeGreaterThan(0); // timed from training when no builds are given
    expect(run.msPerEpoch.scalar).toBeNull();
  });

  it("a deep sigmoid net with N(0, 0.05²) kernels: the first layer's gradient is far below the last's", async () => {
    const data = prepareLabData("deep", { digits }, true, { train: 400, test: 100 });
    const run = await runLabRun(nn, { task: "deep", activation: "sigmoid", initializer: "randomNormal", loss: "cce", seed: 0, epochs: 2, data });
    checkRun(run);
    const first = run.gradNormByLayer[0], last = run.gradNormByLayer[run.gradNormByLayer.length - 1];
    for (let e = 0; e < 2; e++) expect(first[e]).toBeLessThan(1e-3 * last[e]);
    expect(run.saturatedFraction).toHaveLength(8);
  });

  it("runLab: results.json's schema, a skipped task said with its reason, mean ± std over seeds", async () => {
    const progress: string[] = [];
    const scalar = await init({ backend: "scalar" });
    const results: LabResults = await runLab(nn, { tasks: ["fashion", "imbalanced"], losses: ["bce", "hinge"], seeds: 2, epochs: 2, maxRows: { train: 400, test: 200 }, builds: { scalar, simd: nn } }, {
      onProgress: (p) => progress.push(p.skipped ? `skipped ${p.skipped.reason}` : `${p.done}/${p.total}`),
    });
    expect(results.version).toBe(1);
    expect(results.meta.skipped).toEqual([{ task: "fashion", reason: "Fashion-MNIST not available" }]);
    expect(progress[0]).toBe("skipped Fashion-MNIST not available");
    expect(results.runs.map((r) => `${r.loss} ${r.seed}`)).toEqual(["bce 0", "bce 1", "hinge 0", "hinge 1"]);
    for (const r of results.runs) checkRun(r);
    expect(results.runs[0].msPerEpoch.scalar).toBeGreaterThan(0); // builds timed on seed 0
    expect(results.runs[1].msPerEpoch.scalar).toBeNull();
    expect(results.summary).toHaveLength(2);
    const bce = results.runs.filter((r) => r.loss === "bce").map((r) => r.metric.value);
    expect(results.summary[0]).toMatchObject({ task: "imbalanced", loss: "bce", metric: "f1", seeds: 2, ...meanStd(bce) });
    for (const k of ["precision", "recall", "f1", "prAuc"]) expect(results.runs[0].scores).toHaveProperty(k);
    expect(results.runs[2].lossConfig).toEqual({ name: "hinge" });
    expect(() => JSON.parse(JSON.stringify(results))).not.toThrow();
  });
});

describe("simdnn lab (CLI)", () => {
  let out: string;
  beforeAll(() => void (out = mkdtempSync(join(tmpdir(), "simdnn-lab-"))));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("refuses unknown options, names and values, listing the valid ones", () => {
    expect(() => parseLabArgs(["--quik"])).toThrow(ValueError);
    expect(() => parseLabArgs(["--quik"])).toThrow(/unknown option '--quik'; expected: --quick, --help, --tasks/);
    expect(() => parseLabArgs(["--tasks", "digits,digitz"])).toThrow(/Unknown task \(--tasks\) "digitz"; expected one of: digits, fashion, deep, regression, imbalanced, multiclass/);
    expect(() => parseLabArgs(["--activations", "swish"])).toThrow(/expected one of: sigmoid, tanh, relu/);
    expect(() => parseLabArgs(["--losses", "mse,crossentropy"])).toThrow(/"crossentropy"; expected one of: cce, mse/);
    expect(() => parseLabArgs(["--seeds", "0"])).toThrow(/--seeds must be a positive integer; received '0'/);
    expect(() => parseLabArgs(["--out"])).toThrow(/--out needs a value; received nothing/);
    expect(() => parseLabArgs(["stray"])).toThrow(/unknown argument 'stray'/);
    expect(parseLabArgs(["--quick", "--tasks=deep,regression", "--seeds", "2"])).toMatchObject({ quick: true, tasks: ["deep", "regression"], seeds: 2, out: "lab-out" });
  });

  it("labMain prints the error and exits 1 on a bad option", async () => {
    const err = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(await labMain(["--bogus"])).toBe(1);
      expect(String(err.mock.calls[0][0])).toMatch(/^ValueError: lab: unknown option '--bogus'/);
    } finally {
      err.mockRestore();
    }
  });

  it("writes results.json and report.html", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    try {
      expect(await labMain(["--quick", "--tasks", "imbalanced", "--losses", "focal", "--out", out])).toBe(0);
    } finally {
      log.mockRestore();
    }
    const results = JSON.parse(readFileSync(join(out, "results.json"), "utf8")) as LabResults;
    expect(results.runs).toHaveLength(1);
    checkRun(results.runs[0]);
    expect(results.runs[0].curve).toHaveLength(LAB_TASKS.imbalanced.epochs.quick);
    expect(results.meta.quick).toBe(true);
    expect(readFileSync(join(out, "report.html"), "utf8")).toMatch(/^<!doctype html>/i);
  });
});
