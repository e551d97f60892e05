// This machine's WASM SIMD arithmetic ceiling, so that GEMM and GEMV figures can be read as a fraction
// of what the core can issue: 12 independent f32x4 chains of x·m + c (mul then add, or one
// relaxed_madd), enough in flight to cover the latency on two FMA ports, with 14 live v128 values
// (V8 allocates 15 xmm). The module is assembled here, byte by byte, so it measures the host, not
// simdnn's compiler output. FLOP counted as in GEMM: 4 per f32x4 mul or add, 8 per madd.
import { time } from "./harness.mjs";

// Each trip steps every chain UNROLL times, so the loop's counter and branch are a small share.
const CHAINS = 12, UNROLL = 4, M = CHAINS + 1, C = CHAINS + 2;
const leb = (n) => { const out = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; out.push(b); } while (n); return out; };
const f32 = (x) => [...new Uint8Array(new Float32Array([x]).buffer)];
const simd = (op) => [0xfd, ...leb(op)];
const get = (i) => [0x20, i], set = (i) => [0x21, i];
const [SPLAT, EXTRACT, ADD, MUL, RELAXED_MADD] = [19, 31, 228, 230, 261];

function peakModule(fused) {
  // Unfused: odd chains multiply (x·m), even chains add (y + c), so no chain waits on a mul→add pair,
  // as in a GEMM microkernel whose products do not depend on its accumulators.
  const step = (i) => (fused
    ? [...get(i), ...get(M), ...get(C), ...simd(RELAXED_MADD), ...set(i)]
    : i % 2 ? [...get(i), ...get(M), ...simd(MUL), ...set(i)] : [...get(i), ...get(C), ...simd(ADD), ...set(i)]);
  const body = [
    1, C, 0x7b, // locals 1..C: v128
    0x43, ...f32(0.9999999), ...simd(SPLAT), ...set(M),
    0x43, ...f32(1e-7), ...simd(SPLAT), ...set(C),
    ...Array.from({ length: CHAINS }, (_, i) => [...get(M), ...set(i + 1)]).flat(),
    0x03, 0x40, // loop
    ...Array.from({ length: UNROLL * CHAINS }, (_, i) => step((i % CHAINS) + 1)).flat(),
    ...get(0), 0x41, 1, 0x6b, 0x22, 0, 0x0d, 0, // n = n − 1; br_if n ≠ 0
    0x0b,
    ...get(1), ...Array.from({ length: CHAINS - 1 }, (_, i) => [...get(i + 2), ...simd(ADD)]).flat(),
    ...simd(EXTRACT), 0, 0x0b,
  ];
  const section = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
  const name = [..."peak"].map((c) => c.charCodeAt(0));
  return new Uint8Array([
    0, 0x61, 0x73, 0x6d, 1, 0, 0, 0,
    ...section(1, [1, 0x60, 1, 0x7f, 1, 0x7d]), // (func (param i32) (result f32))
    ...section(3, [1, 0]),
    ...section(7, [1, name.length, ...name, 0, 0]),
    ...section(10, [1, ...leb(body.length), ...body]),
  ]);
}

const TRIPS = 1 << 14;
console.log("\n## WASM SIMD arithmetic peak (one core; the ceiling for GEMM and GEMV)\n");
console.log("| kernel | GFLOP/s |\n|---|---|");
for (const [label, fused] of [["f32x4.mul, f32x4.add (6 chains each)", false], ["f32x4.relaxed_madd, 12 chains", true]]) {
  const bytes = peakModule(fused);
  if (!WebAssembly.validate(bytes)) {
    console.log(`| ${label} | unavailable (${fused ? "this runtime lacks relaxed SIMD: run with --experimental-wasm-relaxed-simd" : "no WASM SIMD"}) |`);
    continue;
  }
  const { peak } = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports;
  // validate: every chain starts at 0.9999999 and stays within 1% of 1 (x·m, y + c, or x·m + c), 12 summed
  const r = peak(TRIPS);
  if (!(r > 11.8 && r < 12.2)) throw new Error(`peak kernel returned ${r}, expected ≈ 12`);
  const flops = TRIPS * UNROLL * CHAINS * (fused ? 8 : 4);
  console.log(`| ${label} | ${(flops / time(() => peak(TRIPS)) / 1e9).toFixed(1)} |`);
}
