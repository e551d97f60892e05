// Kept apart from digits.ts and idx.ts so that the main entry, which exports trainTestSplit and oneHot, never
// reaches the digits or the IDX reader.
import { checkNumber, show, ValueError } from "../errors.js";
import { Rng } from "../random.js";

/** A seeded shuffle of 0…count−1 split into train and test indices (test = the first ⌊count·testFraction⌋ after shuffling). */
export function trainTestSplit(count: number, testFraction: number, seed = 0): { train: Int32Array; test: Int32Array } {
  checkNumber("count", count, 0);
  checkNumber("testFraction", testFraction, 0, 1);
  const order = Int32Array.from({ length: count }, (_, i) => i);
  new Rng(seed).shuffle(order);
  const nTest = Math.floor(count * testFraction);
  return { test: order.slice(0, nTest), train: order.slice(nTest) };
}

/** Class ids → one-hot rows [n, classes]; throws on an id outside [0, classes). */
export function oneHot(labels: ArrayLike<number>, classes: number): Float32Array {
  if (!Number.isInteger(classes) || classes < 1) throw new ValueError(`oneHot classes must be a positive integer; received ${show(classes)}.`);
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!Number.isInteger(c) || c < 0 || c >= classes) throw new ValueError(`oneHot: label ${i} is ${c}; expected an integer in [0, ${classes - 1}].`);
    out[i * classes + c] = 1;
  }
  return out;
}
