// The lab's data: real image sets (the embedded UCI digits; Fashion-MNIST when the caller hands it over)
// split once, and the task-specific derivations (a regression target from the digits' pixels with
// outliers in the training targets only, a rare positive class, soft targets). Browser-safe: no node:
// imports; the CLI reads files and passes arrays in.
import { loadDigits } from "../data/digits.js";
import { trainTestSplit } from "../data/split.js";
import { ValueError, show } from "../errors.js";
import { Rng } from "../random.js";

/** Images as rows of floats in [0, 1] with class ids. */
export interface ImageSet {
  x: Float32Array;
  labels: Uint8Array;
  count: number;
  features: number;
  classes: number;
}

/** One side of a task's data: rows, class ids (classification) and / or real targets (regression). */
export interface LabSplit {
  x: Float32Array;
  n: number;
  ids: Uint8Array | null;
  targets: Float32Array | null;
  /** Soft class targets [n, classes] (the KL-divergence variant), when the task derives them. */
  soft: Float32Array | null;
}

/** What a task trains and scores on. The test side is also fit's validation data (no model selection is made on it). */
export interface LabTaskData {
  features: number;
  /** Output units: classes, 1 for the binary and regression tasks. */
  outputs: number;
  train: LabSplit;
  test: LabSplit;
  /** Where the data comes from and what was derived, for the report. */
  source: string;
  /** Fraction of positives in the training set (imbalanced task). */
  positiveRate?: number;
}

/** The embedded UCI digits (1797 × 64, pixels / 16). */
export async function digitsSet(): Promise<ImageSet> {
  const d = await loadDigits();
  return { x: d.x, labels: d.y, count: d.count, features: 64, classes: 10 };
}

/** Checks an image set handed over by a caller (the CLI's Fashion-MNIST, a page's upload). */
export function checkImageSet(what: string, s: ImageSet): ImageSet {
  if (s === null || typeof s !== "object" || !(s.x instanceof Float32Array) || !(s.labels instanceof Uint8Array)) {
    throw new ValueError(`${what} must be { x: Float32Array, labels: Uint8Array, count, features, classes }; received ${show(s)}.`);
  }
  if (s.x.length !== s.count * s.features || s.labels.length !== s.count) {
    throw new ValueError(`${what}: x holds ${s.x.length} floats and labels ${s.labels.length} for count ${s.count} × features ${s.features}; expected ${s.count * s.features} and ${s.count}.`);
  }
  return s;
}

function take(set: ImageSet, rows: ArrayLike<number>): LabSplit {
  const f = set.features, x = new Float32Array(rows.length * f), ids = new Uint8Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    x.set(set.x.subarray(rows[i] * f, (rows[i] + 1) * f), i * f);
    ids[i] = set.labels[rows[i]];
  }
  return { x, n: rows.length, ids, targets: null, soft: null };
}

/** A seeded train/test split of an image set, each side capped at a row count (a quick run's subset). */
export function splitImages(set: ImageSet, seed: number, testFraction: number, caps: { train?: number; test?: number } = {}): { train: LabSplit; test: LabSplit } {
  const { train, test } = trainTestSplit(set.count, testFraction, seed);
  return { train: take(set, train.subarray(0, caps.train ?? train.length)), test: take(set, test.subarray(0, caps.test ?? test.length)) };
}

/** Classification on an image set as it is (digits, fashion, deep, multi-class losses). */
export function classification(set: ImageSet, name: string, seed: number, caps?: { train?: number; test?: number }): LabTaskData {
  const { train, test } = splitImages(set, seed, 0.25, caps);
  return { features: set.features, outputs: set.classes, train, test, source: `${name}: ${train.n} training and ${test.n} test rows (seeded split, seed ${seed}), ${set.features} features, ${set.classes} classes` };
}

/**
 * Soft targets for the KL-divergence variant, from a nearest-centroid teacher fitted on the training rows:
 * 0.8·one-hot + 0.2·softmax(−‖x − centroid_c‖² / T), T the mean squared distance (so the teacher's
 * confusions, e.g. 3 ↔ 8, carry some mass). Added to both sides so that val loss is the same quantity.
 */
export function addSoftTargets(data: LabTaskData): LabTaskData {
  const { features: f, outputs: k, train } = data;
  const centroids = new Float64Array(k * f), counts = new Float64Array(k);
  for (let i = 0; i < train.n; i++) {
    const c = train.ids![i];
    counts[c]++;
    for (let j = 0; j < f; j++) centroids[c * f + j] += train.x[i * f + j];
  }
  for (let c = 0; c < k; c++) for (let j = 0; j < f; j++) centroids[c * f + j] /= Math.max(1, counts[c]);
  const soften = (s: LabSplit): LabSplit => {
    const d2 = new Float64Array(s.n * k);
    for (let i = 0; i < s.n; i++) {
      for (let c = 0; c < k; c++) {
        let acc = 0;
        for (let j = 0; j < f; j++) acc += (s.x[i * f + j] - centroids[c * f + j]) ** 2;
        d2[i * k + c] = acc;
      }
    }
    const T = d2.reduce((a, b) => a + b, 0) / d2.length || 1;
    const soft = new Float32Array(s.n * k);
    for (let i = 0; i < s.n; i++) {
      let m = Infinity, z = 0;
      for (let c = 0; c < k; c++) m = Math.min(m, d2[i * k + c]);
      for (let c = 0; c < k; c++) z += Math.exp(-(d2[i * k + c] - m) / T);
      for (let c = 0; c < k; c++) soft[i * k + c] = 0.2 * (Math.exp(-(d2[i * k + c] - m) / T) / z) + (c === s.ids![i] ? 0.8 : 0);
    }
    return { ...s, soft };
  };
  return { ...data, train: soften(train), test: soften(data.test), source: `${data.source}; KL targets 0.8·one-hot + 0.2·a nearest-centroid teacher's softmax` };
}

/**
 * Regression on real pixels: from the upper half of a digit (rows 0–3, 32 pixels) predict the ink of the
 * lower half (Σ of rows 4–7, standardised on the training rows). Outliers in the TRAINING targets only:
 * a seeded 10 % of them get +8 to +16 standard deviations (one-sided, as a sensor glitch or a typo in a
 * unit would), so MSE is pulled up while the test targets stay clean.
 */
export function inkRegression(set: ImageSet, seed: number, outlierRate = 0.1): LabTaskData {
  if (set.features !== 64) throw new ValueError(`inkRegression needs 8×8 digits (64 features); received ${set.features}.`);
  const { train, test } = splitImages(set, seed, 0.25);
  const ink = (s: LabSplit) => {
    const t = new Float32Array(s.n), x = new Float32Array(s.n * 32);
    for (let i = 0; i < s.n; i++) {
      for (let j = 32; j < 64; j++) t[i] += s.x[i * 64 + j];
      x.set(s.x.subarray(i * 64, i * 64 + 32), i * 32);
    }
    return { x, t };
  };
  const a = ink(train), b = ink(test);
  let mean = 0, sq = 0;
  for (const v of a.t) mean += v / a.t.length;
  for (const v of a.t) sq += (v - mean) ** 2 / a.t.length;
  const std = Math.sqrt(sq) || 1;
  for (const t of [a.t, b.t]) for (let i = 0; i < t.length; i++) t[i] = (t[i] - mean) / std;
  const rng = new Rng((seed ^ 0x5eed) >>> 0);
  let outliers = 0;
  for (let i = 0; i < a.t.length; i++) {
    if (rng.uniform() < outlierRate) {
      a.t[i] += 8 + 8 * rng.uniform();
      outliers++;
    }
  }
  return {
    features: 32, outputs: 1,
    train: { x: a.x, n: train.n, ids: null, targets: a.t, soft: null },
    test: { x: b.x, n: test.n, ids: null, targets: b.t, soft: null },
    source: `digits: the ink of the lower half (Σ of pixel rows 4–7, standardised) from the upper half's 32 pixels; ${train.n} training rows of which ${outliers} carry a +8…16 σ outlier target, ${test.n} clean test rows`,
  };
}

/**
 * One digit against the rest, positives subsampled (seeded) to `rate` of each side so that the class is
 * rare in training and in the test set alike (precision and PR-AUC depend on the prevalence).
 */
export function rareClass(set: ImageSet, seed: number, positive = 8, rate = 0.05): LabTaskData {
  const { train, test } = splitImages(set, seed, 0.3);
  const rng = new Rng((seed ^ 0xc1a55) >>> 0);
  const subsample = (s: LabSplit): LabSplit => {
    const negatives: number[] = [], positives: number[] = [];
    for (let i = 0; i < s.n; i++) (s.ids![i] === positive ? positives : negatives).push(i);
    const keep = Math.max(1, Math.round((rate * negatives.length) / (1 - rate)));
    for (let i = positives.length - 1; i > 0; i--) {
      const j = Math.floor(rng.uniform() * (i + 1));
      [positives[i], positives[j]] = [positives[j], positives[i]];
    }
    const rows = [...negatives, ...positives.slice(0, keep)].sort((p, q) => p - q);
    const f = set.features, x = new Float32Array(rows.length * f), t = new Float32Array(rows.length);
    rows.forEach((r, i) => {
      x.set(s.x.subarray(r * f, (r + 1) * f), i * f);
      t[i] = s.ids![r] === positive ? 1 : 0;
    });
    return { x, n: rows.length, ids: null, targets: t, soft: null };
  };
  const tr = subsample(train), te = subsample(test);
  const pos = (s: LabSplit) => s.targets!.reduce((a, b) => a + b, 0);
  return {
    features: set.features, outputs: 1, train: tr, test: te, positiveRate: pos(tr) / tr.n,
    source: `digits: '${positive}' against the rest, positives subsampled to ${(100 * rate).toFixed(0)} %: ${tr.n} training rows (${pos(tr)} positive), ${te.n} test rows (${pos(te)} positive)`,
  };
}
