// The UCI digits embedded in the package (no file or network access): 1797 images of 8×8 pixels.
import { gunzip } from "./idx.js";
import { trainTestSplit } from "./split.js";

export { trainTestSplit };

export interface Digits {
  /** [1797, 64] pixels scaled to [0, 1] (raw values 0–16, divided by 16). */
  x: Float32Array;
  /** 1797 labels 0–9. */
  y: Uint8Array;
  count: number;
  features: 64;
  classes: 10;
}

let cached: Promise<Digits> | null = null;

function base64(s: string): Uint8Array {
  if (typeof atob === "function") return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  return new Uint8Array((globalThis as unknown as { Buffer: { from(s: string, e: string): Uint8Array } }).Buffer.from(s, "base64"));
}

/** Loads (once) and returns the digits; callers get their own copies. */
export async function loadDigits(): Promise<Digits> {
  cached ??= (async () => {
    // a separate chunk: the 60 KB of data loads only when asked for, not at import
    const { DIGITS_GZ_BASE64, DIGITS_ROWS } = await import("./digits_data.js");
    const raw = await gunzip(base64(DIGITS_GZ_BASE64));
    const x = new Float32Array(DIGITS_ROWS * 64), y = new Uint8Array(DIGITS_ROWS);
    for (let r = 0; r < DIGITS_ROWS; r++) {
      for (let c = 0; c < 64; c++) x[r * 64 + c] = raw[r * 65 + c] / 16;
      y[r] = raw[r * 65 + 64];
    }
    return { x, y, count: DIGITS_ROWS, features: 64, classes: 10 } as Digits;
  })();
  const d = await cached;
  return { ...d, x: d.x.slice(), y: d.y.slice() };
}

/** The data helpers as one object (simdnn/datasets' `datasets`). */
export const datasets = Object.freeze({ loadDigits, trainTestSplit });
