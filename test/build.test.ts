import { describe, expect, it } from "vitest";
import { exportedBodies, watText } from "./helpers/wat.js";

// Exports that legitimately have no vector loop, each with the reason.
const NO_SIMD: Record<string, string> = {
  mem_alloc: "allocator bookkeeping",
  mem_free: "allocator bookkeeping",
  mem_copy: "memory.copy is already a bulk instruction",
  mem_build_id: "returns a constant",
  mem_scratch_floats: "returns a size",
  mem_set_scratch: "sets this instance's scratch address",
  gemm_workspace_floats: "returns a size",
  gemm_packed_floats: "returns a size",
  gemm_tile_rows: "returns the tile height",
  loss_iou: "one box = 4 coordinates with per-coordinate branches; scalar per box (not a hot path)",
};

describe("the three builds come from one source", () => {
  const scalar = exportedBodies(watText("scalar"));
  const simd = exportedBodies(watText("simd"));
  const relaxed = exportedBodies(watText("relaxed-simd"));

  it("export the same kernels", () => {
    expect([...simd.keys()].sort()).toEqual([...scalar.keys()].sort());
    expect([...relaxed.keys()].sort()).toEqual([...scalar.keys()].sort());
  });

  it("scalar build contains no v128 instruction at all", () => {
    expect(watText("scalar")).not.toMatch(/v128|f32x4|i32x4/);
  });

  it.each([...scalar.keys()].filter((k) => !(k in NO_SIMD) && k !== "memory"))("SIMD builds vectorise %s", (name) => {
    expect(simd.get(name)).toMatch(/f32x4\.|v128\.load|v128\.store/);
    expect(relaxed.get(name)).toMatch(/f32x4\.|v128\.load|v128\.store/);
  });

  it("relaxed build uses relaxed_madd where the SIMD build multiplies and adds", () => {
    expect(relaxed.get("ew_axpy")).toMatch(/f32x4\.relaxed_madd/);
    expect(simd.get("ew_axpy")).not.toMatch(/relaxed/);
  });
});
