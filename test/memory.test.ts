import { describe, expect, it } from "vitest";
import { init } from "../src/index.js";
import { BUILDS } from "./helpers/backends.js";

describe.each(BUILDS)("memory (%s)", (backend) => {
  it("is back where it started after 100k tensors are allocated and freed in any order", async () => {
    const nn = await init({ backend });
    const start = nn.memory();
    const live: ReturnType<typeof nn.zeros>[] = [];
    for (let i = 0; i < 100_000; i++) {
      live.push(nn.zeros([1 + (i % 37)]));
      if (live.length > 64) live.splice((i * 7919) % live.length, 1)[0].dispose();
    }
    const peakHeap = nn.memory().heapBytes;
    for (const t of live) t.dispose();
    expect(nn.memory().bytesInUse).toBe(start.bytesInUse);
    expect(nn.memory().allocations).toBe(start.allocations);
    // the allocator reuses blocks: 100k allocations never needed more than a few pages
    expect(peakHeap).toBeLessThanOrEqual(start.heapBytes + 4 * 65536);
  });

  it("keeps tensors correct across memory.grow; data is a fresh view after the buffer changed", async () => {
    const nn = await init({ backend });
    const a = nn.tensor([1, 2, 3, 4, 5]);
    const heap0 = nn.memory().heapBytes;
    const big = nn.zeros([16 * 1024 * 1024]); // 64 MiB forces memory.grow
    expect(nn.memory().heapBytes).toBeGreaterThan(heap0);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5]);
    expect(nn.sum(a)).toBe(15);
    a.data[4] = 10;
    expect(nn.sum(a)).toBe(20);
    big.dispose();
    a.dispose();
  });

  it("reports out of memory as an error, not a crash", async () => {
    const nn = await init({ backend });
    expect(() => nn.zeros([2 ** 30])).toThrow(/Out of memory: could not allocate 4294967296 bytes|Out of memory/);
    const t = nn.ones([3]);
    expect(nn.sum(t)).toBe(3);
    t.dispose();
  });
});
