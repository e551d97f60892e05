// The same check in every runtime: each build it can run, a sum and an exp computed in WASM.
import { backendSupport, init } from "../../dist/index.js";

const lines = [];
for (const backend of ["scalar", "simd", "relaxed-simd"]) {
  if (!backendSupport(backend).ok) {
    lines.push(`${backend}: unavailable`);
    continue;
  }
  const nn = await init({ backend });
  const t = nn.tensor([0, 1, 2, 3, 4]);
  const out = nn.zeros([5]);
  nn.kernels.ew_exp(out.ptr, t.ptr, 5);
  const ok = nn.sum(t) === 10 && Math.abs(out.data[4] - Math.exp(4)) < 1e-4;
  lines.push(`${backend}: ${ok ? "ok" : "WRONG"}`);
  t.dispose();
  out.dispose();
}
const auto = await init();
lines.push(`auto → ${auto.backend}`);
export const report = lines.join(", ");
if (typeof document === "undefined") console.log(report);
