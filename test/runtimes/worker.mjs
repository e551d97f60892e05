// A Cloudflare Worker: WASM arrives as precompiled modules (Workers forbid compiling bytes at run time).
import { init } from "./simdnn.js";
import scalar from "./scalar.wasm";
import simd from "./simd.wasm";
import relaxed from "./relaxed-simd.wasm";

export default {
  async fetch() {
    const lines = [];
    for (const module of [scalar, simd, relaxed]) {
      const nn = await init({ module });
      const t = nn.tensor([1, 2, 3, 4, 5]);
      lines.push(`${nn.backend}: ${nn.sum(t) === 15 ? "ok" : "WRONG"}`);
      t.dispose();
    }
    try {
      await init({ backend: "simd" }); // embedded bytes: must be refused with the hint
      lines.push("embedded bytes: WRONG (loaded where Workers forbid it)");
    } catch (e) {
      lines.push(`embedded bytes refused with hint: ${e.name === "BackendError" && /init\(\{ module/.test(e.message) ? "ok" : "WRONG " + e.message}`);
    }
    return new Response(lines.join(", "));
  },
};
