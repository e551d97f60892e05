// Keras' advanced activation layers as named Activation layers, so a model read from a file keeps its
// layer classes (and names) when it is saved again: LeakyReLU (alpha 0.3 by default, as Keras and tfjs),
// ELU (alpha 1) and ReLU (maxValue: none → relu, 6 → relu6).
import { checkNumber, show, ValueError } from "../errors.js";
import type { LayerConfig } from "./layer.js";
import { Activation, BASE_KEYS, checkKeys } from "./layers_core.js";

/** Options of {@link LeakyReLU}. */
export interface LeakyReLUConfig extends LayerConfig {
  /** Slope for x < 0. Default 0.3 (Keras' and tfjs' layer; the leakyRelu activation defaults to 0.01 as PyTorch). */
  alpha?: number;
}

/** x > 0 ? x : alpha·x. */
export class LeakyReLU extends Activation {
  constructor(config: LeakyReLUConfig = {}) {
    checkKeys("leakyReLU", config ?? {}, [...BASE_KEYS, "alpha"]);
    super({ ...config, activation: "leakyRelu", activationParams: { alpha: checkNumber("leakyReLU alpha", config.alpha ?? 0.3) } }, "LeakyReLU");
  }
  get alpha(): number {
    return this.act.alpha;
  }
}

/** Options of {@link ELU}. */
export interface ELUConfig extends LayerConfig {
  /** Scale of the negative part. Default 1. */
  alpha?: number;
}

/** x > 0 ? x : alpha·(e^x − 1). */
export class ELU extends Activation {
  constructor(config: ELUConfig = {}) {
    checkKeys("elu", config ?? {}, [...BASE_KEYS, "alpha"]);
    super({ ...config, activation: "elu", activationParams: { alpha: checkNumber("elu alpha", config.alpha ?? 1) } }, "ELU");
  }
  get alpha(): number {
    return this.act.alpha;
  }
}

/** Options of {@link ReLU}. */
export interface ReLUConfig extends LayerConfig {
  /** Upper clip: none (default) or 6 (relu6). */
  maxValue?: number | null;
}

/** max(x, 0), clipped at maxValue when given (only 6 is supported: relu6). */
export class ReLU extends Activation {
  readonly maxValue: number | null;
  constructor(config: ReLUConfig = {}) {
    checkKeys("reLU", config ?? {}, [...BASE_KEYS, "maxValue"]);
    const { maxValue, ...rest } = config;
    const max = maxValue ?? null;
    if (max !== null && max !== 6) throw new ValueError(`reLU maxValue must be null (no clip) or 6 (relu6); received ${show(max)}.`);
    super({ ...rest, activation: max === 6 ? "relu6" : "relu" }, "ReLU");
    this.maxValue = max;
  }
}
