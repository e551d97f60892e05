// IEEE 754 binary16 ⇄ binary32, bit-exact, no tables. Halves are how tfjs' `float16` quantization
// stores weights (tfjs-converter writes numpy's `astype(np.float16)`: round to nearest, ties to even).

/** One shared scratch word to move between a float32 and its bits. */
const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/**
 * float32 bits → float16 bits, round to nearest even. Overflow (|x| ≥ 65520, the midpoint between
 * 65504 and 2^16) gives ±Inf, tiny values give half subnormals or ±0, NaN stays a quiet NaN with the
 * top 9 bits of its payload.
 */
export function float32BitsToFloat16(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15; // the half's biased exponent
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    // Below 2^-25 everything rounds to ±0 (2^-25 itself is the tie between 0 and 2^-24: even is 0).
    if (e < -10) return sign;
    // Subnormal half: the unit is 2^-24, so the full 24-bit significand shifts right by 14 − e.
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const tie = 1 << (shift - 1);
    if (rest > tie || (rest === tie && (half & 1) !== 0)) half++; // a carry into bit 10 is the smallest normal, correctly
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) !== 0)) half++; // a carry out of 0x7bff is 0x7c00 = Inf, correctly
  return sign | half;
}

/** float16 bits → float32 bits, exact (every half is a float32); NaN payloads move to the top bits as tfjs does. */
export function float16BitsToFloat32(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal half m·2^-24: shift the leading one up to bit 10 and lower the exponent as many times.
  let e = 127 - 14;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** A number rounded to float16 (nearest even), as bits. */
export function float32ToFloat16(value: number): number {
  scratchF32[0] = value;
  return float32BitsToFloat16(scratchU32[0]);
}

/** float16 bits as a number (exact). */
export function float16ToFloat32(bits: number): number {
  scratchU32[0] = float16BitsToFloat32(bits & 0xffff);
  return scratchF32[0];
}
