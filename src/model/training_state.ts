// The training state a Sequential owns and fit/evaluate/trainOnBatch work through: what compile
// resolved, the optimizer step, the buffers planned for training and (separately) for inference, and
// who is using the model right now.
//
// The rules, chosen so that no order of calls can corrupt the heap:
// - While fit (or trainOnBatch) runs, a second fit/trainOnBatch and anything that would move or resize
//   what it uses (compile, add, build, setWeights) is refused with BusyError. Refused, not queued, as
//   tfjs does ("another fit() call is ongoing"): a queued fit would silently train twice on a
//   double-clicked button, on data the caller may have disposed by then.
// - predict and evaluate are allowed from callbacks and timers: they plan their own buffers (replanning
//   never frees the training plan fit is using) and evaluate keeps its own metric state.
// - dispose() always succeeds. During fit it marks the model disposed at once (every later call throws
//   DisposedError), fit stops at its next batch boundary with DisposedError, and the memory is freed
//   when fit has stopped, so nothing is written into freed memory.
import { BusyError } from "../errors.js";
import type { Runtime } from "../runtime.js";
import type { CompiledLoss } from "./compile.js";
import type { Layer } from "./layer.js";
import { Plan } from "./plan.js";

/** What planning needs from the model. */
export interface PlanSource {
  readonly rt: Runtime;
  readonly layers: readonly Layer[];
  readonly inputShape: readonly number[] | null;
}

export class TrainingState {
  /** @internal What compile resolved (CompiledLoss is internal: a public field of its type breaks the published declarations). */
  compiled: CompiledLoss | null = null;
  /** Optimizer steps taken (drives dropout seeds). */
  step = 0;
  /** Set by a callback (earlyStopping, terminateOnNaN) to end fit after the current batch. */
  stopTraining = false;
  #train: Plan | null = null;
  #infer: Plan | null = null;
  /** 'fit' or 'trainOnBatch' while one runs. */
  #activity: string | null = null;
  #release: (() => void) | null = null;

  constructor(readonly modelName: string) {}

  /** What is running ('fit', 'trainOnBatch') or null. */
  get activity(): string | null {
    return this.#activity;
  }

  /** Marks the model busy with `what`; BusyError when something runs already. */
  begin(what: string): void {
    if (this.#activity !== null) {
      throw new BusyError(`${what}: model '${this.modelName}' is busy with ${this.#activity} (a call that has not finished yet); await it before calling ${what}. simdnn refuses a second training instead of queueing it, as tfjs does.`);
    }
    this.#activity = what;
  }

  /** Ends the activity; a dispose() that came meanwhile frees the memory now. */
  end(): void {
    this.#activity = null;
    const release = this.#release;
    this.#release = null;
    release?.();
  }

  /** Refuses `what` (which would move or resize buffers) while fit or trainOnBatch runs. */
  checkIdle(what: string): void {
    if (this.#activity !== null) {
      throw new BusyError(`${what}: model '${this.modelName}' is running ${this.#activity}; ${what} would change the weights or buffers it uses. Call it after ${this.#activity} has finished (await it), or stop training first (model.stopTraining = true).`);
    }
  }

  /** Runs `release` now, or when the running activity ends. */
  releaseWhenIdle(release: () => void): void {
    if (this.#activity === null) release();
    else this.#release = release;
  }

  /** The training plan serving `batch` rows and labels of `labelFloats` per sample (replanned only when too small). */
  trainingPlan(m: PlanSource, batch: number, labelFloats: number): Plan {
    const p = this.#train;
    if (p && p.batch >= batch && p.labelFloats >= labelFloats) return p;
    p?.dispose();
    this.#train = null;
    this.#train = new Plan(m.rt, batch, true, m.layers, m.inputShape!, labelFloats);
    return this.#train;
  }

  /** Inference buffers for predict and evaluate, never the ones fit trains with. */
  inferencePlan(m: PlanSource, batch: number): Plan {
    const p = this.#infer;
    if (p && p.batch >= batch) return p;
    p?.dispose();
    this.#infer = null;
    this.#infer = new Plan(m.rt, batch, false, m.layers, m.inputShape!, 0);
    return this.#infer;
  }

  /** Frees both plans (the layers or the weight layout changed). Callers check idleness first. */
  dropPlans(): void {
    this.#train?.dispose();
    this.#infer?.dispose();
    this.#train = this.#infer = null;
  }
}
