/**
 * simdnn/datasets: the UCI digits embedded in the package (60 KB, loaded on first use) and readers for
 * data-set files (IDX: MNIST, Fashion-MNIST). An entry of its own so that the main entry, and every
 * bundle built from it (a Worker, a Lambda), carries no data: `import { loadDigits } from "simdnn/datasets"`.
 * `oneHot` and `trainTestSplit` are also exported by "simdnn" itself.
 */
// The main entry as a whole, so its modules form one chunk that every entry shares (fewer files to load).
import "./index.js";
export * from "./data/index.js";
