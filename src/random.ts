import { checkBool, checkNumber, checkOptions, show, ValueError } from "./errors.js";

/**
 * Seeded pseudo-random numbers (sfc32: 128-bit state, passes PractRand to 2^40+ bytes), so that
 * initialisers, dropout and shuffling are reproducible for a given seed in every runtime.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number = (Math.random() * 2 ** 32) >>> 0) {
    // splitmix32 spreads any integer seed over the four words.
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) >>> 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.uint32();
  }

  /** Uniform integer in [0, 2^32). */
  uint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    return this.uint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const theta = 2 * Math.PI * this.uniform();
    this.spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  }

  /** Normal redrawn until within two standard deviations (Keras' truncated normal). */
  truncatedNormal(): number {
    for (;;) {
      const z = this.normal();
      if (Math.abs(z) <= 2) return z;
    }
  }

  /** Fisher–Yates shuffle in place. */
  shuffle<T>(items: T[] | Int32Array | Uint32Array): void {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = items[i];
      items[i] = items[j];
      items[j] = t;
    }
  }
}

/** Options every random tensor takes. */
export interface RandomOptions {
  /** Seed for reproducible values; a random one when omitted. */
  seed?: number;
}

/** Options of nn.randomUniform (Keras' names; tfjs' positional form is the other overload). */
export interface RandomUniformOptions extends RandomOptions {
  /** Lower bound, included. Default 0. */
  minval?: number;
  /** Upper bound, excluded. Default 1. */
  maxval?: number;
}

/** Options of nn.truncatedNormal (Keras' names; tfjs' positional form is the other overload). */
export interface TruncatedNormalOptions extends RandomOptions {
  /** Default 0. */
  mean?: number;
  /** Standard deviation ≥ 0 (tfjs' positional argument is `stdDev`). Default 1. */
  stddev?: number;
}

/** Options of nn.randomNormal. */
export interface RandomNormalOptions extends TruncatedNormalOptions {
  /** Redraw values beyond two standard deviations, as nn.truncatedNormal. Default false. */
  truncated?: boolean;
}

/**
 * The arguments after the shape of a random-tensor function: either one options object (checked against
 * `keys`) or tfjs' positional form (first, second, dtype, seed), returned under the option names. Mixing
 * both, extra arguments and a dtype other than float32 are refused.
 */
function randomArgs(fn: string, args: readonly unknown[], positional: readonly [string, string], keys: readonly string[]): Record<string, unknown> {
  const form = `${fn}(shape, { ${keys.join(", ")} }) or ${fn}(shape, ${positional.join(", ")}, dtype, seed)`;
  if (args.length > 4) throw new ValueError(`${fn} received ${args.length + 1} arguments; expected ${form}.`);
  if (typeof args[0] === "object") {
    if (args.slice(1).some((a) => a !== undefined)) throw new ValueError(`${fn} takes an options object or positional arguments, not both; expected ${form}.`);
    return checkOptions<Record<string, unknown>>(fn, args[0], keys);
  }
  for (let i = 0; i < 2; i++) {
    if (args[i] !== undefined && typeof args[i] !== "number") throw new ValueError(`${fn} ${positional[i]} must be a number; received ${show(args[i])}. Expected ${form}.`);
  }
  if (args[2] !== undefined && args[2] !== "float32") throw new ValueError(`${fn}: dtype ${show(args[2])} is not supported; simdnn tensors are float32.`);
  return { [positional[0]]: args[0], [positional[1]]: args[1], seed: args[3] };
}

const seedOf = (fn: string, seed: unknown) => (seed === undefined ? undefined : checkNumber(`${fn} seed`, seed));

/** The largest float32 below x (x a finite float32 > -FLT_MAX): the cap of a draw that rounded up to maxval. */
function float32Below(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  if (x > 0) bits[0]--;
  else if (x < 0) bits[0]++;
  else bits[0] = 0x80000001; // below ±0: the negative subnormal closest to 0
  return f[0];
}

/** nn.randomUniform's arguments: [minval, maxval) (default [0, 1)) and the seed. */
export function uniformArgs(args: readonly unknown[]): { draw: (r: Rng) => number; seed: number | undefined } {
  const o = randomArgs("randomUniform", args, ["minval", "maxval"], ["minval", "maxval", "seed"]);
  const lo = checkNumber("randomUniform minval", o.minval ?? 0);
  const hi = checkNumber("randomUniform maxval", o.maxval ?? 1);
  if (!(Math.fround(hi) > Math.fround(lo))) throw new ValueError(`randomUniform maxval must be greater than minval (as float32); received minval ${lo}, maxval ${hi}.`);
  // lo + (hi − lo)·u with u < 1 can still round to hi in float32 (u > 1 − 2^−25 for [0, 1)): cap it below hi
  const top = Math.fround(hi) < hi ? Math.fround(hi) : float32Below(Math.fround(hi));
  const draw = (r: Rng) => Math.min(Math.fround(lo + (hi - lo) * r.uniform()), top);
  return { draw, seed: seedOf("randomUniform", o.seed) };
}

/** nn.randomNormal's / nn.truncatedNormal's arguments: mean (default 0), stddev (default 1), truncation and the seed. */
export function normalArgs(fn: "randomNormal" | "truncatedNormal", args: readonly unknown[]): { draw: (r: Rng) => number; seed: number | undefined } {
  const keys = fn === "randomNormal" ? ["mean", "stddev", "truncated", "seed"] : ["mean", "stddev", "seed"];
  const o = randomArgs(fn, args, ["mean", "stddev"], keys);
  const mean = checkNumber(`${fn} mean`, o.mean ?? 0);
  const sd = checkNumber(`${fn} stddev`, o.stddev ?? 1, 0);
  const truncated = fn === "truncatedNormal" || (o.truncated !== undefined && checkBool(`${fn} truncated`, o.truncated));
  const draw = truncated ? (r: Rng) => mean + sd * r.truncatedNormal() : (r: Rng) => mean + sd * r.normal();
  return { draw, seed: seedOf(fn, o.seed) };
}
