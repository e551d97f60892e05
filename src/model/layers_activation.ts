// Keras' advanced activation layers as named Activation layers, so a model read from a file keeps its
// layer classes (and names) when it is saved again: LeakyReLU (alpha 0.3 by default, as Keras and tfjs),
// ELU (alpha 1) and ReLU (maxValue: none → relu, 6 → relu6, any other m ≥ 0 → reluMax).
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
  /** Upper clip: none (default), or a finite number ≥ 0 (Keras' max_value, tfjs' maxValue; 6 is relu6). */
  maxValue?: number | null;
}

/** max(x, 0), clipped at maxValue when given: relu, relu6, or reluMax for any other clip. */
export class ReLU extends Activation {
  readonly maxValue: number | null;
  constructor(config: ReLUConfig = {}) {
    checkKeys("reLU", config ?? {}, [...BASE_KEYS, "maxValue"]);
    const { maxValue, ...rest } = config;
    const max = maxValue ?? null;
    if (max !== null && !(typeof max === "number" && Number.isFinite(max) && max >= 0)) {
      throw new ValueError(`reLU maxValue must be null (no clip) or a finite number ≥ 0; received ${show(max)}.`);
    }
    const activation = max === null ? "relu" : max === 6 ? "relu6" : "reluMax";
    super({ ...rest, activation, activationParams: activation === "reluMax" ? { maxValue: max! } : undefined }, "ReLU");
    this.maxValue = max;
  }
}
