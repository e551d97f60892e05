// The Keras/tfjs-shaped factories: nn.layers.dense({...}), nn.initializers.heNormal…
import { constant, INITIALIZERS } from "./initializers.js";
import { Activation, type ActivationLayerConfig, Dense, type DenseConfig, Flatten, PReLU, type PReLUConfig, Softmax } from "./layers_core.js";
import type { LayerConfig } from "./layer.js";
import { ELU, type ELUConfig, LeakyReLU, type LeakyReLUConfig, ReLU, type ReLUConfig } from "./layers_activation.js";
import { BatchNormalization, type BatchNormalizationConfig, Dropout, type DropoutConfig, LayerNormalization, type LayerNormalizationConfig } from "./layers_norm.js";

/** Layer factories, as tfjs' `tf.layers`. */
export const layers = Object.freeze({
  /** Fully connected: activation(x·kernel + bias), kernel [in, units]. */
  dense: (config: DenseConfig) => new Dense(config),
  /** A named activation as a layer. */
  activation: (config: ActivationLayerConfig) => new Activation(config),
  /** Softmax over the last axis. */
  softmax: (config?: LayerConfig & { axis?: -1 }) => new Softmax(config),
  /** [batch, a, b, …] → [batch, a·b·…]. */
  flatten: (config?: LayerConfig) => new Flatten(config),
  /** Parametric ReLU with a learned alpha. */
  prelu: (config?: PReLUConfig) => new PReLU(config),
  /** Leaky ReLU as a layer, alpha 0.3 by default (Keras, tfjs). */
  leakyReLU: (config?: LeakyReLUConfig) => new LeakyReLU(config),
  /** ELU as a layer (alpha 1 by default). */
  elu: (config?: ELUConfig) => new ELU(config),
  /** ReLU as a layer; maxValue 6 gives relu6. */
  reLU: (config?: ReLUConfig) => new ReLU(config),
  /** Inverted dropout (training only). */
  dropout: (config: DropoutConfig) => new Dropout(config),
  /** Per-feature normalisation over the batch, with moving statistics for inference. */
  batchNormalization: (config?: BatchNormalizationConfig) => new BatchNormalization(config),
  /** Per-sample normalisation over the features. */
  layerNormalization: (config?: LayerNormalizationConfig) => new LayerNormalization(config),
});

/** Initialisers by name, plus constant(v). */
export const initializers = Object.freeze({ ...INITIALIZERS, constant });
