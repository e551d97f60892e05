// Training callbacks (Keras/tfjs hooks), History, and earlyStopping.
import { checkName, checkNumber, show, ValueError } from "../errors.js";

/** Per-batch or per-epoch values: loss, metrics and their val_ forms. */
export type Logs = Record<string, number>;

/** What callbacks may do to the model being trained. */
export interface TrainableModel {
  /** Set true to end fit after the current batch (the epoch still ends). */
  stopTraining: boolean;
  /** A copy of every weight value. */
  getWeights(): Float32Array;
  setWeights(snapshot: Float32Array): void;
}

/** Hooks fit calls, all optional; each may return a Promise, which fit awaits. */
export interface Callback {
  setModel?(model: TrainableModel): void;
  onTrainBegin?(logs: Logs): void | Promise<void>;
  onTrainEnd?(logs: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs: Logs): void | Promise<void>;
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs: Logs): void | Promise<void>;
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

/** Runs callbacks in order; returns a Promise only when a hook returned one (the per-batch path stays synchronous). */
export class CallbackList {
  constructor(readonly callbacks: readonly Callback[]) {
    callbacks.forEach((c, i) => {
      if (c === null || typeof c !== "object") throw new ValueError(`callbacks[${i}] must be an object with hooks (onEpochEnd…); received ${show(c)}.`);
    });
  }

  setModel(model: TrainableModel): void {
    for (const c of this.callbacks) c.setModel?.(model);
  }

  #run(hook: "onTrainBegin" | "onTrainEnd", arg: Logs): Promise<void> | void;
  #run(hook: "onEpochBegin" | "onEpochEnd" | "onBatchBegin" | "onBatchEnd", arg: number, logs: Logs): Promise<void> | void;
  #run(hook: keyof Callback, a: number | Logs, b?: Logs): Promise<void> | void {
    for (let i = 0; i < this.callbacks.length; i++) {
      const f = this.callbacks[i][hook] as ((x: unknown, y?: Logs) => void | Promise<void>) | undefined;
      const r = f?.call(this.callbacks[i], a, b);
      if (r instanceof Promise) return r.then(() => this.#rest(i + 1, hook, a, b));
    }
  }

  async #rest(from: number, hook: keyof Callback, a: number | Logs, b?: Logs): Promise<void> {
    for (let i = from; i < this.callbacks.length; i++) {
      const f = this.callbacks[i][hook] as ((x: unknown, y?: Logs) => void | Promise<void>) | undefined;
      await f?.call(this.callbacks[i], a, b);
    }
  }

  onTrainBegin(logs: Logs) { return this.#run("onTrainBegin", logs); }
  onTrainEnd(logs: Logs) { return this.#run("onTrainEnd", logs); }
  onEpochBegin(epoch: number, logs: Logs) { return this.#run("onEpochBegin", epoch, logs); }
  onEpochEnd(epoch: number, logs: Logs) { return this.#run("onEpochEnd", epoch, logs); }
  onBatchBegin(batch: number, logs: Logs) { return this.#run("onBatchBegin", batch, logs); }
  onBatchEnd(batch: number, logs: Logs) { return this.#run("onBatchEnd", batch, logs); }
}

/** What fit resolves to: the epochs run and each logged value per epoch (Keras' History). */
export class History {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  /** @internal */
  record(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }

  get loss(): number[] {
    return this.history.loss ?? [];
  }
  get val_loss(): number[] {
    return this.history.val_loss ?? [];
  }
  /** The values of one key (a metric, or val_ + metric). */
  get(key: string): number[] {
    return this.history[key] ?? [];
  }
}

/** Options of {@link earlyStopping} (Keras names and defaults). */
export interface EarlyStoppingOptions {
  monitor?: string;
  minDelta?: number;
  patience?: number;
  /** 'auto': max when the monitor name contains 'acc', else min. */
  mode?: "auto" | "min" | "max";
  /** Stop unless the monitor beats this within `patience` epochs. */
  baseline?: number;
  restoreBestWeights?: boolean;
  /** Epochs to wait before watching. */
  startFromEpoch?: number;
}

/** Stops training when `monitor` stops improving (Keras' EarlyStopping). */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  readonly mode: "min" | "max";
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  readonly startFromEpoch: number;
  /** Epoch at which training was stopped (0 when it ran to the end, as Keras). */
  stoppedEpoch = 0;
  bestEpoch = 0;
  best = Infinity;
  #wait = 0;
  #model: TrainableModel | null = null;
  #bestWeights: Float32Array | null = null;
  #warned = false;

  constructor(o: EarlyStoppingOptions = {}) {
    if (o === null || typeof o !== "object") throw new ValueError(`earlyStopping options must be an object; received ${show(o)}.`);
    const keys = ["monitor", "minDelta", "patience", "mode", "baseline", "restoreBestWeights", "startFromEpoch"];
    for (const k of Object.keys(o)) if (!keys.includes(k)) throw new ValueError(`earlyStopping has no option '${k}'; it accepts: ${keys.join(", ")}.`);
    if (o.monitor !== undefined && typeof o.monitor !== "string") throw new ValueError(`earlyStopping monitor must be a log name such as 'val_loss'; received ${show(o.monitor)}.`);
    this.monitor = o.monitor ?? "val_loss";
    this.minDelta = Math.abs(checkNumber("earlyStopping minDelta", o.minDelta ?? 0));
    this.patience = checkNumber("earlyStopping patience", o.patience ?? 0, 0);
    if (!Number.isInteger(this.patience)) throw new ValueError(`earlyStopping patience must be an integer ≥ 0; received ${o.patience}.`);
    const mode = checkName("earlyStopping mode", o.mode ?? "auto", ["auto", "min", "max"] as const);
    this.mode = mode === "auto" ? (this.monitor.includes("acc") ? "max" : "min") : mode;
    this.baseline = o.baseline === undefined ? undefined : checkNumber("earlyStopping baseline", o.baseline);
    if (o.restoreBestWeights !== undefined && typeof o.restoreBestWeights !== "boolean") throw new ValueError(`earlyStopping restoreBestWeights must be a boolean; received ${show(o.restoreBestWeights)}.`);
    this.restoreBestWeights = o.restoreBestWeights ?? false;
    this.startFromEpoch = checkNumber("earlyStopping startFromEpoch", o.startFromEpoch ?? 0, 0);
  }

  setModel(model: TrainableModel): void {
    this.#model = model;
  }

  #improved(value: number, reference: number): boolean {
    return this.mode === "min" ? value - this.minDelta < reference : value + this.minDelta > reference;
  }

  onTrainBegin(): void {
    this.#wait = 0;
    this.stoppedEpoch = 0;
    this.best = this.mode === "min" ? Infinity : -Infinity;
    this.#bestWeights = null;
    this.bestEpoch = 0;
  }

  onEpochEnd(epoch: number, logs: Logs): void {
    const value = logs[this.monitor];
    if (value === undefined) {
      if (!this.#warned) console.warn(`earlyStopping: '${this.monitor}' is not logged; available: ${Object.keys(logs).join(", ")}.`);
      this.#warned = true;
      return;
    }
    if (epoch < this.startFromEpoch) return;
    if (this.restoreBestWeights && this.#bestWeights === null) this.#bestWeights = this.#model?.getWeights() ?? null;
    this.#wait++;
    if (this.#improved(value, this.best)) {
      this.best = value;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.#bestWeights = this.#model?.getWeights() ?? null;
      // with a baseline, only an improvement on it resets the wait (Keras)
      if (this.baseline === undefined || this.#improved(value, this.baseline)) this.#wait = 0;
      return;
    }
    if (this.#wait >= this.patience && epoch > 0 && this.#model) {
      this.stoppedEpoch = epoch;
      this.#model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    if (this.restoreBestWeights && this.#bestWeights && this.#model) this.#model.setWeights(this.#bestWeights);
  }
}

/**
 * Stops training when a batch loss becomes NaN or ±Infinity (Keras' TerminateOnNaN): fit ends after
 * that batch (the epoch's validation and onEpochEnd still run, as Keras) and the History ends there.
 * NaN in the data itself never gets this far: fit refuses it before the first step.
 */
export class TerminateOnNaN implements Callback {
  /** Epoch and batch (0-based, as in the hooks) whose loss was not finite, or null. */
  stoppedEpoch: number | null = null;
  stoppedBatch: number | null = null;
  #model: TrainableModel | null = null;
  #epoch = 0;

  /** @param log where the message goes (default console.warn). */
  constructor(readonly log: (message: string) => void = (m) => console.warn(m)) {
    if (typeof log !== "function") throw new ValueError(`terminateOnNaN takes an optional log function; received ${show(log)}.`);
  }

  setModel(model: TrainableModel): void {
    this.#model = model;
  }

  onTrainBegin(): void {
    this.stoppedEpoch = this.stoppedBatch = null;
  }

  onEpochBegin(epoch: number): void {
    this.#epoch = epoch;
  }

  onBatchEnd(batch: number, logs: Logs): void {
    const loss = logs.loss;
    if (loss === undefined || Number.isFinite(loss)) return;
    this.stoppedEpoch = this.#epoch;
    this.stoppedBatch = batch;
    this.log(`terminateOnNaN: epoch ${this.#epoch + 1}, batch ${batch + 1}: invalid loss ${loss}, terminating training.`);
    if (this.#model) this.#model.stopTraining = true;
  }
}

/** Callback factories, as tfjs' `tf.callbacks`. */
export const callbacks = Object.freeze({
  earlyStopping: (options?: EarlyStoppingOptions) => new EarlyStopping(options),
  /** Keras' TerminateOnNaN: stops fit after the first batch whose loss is NaN or ±Infinity, and says which. */
  terminateOnNaN: (log?: (message: string) => void) => new TerminateOnNaN(log),
});
