// Inputs and float64 references shared by the benches (activations, losses, and the tfjs comparison in
// bench/peers): one definition of each, so every table validates against the same numbers.

/** n floats uniform on [lo, hi) from an LCG started at `seed`. */
export const lcg = (n, lo, hi, seed) => { let s = seed; return Float32Array.from({ length: n }, () => lo + (hi - lo) * ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32)); };

/**
 * The activations' input: n floats uniform on [−10, 10] from a seeded LCG. (Until 2026-12-02 it was
 * ((i·7919) mod 20011)/20011·20 − 10, whose signs repeat with a period of about five: branch predictors learn
 * it, which flattered every branchy scalar and JS loop; real pre-activations have no such pattern.)
 */
export function activationInput(n) {
  let seed = 12345;
  return Float32Array.from({ length: n }, () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 20 - 10);
}

const sig = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const softplus = (x) => (x > 20 ? x : Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))));
const relu6 = (x) => Math.min(Math.max(x, 0), 6);
// erfc(z), z ≥ 0, fractional error < 1.2e-7 (Numerical Recipes' erfcc): keeps Φ's tail relative.
const erfcPos = (z) => { const t = 1 / (1 + 0.5 * z); return t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))))); };
const phi = (x) => (x >= 0 ? 1 - 0.5 * erfcPos(x / Math.SQRT2) : 0.5 * erfcPos(-x / Math.SQRT2));
const SELU_A = 1.6732632423543772, SELU_L = 1.0507009873554805;
/** Float64 activations, default parameters (leakyRelu 0.01, elu 1): the reference and the plain-JS baseline. */
export const ACTIVATION_REFS = {
  linear: (x) => x,
  binaryStep: (x) => (x > 0 ? 1 : 0),
  relu: (x) => (x > 0 ? x : 0),
  relu6,
  reluMax: relu6, // at its default maxValue 6
  leakyRelu: (x) => (x > 0 ? x : 0.01 * x),
  sigmoid: sig,
  hardSigmoid: (x) => relu6(x + 3) / 6,
  tanh: Math.tanh,
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  selu: (x) => SELU_L * (x > 0 ? x : SELU_A * Math.expm1(x)),
  gelu: (x) => x * phi(x),
  silu: (x) => x * sig(x),
  geluTanh: (x) => 0.5 * x * (1 + Math.tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))),
  mish: (x) => x * Math.tanh(softplus(x)),
  softplus,
  softsign: (x) => x / (1 + Math.abs(x)),
  hardSwish: (x) => (x * relu6(x + 3)) / 6,
};

/** The 256 × 10 classification batch of the loss benches: logits on [−4, 4] and one-hot labels (class 7r mod 10). */
export const B = 256, C = 10;
export const logits = lcg(B * C, -4, 4, 1);
export const classIds = Float32Array.from({ length: B }, (_, r) => (r * 7) % C);
export const onehot = Float32Array.from({ length: B * C }, (_, i) => (classIds[Math.floor(i / C)] === i % C ? 1 : 0));

/** Softmax cross-entropy from logits x with labels y, batch mean: value and gradient (softmax − y)/batch. */
export function cceRef(x, y, batch, dim) {
  const g = new Float32Array(batch * dim);
  let loss = 0;
  for (let r = 0; r < batch; r++) {
    let m = -Infinity;
    for (let j = 0; j < dim; j++) m = Math.max(m, x[r * dim + j]);
    let s = 0;
    for (let j = 0; j < dim; j++) s += Math.exp(x[r * dim + j] - m);
    for (let j = 0; j < dim; j++) {
      const i = r * dim + j;
      loss += y[i] * (Math.log(s) + m - x[i]);
      g[i] = (Math.exp(x[i] - m) / s - y[i]) / batch;
    }
  }
  return { value: loss / batch, grad: g };
}

/** Mean squared error over n elements: value and gradient 2(p − t)/n. */
export function mseRef(t, p, n) {
  const g = new Float32Array(n);
  let loss = 0;
  for (let i = 0; i < n; i++) { const d = p[i] - t[i]; loss += d * d; g[i] = (2 * d) / n; }
  return { value: loss / n, grad: g };
}
