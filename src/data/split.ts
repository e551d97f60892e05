// Kept apart from digits.ts so that the main entry, which exports trainTestSplit, never reaches the digits.
import { checkNumber } from "../errors.js";
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
