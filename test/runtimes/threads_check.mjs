// The threads check shared by threads.mjs (Node, Deno, Bun) and threads_page.html (Chromium, cross-origin
// isolated): init({ threads: 2 }) and a GEMM, a dense layer, softmax and a cross-entropy (each worker's own
// scratch block) split over the pool give the bits of one thread.
// Resolves to one line: the threads used (or the fallback's reason) and whether the bits match.
import { init } from "../../dist/index.js";

export async function threadsCheck() {
  const values = (n, seed) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 12.9898 + i * 78.233) * (1 + ((i * 7 + seed) % 5)));
  const nn = await init({ threads: 2 });
  const one = await init({ backend: nn.backend });
  const m = 96, k = 200, n = 136;
  const run = (x) => {
    const a = x.tensor(values(m * k, 1), [m, k]), b = x.tensor(values(k * n, 2), [k, n]);
    const c = x.matmul(a, b, { transposeB: false });
    const model = x.sequential({ seed: 3, layers: [x.layers.dense({ units: 64, activation: "relu", inputShape: [k] }), x.layers.dense({ units: 10 })] });
    const y = model.predict(a);
    const p = x.activation("softmax", y), labels = x.tensor(values(m * 10, 3).map((v) => (v > 0 ? 1 : 0)), [m, 10]);
    const { value, gradient } = x.lossAndGradient("categoricalCrossentropy", labels, y, { fromLogits: true });
    return [...[c, y, p, gradient].flatMap((t) => [...new Uint32Array(Float32Array.from(t.data).buffer)]), ...new Uint32Array(Float64Array.of(value).buffer)];
  };
  if (nn.rt.pool) nn.rt.pool.minMacsPerThread = nn.rt.pool.minRowElementsPerThread = nn.rt.pool.minLossElementsPerThread = 0; // split even these small passes
  if (nn.rt.pool) nn.rt.pool.takeBack = false; // the workers run their shares, however late they wake
  const runs = nn.rt.pool?.runs ?? 0;
  const [a, b] = [run(nn), run(one)];
  const same = a.length === b.length && a.every((v, i) => v === b[i]);
  const split = (nn.rt.pool?.runs ?? 0) - runs;
  // every host this runs on (Node, Deno, Bun, a cross-origin isolated page) has shared memory and workers:
  // one thread here is a failure, not a fallback
  const verdict = !same ? "WRONG: bits differ from one thread" : nn.threads !== 2 || split === 0 ? "WRONG: not threaded" : "bits = one thread";
  return `${nn.backend} ×${nn.threads}${nn.threadsReason ? ` (${nn.threadsReason})` : ""}, ${split} split calls, ${verdict}`;
}
