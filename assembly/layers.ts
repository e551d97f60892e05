// Layer kernels that are not GEMM, activation or loss: dropout masks (and, in layers_norm.ts,
// batch and layer normalisation). Output first; see each comment for aliasing.
import { ld, ld4, st, st4 } from "./vec";

// Counter-based hash (murmur3's 32-bit finaliser of seed + i·golden ratio): every element's draw
// depends only on (seed, i), so the scalar and i32x4 forms give the same mask bit for bit and no
// state is carried between calls. The top 24 bits become a uniform u ∈ [0, 1) exactly in float32.
@inline function hash(h: u32): u32 {
  h ^= h >>> 16; h *= 0x85ebca6b;
  h ^= h >>> 13; h *= 0xc2b2ae35;
  return h ^ (h >>> 16);
}

@inline function hash4(h: v128): v128 {
  h = v128.xor(h, i32x4.shr_u(h, 16)); h = i32x4.mul(h, i32x4.splat(0x85ebca6b));
  h = v128.xor(h, i32x4.shr_u(h, 13)); h = i32x4.mul(h, i32x4.splat(0xc2b2ae35));
  return v128.xor(h, i32x4.shr_u(h, 16));
}

/**
 * Inverted dropout: mask[i] = u_i ≥ rate ? 1/(1 − rate) : 0 with u_i from hash(seed, i); out = x·mask.
 * The backward pass is dy·mask (ew_mul). out may alias x; mask must not alias either.
 */
export function layer_dropout(out: usize, mask: usize, x: usize, n: i32, rate: f32, seed: u32): void {
  const scale: f32 = rate < 1 ? 1 / (1 - rate) : 0;
  const golden: u32 = 0x9e3779b9;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vr = f32x4.splat(rate), vs = f32x4.splat(scale), zero = f32x4.splat(0);
    const inv = f32x4.splat(<f32>5.9604644775390625e-8); // 2^-24
    const step = i32x4.splat(4 * golden);
    let ctr = i32x4.add(i32x4.splat(seed), i32x4.mul(i32x4(0, 1, 2, 3), i32x4.splat(golden)));
    for (; i + 4 <= n; i += 4) {
      const u = f32x4.mul(f32x4.convert_i32x4_u(i32x4.shr_u(hash4(ctr), 8)), inv);
      const m = v128.bitselect(vs, zero, f32x4.ge(u, vr));
      st4(mask, i, m);
      st4(out, i, f32x4.mul(ld4(x, i), m));
      ctr = i32x4.add(ctr, step);
    }
  }
  for (; i < n; i++) {
    const u = <f32>(hash(seed + <u32>i * golden) >>> 8) * <f32>5.9604644775390625e-8;
    const m: f32 = u >= rate ? scale : 0;
    st(mask, i, m);
    st(out, i, ld(x, i) * m);
  }
}
