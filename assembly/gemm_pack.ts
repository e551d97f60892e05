// Packing for the GEMM microkernel (gemm_kernel.ts). Transposes are absorbed here: whatever the
// layout of op(A) and op(B), the kernel reads the same panels, so Aᵀ·B and A·Bᵀ run at the speed of
// A·B. A block (mc×kc) → panels of MR rows (5 SIMD, 4 scalar), for each k the MR row values contiguous. B block
// (kc×nc) → panels of NR = 8 columns, for each k the 8 column values contiguous. Partial panels are
// zero-padded so the kernel's k loop never branches. The strided side of each layout (A plain, B
// transposed) is gathered 4×4 at a time and transposed in registers.
import { MR, NR } from "./gemm_kernel";

@inline function at(p: usize, i: i32, j: i32, ld: i32): usize { return p + (<usize>(i * ld + j) << 2); }

/** rows r0..r3 (4 floats each) → columns: out q holds [r0[q], r1[q], r2[q], r3[q]]. */
@inline function t4(p: usize, r0: v128, r1: v128, r2: v128, r3: v128, stride: usize): void {
  const a = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), b = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
  const c = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), d = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
  v128.store(p, v128.shuffle<f32>(a, b, 0, 1, 4, 5));
  v128.store(p + stride, v128.shuffle<f32>(a, b, 2, 3, 6, 7));
  v128.store(p + 2 * stride, v128.shuffle<f32>(c, d, 0, 1, 4, 5));
  v128.store(p + 3 * stride, v128.shuffle<f32>(c, d, 2, 3, 6, 7));
}

/** Packs op(A)[i0 : i0+mc, p0 : p0+kc] into dst (ceil(mc/4)·kc·4 floats). op(A)(i, p) = transA ? a[p·lda + i] : a[i·lda + p]. */
export function packA(dst: usize, a: usize, transA: bool, lda: i32, i0: i32, p0: i32, mc: i32, kc: i32): void {
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = min(MR, mc - ir);
    const panel = dst + (<usize>(ir * kc) << 2);
    const i = i0 + ir;
    let p = 0;
    if (ASC_FEATURE_SIMD && mr == MR) {
      // MR = 5 or 6 in the SIMD builds: per k, rows 0–3 as one vector and rows 4… after it (4·MR bytes a step)
      const step = <usize>(MR << 2);
      if (transA) {
        for (; p < kc; p++) {
          const q = panel + <usize>p * step, src = at(a, p0 + p, i, lda);
          v128.store(q, v128.load(src));
          for (let r = 4; r < MR; r++) store<f32>(q + (<usize>r << 2), load<f32>(src + (<usize>r << 2)));
        }
      } else {
        for (; p + 4 <= kc; p += 4) {
          const q = panel + <usize>p * step;
          t4(q, v128.load(at(a, i, p0 + p, lda)), v128.load(at(a, i + 1, p0 + p, lda)),
            v128.load(at(a, i + 2, p0 + p, lda)), v128.load(at(a, i + 3, p0 + p, lda)), step);
          for (let r = 4; r < MR; r++) {
            const row = at(a, i + r, p0 + p, lda), d = q + (<usize>r << 2);
            store<f32>(d, load<f32>(row)); store<f32>(d + step, load<f32>(row, 4));
            store<f32>(d + 2 * step, load<f32>(row, 8)); store<f32>(d + 3 * step, load<f32>(row, 12));
          }
        }
      }
    }
    for (; p < kc; p++) {
      for (let r = 0; r < MR; r++) {
        const v: f32 = r < mr ? load<f32>(transA ? at(a, p0 + p, i + r, lda) : at(a, i + r, p0 + p, lda)) : 0;
        store<f32>(panel + (<usize>(p * MR + r) << 2), v);
      }
    }
  }
}

/**
 * Packs op(B)[p0 : p0+kc, j0 : j0+nc] into panels of 8 columns, panel q at dst + q·panelStride floats
 * (panelStride ≥ kc·8; packed weights use K·8 so that any k block of them is itself a valid panel).
 * op(B)(p, j) = transB ? b[j·ldb + p] : b[p·ldb + j].
 */
export function packB(dst: usize, panelStride: i32, b: usize, transB: bool, ldb: i32, p0: i32, j0: i32, kc: i32, nc: i32): void {
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const panel = dst + (<usize>((jr / NR) * panelStride) << 2);
    const j = j0 + jr;
    let p = 0;
    if (ASC_FEATURE_SIMD && nr == NR) {
      if (!transB) {
        for (; p < kc; p++) {
          const src = at(b, p0 + p, j, ldb), q = panel + (<usize>p << 5);
          v128.store(q, v128.load(src));
          v128.store(q, v128.load(src, 16), 16);
        }
      } else {
        for (; p + 4 <= kc; p += 4) {
          const q = panel + (<usize>p << 5);
          t4(q, v128.load(at(b, j, p0 + p, ldb)), v128.load(at(b, j + 1, p0 + p, ldb)),
            v128.load(at(b, j + 2, p0 + p, ldb)), v128.load(at(b, j + 3, p0 + p, ldb)), 32);
          t4(q + 16, v128.load(at(b, j + 4, p0 + p, ldb)), v128.load(at(b, j + 5, p0 + p, ldb)),
            v128.load(at(b, j + 6, p0 + p, ldb)), v128.load(at(b, j + 7, p0 + p, ldb)), 32);
        }
      }
    }
    for (; p < kc; p++) {
      for (let c = 0; c < NR; c++) {
        const v: f32 = c < nr ? load<f32>(transB ? at(b, j + c, p0 + p, ldb) : at(b, p0 + p, j + c, ldb)) : 0;
        store<f32>(panel + (<usize>(p * NR + c) << 2), v);
      }
    }
  }
}
