// npm run demo: the same kernels on the scalar, SIMD and relaxed-SIMD builds, side by side.
import { backendSupport, init } from "../dist/index.js";

const N = 1 << 20;
const x = Float32Array.from({ length: N }, (_, i) => Math.sin(i) * 10);
console.log(`simdnn demo: e^x and Σx over ${N} floats on each build\n`);
for (const backend of ["scalar", "simd", "relaxed-simd"]) {
  const s = backendSupport(backend);
  if (!s.ok) { console.log(`${backend.padEnd(13)} unavailable: ${s.reason}`); continue; }
  const nn = await init({ backend });
  const xt = nn.tensor(x), out = nn.zeros([N]);
  const k = nn.kernels;
  const time = (f) => { f(); const t0 = performance.now(); for (let i = 0; i < 20; i++) f(); return (performance.now() - t0) / 20; };
  const tExp = time(() => k.ew_exp(out.ptr, xt.ptr, N));
  const tSum = time(() => k.red_sum(xt.ptr, N));
  console.log(`${backend.padEnd(13)} exp ${(N / tExp / 1e3).toFixed(0).padStart(5)} Melem/s   sum ${(N / tSum / 1e3).toFixed(0).padStart(6)} Melem/s   e^x[1] = ${out.data[1].toFixed(6)}`);
  xt.dispose(); out.dispose();
}
