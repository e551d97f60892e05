// Loss value + gradient: batch 256 × 10 classes per call (target ≤ 5 µs SIMD including the call),
// through lossRaw (what the training loop calls) and through the public API (nn.loss +
// nn.lossGradient into a preallocated tensor, both validating their inputs; nn.lossAndGradient, one
// validation and one kernel pass), plus focal from logits and log-cosh raw; and MSE over 1M
// elements (target ≥ 4000 Melem/s). Plain-JS column: the same formulas in a JS loop.
import { assertClose, instance, suite } from "./harness.mjs";
import { lossRaw, resolveLoss, softmaxCrossentropyRaw } from "../dist/index.js";
import { B, C, cceRef, classIds, lcg, logits, mseRef, onehot } from "./references.mjs";

const M = 1 << 20;
const bits = lcg(B * C, 0, 1, 3).map((v) => (v < 0.5 ? 0 : 1));
const big = { yt: lcg(M, -1, 1, 4), yp: lcg(M, -1, 1, 5) };

// float64 references of value and gradient, for validation and the JS column
function bceRef(z, x, n) {
  const g = new Float32Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    loss += Math.max(xi, 0) - xi * z[i] + Math.log1p(Math.exp(-Math.abs(xi)));
    g[i] = (1 / (1 + Math.exp(-xi)) - z[i]) / n;
  }
  return { value: loss / n, grad: g };
}

function logCoshRef(t, p, n) {
  const g = new Float32Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) { const d = p[i] - t[i]; loss += Math.log(Math.cosh(d)); g[i] = Math.tanh(d) / n; }
  return { value: loss / n, grad: g };
}
// binary focal cross-entropy from logits, γ = 2, no class balancing (Keras defaults)
function focalRef(z, x, n) {
  const g = new Float32Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i], zi = z[i], p = 1 / (1 + Math.exp(-xi)), q = 1 - p, b = zi * q + (1 - zi) * p;
    const ce = Math.max(xi, 0) - xi * zi + Math.log1p(Math.exp(-Math.abs(xi)));
    loss += b * b * ce;
    g[i] = (2 * b * (1 - 2 * zi) * p * q * ce + b * b * (p - zi)) / n;
  }
  return { value: loss / n, grad: g };
}

/** A value + gradient case on [batch, dim] through `call(nn, t)`; t holds the tensors. */
function lossCase(name, yt, yp, batch, dim, ref, call, { perCall = true, ytShape } = {}) {
  const expected = ref(yt, yp, batch, dim);
  return {
    name,
    elements: batch * dim,
    perCall,
    js: () => ({ run: () => ref(yt, yp, batch, dim) }),
    setup(nn) {
      const t = { yt: nn.tensor(yt, ytShape ?? [batch, dim]), yp: nn.tensor(yp, [batch, dim]), g: nn.zeros([batch, dim]) };
      let value = 0;
      return {
        run: () => { value = call(nn, t, batch, dim); },
        check: () => {
          assertClose([value], [expected.value], 1e-6, 1e-5, `${name} value`);
          assertClose(t.g.data, expected.grad, 1e-7, 1e-4, `${name} gradient`);
        },
        teardown: () => { t.yt.dispose(); t.yp.dispose(); t.g.dispose(); },
      };
    },
  };
}

const raw = (name, params) => {
  const loss = resolveLoss(name, params);
  return (nn, t, batch, dim) => lossRaw(nn.rt, loss, t.g.ptr, t.yt.ptr, t.yp.ptr, batch, dim, "mean", 0);
};
const api = (name, params) => (nn, t) => {
  const v = nn.loss(name, t.yt, t.yp, params);
  nn.lossGradient(name, t.yt, t.yp, params, t.g);
  return v;
};
const both = (name, params) => (nn, t) => nn.lossAndGradient(name, t.yt, t.yp, params, t.g).value;
const mseRef2 = (t, p, b, d) => mseRef(t, p, b * d);
const bceRef2 = (z, x, b, d) => bceRef(z, x, b * d);
const logCoshRef2 = (t, p, b, d) => logCoshRef(t, p, b * d);
const focalRef2 = (z, x, b, d) => focalRef(z, x, b * d);
const sparseRef = (y, x, b, d) => cceRef(x, Float32Array.from({ length: b * d }, (_, i) => (y[Math.floor(i / d)] === i % d ? 1 : 0)), b, d);
const cceRef2 = (y, x, b, d) => cceRef(x, y, b, d);

await suite("Losses: value + gradient, batch 256 × 10 (per call)", [
  lossCase("softmax CE (CCE logits) lossRaw", onehot, logits, B, C, cceRef2, raw("categoricalCrossentropy", { fromLogits: true })),
  lossCase("softmax CE (CCE logits) nn.loss + nn.lossGradient", onehot, logits, B, C, cceRef2, api("categoricalCrossentropy", { fromLogits: true })),
  lossCase("softmax CE (CCE logits) nn.lossAndGradient", onehot, logits, B, C, cceRef2, both("categoricalCrossentropy", { fromLogits: true })),
  lossCase("sparse softmax CE softmaxCrossentropyRaw", classIds, logits, B, C, sparseRef,
    (nn, t, b, d) => softmaxCrossentropyRaw(nn.rt, t.g.ptr, t.yt.ptr, t.yp.ptr, b, d, 0, true), { ytShape: [B] }),
  lossCase("sparse softmax CE nn.lossAndGradient", classIds, logits, B, C, sparseRef, both("sparseCategoricalCrossentropy", { fromLogits: true }), { ytShape: [B] }),
  lossCase("MSE lossRaw", onehot, logits, B, C, mseRef2, raw("mse")),
  lossCase("MSE nn.loss + nn.lossGradient", onehot, logits, B, C, mseRef2, api("mse")),
  lossCase("BCE logits lossRaw", bits, logits, B, C, bceRef2, raw("binaryCrossentropy", { fromLogits: true })),
  lossCase("BCE logits nn.loss + nn.lossGradient", bits, logits, B, C, bceRef2, api("binaryCrossentropy", { fromLogits: true })),
  lossCase("BCE logits nn.lossAndGradient", bits, logits, B, C, bceRef2, both("binaryCrossentropy", { fromLogits: true })),
  lossCase("focal logits (γ 2) lossRaw", bits, logits, B, C, focalRef2, raw("binaryFocalCrossentropy", { fromLogits: true })),
  lossCase("logCosh lossRaw", onehot, logits, B, C, logCoshRef2, raw("logCosh")),
]);

// benchmark.js medians of a 4 µs call move by ±1 µs with the host's load, so the ≤ 5 µs target is also read from
// the distribution: 40 rounds of 2000 calls, lossRaw and nn.lossAndGradient alternating in one process.
{
  console.log("\n## Softmax CE 256 × 10 value + gradient per call: distribution over 40 rounds × 2000 calls (µs)\n");
  console.log("| build | call | best | p25 | median | p75 |\n|---|---|---|---|---|---|");
  const params = { fromLogits: true };
  const expected = cceRef2(onehot, logits, B, C);
  for (const build of ["simd", "relaxed-simd"]) {
    const nn = await instance(build);
    if (!nn) continue;
    const t = { yt: nn.tensor(onehot, [B, C]), yp: nn.tensor(logits, [B, C]), g: nn.zeros([B, C]) };
    const calls = { lossRaw: raw("categoricalCrossentropy", params), "nn.lossAndGradient": both("categoricalCrossentropy", params) };
    const rounds = Object.fromEntries(Object.keys(calls).map((k) => [k, []]));
    for (const [k, call] of Object.entries(calls)) {
      assertClose([call(nn, t, B, C)], [expected.value], 1e-6, 1e-5, `${k} value`);
      assertClose(t.g.data, expected.grad, 1e-7, 1e-4, `${k} gradient`);
    }
    for (let r = 0; r < 40; r++) {
      for (const k of r % 2 ? Object.keys(calls).reverse() : Object.keys(calls)) {
        const call = calls[k];
        const t0 = performance.now();
        for (let i = 0; i < 2000; i++) call(nn, t, B, C);
        rounds[k].push(((performance.now() - t0) / 2000) * 1e3);
      }
    }
    for (const [k, v] of Object.entries(rounds)) {
      const q = (p) => [...v].sort((a, b) => a - b)[Math.round(p * (v.length - 1))].toFixed(2);
      console.log(`| ${build} | ${k} | ${q(0)} | ${q(0.25)} | ${q(0.5)} | ${q(0.75)} |`);
    }
    t.yt.dispose(); t.yp.dispose(); t.g.dispose();
  }
}

await suite("Losses: MSE over 1M elements", [
  lossCase("MSE 1M value + gradient lossRaw", big.yt, big.yp, 1, M, mseRef2, raw("mse"), { perCall: false }),
  {
    name: "MSE 1M value only lossRaw",
    elements: M,
    js: () => ({ run: () => { let s = 0; for (let i = 0; i < M; i++) { const d = big.yp[i] - big.yt[i]; s += d * d; } return s; } }),
    setup(nn) {
      const yt = nn.tensor(big.yt), yp = nn.tensor(big.yp);
      const loss = resolveLoss("mse");
      const expected = mseRef(big.yt, big.yp, M).value;
      let v = 0;
      return {
        run: () => { v = lossRaw(nn.rt, loss, 0, yt.ptr, yp.ptr, 1, M, "mean", 0); },
        check: () => assertClose([v], [expected], 1e-7, 1e-5, "MSE value"),
        teardown: () => { yt.dispose(); yp.dispose(); },
      };
    },
  },
]);
