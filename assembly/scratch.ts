// Scratch memory of the row-wise kernels, one block per thread. The rows-in-lanes softmax and
// cross-entropy (lanes.ts' transposed rows), the cross-entropy's per-block sums (losses_cce_lanes.ts) and
// BCE-from-logits' exponentials (losses_pointwise.ts) keep intermediate arrays here.
//
// The block's address is a mutable global, and WebAssembly keeps globals per instance: every instance of
// the threads build over one shared memory can have a block of its own. It starts at a static block (the
// calling thread's, and the only one the default builds use); a pool worker points it, once, right after
// instantiating, at a block the calling thread allocated for it (mem_set_scratch; src/threads/setup.ts and
// worker_source.ts). Kernels read the address once per call into a local (scratch()), never per element.
// The initialiser is a constant (the static block's address), so the build still has no start function.

// Layout, bytes from the block's start (16-byte aligned):
/** lanes.ts: four rows transposed, one f32x4 per column: two arrays of LANES_MAX_DIM = 1024 columns. */
// @ts-ignore: decorator
@inline export const SCRATCH_LANES: usize = 0;
// @ts-ignore: decorator
@inline export const SCRATCH_LANES_BYTES: usize = 2 * 16 * 1024;
/** losses_cce_lanes.ts: s, A, T (then k) of each block of a chunk, CHUNK_BLOCKS = 64 blocks of 48 bytes. */
// @ts-ignore: decorator
@inline export const SCRATCH_SUMS: usize = SCRATCH_LANES + SCRATCH_LANES_BYTES;
// @ts-ignore: decorator
@inline export const SCRATCH_SUMS_BYTES: usize = 48 * 64;
/** losses_pointwise.ts: e^−|x| of one block of E_BLOCK = 256 floats. */
// @ts-ignore: decorator
@inline export const SCRATCH_EXP: usize = SCRATCH_SUMS + SCRATCH_SUMS_BYTES;
// @ts-ignore: decorator
@inline export const SCRATCH_EXP_BYTES: usize = 4 * 256;
// @ts-ignore: decorator
@inline const SCRATCH_BYTES: usize = SCRATCH_EXP + SCRATCH_EXP_BYTES;

// The calling thread's block is static memory (memory.data in the initialiser keeps it a constant). The
// scalar build has no kernel that uses scratch: no static block there.
let scratchBlock: usize = ASC_FEATURE_SIMD ? memory.data(<i32>SCRATCH_BYTES, 16) : 0;

/** This instance's scratch block. Read once per kernel call. */
// @ts-ignore: decorator
@inline export function scratch(): usize {
  return scratchBlock;
}

/** Floats of one scratch block: what the calling thread allocates for each worker (16-byte aligned). */
export function mem_scratch_floats(): i32 {
  return <i32>(SCRATCH_BYTES >> 2);
}

/**
 * Points this instance's row-wise kernels at `ptr` (mem_scratch_floats() floats, 16-byte aligned, used by no
 * other instance). A pool worker calls it once after instantiating; nothing else needs to.
 */
export function mem_set_scratch(ptr: usize): void {
  scratchBlock = ptr;
}
