// GEMM: C[M×N] = act(alpha·op(A)·op(B) + beta·C + bias), row-major with leading dimensions.
// Goto/BLIS loop nest: jc over N (NC columns) → pc over K (KC) packs B → ic over M (MC) packs A →
// jr over 8-column B panels → ir over 4-row A panels → microkernel (gemm_kernel.ts). Sizes: a B
// micro-panel (KC·8·4 = 8 KB) stays in L1 while all MC/4 A panels stream past it from L2 (A block
// MC·KC·4 = 128 KB), and the packed B block (KC·NC·4 = 512 KB) sits in L2/L3.
// The epilogue (bias on the first K block, activation after the last) runs on each MC×NC block of C
// while it is still in cache. M = 1 (batch-1 inference) skips packing: a GEMV over the rows of B.
// Error: each C element is a float32 sum of K products in k order within a K block, blocks added in
// order, so |C − C_exact| ≤ ~K·2^-24·Σ|a·b| (+ one rounding per alpha/beta term); relaxed FMA only
// shrinks it. Pointers need 4-byte alignment only. C must not alias A or B.
import { Gelu, GeluTanh, LeakyRelu, Relu, Sigmoid, Silu, Tanh } from "./activations_ops";
import { packA, packB } from "./gemm_pack";
import { MR, NR, tile } from "./gemm_kernel";
import { madd } from "./vec";

// @ts-ignore: decorator
@inline const KC: i32 = 256;
// @ts-ignore: decorator
@inline const MC: i32 = 128;
// @ts-ignore: decorator
@inline const NC: i32 = 512;

/** Floats of workspace gemm_gemm needs (packed B block, packed A block, a 4×8 scratch tile). */
export function gemm_workspace_floats(): i32 {
  return KC * NC + MC * KC + MR * NR;
}

/** Floats a packed K×N weight matrix occupies: ceil(N/8) panels of K×8. */
export function gemm_packed_floats(k: i32, n: i32): i32 {
  return ((n + NR - 1) / NR) * NR * k;
}

/**
 * Packs W[K×N] (row-major, leading dimension ldw) once into 8-column panels of K×8 floats, for
 * gemm_gemm with flags & 4 (weights reused across calls: inference, or a layer between optimizer
 * steps). out holds gemm_packed_floats(k, n) floats and must not alias w.
 */
export function gemm_pack_weights(out: usize, w: usize, k: i32, n: i32, ldw: i32): void {
  packB(out, k * NR, w, false, ldw, 0, 0, k, n);
}

/**
 * C = act(alpha·op(A)·op(B) + beta·C + bias). flags: 1 = A transposed (A stored K×M), 2 = B
 * transposed (B stored N×K), 4 = b is packed weights from gemm_pack_weights (ldb and bit 2 ignored).
 * bias: 0 or N floats added to every row. act: 0 linear, 1 relu, 2 leakyRelu (slope actA), 3 sigmoid,
 * 4 tanh, 5 gelu (erf), 6 gelu (tanh form), 7 silu. beta = 0 never reads C. work: gemm_workspace_floats()
 * floats, 16-byte aligned, reused across calls. C must not alias A, B or work; A, B are not written.
 */
export function gemm_gemm(c: usize, a: usize, b: usize, m: i32, n: i32, k: i32, flags: i32, alpha: f32, beta: f32,
  lda: i32, ldb: i32, ldc: i32, bias: usize, act: i32, actA: f32, work: usize): void {
  if (m <= 0 || n <= 0) return;
  const transA = (flags & 1) != 0, transB = (flags & 2) != 0, packed = (flags & 4) != 0;
  const scratch = work + (<usize>(KC * NC + MC * KC) << 2);
  if (k <= 0) {
    for (let i = 0; i < m; i++) gemvStore(c + (<usize>(i * ldc) << 2), 0, 0, n, 0, beta, bias);
    applyAct(act, c, ldc, m, n, actA);
    return;
  }
  if (m == 1 && (packed || !transB)) {
    const xs = transA ? lda : 1;
    if (packed) gemvPacked(c, a, xs, b, n, k, alpha, beta, bias, scratch);
    else gemvRows(c, a, xs, b, ldb, n, k, alpha, beta, bias);
    applyAct(act, c, ldc, 1, n, actA);
    return;
  }
  // Balanced K blocks: 784 = 4 × 196 rather than 3 × 256 + 16 (a thin last block wastes the epilogue).
  const kblocks = (k + KC - 1) / KC;
  const kcMax = (k + kblocks - 1) / kblocks;
  const bpack = work, apack = work + (<usize>(KC * NC) << 2);
  for (let jc = 0; jc < n; jc += NC) {
    const nc = min(NC, n - jc);
    for (let pc = 0; pc < k; pc += kcMax) {
      const kc = min(kcMax, k - pc);
      let bb: usize, stride: i32;
      if (packed) {
        stride = k * NR;
        bb = b + (<usize>((jc / NR) * stride + pc * NR) << 2);
      } else {
        stride = kc * NR;
        packB(bpack, stride, b, transB, ldb, pc, jc, kc, nc);
        bb = bpack;
      }
      const first = pc == 0, last = pc + kc >= k;
      const bt: f32 = first ? beta : 1;
      const bs: usize = first && bias != 0 ? bias + (<usize>jc << 2) : 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = min(MC, m - ic);
        packA(apack, a, transA, lda, ic, pc, mc, kc);
        const cb = c + (<usize>(ic * ldc + jc) << 2);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = bb + (<usize>((jr / NR) * stride) << 2);
          const bj: usize = bs != 0 ? bs + (<usize>jr << 2) : 0;
          for (let ir = 0; ir < mc; ir += MR) {
            tile(cb + (<usize>(ir * ldc + jr) << 2), ldc, apack + (<usize>(ir * kc) << 2), bp, kc, min(MR, mc - ir), nr, alpha, bt, bj, scratch);
          }
        }
        if (last) applyAct(act, cb, ldc, mc, nc, actA);
      }
    }
  }
}

/** y[j] = alpha·acc[j] + beta·y[j] + bias[j] for j0 ≤ j < n (acc = 0: only the beta and bias terms). */
@inline function gemvStore(y: usize, acc: usize, j0: i32, n: i32, alpha: f32, beta: f32, bias: usize): void {
  for (let j = j0; j < n; j++) {
    const q = y + (<usize>j << 2);
    let v: f32 = acc == 0 ? 0 : alpha * load<f32>(acc + (<usize>j << 2));
    if (beta != 0) v += beta * load<f32>(q);
    if (bias != 0) v += load<f32>(bias + (<usize>j << 2));
    store<f32>(q, v);
  }
}

@inline function fin4(q: usize, acc: v128, alpha: f32, beta: f32, bias: usize): void {
  let v = f32x4.mul(acc, f32x4.splat(alpha));
  if (beta != 0) v = madd(f32x4.splat(beta), v128.load(q), v);
  if (bias != 0) v = f32x4.add(v, v128.load(bias));
  v128.store(q, v);
}

@inline function biasAt(bias: usize, j: i32): usize { return bias != 0 ? bias + (<usize>j << 2) : 0; }

/**
 * y[1×n] = alpha·x·B + beta·y + bias over the rows of B (row-major, ldb), x with stride xs.
 * Column blocks with register accumulators (the packed GEMV's shape) would stride down B by ldb;
 * sweeping whole rows keeps B contiguous: 17 → 35 GFLOP/s at 784×512, measured.
 */
function gemvRows(y: usize, x: usize, xs: i32, b: usize, ldb: i32, n: i32, k: i32, alpha: f32, beta: f32, bias: usize): void {
  let j = 0;
  const xstep = <usize>xs << 2, bstep = <usize>ldb << 2;
  if (ASC_FEATURE_SIMD) {
    // Rows of B in order (the axpy form): y ← beta·y + bias, then y += Σ of four rows scaled by
    // alpha·x[p..p+3] per sweep. B streams contiguously, y (n floats) stays in L1, and the only
    // dependency between sweeps goes through y in memory.
    gemvStore(y, 0, 0, n, 0, beta, bias);
    const n4 = n & ~3;
    let xp = x, row = b, p = 0;
    for (; p + 4 <= k; p += 4) {
      const xa = f32x4.splat(alpha * load<f32>(xp)), xb = f32x4.splat(alpha * load<f32>(xp + xstep));
      const xc = f32x4.splat(alpha * load<f32>(xp + 2 * xstep)), xd = f32x4.splat(alpha * load<f32>(xp + 3 * xstep));
      const r1 = row + bstep, r2 = row + 2 * bstep, r3 = row + 3 * bstep;
      for (let c = 0; c < n4; c += 4) {
        const o = <usize>c << 2;
        const t = f32x4.add(madd(xa, v128.load(row + o), f32x4.mul(xb, v128.load(r1 + o))), madd(xc, v128.load(r2 + o), f32x4.mul(xd, v128.load(r3 + o))));
        v128.store(y + o, f32x4.add(v128.load(y + o), t));
      }
      for (let c = n4; c < n; c++) {
        const o = <usize>c << 2;
        store<f32>(y + o, load<f32>(y + o) + (f32x4.extract_lane(xa, 0) * load<f32>(row + o) + f32x4.extract_lane(xb, 0) * load<f32>(r1 + o) +
          f32x4.extract_lane(xc, 0) * load<f32>(r2 + o) + f32x4.extract_lane(xd, 0) * load<f32>(r3 + o)));
      }
      xp += xstep << 2; row += bstep << 2;
    }
    for (; p < k; p++) {
      const xa = f32x4.splat(alpha * load<f32>(xp));
      for (let c = 0; c < n4; c += 4) {
        const o = <usize>c << 2;
        v128.store(y + o, madd(xa, v128.load(row + o), v128.load(y + o)));
      }
      for (let c = n4; c < n; c++) store<f32>(y + (<usize>c << 2), load<f32>(y + (<usize>c << 2)) + f32x4.extract_lane(xa, 0) * load<f32>(row + (<usize>c << 2)));
      xp += xstep; row += bstep;
    }
    return;
  }
  if (j == n) return;
  // Remaining columns (all of them in the scalar build): sweep the rows of B contiguously, adding
  // alpha·x[p]·B[p, j] into y after y = beta·y + bias (a column-wise dot would stride by ldb).
  gemvStore(y, 0, j, n, 0, beta, bias);
  let xp = x, row = b;
  for (let p = 0; p < k; p++) {
    const xv = alpha * load<f32>(xp);
    for (let c = j; c < n; c++) {
      const q = y + (<usize>c << 2);
      store<f32>(q, load<f32>(q) + xv * load<f32>(row + (<usize>c << 2)));
    }
    xp += xstep; row += bstep;
  }
}

/**
 * y[1×n] = alpha·x·W + beta·y + bias with W packed (K×8 panels). Two panels at a time (two streams);
 * the last panel alone, a partial one through scratch.
 */
function gemvPacked(y: usize, x: usize, xs: i32, w: usize, n: i32, k: i32, alpha: f32, beta: f32, bias: usize, scratch: usize): void {
  const xstep = <usize>xs << 2, pstep = <usize>(k * NR) << 2;
  let j = 0;
  if (ASC_FEATURE_SIMD) {
    // 16 columns (two panels) per pass, two k per trip: 4 accumulators + 8 loaded vectors + 2 splats
    // fit V8's 15 xmm registers (32 columns spilled accumulators to the stack every trip).
    for (; j + 16 <= n; j += 16) {
      const z = f32x4.splat(0);
      let s0 = z, s1 = z, s2 = z, s3 = z;
      let xp = x, p0 = w + <usize>(j / NR) * pstep;
      const p1 = pstep;
      let p = 0;
      if (xs == 1) {
        for (; p + 2 <= k; p += 2) {
          // s += xa·a + xb·b: one add on each accumulator's dependency chain per trip, not two madds
          const xa = v128.load32_splat(xp), xb = v128.load32_splat(xp, 4);
          s0 = f32x4.add(s0, madd(xa, v128.load(p0), f32x4.mul(xb, v128.load(p0, 32))));
          s1 = f32x4.add(s1, madd(xa, v128.load(p0, 16), f32x4.mul(xb, v128.load(p0, 48))));
          s2 = f32x4.add(s2, madd(xa, v128.load(p0 + p1), f32x4.mul(xb, v128.load(p0 + p1, 32))));
          s3 = f32x4.add(s3, madd(xa, v128.load(p0 + p1, 16), f32x4.mul(xb, v128.load(p0 + p1, 48))));
          xp += 8; p0 += 64;
        }
      }
      for (; p < k; p++) {
        const xv = v128.load32_splat(xp);
        s0 = madd(xv, v128.load(p0), s0); s1 = madd(xv, v128.load(p0, 16), s1);
        s2 = madd(xv, v128.load(p0 + p1), s2); s3 = madd(xv, v128.load(p0 + p1, 16), s3);
        xp += xstep; p0 += 32;
      }
      const q = y + (<usize>j << 2);
      fin4(q, s0, alpha, beta, biasAt(bias, j)); fin4(q + 16, s1, alpha, beta, biasAt(bias, j + 4));
      fin4(q + 32, s2, alpha, beta, biasAt(bias, j + 8)); fin4(q + 48, s3, alpha, beta, biasAt(bias, j + 12));
    }
    for (; j < n; j += NR) {
      let s0 = f32x4.splat(0), s1 = s0;
      let xp = x, pp = w + <usize>(j / NR) * pstep;
      for (let p = 0; p < k; p++) {
        const xv = v128.load32_splat(xp);
        s0 = madd(xv, v128.load(pp), s0); s1 = madd(xv, v128.load(pp, 16), s1);
        xp += xstep; pp += 32;
      }
      v128.store(scratch, s0); v128.store(scratch, s1, 16);
      gemvStore(y, scratch - (<usize>j << 2), j, min(n, j + NR), alpha, beta, bias);
    }
    return;
  }
  for (; j < n; j += NR) {
    const pp = w + <usize>(j / NR) * pstep;
    for (let c = 0; c < NR; c++) store<f32>(scratch + (<usize>c << 2), 0);
    let xp = x;
    for (let p = 0; p < k; p++) {
      const xv = load<f32>(xp);
      const row = pp + (<usize>p << 5);
      for (let c = 0; c < NR; c++) {
        const q = scratch + (<usize>c << 2);
        store<f32>(q, load<f32>(q) + xv * load<f32>(row + (<usize>c << 2)));
      }
      xp += xstep;
    }
    gemvStore(y, scratch - (<usize>j << 2), j, min(n, j + NR), alpha, beta, bias);
  }
}

// Epilogue activations: the activation family's own op classes (activations_ops.ts), so the fused
// dense forward gives the same values as a separate activation call.
@inline function actRows<Op>(op: Op, c: usize, ldc: i32, rows: i32, cols: i32, a: f32): void {
  for (let r = 0; r < rows; r++) {
    const row = c + (<usize>(r * ldc) << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const va = f32x4.splat(a);
      for (; j + 4 <= cols; j += 4) v128.store(row + (<usize>j << 2), op.v(v128.load(row + (<usize>j << 2)), va));
    }
    for (; j < cols; j++) store<f32>(row + (<usize>j << 2), op.f(load<f32>(row + (<usize>j << 2)), a));
  }
}

function applyAct(act: i32, c: usize, ldc: i32, rows: i32, cols: i32, a: f32): void {
  switch (act) {
    case 1: actRows(changetype<Relu>(0), c, ldc, rows, cols, a); break;
    case 2: actRows(changetype<LeakyRelu>(0), c, ldc, rows, cols, a); break;
    case 3: actRows(changetype<Sigmoid>(0), c, ldc, rows, cols, a); break;
    case 4: actRows(changetype<Tanh>(0), c, ldc, rows, cols, a); break;
    case 5: actRows(changetype<Gelu>(0), c, ldc, rows, cols, a); break;
    case 6: actRows(changetype<GeluTanh>(0), c, ldc, rows, cols, a); break;
    case 7: actRows(changetype<Silu>(0), c, ldc, rows, cols, a); break;
    default: break;
  }
}
