// Random sequences of tensor calls (fast-check, fixed seed) on every build: nn.tensor / zeros / fill / clone /
// dispose, activation into a new tensor, into x or into another tensor, matmul, gemm, nn.tidy (nested, kept
// results, a throwing body) and refused calls with bad arguments. After every call: every live tensor not
// given as the call's output holds exactly the bits it held before; the output holds what the call promises;
// memory in use is the start plus one granule-rounded block per live tensor; a refused call threw a
// SimdnnError. After the sequence, disposing everything brings bytes and allocations back to the start.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ACTIVATION_NAMES, ACTIVATIONS, type ActivationName, SimdnnError, type Tensor } from "../src/index.js";
import { gemmReference } from "../src/gemm.js";
import type { NN } from "../src/nn.js";
import { runs } from "./helpers/arbitraries.js";
import { BUILDS, instances } from "./helpers/backends.js";
import { uniform } from "./helpers/edge.js";

const RUNS = 200;
const MAX_OPS = 40;

const dimArb = fc.integer({ min: 0, max: 4 });
const shapeArb = fc.oneof({ arbitrary: fc.tuple(dimArb, dimArb), weight: 3 }, { arbitrary: fc.array(dimArb, { maxLength: 3 }), weight: 1 });
// moderate finite values: the sequences test isolation and memory; numerics at the edges are the other files'
const valueArb = fc.oneof(fc.constantFrom(0, -0, 1, -1), fc.float({ min: -4, max: 4, noNaN: true }));
const idx = fc.nat(1000);
const flag = fc.boolean();
const scale = fc.constantFrom(0, 1, -0.5, 2);

const BAD = [
  "tensorShapeMismatch", "ragged", "negativeShape", "fractionalShape", "fillString", "tensorFromString", "bigint",
  "useDisposed", "cloneDisposed", "unknownActivation", "activationParam", "activationOutShape", "activationOption",
  "matmulOption", "matmulRank", "gemmAlias", "gemmAlphaNaN", "tidyNotFunction",
] as const;
/** A refusal with its own property below (it once leaked). */
type KnownBad = "tidyAsync";

const create = fc.oneof(
  fc.record({ op: fc.constant("tensor" as const), shape: shapeArb, seed: fc.nat() }),
  fc.record({ op: fc.constant("fill" as const), shape: shapeArb, value: valueArb }),
  fc.record({ op: fc.constant("zeros" as const), shape: shapeArb }),
  fc.record({ op: fc.constant("clone" as const), i: idx }),
  fc.record({ op: fc.constant("activation" as const), i: idx, name: fc.constantFrom(...ACTIVATION_NAMES), out: fc.constantFrom("new", "x", "other"), j: idx }),
  fc.record({ op: fc.constant("matmul" as const), i: idx, j: idx, tA: flag, tB: flag }),
);
const tidyOf = <T>(inner: fc.Arbitrary<T>) => fc.record({ op: fc.constant("tidy" as const), inner: fc.array(inner, { maxLength: 5 }), keep: fc.integer({ min: -2, max: 4 }), throws: fc.boolean() });
const opArb = fc.oneof(
  { arbitrary: create, weight: 6 },
  { arbitrary: fc.record({ op: fc.constant("dispose" as const), i: idx }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant("gemm" as const), c: idx, i: idx, j: idx, tA: flag, tB: flag, alpha: scale, beta: scale }), weight: 2 },
  { arbitrary: tidyOf(fc.oneof(create, tidyOf(create))), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant("bad" as const), kind: fc.constantFrom(...BAD), i: idx }), weight: 2 },
);
type Op = typeof opArb extends fc.Arbitrary<infer T> ? T : never;
type CreateOp = typeof create extends fc.Arbitrary<infer T> ? T : never;
type AnyOp = Op | { op: "bad"; kind: KnownBad; i: number };

const granule = (size: number) => Math.max(16, Math.ceil(size / 4) * 16); // src/runtime.ts: whole 16-byte blocks, never 0
const bits = (d: Float32Array) => Array.from(new Uint32Array(d.buffer, d.byteOffset, d.length));
const sameShape = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** gemm.test.ts' tolerance for alpha·op(A)·op(B) + beta·C, with assembly/gemm.ts' 2^-24·|beta·c| term. */
function gemmExpected(a: Tensor, b: Tensor, c: Float32Array | null, tA: boolean, tB: boolean, alpha: number, beta: number) {
  const [m, k] = tA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const n = tB ? b.shape[0] : b.shape[1];
  const o = { transA: tA, transB: tB, lda: a.shape[1], ldb: b.shape[1], ldc: n };
  const ref = gemmReference(c, a.data, b.data, m, n, k, { ...o, alpha, beta });
  const abs = gemmReference(null, a.data.map(Math.abs), b.data.map(Math.abs), m, n, k, o);
  let worst = 0, worstC = 0;
  for (const v of abs) worst = Math.max(worst, v);
  if (c && beta !== 0) for (const v of c) worstC = Math.max(worstC, Math.abs(beta * v));
  return { ref, tol: { atol: Math.abs(alpha) * (k + 2) * 2 ** -24 * worst + 2 ** -24 * worstC + 1e-6, rtol: 1e-6 } };
}

/** Runs one sequence on one build, checking every live tensor after every call. */
class Runner {
  readonly live: Tensor[] = [];
  readonly snaps = new Map<Tensor, number[]>();
  readonly dead: Tensor[] = [];
  constructor(readonly nn: NN, readonly start: { bytesInUse: number; allocations: number }) {}

  pick(i: number, from: Tensor[] = this.live): Tensor | undefined {
    return from.length ? from[i % from.length] : undefined;
  }

  add(t: Tensor): Tensor {
    this.live.push(t);
    this.snaps.set(t, bits(t.data));
    return t;
  }

  /** Every live tensor holds its snapshot (the call's output was re-snapshotted after its own check). */
  checkAll(step: string): void {
    for (const t of this.live) expect(bits(t.data), `${step}: a tensor ${JSON.stringify(t.shape)} it was not given changed`).toEqual(this.snaps.get(t));
    const m = this.nn.memory(), bytes = this.live.reduce((s, t) => s + granule(t.size), 0);
    expect([m.bytesInUse, m.allocations], `${step}: memory in use (bytes, allocations)`).toEqual([this.start.bytesInUse + bytes, this.start.allocations + this.live.length]);
  }

  /** A call that must be refused: a SimdnnError, and nothing changed. */
  refused(step: string, call: () => unknown): void {
    let error: unknown;
    try { call(); } catch (e) { error = e; }
    expect(error, `${step}: expected a SimdnnError, received ${String(error)}`).toBeInstanceOf(SimdnnError);
  }

  create(op: CreateOp, step: string): Tensor | undefined {
    const nn = this.nn;
    switch (op.op) {
      case "tensor": {
        const size = op.shape.reduce((a, b) => a * b, 1), values = uniform(size, -1, 1, op.seed);
        const t = this.add(nn.tensor(values, op.shape));
        expect(bits(t.data)).toEqual(bits(values));
        return t;
      }
      case "fill": return this.expectFilled(this.add(nn.fill(op.shape, op.value)), op.value);
      case "zeros": return this.expectFilled(this.add(nn.zeros(op.shape)), 0);
      case "clone": {
        const x = this.pick(op.i);
        if (!x) return undefined;
        const t = this.add(x.clone());
        expect(bits(t.data), `${step}: clone`).toEqual(this.snaps.get(x));
        return t;
      }
      case "activation": return this.activation(op, step);
      case "matmul": {
        const a = this.pick(op.i);
        if (!a) return undefined;
        const rows = a.rank === 2 ? a.shape[op.tA ? 0 : 1] : -1;
        const fits = this.live.filter((b) => b.rank === 2 && b.shape[op.tB ? 1 : 0] === rows);
        const b = this.pick(op.j, fits.length ? fits : this.live)!;
        if (!fits.includes(b)) return void this.refused(step, () => nn.matmul(a, b, { transposeA: op.tA, transposeB: op.tB }));
        const e = gemmExpected(a, b, null, op.tA, op.tB, 1, 0);
        const t = this.add(nn.matmul(a, b, { transposeA: op.tA, transposeB: op.tB }));
        expect(t.data, `${step}: matmul`).toBeCloseArray(e.ref, e.tol);
        return t;
      }
    }
  }

  expectFilled(t: Tensor, value: number): Tensor {
    expect(bits(t.data)).toEqual(bits(new Float32Array(t.size).fill(value)));
    return t;
  }

  activation(op: Extract<CreateOp, { op: "activation" }>, step: string): Tensor | undefined {
    const nn = this.nn, x = this.pick(op.i);
    if (!x) return undefined;
    if (ACTIVATIONS[op.name].kind !== "pointwise" && x.rank === 0) return void this.refused(step, () => nn.activation(op.name, x));
    // what the call must write: the same build's out-of-place result on a copy (activations' values are tested elsewhere)
    const copy = x.clone(), fresh = nn.activation(op.name, copy), want = bits(fresh.data);
    nn.dispose(copy, fresh);
    const others = this.live.filter((t) => t !== x && sameShape(t.shape, x.shape));
    const out = op.out === "x" ? x : op.out === "other" ? this.pick(op.j, others) : undefined;
    const y = nn.activation(op.name, x, undefined, out ? { out } : {});
    if (out) expect(y).toBe(out);
    else this.add(y);
    expect(bits(y.data), `${step}: activation ${op.name} into ${op.out}`).toEqual(want);
    this.snaps.set(y, want);
    return out ? undefined : y;
  }

  gemm(op: Extract<Op, { op: "gemm" }>, step: string): void {
    const nn = this.nn, a = this.pick(op.i), b = this.pick(op.j);
    if (!a || !b) return;
    const o = { transposeA: op.tA, transposeB: op.tB, alpha: op.alpha, beta: op.beta };
    const valid = a.rank === 2 && b.rank === 2 && a.shape[op.tA ? 0 : 1] === b.shape[op.tB ? 1 : 0];
    const m = valid ? a.shape[op.tA ? 1 : 0] : -1, n = valid ? b.shape[op.tB ? 0 : 1] : -1;
    const cs = this.live.filter((c) => c !== a && c !== b && sameShape(c.shape, [m, n]));
    const c = this.pick(op.c, cs.length ? cs : this.live)!;
    if (!cs.includes(c)) return this.refused(step, () => nn.gemm(c, a, b, o));
    const e = gemmExpected(a, b, c.data.slice(), op.tA, op.tB, op.alpha, op.beta);
    expect(nn.gemm(c, a, b, o)).toBe(c);
    expect(c.data, `${step}: gemm`).toBeCloseArray(e.ref, e.tol);
    this.snaps.set(c, bits(c.data));
  }

  tidy(op: Extract<Op, { op: "tidy" }>, step: string, depth = 0): Tensor[] {
    const nn = this.nn, outer = this.live.length;
    const run = () => {
      const made: Tensor[] = [];
      for (const inner of op.inner) {
        if (inner.op === "tidy") made.push(...this.tidy(inner, `${step}.tidy`, depth + 1));
        else { const t = this.create(inner, `${step} in tidy`); if (t) made.push(t); }
      }
      if (op.throws) throw new RangeError("thrown by the tidy body");
      return op.keep === -2 ? made.slice(0, 2) : op.keep >= 0 ? made[op.keep] : undefined;
    };
    let kept: Tensor[] = [];
    if (op.throws) expect(() => nn.tidy(run), `${step}: tidy rethrows the body's error`).toThrow(RangeError);
    else { const r = nn.tidy(run); kept = r === undefined ? [] : Array.isArray(r) ? r : [r]; }
    // everything made inside is gone except what was returned (and what an `out` call wrote into an older tensor)
    const inside = this.live.splice(outer);
    for (const t of inside) {
      if (kept.includes(t)) this.live.push(t);
      else {
        expect(t.isDisposed, `${step}: tidy left a tensor it did not return`).toBe(true);
        this.snaps.delete(t);
        this.dead.push(t);
      }
    }
    if (depth === 0) this.checkAll(`${step} (after tidy)`);
    return kept;
  }

  bad(kind: (typeof BAD)[number] | KnownBad, i: number, step: string): void {
    const nn = this.nn, x = this.pick(i);
    const square = this.live.find((t) => t.rank === 2 && t.shape[0] === t.shape[1]);
    const refuse = (call: () => unknown) => this.refused(`${step} (${kind})`, call);
    switch (kind) {
      case "tensorShapeMismatch": return refuse(() => nn.tensor([1, 2, 3], [2, 2]));
      case "ragged": return refuse(() => nn.tensor([[1, 2], [3]]));
      case "negativeShape": return refuse(() => nn.zeros([2, -1]));
      case "fractionalShape": return refuse(() => nn.fill([1.5], 0));
      case "fillString": return refuse(() => nn.fill([2], "1" as unknown as number));
      case "tensorFromString": return refuse(() => nn.tensor("abc" as unknown as number));
      case "bigint": return refuse(() => nn.tensor(new BigInt64Array(2) as unknown as Float32Array));
      case "useDisposed": return this.dead.length ? refuse(() => nn.activation("relu", this.pick(i, this.dead)!)) : undefined;
      case "cloneDisposed": return this.dead.length ? refuse(() => this.pick(i, this.dead)!.clone()) : undefined;
      case "tidyNotFunction": return refuse(() => nn.tidy(3 as unknown as () => void));
      case "tidyAsync": return refuse(() => nn.tidy((async () => { nn.zeros([3]); }) as unknown as () => void));
    }
    if (!x) return;
    const otherShape = this.live.find((t) => !sameShape(t.shape, x.shape)), notMatrix = this.live.find((t) => t.rank !== 2);
    switch (kind) {
      case "unknownActivation": return refuse(() => nn.activation("relu7" as ActivationName, x));
      case "activationParam": return refuse(() => nn.activation("relu", x, { alpha: 1 }));
      case "activationOutShape": return otherShape ? refuse(() => nn.activation("relu", x, undefined, { out: otherShape })) : undefined;
      case "activationOption": return refuse(() => nn.activation("relu", x, undefined, { outt: x } as never));
      case "matmulOption": return x.rank === 2 ? refuse(() => nn.matmul(x, x, { transposeB: true, transposeb: true } as never)) : undefined; // x·xᵀ fits: only the unknown key can refuse it
      case "matmulRank": return notMatrix ? refuse(() => nn.matmul(x, notMatrix)) : undefined;
      case "gemmAlias": return square ? refuse(() => nn.gemm(square, square, square)) : undefined;
      case "gemmAlphaNaN": return refuse(() => nn.gemm(x, x, x, { alpha: NaN }));
    }
  }

  step(op: AnyOp, step: string): void {
    switch (op.op) {
      case "dispose": {
        const t = this.pick(op.i);
        if (!t) return;
        t.dispose();
        this.live.splice(this.live.indexOf(t), 1);
        this.snaps.delete(t);
        this.dead.push(t);
        return;
      }
      case "gemm": return this.gemm(op, step);
      case "tidy": return void this.tidy(op, step);
      case "bad": return this.bad(op.kind, op.i, step);
      default: return void this.create(op, step);
    }
  }
}

/** One random sequence on one build; everything disposed at the end, even after a failed check. */
function sequence(nn: NN, ops: readonly AnyOp[]): void {
  const start = nn.memory();
  const r = new Runner(nn, start);
  try {
    ops.forEach((op, s) => {
      const step = `step ${s} (${op.op}${op.op === "bad" ? " " + op.kind : ""})`;
      r.step(op, step);
      r.checkAll(step);
    });
  } finally {
    nn.dispose(r.live);
  }
  const end = nn.memory();
  expect([end.bytesInUse, end.allocations], "memory after disposing everything").toEqual([start.bytesInUse, start.allocations]);
}

describe.each(BUILDS)("random sequences of tensor calls (%s)", async (build) => {
  const nn = (await instances())[build];
  // gemm's packing workspace is allocated on first use and kept: allocate it before memory is compared
  const z = nn.zeros([1, 1]);
  nn.dispose(z, nn.matmul(z, z));

  it("no call changes a tensor it was not given as output; memory follows the live tensors and returns to the start; refusals are SimdnnErrors", () => {
    fc.assert(fc.property(fc.array(opArb, { maxLength: MAX_OPS, size: "max" }), (ops) => sequence(nn, ops)), runs("tensors", RUNS));
  });

  // nn.tidy(async () => …) is refused with a ValueError after the body ran up to its first await; the tensors
  // it made by then are freed (this property found them leaking: 16 bytes and one allocation a call).
  it("a refused nn.tidy(async fn) frees what the body allocated before its first await", () => {
    const withAsync = fc.oneof(opArb, fc.constant<AnyOp>({ op: "bad", kind: "tidyAsync", i: 0 }));
    fc.assert(fc.property(fc.array(withAsync, { maxLength: MAX_OPS, size: "max" }), (ops) => sequence(nn, ops)), runs("tensors", RUNS));
  });
});
