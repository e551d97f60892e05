// The optimizers' common base: options, learning-rate schedules, clipping and the per-block state that one
// fused kernel call updates (subclasses supply the call). The optimizers and their registry: optimizers.ts.
import { checkInt, checkNumber, checkOptions, checkPositive, type Options, ShapeError, show, ValueError } from "./errors.js";
import type { LearningRateSchedule, ScheduleConfig } from "./schedules.js";
import type { OptimizerName } from "./optimizers.js";
import type { Kernels, Runtime } from "./runtime.js";
import { checkSameShape, checkTensor, Tensor } from "./tensor.js";

/** Options every optimizer takes (Keras' base optimizer arguments). */
export interface OptimizerOptions {
  /** A number > 0, a schedule, or any (step) → lr function evaluated at `iterations`. */
  learningRate?: number | LearningRateSchedule | ((step: number) => number);
  /** Decoupled decay p ← p − lr·weightDecay·p before the update (Keras weight_decay). Default 0 (AdamW 0.004). */
  weightDecay?: number;
  /** Scale each variable's gradient to norm ≤ clipNorm (Keras clipnorm). */
  clipNorm?: number | null;
  /** Scale all gradients together to global norm ≤ globalClipNorm (Keras global_clipnorm). */
  globalClipNorm?: number | null;
  /** Clamp each gradient entry to [−clipValue, clipValue] (Keras clipvalue). At most one clip option. */
  clipValue?: number | null;
}
/** A per-variable range of a parameter block, in floats. */
export interface Segment {
  readonly offset: number;
  readonly size: number;
}

/** getConfig(): the resolved options under the registry name (a schedule as its ScheduleConfig). */
export interface OptimizerConfig {
  readonly name: OptimizerName;
  readonly learningRate: number | ScheduleConfig;
  readonly [option: string]: number | boolean | null | string | ScheduleConfig;
}

interface State {
  /** Byte address of slot 0 (0 when the optimizer keeps no state). */
  readonly ptr: number;
  readonly floats: number;
  readonly n: number;
  segments?: readonly Segment[];
}

const COMMON_KEYS = ["learningRate", "weightDecay", "clipNorm", "globalClipNorm", "clipValue"] as const;

/** Base class: options, schedule, clipping and per-block state; subclasses supply the kernel call. */
export abstract class Optimizer {
  readonly weightDecay: number;
  readonly clipNorm: number | null;
  readonly globalClipNorm: number | null;
  readonly clipValue: number | null;
  #iterations = 0;
  readonly #lr: number | ((step: number) => number);
  #rt: Runtime | null = null;
  /** State per param Tensor (step) or per params pointer (applyRaw). */
  readonly #states = new Map<Tensor | number, State>();

  protected constructor(
    readonly name: OptimizerName,
    options: Options<OptimizerOptions>,
    /** The registry's defaults for this optimizer (learning rate, weight decay). */
    d: { readonly learningRate: number; readonly weightDecay: number },
  ) {
    const lr = options.learningRate ?? d.learningRate;
    this.#lr = typeof lr === "function" ? lr : checkPositive("learningRate", lr);
    this.weightDecay = checkNumber("weightDecay", options.weightDecay ?? d.weightDecay, 0);
    const clip = (key: "clipNorm" | "globalClipNorm" | "clipValue") => (options[key] == null ? null : checkPositive(key, options[key]));
    this.clipNorm = clip("clipNorm");
    this.globalClipNorm = clip("globalClipNorm");
    this.clipValue = clip("clipValue");
    const set = (["clipNorm", "globalClipNorm", "clipValue"] as const).filter((k) => this[k] !== null);
    if (set.length > 1) throw new ValueError(`Only one of clipNorm, globalClipNorm and clipValue can be set; received ${set.join(" and ")}.`);
  }

  /** Steps taken so far (Keras `iterations`): the step a schedule is evaluated at. */
  get iterations(): number {
    return this.#iterations;
  }

  /** The learning rate the next step uses. */
  get learningRate(): number {
    const lr = this.#lr;
    if (typeof lr === "number") return lr;
    const v = lr(this.#iterations);
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
      throw new ValueError(`learningRate schedule must return a finite number ≥ 0; received ${show(v)} at step ${this.#iterations}.`);
    }
    return v;
  }

  /** Keras-style configuration under the registry name. */
  getConfig(): OptimizerConfig {
    const lr = this.#lr;
    const learningRate = typeof lr === "number" ? lr : "getConfig" in lr ? (lr as LearningRateSchedule).getConfig() : { className: "Function", config: {} };
    return { name: this.name, learningRate, weightDecay: this.weightDecay, clipNorm: this.clipNorm, globalClipNorm: this.globalClipNorm, clipValue: this.clipValue, ...this.ownConfig() };
  }

  /**
   * Updates each params[i] in place from grads[i] (same shape), one step. Validates everything
   * before changing anything. State is allocated the first time a tensor is seen and kept until
   * dispose() (or until a new tensor arrives after it was disposed); gradients are only read
   * (clipping is folded into the kernel's load).
   */
  step(params: readonly Tensor[], grads: readonly Tensor[]): void {
    if (!Array.isArray(params)) throw new ValueError(`params must be an array of Tensors; received ${show(params)}.`);
    if (!Array.isArray(grads)) throw new ValueError(`grads must be an array of Tensors; received ${show(grads)}.`);
    if (grads.length !== params.length) throw new ValueError(`grads must hold one tensor per param (${params.length}); received ${grads.length}.`);
    const rt = this.#rt ?? (params[0] as Tensor | undefined)?.rt;
    const seen = new Set<Tensor>();
    params.forEach((p, i) => {
      checkTensor(`params[${i}]`, p, rt as Runtime);
      checkTensor(`grads[${i}]`, grads[i], rt as Runtime);
      checkSameShape(`params[${i}]`, p, `grads[${i}]`, grads[i]);
      if (seen.has(p)) throw new ValueError(`params[${i}] appears twice in params; each tensor can be updated once per step.`);
      seen.add(p);
    });
    const lr = this.learningRate;
    if (rt === undefined) return void this.#iterations++;
    this.#bind(rt);
    const k = rt.k;
    let gs = 1;
    if (this.globalClipNorm !== null) {
      let sq = 0;
      for (const g of grads) sq += k.red_sum_squares(g.ptr, g.size);
      gs = globalScale(Math.sqrt(sq), this.globalClipNorm);
    }
    const states = params.map((p) => this.#state(rt, p, p.size));
    const t = ++this.#iterations;
    params.forEach((p, i) => {
      const g = grads[i];
      const s = this.clipNorm === null ? gs : this.clipNorm / Math.max(Math.sqrt(k.red_sum_squares(g.ptr, g.size)), this.clipNorm);
      this.update(k, p.ptr, g.ptr, states[i].ptr, stride(p.size), p.size, lr, t, s, this.clipValue ?? Infinity);
    });
  }

  /**
   * The training loop's entry: params and grads are byte addresses of contiguous float32 blocks of
   * n floats; segments are the variables' ranges (floats), read only for clipNorm. State for the
   * block is allocated on the first call (keyed by params) and reused; after that each call is one
   * fused kernel call (plus a norm per segment with clipNorm, a global norm with globalClipNorm) and
   * allocates nothing. With clipNorm, gradients of segments over the norm are scaled in place.
   */
  applyRaw(rt: Runtime, params: number, grads: number, n: number, segments: readonly Segment[]): void {
    const lr = this.learningRate;
    this.#bind(rt);
    const st = this.#states.get(params) ?? this.#state(rt, params, checkInt("n", n));
    if (st.n !== n) throw new ValueError(`applyRaw: this optimizer holds state for ${st.n} floats at ${params}; received n = ${n}. Call dispose() before reusing it for another block.`);
    const k = rt.k;
    let gs = 1;
    if (this.clipNorm !== null) {
      const c = this.clipNorm;
      if (st.segments !== segments) st.segments = checkSegments(segments, n);
      for (const s of segments) {
        const at = grads + 4 * s.offset;
        // Keras clip_by_norm: g·c / max(‖g‖, c); NaN or Inf norms propagate as Keras' do
        const scale = c / Math.max(Math.sqrt(k.red_sum_squares(at, s.size)), c);
        if (scale !== 1) k.ew_scale(at, at, scale, s.size);
      }
    } else if (this.globalClipNorm !== null) {
      gs = globalScale(Math.sqrt(k.red_sum_squares(grads, n)), this.globalClipNorm);
    }
    this.update(k, params, grads, st.ptr, stride(n), n, lr, ++this.#iterations, gs, this.clipValue ?? Infinity);
  }

  /**
   * @internal The state of the block at `params` (applyRaw's key): the step count and each slot's
   * floats (n each), as copies; null before the first step. What a checkpoint saves.
   */
  exportState(params: number): { iterations: number; slots: Float32Array[]; names: readonly string[] } | null {
    const st = this.#states.get(params);
    if (st === undefined || this.#rt === null) return null;
    const f32 = this.#rt.f32, w = stride(st.n);
    const slots = Array.from({ length: this.slots }, (_, j) => f32.slice((st.ptr >> 2) + j * w, (st.ptr >> 2) + j * w + st.n));
    return { iterations: this.#iterations, slots, names: this.slotNames };
  }

  /**
   * @internal Restores what exportState gave (same slot count, n floats each) for the block at
   * `params`, replacing any state it had; the next applyRaw continues from `iterations`.
   */
  importState(rt: Runtime, params: number, n: number, iterations: number, slots: readonly Float32Array[]): void {
    if (slots.length !== this.slots || slots.some((s) => s.length !== n)) {
      throw new ValueError(`${this.name} keeps ${this.slots} state slots of ${n} floats; received ${slots.length} of ${show(slots.map((s) => s.length))}.`);
    }
    checkInt("iterations", iterations);
    this.#bind(rt);
    const old = this.#states.get(params);
    if (old && old.ptr !== 0) rt.free(old.ptr, old.floats);
    this.#states.delete(params);
    const st = this.#state(rt, params, n);
    const w = stride(n);
    slots.forEach((s, j) => rt.f32.set(s, (st.ptr >> 2) + j * w));
    this.#iterations = iterations;
  }

  /** @internal Names of the state slots in layout order (Keras' variable suffixes: m, v, momentum…). */
  get slotNames(): readonly string[] {
    return [];
  }

  /** Frees all state and resets iterations; the optimizer can be used again (fresh state). */
  dispose(): void {
    for (const s of this.#states.values()) if (s.ptr !== 0) this.#rt?.free(s.ptr, s.floats);
    this.#states.clear();
    this.#rt = null;
    this.#iterations = 0;
  }

  /** State slots per parameter (each a float array of the parameter's layout). */
  protected abstract get slots(): number;
  /** Initial state (zeros unless overridden). */
  protected init(k: Kernels, ptr: number, floats: number): void {
    k.mem_fill(ptr, 0, floats);
  }
  /** One kernel call. s: state address, slot j at s + 4·j·slotStride; t: the step, counted from 1. */
  protected abstract update(k: Kernels, p: number, g: number, s: number, slotStride: number, n: number, lr: number, t: number, gs: number, gc: number): void;
  protected abstract ownConfig(): Record<string, number | boolean>;

  #bind(rt: Runtime): void {
    if (this.#rt !== null && this.#rt !== rt) {
      throw new ValueError(`This optimizer holds state in another simdnn instance (backend '${this.#rt.backend}'); call dispose() first or create one optimizer per instance.`);
    }
    this.#rt = rt;
  }

  #state(rt: Runtime, key: Tensor | number, n: number): State {
    let st = this.#states.get(key);
    if (st === undefined) {
      // a new variable is the moment to drop the state of tensors disposed since (not a per-step cost)
      for (const [t, old] of this.#states) {
        if (t instanceof Tensor && t.isDisposed) {
          if (old.ptr !== 0) rt.free(old.ptr, old.floats);
          this.#states.delete(t);
        }
      }
      const floats = this.slots * stride(n);
      const ptr = floats > 0 ? rt.alloc(floats) : 0;
      if (ptr !== 0) this.init(rt.k, ptr, floats);
      this.#states.set(key, (st = { ptr, floats, n }));
    }
    return st;
  }
}

/** Floats per state slot: n rounded up to whole f32x4 vectors, so every slot starts 16-byte aligned. */
export const stride = (n: number) => Math.ceil(n / 4) * 4;

/**
 * Keras clip_by_global_norm scales by c·min(1/‖g‖, 1/c), NaN when ‖g‖ is not finite. Written
 * c / max(‖g‖, c) for finite norms, which is exactly 1 below the threshold (c·(1/c) may not be).
 */
const globalScale = (norm: number, c: number) => (Number.isFinite(norm) ? c / Math.max(norm, c) : NaN);

function checkSegments(segments: unknown, n: number): readonly Segment[] {
  if (!Array.isArray(segments)) throw new ValueError(`segments must be an array of { offset, size }; received ${show(segments)}.`);
  segments.forEach((s: Segment, i) => {
    if (!(Number.isInteger(s?.offset) && Number.isInteger(s.size) && s.offset >= 0 && s.size >= 0 && s.offset + s.size <= n)) {
      throw new ShapeError(`segments[${i}] must be an integer range { offset, size } inside [0, ${n}); received ${JSON.stringify(s)}.`);
    }
  });
  return segments;
}

export const own = <T extends object>(what: string, options: unknown, specific: readonly string[]) =>
  checkOptions<T>(what, options, [...COMMON_KEYS, ...specific]);

