// Strict options outside the model (issue 17): every public function of the tensor, random, activation,
// loss and GEMM API that takes an options or params object refuses a misspelt key with a ValueError that
// names it and lists the accepted keys, and the corrected call works (so the listed key is the real one).
// Then every refused call of those files, run in a loop, leaves nn.memory() exactly where it was.
import { describe, expect, it } from "vitest";
import { checkOptions } from "../src/errors.js";
import { denseEpilogue, DisposedError, ShapeError, type Tensor, ValueError } from "../src/index.js";
import type { NN } from "../src/nn.js";
import { instance } from "./helpers/backends.js";

interface Fixture {
  x: Tensor;
  dy: Tensor;
  a: Tensor;
  b: Tensor;
  c: Tensor;
  yt: Tensor;
  yp: Tensor;
  sw: Tensor;
}

/** One public function, called with a misspelt key and with the right one. */
interface Row {
  call: string;
  bad: (nn: NN, f: Fixture) => unknown;
  good: (nn: NN, f: Fixture) => unknown;
  /** The misspelt key, as the message must name it. */
  key: string;
  /** Every key the message must list as accepted. */
  accepted: string[];
}

const ROWS: Row[] = [
  { call: "matmul", key: "transposeb", accepted: ["transposeA", "transposeB"], bad: (nn, f) => nn.matmul(f.a, f.b, { transposeb: true } as never), good: (nn, f) => nn.matmul(f.a, f.a, { transposeB: true }) },
  { call: "gemm", key: "Alpha", accepted: ["transposeA", "transposeB", "alpha", "beta"], bad: (nn, f) => nn.gemm(f.c, f.a, f.b, { Alpha: 2 } as never), good: (nn, f) => nn.gemm(f.c, f.a, f.b, { alpha: 2 }) },
  { call: "activation options", key: "outt", accepted: ["out"], bad: (nn, f) => nn.activation("relu", f.x, undefined, { outt: f.x } as never), good: (nn, f) => nn.activation("relu", f.x, undefined, { out: f.dy }) },
  { call: "activation params", key: "approximat", accepted: ["approximate"], bad: (nn, f) => nn.activation("gelu", f.x, { approximat: "tanh" } as never), good: (nn, f) => nn.activation("gelu", f.x, { approximate: "tanh" }) },
  { call: "activation params (leakyRelu)", key: "slope", accepted: ["alpha"], bad: (nn, f) => nn.activation("leakyRelu", f.x, { slope: 0.2 } as never), good: (nn, f) => nn.activation("leakyRelu", f.x, { alpha: 0.2 }) },
  { call: "activationBackward options", key: "output", accepted: ["out"], bad: (nn, f) => nn.activationBackward("tanh", f.x, f.dy, undefined, { output: f.dy } as never), good: (nn, f) => nn.activationBackward("tanh", f.x, f.dy, undefined, { out: f.dy }) },
  { call: "activationBackward params", key: "alhpa", accepted: ["alpha"], bad: (nn, f) => nn.activationBackward("elu", f.x, f.dy, { alhpa: 2 } as never), good: (nn, f) => nn.activationBackward("elu", f.x, f.dy, { alpha: 2 }) },
  { call: "activations.gelu", key: "ou", accepted: ["out"], bad: (nn, f) => nn.activations.gelu(f.x, undefined, { ou: f.dy } as never), good: (nn, f) => nn.activations.gelu(f.x, undefined, { out: f.dy }) },
  { call: "activations.preluBackward", key: "alfa", accepted: ["alpha"], bad: (nn, f) => nn.activations.preluBackward(f.x, f.dy, { alfa: 0.1 } as never), good: (nn, f) => Object.values(nn.activations.preluBackward(f.x, f.dy, { alpha: 0.1 })) },
  { call: "loss", key: "delat", accepted: ["delta", "reduction", "sampleWeight"], bad: (nn, f) => nn.loss("huber", f.yt, f.yp, { delat: 2 } as never), good: (nn, f) => nn.loss("huber", f.yt, f.yp, { delta: 2 }) },
  { call: "loss (no parameters)", key: "reductoin", accepted: ["reduction", "sampleWeight"], bad: (nn, f) => nn.loss("mse", f.yt, f.yp, { reductoin: "sum" } as never), good: (nn, f) => nn.loss("mse", f.yt, f.yp, { reduction: "sum" }) },
  { call: "lossGradient", key: "sampleweight", accepted: ["reduction", "sampleWeight"], bad: (nn, f) => nn.lossGradient("mae", f.yt, f.yp, { sampleweight: f.sw } as never), good: (nn, f) => nn.lossGradient("mae", f.yt, f.yp, { sampleWeight: f.sw }) },
  { call: "lossAndGradient", key: "fromlogits", accepted: ["labelSmoothing", "fromLogits", "reduction", "sampleWeight"], bad: (nn, f) => nn.lossAndGradient("binaryCrossentropy", f.yt, f.yp, { fromlogits: true } as never), good: (nn, f) => nn.lossAndGradient("binaryCrossentropy", f.yt, f.yp, { fromLogits: true }).gradient },
  { call: "losses.combine term", key: "wieght", accepted: ["loss", "weight", "params"], bad: (nn) => nn.losses.combine([{ loss: "mse", wieght: 2 } as never]), good: (nn) => nn.losses.combine([{ loss: "mse", weight: 2 }]) },
  { call: "combined value", key: "reducton", accepted: ["reduction", "sampleWeight"], bad: (nn, f) => nn.losses.combine([{ loss: "mse" }]).value(f.yt, f.yp, { reducton: "sum" } as never), good: (nn, f) => nn.losses.combine([{ loss: "mse" }]).value(f.yt, f.yp, { reduction: "sum" }) },
  { call: "combined gradient", key: "weights", accepted: ["reduction", "sampleWeight"], bad: (nn, f) => nn.losses.combine([{ loss: "mse" }]).gradient(f.yt, f.yp, { weights: f.sw } as never), good: (nn, f) => nn.losses.combine([{ loss: "mse" }]).gradient(f.yt, f.yp, { sampleWeight: f.sw }) },
  { call: "regularizers.l1l2", key: "L2", accepted: ["l1", "l2"], bad: (nn) => nn.regularizers.l1l2({ L2: 0.1 } as never), good: (nn) => nn.regularizers.l1l2({ l2: 0.1 }) },
  { call: "randomUniform", key: "minVal", accepted: ["minval", "maxval", "seed"], bad: (nn) => nn.randomUniform([3], { minVal: 2 } as never), good: (nn) => nn.randomUniform([3], { minval: 2, maxval: 3 }) },
  { call: "randomNormal", key: "stdDev", accepted: ["mean", "stddev", "truncated", "seed"], bad: (nn) => nn.randomNormal([3], { stdDev: 2 } as never), good: (nn) => nn.randomNormal([3], { stddev: 2 }) },
  { call: "truncatedNormal", key: "truncated", accepted: ["mean", "stddev", "seed"], bad: (nn) => nn.truncatedNormal([3], { truncated: false } as never), good: (nn) => nn.truncatedNormal([3], { seed: 1 }) },
  { call: "denseEpilogue", key: "approx", accepted: ["alpha", "approximate"], bad: () => denseEpilogue("gelu", { approx: "tanh" } as never), good: () => denseEpilogue("gelu", { approximate: "tanh" }) },
];

async function setup(): Promise<{ nn: NN; f: Fixture }> {
  const nn = await instance("simd");
  const f: Fixture = {
    x: nn.tensor([[-1, 0.5, 2], [3, -4, 0]]),
    dy: nn.tensor([[1, 1, 1], [1, 1, 1]]),
    a: nn.tensor([[1, 2], [3, 4]]),
    b: nn.tensor([[5, 6, 7], [8, 9, 10]]),
    c: nn.zeros([2, 3]),
    yt: nn.tensor([[0, 1, 1], [1, 0, 0]]),
    yp: nn.tensor([[0.2, 0.7, 0.9], [0.6, 0.1, 0.3]]),
    sw: nn.tensor([1, 2]),
  };
  nn.matmul(f.a, f.a).dispose(); // the packing workspace is allocated once, on first use: not a leak
  return { nn, f };
}

/** Disposes the new tensors a call returned (a tensor or an array of them), not the fixture's (`out`, gemm's c). */
function release(result: unknown, f: Fixture): void {
  const own = new Set<unknown>(Object.values(f));
  for (const r of Array.isArray(result) ? result : [result]) if (r instanceof Object && "dispose" in r && !own.has(r)) (r as Tensor).dispose();
}

const snapshot = (f: Fixture) => Object.fromEntries(Object.entries(f).map(([k, t]) => [k, Array.from(t.data)]));

describe("a misspelt option key is refused everywhere, with the accepted keys listed", async () => {
  const { nn, f } = await setup();

  it.each(ROWS)("$call: $key", ({ bad, good, key, accepted }) => {
    const before = nn.memory();
    const values = snapshot(f);
    let error: unknown;
    try {
      release(bad(nn, f), f);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ValueError);
    const message = (error as Error).message;
    expect(message).toContain(key);
    for (const k of accepted) expect(message).toContain(k);
    expect(nn.memory()).toEqual(before);
    expect(snapshot(f)).toEqual(values); // nothing was written, not even into `out`
    release(good(nn, f), f); // the key the message lists is the one that works
    expect(nn.memory()).toEqual(before);
  });

  it("an options argument that is not an object is refused by name", () => {
    expect(() => nn.matmul(f.a, f.a, null as never)).toThrow(/matmul options must be an object; received null/);
    expect(() => nn.gemm(f.c, f.a, f.b, [] as never)).toThrow(/gemm options must be an object; received \[\]/);
    expect(() => nn.activation("relu", f.x, undefined, 3 as never)).toThrow(/activation 'relu' options must be an object; received 3/);
    expect(() => (nn.randomUniform as (...a: unknown[]) => Tensor)([2], { minval: 0 }, 1)).toThrow(/options object or positional arguments, not both/);
  });

  it("several unknown keys are all named; a function without options says so", () => {
    expect(() => nn.matmul(f.a, f.a, { transposea: true, transposeb: true } as never)).toThrow(/matmul: unknown options "transposea", "transposeb"; expected some of: transposeA, transposeB/);
    expect(() => checkOptions("f", { a: 1 }, [])).toThrow(/^f: unknown option "a"; it takes none\.$/);
  });
});

describe("a refused call leaks nothing, however often it is made", async () => {
  const { nn, f } = await setup();
  const dead = nn.ones([2, 3]);
  dead.dispose();
  const alpha3 = nn.tensor([0.1, 0.2]);
  const wide = nn.zeros([4, 4]);
  const refused: [string, () => unknown, new (...a: never[]) => Error][] = [
    ["tensor(BigInt64Array)", () => nn.tensor(new BigInt64Array(3) as never), ValueError],
    ["tensor(BigUint64Array)", () => nn.tensor(new BigUint64Array(3) as never, [3]), ValueError],
    ["tensor(DataView)", () => nn.tensor(new DataView(new ArrayBuffer(8)) as never), ValueError],
    ["tensor(wrong shape)", () => nn.tensor([1, 2, 3], [2, 2]), ShapeError],
    ["tensor(dtype int32)", () => nn.tensor([1, 2], [2], "int32" as never), ValueError],
    ["clone() of a disposed tensor", () => dead.clone(), DisposedError],
    ["fill(non-number)", () => nn.fill([2], "1" as never), ValueError],
    ["zeros(dtype bool)", () => nn.zeros([2], "bool" as never), ValueError],
    ["randomUniform(empty range)", () => nn.randomUniform([4], 1, 1), ValueError],
    ["randomUniform(string bound)", () => nn.randomUniform([4], "0" as never, 3), ValueError],
    ["randomUniform(too many arguments)", () => (nn.randomUniform as (...a: unknown[]) => Tensor)([4], 0, 1, "float32", 1, 2), ValueError],
    ["randomNormal(negative stddev)", () => nn.randomNormal([4], 0, -1), ValueError],
    ["truncatedNormal(bad shape)", () => nn.truncatedNormal([2, -1]), ShapeError],
    ["matmul(shapes)", () => nn.matmul(f.x, f.a), ShapeError],
    ["matmul(disposed)", () => nn.matmul(dead, f.a), DisposedError],
    ["gemm(alias)", () => nn.gemm(f.a, f.a, f.a), ValueError],
    ["activation(out shape)", () => nn.activation("sigmoid", f.x, undefined, { out: f.a }), ShapeError],
    ["activation(prelu alpha size)", () => nn.activation("prelu", f.x, { alpha: alpha3 }), ShapeError],
    ["activationBackward(dy shape)", () => nn.activationBackward("softmax", f.x, f.a), ShapeError],
    ["preluBackward(alpha size)", () => nn.activations.preluBackward(f.x, f.dy, { alpha: alpha3 }), ShapeError],
    ["loss(labels)", () => nn.loss("binaryCrossentropy", f.x, f.yp, { reduction: "none" }), ValueError],
    ["lossGradient(out size)", () => nn.lossGradient("mse", f.yt, f.yp, {}, wide), ValueError],
    ["lossAndGradient(out size, reduction none)", () => nn.lossAndGradient("mse", f.yt, f.yp, { reduction: "none" }, wide), ValueError],
    ["combined gradient(out size)", () => nn.losses.combine([{ loss: "mse" }]).gradient(f.yt, f.yp, {}, wide), ValueError],
    ...ROWS.map((r): [string, () => unknown, typeof ValueError] => [`misspelt key: ${r.call}`, () => r.bad(nn, f), ValueError]),
  ];

  it.each(refused)("%s", (_, call, type) => {
    expect(call).toThrow(type);
    const before = nn.memory();
    for (let i = 0; i < 200; i++) expect(call).toThrow(type);
    expect(nn.memory()).toEqual(before); // bytes, allocations and heap size
  });
});
