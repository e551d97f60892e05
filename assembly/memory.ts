// The allocator behind every tensor: AssemblyScript's TLSF (`--runtime minimal`), which frees in
// any order, grows memory on demand and returns 16-byte aligned blocks. Kernels never allocate.
// The row-wise kernels' scratch block, one per thread: scratch.ts.
export { mem_scratch_floats, mem_set_scratch } from "./scratch";

/** Allocates `bytes` (at least 16) and returns a 16-byte aligned pointer. May grow memory. */
export function mem_alloc(bytes: usize): usize {
  return heap.alloc(bytes < 16 ? 16 : bytes);
}

/** Returns a block from mem_alloc to the allocator. */
export function mem_free(ptr: usize): void {
  heap.free(ptr);
}

/** out[i] = value for i < n. */
export function mem_fill(out: usize, value: f32, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const v = f32x4.splat(value);
    for (; i + 4 <= n; i += 4) v128.store(out + (<usize>i << 2), v);
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), value);
}

/** Copies n floats; the ranges may overlap. */
export function mem_copy(out: usize, x: usize, n: i32): void {
  memory.copy(out, x, <usize>n << 2);
}

/** Which build this is: 0 scalar, 1 SIMD, 2 relaxed SIMD. Lets the loader name a module it was handed. */
export function mem_build_id(): i32 {
  return ASC_FEATURE_RELAXED_SIMD ? 2 : ASC_FEATURE_SIMD ? 1 : 0;
}
