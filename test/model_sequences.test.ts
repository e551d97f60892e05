// Model-based property test (fast-check commands): random sequences of model calls — build, compile,
// fits left running while other calls go on, callbacks that call other model methods (a second fit,
// dispose, setWeights, predict…), predict, evaluate, trainOnBatch, getWeights/setWeights, freezing,
// save, dispose, disposing the data under a running fit. Every call either works or throws a
// SimdnnError (never a RuntimeError or a TypeError); predict on a live model always works; no call
// writes into the data or into tensors allocated since (in memory a disposed model freed); after disposing everything, memory is where it started.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SimdnnError } from "../src/index.js";
import type { NN } from "../src/nn.js";
import type { Sequential } from "../src/model/sequential.js";
import type { Tensor } from "../src/tensor.js";
import { instance } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";

interface Real {
  nn: NN;
  model: Sequential;
  x: Tensor;
  y: Tensor;
  /** Tensors allocated after every command (sizes varied so they land in blocks others freed), each with its own pattern. */
  canaries: Tensor[];
  /** The values x and y were created with: nothing may write into the caller's data. */
  xs: Float32Array;
  ys: Float32Array;
  /** Fits (and saves) left running; each settles as a value or a SimdnnError. */
  pending: Promise<unknown>[];
  calls: number;
}

/** Runs a model call: a SimdnnError is a refusal, anything else thrown fails the property. */
function attempt<T>(what: string, f: () => T): T | SimdnnError {
  try {
    return f();
  } catch (e) {
    if (e instanceof SimdnnError) return e;
    throw new Error(`${what} threw a non-SimdnnError: ${(e as Error)?.stack ?? String(e)}`);
  }
}

function settle(what: string, p: Promise<unknown>): Promise<unknown> {
  return p.catch((e: unknown) => {
    if (e instanceof SimdnnError) return e;
    throw new Error(`${what} rejected with a non-SimdnnError: ${(e as Error)?.stack ?? String(e)}`);
  });
}

/** A model as the sequences start with it: compiled unless the seed is a multiple of 4 (so uncompiled fits happen too). */
function makeModel(nn: NN, seed: number): Sequential {
  const m = nn.sequential({
    seed,
    layers: [
      nn.layers.dense({ units: 6, activation: "relu", inputShape: [4] }),
      nn.layers.batchNormalization({}),
      nn.layers.prelu({}),
      nn.layers.dense({ units: 3, activation: "softmax" }),
    ],
  });
  if (seed % 4 !== 0) m.compile({ optimizer: "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}

function makeData(nn: NN, seed: number): { x: Tensor; y: Tensor } {
  const n = 16, xs = uniform(n * 4, -1, 1, seed), ys = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) ys[i * 3 + (i % 3)] = 1;
  return { x: nn.tensor(xs, [n, 4]), y: nn.tensor(ys, [n, 3]) };
}

/** What a callback (or a timer) does to the model in the middle of a fit. */
type Meddle = "none" | "predict" | "evaluate" | "fit" | "trainOnBatch" | "setWeights" | "compile" | "dispose" | "disposeX" | "stop" | "save";
const MEDDLES: readonly Meddle[] = ["none", "predict", "evaluate", "fit", "trainOnBatch", "setWeights", "compile", "dispose", "disposeX", "stop", "save"];

function meddle(r: Real, m: Sequential, what: Meddle): void | Promise<unknown> {
  switch (what) {
    case "predict": {
      const p = attempt("predict in a callback", () => m.predict(r.x));
      if (!(p instanceof SimdnnError)) p.dispose();
      return;
    }
    case "evaluate": return void attempt("evaluate in a callback", () => m.evaluate(r.x, r.y));
    case "fit": r.pending.push(settle("fit in a callback", m.fit(r.x, r.y, { verbose: 0, epochs: 1 }))); return;
    case "trainOnBatch": return void attempt("trainOnBatch in a callback", () => m.trainOnBatch(r.x, r.y));
    case "setWeights": return void attempt("setWeights in a callback", () => m.setWeights(m.weights.map((w) => new Float32Array(w.shape.reduce((a, b) => a * b, 1)))));
    case "compile": return void attempt("compile in a callback", () => m.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" }));
    case "dispose": return void m.dispose();
    case "disposeX": return void r.x.dispose();
    case "stop": m.stopTraining = true; return;
    case "save": return settle("save in a callback", m.save(r.nn.io.withSaveHandler(async () => ({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }))));
    case "none": return;
  }
}

type Cmd = fc.AsyncCommand<object, Real>;
const CANARY_SIZES = [4, 24, 96, 18, 64, 300, 8, 48];
const pattern = (k: number, i: number) => k * 1000 + i + 0.5;
const cmd = (name: string, run: (r: Real) => void | Promise<void>): Cmd => ({
  check: () => true,
  async run(_m, r) {
    r.calls++;
    await run(r);
    // no call may write into another's tensor: not the data, not any tensor allocated since (in memory others freed)
    for (const [k, c] of r.canaries.entries()) expect(c.data.every((v, i) => v === pattern(k, i)), `${name} overwrote canary ${k}`).toBe(true);
    if (!r.x.isDisposed) expect(r.x.data.every((v, i) => Object.is(v, r.xs[i])), `${name} wrote into x`).toBe(true);
    if (!r.y.isDisposed) expect(r.y.data.every((v, i) => Object.is(v, r.ys[i])), `${name} wrote into y`).toBe(true);
    const k = r.canaries.length, size = CANARY_SIZES[k % CANARY_SIZES.length];
    r.canaries.push(r.nn.tensor(Float32Array.from({ length: size }, (_, i) => pattern(k, i))));
  },
  toString: () => name,
});

const fit = fc.record({
  epochs: fc.integer({ min: 1, max: 3 }),
  batchSize: fc.constantFrom(3, 4, 16),
  yieldEvery: fc.constantFrom("auto" as const, "batch" as const, "epoch" as const, "never" as const, 0),
  at: fc.integer({ min: 0, max: 5 }),
  action: fc.constantFrom(...MEDDLES),
  asyncCallback: fc.boolean(),
  awaitIt: fc.boolean(),
}).map((o) => cmd(`fit(${JSON.stringify(o)})`, async (r) => {
  const m = r.model;
  const p = settle("fit", m.fit(r.x, r.y, {
    epochs: o.epochs, batchSize: o.batchSize, verbose: 0, yieldEvery: o.yieldEvery,
    callbacks: {
      onBatchEnd: (batch) => {
        if (batch !== o.at) return;
        const done = meddle(r, m, o.action);
        if (o.asyncCallback) return Promise.resolve(done).then(() => new Promise<void>((res) => setTimeout(res, 0)));
        if (done) r.pending.push(done);
      },
    },
  }));
  if (o.awaitIt) await p;
  else r.pending.push(p);
}));

const commands = [
  fc.constant(cmd("build", (r) => void attempt("build", () => r.model.build([4])))),
  fc.constantFrom("adam", "sgd", "rmsprop").map((opt) => cmd(`compile(${opt})`, (r) => void attempt("compile", () => r.model.compile({ optimizer: opt as "adam", loss: "categoricalCrossentropy", metrics: ["accuracy"] })))),
  fit, fit, // twice as likely as any other call: the interleavings are the point
  fc.constant(cmd("predict", (r) => {
    const p = attempt("predict", () => r.model.predict(r.x));
    // a live model with live data always predicts, even while a fit runs
    if (!r.model.isDisposed && !r.x.isDisposed) expect(p).not.toBeInstanceOf(SimdnnError);
    if (!(p instanceof SimdnnError)) {
      expect(p.data.every(Number.isFinite)).toBe(true);
      p.dispose();
    }
  })),
  fc.constant(cmd("evaluate", (r) => void attempt("evaluate", () => r.model.evaluate(r.x, r.y, { batchSize: 5 })))),
  fc.constant(cmd("trainOnBatch", (r) => void attempt("trainOnBatch", () => r.model.trainOnBatch(r.x, r.y)))),
  fc.constant(cmd("getWeights/setWeights", (r) => {
    const ws = attempt("getWeights", () => r.model.getWeights());
    if (ws instanceof SimdnnError) return;
    attempt("setWeights", () => r.model.setWeights(ws));
    for (const t of ws) t.dispose();
  })),
  fc.integer({ min: 0, max: 3 }).map((i) => cmd(`toggle trainable of layer ${i}`, (r) => {
    const l = r.model.layers[i];
    l.trainable = !l.trainable;
  })),
  fc.constant(cmd("save", async (r) => {
    await settle("save", r.model.save(r.nn.io.withSaveHandler(async () => ({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } }))));
  })),
  fc.constant(cmd("dispose", (r) => r.model.dispose())),
  fc.integer({ min: 1, max: 1000 }).map((seed) => cmd("new model", (r) => {
    r.model.dispose(); // the old one is freed now or when its fit stops
    r.model = makeModel(r.nn, seed);
  })),
  fc.integer({ min: 1, max: 1000 }).map((seed) => cmd("new data", (r) => {
    r.x.dispose(); // a fit still using them stops with DisposedError at its next batch
    r.y.dispose();
    ({ x: r.x, y: r.y } = makeData(r.nn, seed));
    [r.xs, r.ys] = [r.x.data.slice(), r.y.data.slice()];
  })),
  fc.constant(cmd("a turn of the event loop", () => new Promise<void>((res) => setTimeout(res, 0)))),
  fc.constant(cmd("await everything", async (r) => {
    await Promise.all(r.pending);
  })),
];

describe("random sequences of model calls", () => {
  it("every call works or throws a SimdnnError; nothing is overwritten; memory returns to where it was", async () => {
    const nn = await instance("simd");
    { // the instance's one-time allocations (GEMM workspace) before measuring
      const { x, y } = makeData(nn, 0), m = makeModel(nn, 0);
      m.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
      m.trainOnBatch(x, y);
      for (const d of [m, x, y]) d.dispose();
    }
    let runs = 0, calls = 0;
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 30 }), fc.integer({ min: 1, max: 1000 }), async (cmds, seed) => {
        const before = nn.memory();
        const { x, y } = makeData(nn, seed);
        const real: Real = { nn, model: makeModel(nn, seed), x, y, xs: x.data.slice(), ys: y.data.slice(), canaries: [], pending: [], calls: 0 };
        try {
          await fc.asyncModelRun(() => ({ model: {}, real }), cmds);
        } finally {
          // let everything that is still running settle, then dispose all of it
          for (let i = 0; i < real.pending.length; i++) await real.pending[i];
          real.model.dispose();
          for (const t of [real.x, real.y, ...real.canaries]) t.dispose();
        }
        expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
        expect(nn.memory().allocations).toBe(before.allocations);
        runs++;
        calls += real.calls;
      }),
      { numRuns: 150, seed: 1717, endOnFailure: true },
    );
    expect(runs).toBeGreaterThanOrEqual(150);
    expect(calls).toBeGreaterThan(500); // the sequences really ran (150 of up to 30 calls)
  }, 60_000);
});
