/**
 * simdnn/lab: the activation and loss lab's engine (issue 19), browser-safe. `runLab(nn, options)` runs the
 * grid of LAB_TASKS and returns results.json's content; `runLabRun(nn, spec)` trains one cell (what the live
 * page runs in a Worker; the page draws with the report's SVG code, exported here). `npx simdnn lab` is the command-line front end (src/lab/cli.ts).
 */
// The main entry as a whole, so its modules form one chunk that every entry shares (fewer files to load).
import "./index.js";
export { addSoftTargets, checkImageSet, classification, digitsSet, type ImageSet, inkRegression, type LabSplit, type LabTaskData, rareClass, splitImages } from "./lab/data.js";
export { checkNames, initBuilds, type LabHooks, type LabOptions, type LabProgress, planGrid, prepareLabData, runLab, summarize } from "./lab/grid.js";
export { type Block, denseBlocks, gradientNorms, probeHidden, type UnitStats, unitStats } from "./lab/probes.js";
export { buildLabModel, type LabBuilds, type LabRunHooks, type LabRunSpec, lossConfig, runLabRun, scoreOutputs, timeEpoch } from "./lab/run.js";
export { barChart, type BarsSpec, esc, linePanels, type PanelsSpec, type Series, shortNumber } from "./lab/svg.js";
export { accuracy, meanStd, precisionRecallF1, prAuc, regressionErrors } from "./lab/scores.js";
export { LAB_ACTIVATION_NAMES, LAB_ACTIVATIONS, LAB_LOSS_IDS, LAB_TASK_IDS, LAB_TASKS, type LabActivation, type LabelForm, type LabMetric, type LabTask, type LabTaskId, labTask, type LossVariant } from "./lab/tasks.js";
export type { LabResults, LabRun, LabSummaryRow } from "./lab/types.js";
