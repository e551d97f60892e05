// Keras' training_config (loss, metrics, optimizer_config) ⇄ simdnn's compile configuration, and the
// optimizer's state as manifest weights (group 'optimizer', tfjs' names: `iter`, then `<weight>/<slot>`
// slot by slot, as tfjs' optimizers list them), so that fit resumes where it stopped after a load.
import { FormatError, show } from "../errors.js";
import { LOSS_NAMES, LOSSES, type LossParams } from "../losses.js";
import type { Sequential } from "../model/sequential.js";
import { type Optimizer, type OptimizerName, OPTIMIZERS } from "../optimizers.js";
import { cosineDecay, exponentialDecay, piecewiseConstantDecay, stepDecay, type ScheduleConfig } from "../schedules.js";
import type { TrainingConfig, WeightsManifestEntry } from "./artifacts.js";
import type { DecodedWeight, WeightEntry } from "./weights.js";
import { isObject, type Json } from "./json.js";

const snake = (s: string) => s.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase().replace(/_([0-9])/g, "$1");
const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** Keras class names of the optimizers (tfjs' spellings read too). */
const OPTIMIZER_CLASSES: Record<OptimizerName, string> = { sgd: "SGD", adam: "Adam", adamw: "AdamW", rmsprop: "RMSprop", adagrad: "Adagrad" };
const CLASS_TO_OPTIMIZER: Record<string, OptimizerName> = { SGD: "sgd", Momentum: "sgd", Adam: "adam", AdamW: "adamw", RMSprop: "rmsprop", RMSProp: "rmsprop", Adagrad: "adagrad" };
/** Keras' snake_case option names that differ from snake(camelCase): beta_1, clipnorm… */
const OPTION_TO_KERAS: Record<string, string> = { beta1: "beta_1", beta2: "beta_2", clipNorm: "clipnorm", globalClipNorm: "global_clipnorm", clipValue: "clipvalue" };
const KERAS_TO_OPTION: Record<string, string> = { ...Object.fromEntries(Object.entries(OPTION_TO_KERAS).map(([a, b]) => [b, a])), use_nesterov: "nesterov", decay: "rho" };
const SCHEDULES = { ExponentialDecay: exponentialDecay, CosineDecay: cosineDecay, PiecewiseConstantDecay: piecewiseConstantDecay, StepDecay: stepDecay } as const;
/** Keras keys that do not change the update and are ignored when read. */
const IGNORED = new Set(["name", "amsgrad", "use_ema", "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps", "jit_compile", "is_legacy_optimizer"]);

// ---------------------------------------------------------------- writing

/** The model's compile configuration as Keras writes it; throws when it has no file form. */
export function trainingConfigOf(model: Sequential): TrainingConfig {
  const c = model.compiled!;
  if (!c.loss) throw new FormatError(`Model '${model.name}' was compiled with a combined loss, which has no Keras form: save without includeOptimizer.`);
  const cfg = c.optimizer.getConfig();
  const config: Json = {};
  for (const [k, v] of Object.entries(cfg)) {
    if (k === "name") continue;
    if (k === "learningRate" && typeof v === "object" && v !== null) {
      const s = v as ScheduleConfig;
      if (!(s.className in SCHEDULES)) throw new FormatError(`Model '${model.name}': a learning-rate function has no file form; use a schedule from nn.optimizers.schedules or a number.`);
      config.learning_rate = { class_name: s.className, config: Object.fromEntries(Object.entries(s.config).map(([a, b]) => [snake(a), b])) };
    } else config[OPTION_TO_KERAS[k] ?? snake(k)] = v;
  }
  const params = Object.fromEntries(Object.entries(c.lossParams).filter(([k, v]) => k !== "name" && v !== undefined));
  const loss = Object.keys(params).length === 0 ? snake(c.loss.name) : { class_name: c.loss.name[0].toUpperCase() + c.loss.name.slice(1), config: Object.fromEntries(Object.entries(params).map(([a, b]) => [snake(a), b])) };
  return { loss, metrics: c.metrics.map((m) => m.name), optimizer_config: { class_name: OPTIMIZER_CLASSES[cfg.name], config } };
}

/** The optimizer's state as manifest weights named after the model's trainable weights. */
export function optimizerWeights(model: Sequential): WeightEntry[] {
  const opt = model.compiled!.optimizer;
  const state = opt.exportState(model.params);
  if (state === null) return [];
  const trainable = model.layers.flatMap((l) => l.weights).filter((w) => w.optimized); // the optimizer's block as laid out at compile
  const entries: WeightEntry[] = [{ name: "iter", shape: [], values: Float32Array.of(state.iterations), group: "optimizer" }];
  state.slots.forEach((slot, j) => {
    for (const w of trainable) {
      const off = (w.ptr - model.params) >> 2;
      entries.push({ name: `${w.layer.name}/${w.name}/${state.names[j]}`, shape: w.shape.slice(), values: slot.slice(off, off + w.size), group: "optimizer" });
    }
  });
  return entries;
}

// ---------------------------------------------------------------- reading

function optimizerFrom(oc: unknown, where: string): Optimizer {
  if (!isObject(oc) || typeof oc.class_name !== "string") throw new FormatError(`${where}: training_config.optimizer_config must be { class_name, config }; received ${show(oc)}.`);
  const name = CLASS_TO_OPTIMIZER[oc.class_name];
  if (!name) throw new FormatError(`${where}: unknown optimizer '${oc.class_name}'; simdnn has ${Object.keys(CLASS_TO_OPTIMIZER).join(", ")}.`);
  const c = isObject(oc.config) ? oc.config : {};
  if (c.amsgrad === true || c.use_ema === true) throw new FormatError(`${where}: optimizer ${oc.class_name} with ${c.amsgrad ? "amsgrad" : "use_ema"} is not supported.`);
  const options: Json = {};
  for (const [k, v] of Object.entries(c)) {
    if (IGNORED.has(k) || v === null) continue;
    const key = KERAS_TO_OPTION[k] ?? camel(k);
    if (key === "learningRate" && isObject(v)) {
      const make = SCHEDULES[v.class_name as keyof typeof SCHEDULES];
      if (!make) throw new FormatError(`${where}: unknown learning-rate schedule ${show(v.class_name)}; simdnn has ${Object.keys(SCHEDULES).join(", ")}.`);
      const sc = isObject(v.config) ? v.config : {};
      options.learningRate = make(Object.fromEntries(Object.entries(sc).filter(([a]) => a !== "name").map(([a, b]) => [camel(a), b])) as never);
    } else if (key === "rho" && name !== "rmsprop") continue;
    else options[key] = v;
  }
  if (oc.class_name === "Momentum") options.nesterov = options.nesterov ?? false;
  try {
    return OPTIMIZERS[name].make(options as never);
  } catch (error) {
    throw new FormatError(`${where}: optimizer_config ${oc.class_name}: ${(error as Error).message}`, { cause: error });
  }
}

function lossFrom(l: unknown, where: string): { name: string } & LossParams {
  if (typeof l === "string") {
    const name = camel(l);
    if (!(LOSS_NAMES as readonly string[]).includes(name)) throw new FormatError(`${where}: unknown loss '${l}'; simdnn has ${LOSS_NAMES.join(", ")}.`);
    return { name };
  }
  if (isObject(l) && typeof l.class_name === "string") {
    const name = l.class_name[0].toLowerCase() + l.class_name.slice(1);
    if (!(name in LOSSES)) throw new FormatError(`${where}: unknown loss class '${l.class_name}'.`);
    const params: Json = {};
    for (const [k, v] of Object.entries(isObject(l.config) ? l.config : {})) {
      // fit averages over the batch: Keras' default reduction, and the only one it can resume as saved
      if (k === "reduction" && v !== "sum_over_batch_size" && v !== "auto" && v !== null) {
        throw new FormatError(`${where}: loss '${l.class_name}' was compiled with reduction '${String(v)}'; simdnn's fit averages over the batch (sum_over_batch_size), so training would not resume as saved.`);
      }
      if (["name", "reduction", "dtype", "axis"].includes(k)) continue;
      params[camel(k)] = v;
    }
    return { name, ...params };
  }
  throw new FormatError(`${where}: training_config.loss must be a loss name or { class_name, config }; received ${show(l)}.`);
}

/** Compiles the model as its training_config says. */
export function compileFrom(model: Sequential, tc: unknown, where: string): void {
  if (!isObject(tc)) throw new FormatError(`${where}: training_config must be an object; received ${show(tc)}.`);
  const optimizer = optimizerFrom(tc.optimizer_config, where);
  const metrics = Array.isArray(tc.metrics) ? tc.metrics.flat().filter((m): m is string => typeof m === "string").map(camel) : [];
  try {
    model.compile({ optimizer, loss: lossFrom(tc.loss, where) as never, metrics });
  } catch (error) {
    if (error instanceof FormatError) throw error;
    throw new FormatError(`${where}: training_config: ${(error as Error).message}`, { cause: error });
  }
}

/** Restores the optimizer state saved by {@link optimizerWeights} (all of it or none). */
export function restoreOptimizer(model: Sequential, weights: ReadonlyMap<string, DecodedWeight>, specs: readonly WeightsManifestEntry[], where: string): void {
  const opt = model.compiled!.optimizer;
  const saved = specs.filter((s) => s.group === "optimizer");
  if (saved.length === 0) return;
  const iter = weights.get("iter") ?? weights.get(saved.find((s) => s.name.endsWith("iter"))?.name ?? "");
  if (!iter || iter.values.length !== 1 || !Number.isInteger(iter.values[0]) || iter.values[0] < 0) throw new FormatError(`${where}: optimizer weights without a valid 'iter' step count.`);
  const trainable = model.layers.flatMap((l) => l.weights).filter((w) => w.optimized); // the optimizer's block as laid out at compile
  const n = model.trainableFloats;
  const slots = opt.slotNames.map((slot) => {
    const block = new Float32Array(n);
    for (const w of trainable) {
      const name = `${w.layer.name}/${w.name}/${slot}`;
      const v = weights.get(name);
      if (!v) throw new FormatError(`${where}: optimizer weight '${name}' is missing (the ${opt.name} optimizer keeps ${opt.slotNames.join(", ")} per weight).`);
      if (v.values.length !== w.size) throw new FormatError(`${where}: optimizer weight '${name}' has ${v.values.length} values; the weight has ${w.size}.`);
      block.set(v.values, (w.ptr - model.params) >> 2);
    }
    return block;
  });
  const expected = 1 + opt.slotNames.length * trainable.length;
  if (saved.length !== expected) throw new FormatError(`${where}: ${saved.length} optimizer weights for a ${opt.name} optimizer that keeps ${expected} (iter and ${opt.slotNames.join(", ") || "nothing"} per trainable weight).`);
  opt.importState(model.rt, model.params, n, iter.values[0], slots);
  model.step = iter.values[0];
}
