// GEMV (M = 1, batch-1 inference): y[1×n] = alpha·x·W + beta·y + bias, over W's rows as stored or over
// W packed in 8-column panels (gemm_pack_weights). For beta = 0 the two give the same bits: gemvRowsExact
// adds the products of each column in the packed kernel's order (pairs of k below the last multiple of 16
// columns, single k beyond it) and applies alpha and bias last, so a dense layer may answer its first
// request from the raw weights and pack them only once they serve again (packing 2 MB of weights on a
// cold instance costs more than the GEMV it speeds up). Error as the GEMM's: |y − y_exact| ≤ ~K·2^-24·Σ|x·w|.
import { NR } from "./gemm_kernel";
import { madd } from "./vec";

/** y[j] = alpha·acc[j] + beta·y[j] + bias[j] for j0 ≤ j < n (acc = 0: only the beta and bias terms). */
@inline export function gemvStore(y: usize, acc: usize, j0: i32, n: i32, alpha: f32, beta: f32, bias: usize): void {
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
export function gemvRows(y: usize, x: usize, xs: i32, b: usize, ldb: i32, n: i32, k: i32, alpha: f32, beta: f32, bias: usize): void {
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
export function gemvPacked(y: usize, x: usize, xs: i32, w: usize, n: i32, k: i32, alpha: f32, beta: f32, bias: usize, scratch: usize): void {
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

/**
 * gemvRows for beta = 0, bit for bit equal to gemvPacked on the same W (see the file comment): y is
 * zeroed, every column sums x[p]·W[p, j] in the packed kernel's order, then y = alpha·y + bias. xs = 1
 * pairs k as gemvPacked does for its 16-column blocks; columns past n & ~15 take k singly, as its last
 * panels do. Columns past n & ~3 (scalar) match in every build but the relaxed one (no scalar FMA).
 */
export function gemvRowsExact(y: usize, x: usize, xs: i32, b: usize, ldb: i32, n: i32, k: i32, alpha: f32, bias: usize): void {
  const xstep = <usize>xs << 2, bstep = <usize>ldb << 2;
  memory.fill(y, 0, <usize>n << 2);
  let xp = x, row = b, p = 0;
  let n16 = 0, n4 = 0;
  if (ASC_FEATURE_SIMD) {
    n16 = n & ~15; n4 = n & ~3;
    if (xs == 1) {
      // two pairs per sweep, added in turn (s + pair1) + pair2: the packed kernel's two trips
      for (; p + 4 <= k; p += 4) {
        const xa = v128.load32_splat(xp), xb = v128.load32_splat(xp, 4), xc = v128.load32_splat(xp, 8), xd = v128.load32_splat(xp, 12);
        const r1 = row + bstep, r2 = row + 2 * bstep, r3 = row + 3 * bstep;
        for (let c = 0; c < n16; c += 4) {
          const o = <usize>c << 2;
          const s = f32x4.add(v128.load(y + o), madd(xa, v128.load(row + o), f32x4.mul(xb, v128.load(r1 + o))));
          v128.store(y + o, f32x4.add(s, madd(xc, v128.load(r2 + o), f32x4.mul(xd, v128.load(r3 + o)))));
        }
        for (let c = n16; c < n4; c += 4) {
          const o = <usize>c << 2;
          v128.store(y + o, madd(xd, v128.load(r3 + o), madd(xc, v128.load(r2 + o), madd(xb, v128.load(r1 + o), madd(xa, v128.load(row + o), v128.load(y + o))))));
        }
        for (let c = n4; c < n; c++) {
          const o = <usize>c << 2;
          let s = load<f32>(y + o);
          s += load<f32>(xp) * load<f32>(row + o); s += load<f32>(xp, 4) * load<f32>(r1 + o);
          s += load<f32>(xp, 8) * load<f32>(r2 + o); s += load<f32>(xp, 12) * load<f32>(r3 + o);
          store<f32>(y + o, s);
        }
        xp += 16; row += bstep << 2;
      }
      for (; p + 2 <= k; p += 2) {
        const xa = v128.load32_splat(xp), xb = v128.load32_splat(xp, 4), r1 = row + bstep;
        for (let c = 0; c < n16; c += 4) {
          const o = <usize>c << 2;
          v128.store(y + o, f32x4.add(v128.load(y + o), madd(xa, v128.load(row + o), f32x4.mul(xb, v128.load(r1 + o)))));
        }
        for (let c = n16; c < n4; c += 4) {
          const o = <usize>c << 2;
          v128.store(y + o, madd(xb, v128.load(r1 + o), madd(xa, v128.load(row + o), v128.load(y + o))));
        }
        for (let c = n4; c < n; c++) {
          const o = <usize>c << 2;
          store<f32>(y + o, (load<f32>(y + o) + load<f32>(xp) * load<f32>(row + o)) + load<f32>(xp, 4) * load<f32>(r1 + o));
        }
        xp += 8; row += bstep << 1;
      }
    }
    for (; p < k; p++) {
      const xv = v128.load32_splat(xp);
      for (let c = 0; c < n4; c += 4) {
        const o = <usize>c << 2;
        v128.store(y + o, madd(xv, v128.load(row + o), v128.load(y + o)));
      }
      for (let c = n4; c < n; c++) store<f32>(y + (<usize>c << 2), load<f32>(y + (<usize>c << 2)) + load<f32>(xp) * load<f32>(row + (<usize>c << 2)));
      xp += xstep; row += bstep;
    }
    const va = f32x4.splat(alpha);
    for (let c = 0; c < n4; c += 4) {
      const o = <usize>c << 2;
      let v = f32x4.mul(v128.load(y + o), va);
      if (bias != 0) v = f32x4.add(v, v128.load(bias + o));
      v128.store(y + o, v);
    }
  } else {
    for (; p < k; p++) {
      const xv = load<f32>(xp);
      for (let c = 0; c < n; c++) {
        const q = y + (<usize>c << 2);
        store<f32>(q, load<f32>(q) + xv * load<f32>(row + (<usize>c << 2)));
      }
      xp += xstep; row += bstep;
    }
  }
  for (let c = n4; c < n; c++) {
    const q = y + (<usize>c << 2);
    let v = alpha * load<f32>(q);
    if (bias != 0) v += load<f32>(bias + (<usize>c << 2));
    store<f32>(q, v);
  }
}
