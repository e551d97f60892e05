// Softmax cross-entropy from logits with four ROWS per f32x4, for the SIMD builds and class axes up
// to LANES_MAX_DIM: the per-block half of losses_cce.ts' cceLogits (formulas and error bound there).
import { expFast4 } from "./activations_math";
import { logNormal4 } from "./math";
import { gather4, LANES_MAX_DIM, scatter4, SX, SZ_OFF, transposeIn, transposeOut } from "./lanes";
import { scratch, SCRATCH_SUMS, SCRATCH_SUMS_BYTES } from "./scratch";
import { kv, ld4, madd, nmadd, splat, st4 } from "./vec";

// Column-index steps 1, 2, 3, 4 as static vectors (kv in vec.ts: a load, not a rebuilt v128.const).
// @ts-ignore: decorator
@lazy const K_STEP = memory.data<f32>([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4]);

/** z for the four rows of column j: sparse (j = class id ? ls1 : 0) + ls0, else y·ls1 + ls0 (yc: the label column). */
@inline function zcol(sparse: bool, yc: v128, cls: v128, vj: v128, v1: v128, v0: v128): v128 {
  return sparse ? f32x4.add(v128.and(v1, f32x4.eq(cls, vj)), v0) : madd(yc, v1, v0);
}

// Per-block sums of a chunk: s, A, T (then k) for up to CHUNK_BLOCKS = 64 blocks of four rows, at
// scratch() + SCRATCH_SUMS (the calling thread's block, scratch.ts).
// @ts-ignore: decorator
@inline const CHUNK_BLOCKS: i32 = <i32>(SCRATCH_SUMS_BYTES / 48);

/**
 * cceLogits for rows r.. r + 4·nb − 1, one row per lane, nb blocks of four rows whose columns fit the
 * scratch together (nb·dim ≤ LANES_MAX_DIM). Three passes, so that no block waits on its own log and
 * division (a chain of ≈ 80 cycles that the out-of-order window cannot hide behind the next block's
 * work when each block is a few hundred instructions; measured at 256 × 10: see RESULTS.md):
 *   1. each block is transposed into the scratch (4×4 shuffles over the first C − C mod 4 columns, lane
 *      gathers for the last C mod 4), then per column m (vector max), e = e^(x − m), s, A, T (vector sums);
 *   2. per block L = w·(T·log s + A) for four rows at once, and k = gs·T/s: independent iterations but
 *      for the float64 total;
 *   3. per block grad = k·e − gs·z transposed back (lane scatters for the last C mod 4 columns).
 * Returns `total` plus the 4·nb values L added one row at a time, in row order (float64), as every loss
 * kernel sums its rows: so a batch split by rows across threads sums to the same bits (src/threads/
 * loss_parallel.ts). The row maxima use pmax (one instruction; V8 expands the NaN-propagating max into
 * a sequence): a NaN that pmax skips still makes its own x − m, hence s and the whole row, NaN, and ±0
 * do not matter for a shift.
 */
@inline export function cceLogitsChunk4(sparse: bool, grad: usize, rows: usize, yt: usize, x: usize, w: usize, r0: i32, nb: i32, dim: i32, gscale: f32, accum: i32, ls1: f32, ls0: f32, total: f64): f64 {
  const stride = <usize>dim << 2;
  const base = scratch(), sxs = base + SX, sacc = base + SCRATCH_SUMS; // this thread's scratch
  const v1 = splat(ls1), v0 = splat(ls0);
  for (let b = 0; b < nb; b++) {
    const r = r0 + 4 * b;
    const o = <usize>(r * dim) << 2;
    const px = x + o, py = yt + o;
    const sx = sxs + <usize>(b * dim) * 16; // this block's columns
    let vm = splat(-Infinity);
    const full = dim & ~3;
    for (let j = 0; j < full; j += 4) vm = f32x4.pmax(vm, transposeIn(px + (<usize>j << 2), stride, sx + (<usize>j << 4))); // pmax: see cceLogitsChunk4
    for (let j = full; j < dim; j++) { // the last dim mod 4 columns by lane gathers
      const xv = gather4(px + (<usize>j << 2), stride);
      v128.store(sx + (<usize>j << 4), xv);
      vm = f32x4.pmax(vm, xv);
    }
    const cls = sparse ? ld4(yt, r) : splat(0); // class ids of the four rows
    let vj = splat(0);
    let s = splat(0), A = splat(0), T = splat(0);
    let j = 0;
    // four columns per step: four independent exp chains in flight
    for (; j + 4 <= dim; j += 4) {
      const q = sx + (<usize>j << 4);
      const d0 = f32x4.sub(v128.load(q), vm), d1 = f32x4.sub(v128.load(q, 16), vm); // x − m ≤ 0
      const d2 = f32x4.sub(v128.load(q, 32), vm), d3 = f32x4.sub(v128.load(q, 48), vm);
      const e0 = expFast4(d0), e1 = expFast4(d1), e2 = expFast4(d2), e3 = expFast4(d3);
      // dense labels: the 4×4 block of y transposed in registers (no scratch round trip)
      let y0 = v1, y1 = v1, y2 = v1, y3 = v1;
      if (!sparse) {
        const p = py + (<usize>j << 2);
        const a = v128.load(p), b = v128.load(p + stride), c = v128.load(p + 2 * stride), d = v128.load(p + 3 * stride);
        const t0 = i32x4.shuffle(a, b, 0, 4, 1, 5), t1 = i32x4.shuffle(a, b, 2, 6, 3, 7);
        const t2 = i32x4.shuffle(c, d, 0, 4, 1, 5), t3 = i32x4.shuffle(c, d, 2, 6, 3, 7);
        y0 = i64x2.shuffle(t0, t2, 0, 2); y1 = i64x2.shuffle(t0, t2, 1, 3);
        y2 = i64x2.shuffle(t1, t3, 0, 2); y3 = i64x2.shuffle(t1, t3, 1, 3);
      }
      const z0 = zcol(sparse, y0, cls, vj, v1, v0), z1 = zcol(sparse, y1, cls, f32x4.add(vj, kv(K_STEP)), v1, v0);
      const z2 = zcol(sparse, y2, cls, f32x4.add(vj, kv(K_STEP + 16)), v1, v0), z3 = zcol(sparse, y3, cls, f32x4.add(vj, kv(K_STEP + 32)), v1, v0);
      s = f32x4.add(s, f32x4.add(f32x4.add(e0, e1), f32x4.add(e2, e3)));
      A = nmadd(z3, d3, nmadd(z2, d2, nmadd(z1, d1, nmadd(z0, d0, A)))); // A += z·(m − x), every term ≥ 0
      T = f32x4.add(T, f32x4.add(f32x4.add(z0, z1), f32x4.add(z2, z3)));
      if (grad) {
        v128.store(q, e0); v128.store(q, e1, 16); v128.store(q, e2, 32); v128.store(q, e3, 48);
        v128.store(q, z0, SZ_OFF); v128.store(q, z1, SZ_OFF + 16); v128.store(q, z2, SZ_OFF + 32); v128.store(q, z3, SZ_OFF + 48);
      }
      if (sparse) vj = f32x4.add(vj, kv(K_STEP + 48));
    }
    for (; j < dim; j++) {
      const q = sx + (<usize>j << 4);
      const d = f32x4.sub(v128.load(q), vm);
      const e = expFast4(d);
      const z = zcol(sparse, sparse ? v1 : gather4(py + (<usize>j << 2), stride), cls, vj, v1, v0);
      s = f32x4.add(s, e);
      A = nmadd(z, d, A);
      T = f32x4.add(T, z);
      if (grad) {
        v128.store(q, e);
        v128.store(q, z, SZ_OFF);
      }
      if (sparse) vj = f32x4.add(vj, kv(K_STEP));
    }
    const acc = sacc + <usize>b * 48;
    v128.store(acc, s); v128.store(acc, A, 16); v128.store(acc, T, 32);
  }
  for (let b = 0; b < nb; b++) {
    const r = r0 + 4 * b;
    const acc = sacc + <usize>b * 48;
    const s = v128.load(acc), T = v128.load(acc, 32);
    const wr = w ? ld4(w, r) : splat(1);
    // s ≥ 1 (the max term is e^0) and finite, or NaN for a row with NaN or +Inf: logNormal4 plus the NaN blend
    const ls = v128.bitselect(s, logNormal4(s, i32x4.splat(0)), f32x4.ne(s, s));
    const L = f32x4.mul(wr, madd(T, ls, v128.load(acc, 16)));
    if (rows) st4(rows, r, L);
    if (grad) v128.store(acc, f32x4.div(f32x4.mul(f32x4.mul(splat(gscale), wr), T), s)); // k = gs·T/s
    total += <f64>f32x4.extract_lane(L, 0); // row order: one chain of four adds per block, short beside the block's work
    total += <f64>f32x4.extract_lane(L, 1);
    total += <f64>f32x4.extract_lane(L, 2);
    total += <f64>f32x4.extract_lane(L, 3);
  }
  if (grad) {
    for (let b = 0; b < nb; b++) {
      const r = r0 + 4 * b;
      const sx = sxs + <usize>(b * dim) * 16;
      const k = v128.load(sacc + <usize>b * 48);
      const gs = f32x4.mul(splat(gscale), w ? ld4(w, r) : splat(1));
      const pg = grad + (<usize>(r * dim) << 2);
      // z was stored by pass 1 (reloading it beats recomputing sparse z: measured 9.0 → 7.2 µs at 256 × 10)
      const full = dim & ~3;
      for (let j = 0; j < full; j += 4) {
        const q = sx + (<usize>j << 4);
        const g0 = f32x4.sub(f32x4.mul(k, v128.load(q)), f32x4.mul(gs, v128.load(q, SZ_OFF)));
        const g1 = f32x4.sub(f32x4.mul(k, v128.load(q, 16)), f32x4.mul(gs, v128.load(q, SZ_OFF + 16)));
        const g2 = f32x4.sub(f32x4.mul(k, v128.load(q, 32)), f32x4.mul(gs, v128.load(q, SZ_OFF + 32)));
        const g3 = f32x4.sub(f32x4.mul(k, v128.load(q, 48)), f32x4.mul(gs, v128.load(q, SZ_OFF + 48)));
        transposeOut(g0, g1, g2, g3, pg + (<usize>j << 2), stride, accum);
      }
      for (let j = full; j < dim; j++) {
        const q = sx + (<usize>j << 4);
        let g = f32x4.sub(f32x4.mul(k, v128.load(q)), f32x4.mul(gs, v128.load(q, SZ_OFF)));
        const pj = pg + (<usize>j << 2);
        if (accum) g = f32x4.add(gather4(pj, stride), g);
        scatter4(pj, stride, g);
      }
    }
  }
  return total;
}

/** Blocks of four rows per chunk for a class axis of `dim` (their columns share the scratch). */
@inline export function chunkBlocks(dim: i32): i32 {
  return min(CHUNK_BLOCKS, LANES_MAX_DIM / dim);
}
