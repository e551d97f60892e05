// Lane helpers shared by every kernel family. Each is @inline, so the scalar, SIMD and
// relaxed-SIMD builds compile the same source; the branches are compile-time constants.

// Clamps and maxima in the hot loops use f32x4.pmax/pmin (one instruction each on x64; V8 expands the
// NaN- and ±0-exact f32x4.max/min into a sequence of five or six). pmax(a, b) = a < b ? b : a keeps a
// NaN in a, so the value goes first and the bound second: pmin(pmax(v, lo), hi) keeps NaN as min/max do.

/** a·b + c. Fused (one rounding) where the relaxed build's hardware has FMA; otherwise mul then add. */
@inline export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** c − a·b, the relaxed_nmadd counterpart of madd. */
@inline export function nmadd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_nmadd(a, b, c);
  return f32x4.sub(c, f32x4.mul(a, b));
}

/** Select lanes: mask ? a : b. Masks come from f32x4 comparisons (all ones or all zeros). */
@inline export function select4(a: v128, b: v128, mask: v128): v128 {
  return v128.bitselect(a, b, mask);
}

@inline export function splat(x: f32): v128 { return f32x4.splat(x); }

// @ts-ignore: decorator
@lazy const K_SIGN = memory.data<i32>([0x80000000, 0x80000000, 0x80000000, 0x80000000]);
/** −|x|, the argument of the decaying exponentials (e^−|x|, e^−2|x|); NaN stays NaN. */
@inline export function negAbs(x: f32): f32 { return -abs<f32>(x); }
@inline export function negAbs4(x: v128): v128 { return v128.or(x, v128.load(K_SIGN)); }

/**
 * c ? a : b for one lane without a branch. V8 (11.x) compiles an f32 select, f32.min and f32.max into
 * compare-and-jump sequences, which mispredict when the condition follows the data's signs (scalar relu
 * on uniform random input: 184 Melem/s, 1618 with this); integer operations have no branch. Both arms are
 * evaluated, so each must be cheap or needed anyway.
 */
@inline export function sel(a: f32, b: f32, c: bool): f32 {
  // a bit blend, not select<i32>: Binaryen folds a select of two reinterpreted floats back into an f32 select
  const m = -<i32>c;
  return reinterpret<f32>((reinterpret<i32>(a) & m) | (reinterpret<i32>(b) & ~m));
}

/** Byte offset of float element i. */
@inline export function off(i: i32): usize { return <usize>i << 2; }

@inline export function ld(p: usize, i: i32): f32 { return load<f32>(p + off(i)); }
@inline export function st(p: usize, i: i32, v: f32): void { store<f32>(p + off(i), v); }
@inline export function ld4(p: usize, i: i32): v128 { return v128.load(p + off(i)); }
@inline export function st4(p: usize, i: i32, v: v128): void { v128.store(p + off(i), v); }

/**
 * Loads a 16-byte constant laid out by `memory.data<f32>([c, c, c, c])`. V8 (11.x) rebuilds every
 * v128.const inside a loop with up to five instructions; a load is one, and x86 folds it into the
 * arithmetic. In hot loops, write constants this way (measured: sigmoid 1.75× faster).
 */
@inline export function kv(p: usize): v128 { return v128.load(p); }
