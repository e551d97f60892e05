/**
 * simdnn: WebAssembly SIMD kernels (AssemblyScript) for activations, losses, GEMM and optimizers,
 * with a tfjs-layers-shaped API. Start with `const nn = await init()`.
 */
import { NN } from "./nn.js";
import { createRuntime, type InitOptions } from "./runtime.js";

/** Loads a WASM build (the best this host supports unless `backend` says otherwise). */
export async function init(options: InitOptions = {}): Promise<NN> {
  return new NN(await createRuntime(options));
}

export {
  ACTIVATION_NAMES, ACTIVATIONS, type ActivationHelpers, type ActivationName, type ActivationOptions, type ActivationParams,
  type PreluGradients,
} from "./activations.js";
export { backendSupport, BACKENDS, type BackendName } from "./backend.js";
export { BackendError, BusyError, DisposedError, FormatError, ShapeError, SimdnnError, ThreadError, ValueError } from "./errors.js";
export type { MemoryInfo, NN, RandomNormalOptions, RandomOptions, RandomUniformOptions, TensorContainer, TruncatedNormalOptions } from "./nn.js";
export type { InitOptions, KernelFamily, KernelName, Kernels, Runtime } from "./runtime.js";
export type { ThreadsOption } from "./threads/options.js";
export {
  DENSE_ACTIVATIONS, type DenseActivation, type DenseEpilogue, denseEpilogue, denseForwardRaw, gemmRaw, type GemmOptions,
  type GemmRawOptions, type MatmulOptions, PackedWeights, packWeights,
} from "./gemm.js";
export {
  type CanonicalLossName, LOSS_NAMES, LOSSES, type LossName, type LossParams, lossRaw, type ResolvedLoss, resolveLoss,
  sigmoidCrossentropyRaw, softmaxCrossentropyRaw,
} from "./losses.js";
export { CombinedLoss, type CombinedCallOptions, type LossAndGradient, type LossTerm, Regularizer, regularizerRaw, regularizers } from "./losses_api.js";
export { Rng } from "./random.js";
export { type DType, Tensor, type NestedArray, type NumericTypedArray, type TensorLike } from "./tensor.js";
export { Adagrad, type AdagradOptions, Adam, type AdamOptions, AdamW, Optimizer, OPTIMIZER_NAMES, type OptimizerConfig, type OptimizerName, type OptimizerOptions, OPTIMIZERS, optimizers, resolveOptimizer, RMSprop, type RMSpropOptions, type Segment, SGD, type SGDOptions } from "./optimizers.js";
export { cosineDecay, exponentialDecay, type LearningRateSchedule, piecewiseConstantDecay, type ScheduleConfig, stepDecay } from "./schedules.js";
// the data sets and IDX readers are simdnn/datasets (src/datasets.ts): no data in the main entry
export { oneHot } from "./data/split.js";
export { trainTestSplit } from "./data/split.js";
export { Activation, Dense, Flatten, PReLU, Softmax, type ActivationLayerConfig, type DenseConfig, type PReLUConfig } from "./model/layers_core.js";
export { Layer, type LayerConfig, type Pass, Weight } from "./model/layer.js";
export { ELU, type ELUConfig, LeakyReLU, type LeakyReLUConfig, ReLU, type ReLUConfig } from "./model/layers_activation.js";
export { initializers, layers } from "./model/factories.js";
export { type Initializer, type InitializerName, INITIALIZERS } from "./model/initializers.js";
export { type ModelWeight, Sequential, type SequentialConfig } from "./model/sequential.js";
export type { PredictInput, PredictOptions } from "./model/predict.js";
export type { SelectOptions, TopK } from "./ops_select.js";
export type { CompileConfig, LossConfig } from "./model/compile.js";
export type { EvaluateOptions, FitOptions } from "./model/fit.js";
export type { ClassWeight, SampleWeight, WeightOptions } from "./model/sample_weights.js";
export type { YieldEvery } from "./model/yielding.js";
export { type Callback, callbacks, EarlyStopping, type EarlyStoppingOptions, History, type Logs, TerminateOnNaN, type TrainableModel } from "./model/callbacks.js";
export { METRICS, type Metric, type MetricName } from "./model/metrics.js";
export { BatchNormalization, type BatchNormalizationConfig, Dropout, type DropoutConfig, LayerNormalization, type LayerNormalizationConfig } from "./model/layers_norm.js";
export type { LoadHandler, ModelArtifacts, ModelArtifactsInfo, ModelJSON, Quantization, SaveHandler, SaveResult, TrainingConfig, WeightsManifestEntry, WeightsManifestGroupConfig } from "./io/artifacts.js";
export type { LoadOptions, SaveOptions } from "./io/layers_model.js";
