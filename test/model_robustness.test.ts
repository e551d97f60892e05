// Misuse of a model that used to corrupt the heap (two fits at once, dispose from a callback), fit's
// turns for the event loop, NaN/Inf in the data, terminateOnNaN, the one label check shared with nn.loss,
// and strict predict/evaluate options. Frozen layers: model_freezing.test.ts.
import { describe, expect, it } from "vitest";
import { BusyError, DisposedError, ShapeError, SimdnnError, ValueError } from "../src/index.js";
import type { Tensor } from "../src/tensor.js";
import { instance } from "./helpers/backends.js";
import { data, mlp, sameBits, warm, weightsOf } from "./helpers/small_models.js";

describe("a model in training refuses what would corrupt it", () => {
  it("a second fit, trainOnBatch, compile, add and setWeights while fit runs: BusyError, the first fit finishes, the heap stays valid", async () => {
    const nn = await instance("simd");
    warm(nn);
    const before = nn.memory();
    const { x, y } = data(nn, 64);
    const m = mlp(nn);
    const seen: unknown[] = [];
    const first = m.fit(x, y, {
      epochs: 2, batchSize: 8, verbose: 0,
      callbacks: {
        async onBatchEnd(batch) {
          await new Promise((r) => setTimeout(r, 0)); // an async callback, as a UI's would be
          if (batch !== 1 || seen.length > 0) return;
          for (const call of [
            () => m.trainOnBatch(x, y), () => m.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" }),
            () => m.add(nn.layers.dense({ units: 2 })), () => m.setWeights(weightsOf(m)),
          ]) {
            try {
              call();
            } catch (e) {
              seen.push(e);
            }
          }
        },
      },
    });
    const second = m.fit(x, y, { epochs: 1, verbose: 0 }); // the Train button clicked twice
    await expect(second).rejects.toThrow(BusyError);
    await expect(second).rejects.toThrow(/is busy with fit .*await it before calling fit/);
    const h = await first;
    expect(h.loss).toHaveLength(2);
    expect(seen).toHaveLength(4);
    for (const e of seen) expect(e).toBeInstanceOf(BusyError);
    // after fit, everything works again and the heap is sound
    const p = m.predict(x);
    expect(p.data.every(Number.isFinite)).toBe(true);
    expect(m.trainOnBatch(x, y)).toBeGreaterThan(0);
    p.dispose();
    m.dispose();
    x.dispose();
    y.dispose();
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
    expect(nn.memory().allocations).toBe(before.allocations);
  });

  it("predict and evaluate from a callback use their own buffers and metrics: fit's results are those of a fit without them", async () => {
    const nn = await instance("simd");
    const { x, y } = data(nn, 48);
    const big = data(nn, 200, 5);
    const run = async (meddle: boolean) => {
      const m = mlp(nn, 3);
      const h = await m.fit(x, y, {
        epochs: 2, batchSize: 16, verbose: 0, shuffle: true, seed: 9, validationSplit: 0.25,
        callbacks: meddle ? { onBatchEnd: () => { m.predict(big.x, { batchSize: 200 }).dispose(); m.evaluate(big.x, big.y, { batchSize: 64 }); } } : undefined,
      });
      const w = weightsOf(m);
      m.dispose();
      return { h, w };
    };
    const plain = await run(false), meddled = await run(true);
    expect(meddled.h.history).toEqual(plain.h.history);
    meddled.w.forEach((w, i) => expect(sameBits(w, plain.w[i])).toBe(true));
    for (const t of [x, y, big.x, big.y]) t.dispose();
  });

  it("dispose() from a callback: fit stops at the next batch with DisposedError, later tensors are never overwritten, memory is freed once fit stopped", async () => {
    const nn = await instance("simd");
    warm(nn);
    const before = nn.memory();
    const { x, y } = data(nn, 64);
    const m = mlp(nn);
    let batches = 0;
    let later: Tensor | null = null;
    const run = m.fit(x, y, {
      epochs: 5, batchSize: 8, verbose: 0,
      callbacks: {
        onBatchEnd(batch) {
          batches++;
          if (batch === 2) {
            m.dispose(); // never throws, even mid-fit
            later = nn.fill([256], 7); // allocated while fit is still on the stack
          }
        },
      },
    });
    await expect(run).rejects.toThrow(DisposedError);
    await expect(run).rejects.toThrow(/disposed during training \(epoch 1, batch 3\)/);
    expect(batches).toBe(3);
    expect(later!.data.every((v) => v === 7)).toBe(true);
    expect(() => m.predict(x)).toThrow(DisposedError);
    await expect(m.fit(x, y)).rejects.toThrow(DisposedError);
    later!.dispose();
    x.dispose();
    y.dispose();
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
    expect(nn.memory().allocations).toBe(before.allocations);
  });

  it("dispose() from a timer during fit, and disposing fit's own x: fit stops with DisposedError at its next turn", async () => {
    const nn = await instance("simd");
    warm(nn);
    const before = nn.memory();
    const { x, y } = data(nn, 256);
    const m = mlp(nn);
    setTimeout(() => m.dispose(), 5);
    await expect(m.fit(x, y, { epochs: 10_000, batchSize: 4, verbose: 0, yieldEvery: "batch" })).rejects.toThrow(/model '.*' was disposed during training/);
    const m2 = mlp(nn);
    await expect(m2.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, callbacks: { onBatchEnd: () => x.dispose() } })).rejects.toThrow(/fit: x was disposed during training/);
    m2.dispose();
    y.dispose();
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
  });
});

describe("fit yields to the event loop", () => {
  it("timers fire during a multi-batch fit with the default yieldEvery ('auto'), on every batch with 'batch', never with 'never'", async () => {
    const nn = await instance("simd");
    const { x, y } = data(nn, 2048);
    const m = mlp(nn);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    await m.fit(x, y, { epochs: 40, batchSize: 4, verbose: 0 });
    const ms = performance.now() - t0;
    expect(ms).toBeGreaterThan(60); // long enough that 'auto' (25 ms) must have yielded
    expect(ticks).toBeGreaterThanOrEqual(2);
    ticks = 0;
    let turns = 0;
    await m.fit(x, y, { epochs: 1, batchSize: 512, verbose: 0, yieldEvery: "batch", callbacks: { onBatchEnd: () => void setImmediate(() => turns++) } });
    expect(turns).toBeGreaterThanOrEqual(3); // each batch's setImmediate ran before fit went on (4 batches)
    ticks = 0;
    await m.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0, yieldEvery: "never" });
    expect(ticks).toBe(0);
    clearInterval(timer);
    await expect(m.fit(x, y, { yieldEvery: "sometimes" as never, verbose: 0 })).rejects.toThrow(/yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number/);
    for (const t of [x, y]) t.dispose();
    m.dispose();
  });
});

describe("NaN or ±Inf in the data is refused before the first step", () => {
  it("x or y of fit, evaluate, trainOnBatch and validationData: the position named, weights untouched, nothing leaked", async () => {
    const nn = await instance("simd");
    const { x, y } = data(nn, 16);
    const m = mlp(nn);
    const w0 = weightsOf(m);
    const before = nn.memory();
    for (const bad of [NaN, Infinity, -Infinity]) {
      const xs = x.data.slice();
      xs[4 * 5 + 2] = bad;
      const bx = nn.tensor(xs, [16, 4]);
      const at = new RegExp(`x must hold finite values; received ${bad} at flat index 22 \\(sample 5 of x \\[16,4\\]\\)`);
      await expect(m.fit(bx, y, { verbose: 0 })).rejects.toThrow(at);
      expect(() => m.trainOnBatch(bx, y)).toThrow(at);
      expect(() => m.evaluate(bx, y)).toThrow(at);
      await expect(m.fit(x, y, { verbose: 0, validationData: [bx, y] })).rejects.toThrow(/fit validationData: x must hold finite values/);
      const reg = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 1, inputShape: [4] })] });
      reg.compile({ optimizer: "sgd", loss: "mse" });
      const ys = new Float32Array(16);
      ys[9] = bad;
      const by = nn.tensor(ys, [16, 1]);
      const rw = weightsOf(reg);
      await expect(reg.fit(x, by, { verbose: 0 })).rejects.toThrow(new RegExp(`fit: y of loss 'meanSquaredError' must hold finite values; received ${bad} at flat index 9`));
      // nested arrays (temporaries) are refused the same way and freed
      await expect(reg.fit(x, Array.from(ys, (v) => [v]), { verbose: 0 })).rejects.toThrow(ValueError);
      weightsOf(reg).forEach((w, i) => expect(sameBits(w, rw[i])).toBe(true));
      for (const t of [bx, by]) t.dispose();
      reg.dispose();
    }
    weightsOf(m).forEach((w, i) => expect(sameBits(w, w0[i])).toBe(true));
    expect(m.compiled!.optimizer.iterations).toBe(0);
    expect(nn.memory().bytesInUse).toBe(before.bytesInUse);
    m.dispose();
    x.dispose();
    y.dispose();
  });

  it("terminateOnNaN stops after the batch whose loss is NaN and says which (Keras' TerminateOnNaN)", async () => {
    const nn = await instance("simd");
    const { x, y } = data(nn, 64);
    const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 3, inputShape: [4] })] });
    m.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e30 }), loss: "mse" }); // diverges to Inf, then NaN
    const messages: string[] = [];
    const stop = nn.callbacks.terminateOnNaN((s) => messages.push(s));
    let batches = 0;
    const h = await m.fit(x, y, { epochs: 50, batchSize: 4, verbose: 0, shuffle: false, callbacks: [stop, { onBatchEnd: () => void batches++ }] });
    expect(stop.stoppedEpoch).toBe(0);
    expect(batches).toBe(stop.stoppedBatch! + 1);
    expect(batches).toBeLessThan(16);
    expect(h.epoch).toEqual([0]); // the epoch still ends, as in Keras
    expect(messages).toEqual([expect.stringMatching(new RegExp(`epoch 1, batch ${batches}: invalid loss (NaN|Infinity), terminating training`))]);
    // without it, all 50 epochs run
    const m2 = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: 3, inputShape: [4] })] });
    m2.compile({ optimizer: nn.optimizers.sgd({ learningRate: 1e30 }), loss: "mse" });
    expect((await m2.fit(x, y, { epochs: 3, batchSize: 4, verbose: 0 })).epoch).toEqual([0, 1, 2]);
    for (const t of [x, y]) t.dispose();
    m.dispose();
    m2.dispose();
  });
});

describe("one label check for nn.loss and fit", () => {
  it("both paths refuse the same bad labels with the same message but for the argument names", async () => {
    const nn = await instance("simd");
    const cases: [string, number[][] | number[], number[][], object?][] = [
      ["binaryCrossentropy", [[0.5, 1.5], [0, 1]], [[0.5, 0.5], [0.5, 0.5]]],
      ["categoricalCrossentropy", [0, 2], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]],
      ["sparseCategoricalCrossentropy", [0, 3], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]],
      ["sparseCategoricalCrossentropy", [[0, 1, 0], [1, 0, 0]], [[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]],
      ["poisson", [[1, -2], [0, 1]], [[1, 1], [1, 1]]],
      ["meanSquaredError", [[1, NaN], [0, 1]], [[1, 1], [1, 1]]],
      ["iou", [[0, 0, 1, 1], [2, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 1, 1]]],
      ["iou", [[0, 0, 1, Infinity], [0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 1, 1]]],
    ];
    for (const [loss, labels, preds] of cases) {
      const yt = nn.tensor(labels as number[][]), yp = nn.tensor(preds);
      let direct = "";
      try {
        nn.loss(loss as never, yt, yp);
      } catch (e) {
        expect(e).toBeInstanceOf(SimdnnError);
        direct = (e as Error).message;
      }
      expect(direct, loss).not.toBe("");
      const dim = preds[0].length;
      const act = loss.endsWith("Crossentropy") ? (loss.startsWith("binary") ? "sigmoid" : "softmax") : "linear";
      const m = nn.sequential({ seed: 1, layers: [nn.layers.dense({ units: dim, activation: act, inputShape: [2] })] });
      m.compile({ optimizer: "sgd", loss: loss as never });
      const x = nn.tensor([[1, 2], [3, 4]]);
      let viaFit = "";
      await m.fit(x, yt, { verbose: 0 }).catch((e: Error) => {
        expect(e).toBeInstanceOf(e instanceof ShapeError ? ShapeError : ValueError);
        viaFit = e.message;
      });
      const norm = (s: string) => s.replace(/^yTrue|^fit: y/, "LABELS").replace(/ of yPred | and yPred /, " PRED ").replace(/ of the model's outputs | and the model's outputs /, " PRED ");
      expect(norm(viaFit), loss).toBe(norm(direct));
      let viaEvaluate = "";
      try {
        m.evaluate(x, yt);
      } catch (e) {
        viaEvaluate = (e as Error).message;
      }
      expect(norm(viaEvaluate.replace(/^evaluate: y/, "fit: y"))).toBe(norm(direct));
      for (const t of [yt, yp, x]) t.dispose();
      m.dispose();
    }
  });

  it("class ids given to categoricalCrossentropy point at oneHot, which exists", async () => {
    const nn = await instance("simd");
    const index = await import("../src/index.js");
    expect(typeof index.oneHot).toBe("function");
    const m = nn.sequential({ layers: [nn.layers.dense({ units: 3, activation: "softmax", inputShape: [2] })] });
    m.compile({ optimizer: "sgd", loss: "categoricalCrossentropy" });
    await expect(m.fit([[1, 2], [3, 4]], [0, 2], { verbose: 0 })).rejects.toThrow(/one-hot them with oneHot\(ids, classes\) from 'simdnn'/);
    m.dispose();
  });
});

describe("predict and evaluate options", () => {
  it("unknown keys are refused with the accepted ones listed", async () => {
    const nn = await instance("simd");
    const { x, y } = data(nn, 8);
    const m = mlp(nn);
    expect(() => m.predict(x, { batch_size: 8 } as never)).toThrow(/predict: unknown option "batch_size"; expected some of: batchSize, out/);
    expect(() => m.evaluate(x, y, { batch_size: 8 } as never)).toThrow(/evaluate: unknown option "batch_size"; expected some of: batchSize/);
    expect(() => m.predict(x, 8 as never)).toThrow(ValueError);
    const p = m.predict(x, { batchSize: 3 });
    expect(p.shape).toEqual([8, 3]);
    for (const t of [x, y, p]) t.dispose();
    m.dispose();
  });
});
