// simdnn vs tfjs-backend-wasm on the activation and loss kernels, one thread each, in one run:
// activations forward over 1M floats (uniform on [−10, 10] from the seeded LCG of bench/activations.bench.mjs),
// softmax over rows of 1024 and of 10, and softmax cross-entropy from logits and MSE, value + gradient,
// at batch 256 × 10 (the inputs of bench/losses.bench.mjs). `cd bench/peers && npm install && npm run bench:ops`
// (after `npm run build` at the root). onnxruntime-web is left out: it has no gradients (so no loss
// rows), and each activation would need its own hand-built one-node graph behind an async run().
//
// What each column times (medians of harness.time):
// - simdnn: the build's kernel (nn.kernels[...]) or lossRaw / nn.lossAndGradient on tensors allocated
//   once, writing into a preallocated output; the nn.activation row adds the public API's validation.
// - tfjs-wasm (readback): the op (or valueAndGrad for the losses), dataSync() of its result(s) into a
//   JS Float32Array, dispose — what a caller of the tfjs API pays, as in peers.bench.mjs.
// - tfjs-wasm (no readback): the same without dataSync(); the WASM backend runs ops synchronously, so
//   this is the op itself plus tfjs' per-op allocation of its output in the WASM heap and dispose.
// Every implementation's output (value and gradient for losses) is checked against a float64 JS
// reference before it is timed; a mismatch throws.
import { createRequire } from "node:module";
import { lossRaw, resolveLoss } from "../../dist/index.js";
import { assertClose, holdBenchLock, instance, machine, time } from "../harness.mjs";
import { ACTIVATION_REFS, activationInput, B, C, cceRef, logits, mseRef, onehot } from "../references.mjs";
import { tfjsWasm } from "./peers.mjs";

await holdBenchLock();

const tf = await tfjsWasm({ withGradients: true });
// gelu (exact, erf), gelu_new (tanh form) and swish exist only as tfjs-layers activations, composites of core ops
const tfLayers = createRequire(import.meta.url)("@tensorflow/tfjs").layers;
const tfActivation = (name) => { const layer = tfLayers.activation({ activation: name }); return (x) => layer.apply(x); };

const BUILDS = ["simd", "relaxed-simd"];
const nns = {};
for (const b of BUILDS) nns[b] = await instance(b);

// ---- inputs and float64 references (bench/references.mjs, shared with the root benches) ----
const N = 1 << 20;
const input = activationInput(N);
const REF = ACTIVATION_REFS;
const cceRef2 = (y, x) => cceRef(x, y, B, C);
const mseRef2 = (t, p) => mseRef(t, p, B * C);

// Tolerances: simdnn's are those of bench/activations.bench.mjs and bench/losses.bench.mjs; tfjs gets the same for losses
// and a looser absolute term for activations (its sigmoid/erf are float32 polynomial approximations too).
const ACT_TOL = { simdnn: [4e-7, 2e-6], tfjs: [1e-6, 1e-5] };
const VALUE_TOL = [1e-6, 1e-5], GRAD_TOL = [1e-7, 1e-4];

// ---- cases: { name, elements?, perCall?, simdnn(nn) => { run, check, teardown }, tfjs?() => { run, runNoRead, check, teardown } } ----
function tfUnary(label, op, expected, cols) {
  return () => {
    const x = cols ? tf.tensor2d(input.subarray(0, expected.length), [expected.length / cols, cols]) : tf.tensor1d(input);
    return {
      run: () => { const y = op(x); y.dataSync(); y.dispose(); },
      runNoRead: () => op(x).dispose(),
      check: () => { const y = op(x); const d = y.dataSync(); y.dispose(); assertClose(d, expected, ...ACT_TOL.tfjs, `${label} (tfjs)`); },
      teardown: () => x.dispose(),
    };
  };
}

function pointwise(label, kernel, ref, tfOp, { alpha = 0, api } = {}) {
  const expected = Float64Array.from(input, ref);
  return {
    name: label,
    elements: N,
    simdnn(nn) {
      const x = nn.tensor(input), y = nn.zeros([N]);
      const k = nn.kernels[kernel];
      return {
        run: api ? () => nn.activation(api, x, undefined, { out: y }) : () => k(y.ptr, x.ptr, N, alpha),
        check: () => assertClose(y.data, expected, ...ACT_TOL.simdnn, label),
        teardown: () => { x.dispose(); y.dispose(); },
      };
    },
    tfjs: tfOp && tfUnary(label, tfOp, expected),
  };
}

function softmaxRows(cols) {
  const nRows = Math.floor(N / cols), used = nRows * cols;
  const expected = new Float64Array(used);
  for (let r = 0; r < nRows; r++) {
    const row = input.subarray(r * cols, (r + 1) * cols);
    let m = -Infinity, s = 0;
    for (const v of row) m = Math.max(m, v);
    for (const v of row) s += Math.exp(v - m);
    for (let c = 0; c < cols; c++) expected[r * cols + c] = Math.exp(row[c] - m) / s;
  }
  const label = `softmax, rows of ${cols}`;
  return {
    name: label,
    elements: used,
    simdnn(nn) {
      const x = nn.tensor(input), y = nn.zeros([N]);
      const k = nn.kernels.act_softmax;
      return {
        run: () => k(y.ptr, x.ptr, nRows, cols),
        check: () => assertClose(y.data.subarray(0, used), expected, ...ACT_TOL.simdnn, label),
        teardown: () => { x.dispose(); y.dispose(); },
      };
    },
    tfjs: tfUnary(label, (x) => tf.softmax(x), expected, cols),
  };
}

/** Value + gradient on [256, 10]: `call(nn, t)` returns the value and writes the gradient into t.g; tfLoss(yTrue, yPred) is the tfjs loss. */
function lossCase(name, yt, yp, ref, call, tfLoss) {
  const expected = ref(yt, yp);
  const checkBoth = (value, grad, who) => {
    assertClose([value], [expected.value], ...VALUE_TOL, `${name} value (${who})`);
    assertClose(grad, expected.grad, ...GRAD_TOL, `${name} gradient (${who})`);
  };
  return {
    name,
    perCall: true,
    simdnn(nn) {
      const t = { yt: nn.tensor(yt, [B, C]), yp: nn.tensor(yp, [B, C]), g: nn.zeros([B, C]) };
      let value = NaN;
      return {
        run: () => { value = call(nn, t); },
        check: () => checkBoth(value, t.g.data, nn.backend),
        teardown: () => { t.yt.dispose(); t.yp.dispose(); t.g.dispose(); },
      };
    },
    tfjs: tfLoss && (() => {
      const ty = tf.tensor2d(yt, [B, C]), tp = tf.tensor2d(yp, [B, C]);
      const vg = tf.valueAndGrad((p) => tfLoss(ty, p));
      return {
        run: () => { const { value, grad } = vg(tp); value.dataSync(); grad.dataSync(); value.dispose(); grad.dispose(); },
        runNoRead: () => { const { value, grad } = vg(tp); value.dispose(); grad.dispose(); },
        check: () => { const { value, grad } = vg(tp); checkBoth(value.dataSync()[0], grad.dataSync(), "tfjs"); value.dispose(); grad.dispose(); },
        teardown: () => { ty.dispose(); tp.dispose(); },
      };
    }),
  };
}
const raw = (name, params) => { const loss = resolveLoss(name, params); return (nn, t) => lossRaw(nn.rt, loss, t.g.ptr, t.yt.ptr, t.yp.ptr, B, C, "mean", 0); };
const both = (name, params) => (nn, t) => nn.lossAndGradient(name, t.yt, t.yp, params, t.g).value;

// ---- the runner: validate each implementation, then time it; one table per group ----
const json = {};
async function group(title, cases, opts) {
  const unit = cases[0].perCall ? "µs per call" : "Melem/s";
  console.log(`\n## ${title} (${unit}, medians)\n`);
  const head = ["case", "simdnn simd", "simdnn relaxed-simd", "tfjs-wasm (readback)", "tfjs-wasm (no readback)", "tfjs/simdnn-simd", "tfjs no-readback/simdnn-simd"];
  console.log(`| ${head.join(" | ")} |`);
  console.log(`|${head.map(() => "---").join("|")}|`);
  const cell = (c, s) => (s === undefined ? "–" : c.perCall ? (s * 1e6).toFixed(2) : (c.elements / s / 1e6).toFixed(0));
  for (const c of cases) {
    const secs = {};
    for (const build of BUILDS) {
      const nn = nns[build];
      if (!nn) continue;
      const s = c.simdnn(nn);
      s.run();
      s.check(); // a fast wrong answer is not a result
      secs[build] = time(s.run, opts);
      s.teardown();
    }
    if (c.tfjs) {
      const before = tf.memory().numTensors;
      const t = c.tfjs();
      t.check();
      secs.tfjs = time(t.run, opts);
      secs.tfjsNoRead = time(t.runNoRead, opts);
      t.teardown();
      if (tf.memory().numTensors !== before) throw new Error(`${c.name}: tfjs leaked ${tf.memory().numTensors - before} tensors`);
    }
    const ratio = (k) => (secs[k] && secs.simd ? `${(secs[k] / secs.simd).toFixed(2)}×` : "–");
    const cells = [cell(c, secs.simd), cell(c, secs["relaxed-simd"]), cell(c, secs.tfjs), cell(c, secs.tfjsNoRead), ratio("tfjs"), ratio("tfjsNoRead")];
    console.log(`| ${c.name} | ${cells.join(" | ")} |`);
    json[`${title}: ${c.name}`] = secs;
  }
}

console.log(`# Activation and loss kernels vs tfjs-backend-wasm\n\n${machine()}`);
console.log(`simdnn builds: ${BUILDS.map((b) => `${b}${nns[b] ? "" : " (unavailable)"}`).join(", ")}; tfjs-backend-wasm ${tf.version_core} (1 thread, backend ${tf.getBackend()}).`);
console.log("Ratios are tfjs time / simdnn-simd time (above 1×: simdnn faster). tfjs rows marked † are tfjs-layers composites of several core ops.");

const ACT = { maxTime: 0.25, minSamples: 8 };
await group("Activations forward, 1M float32", [
  pointwise("sigmoid", "act_sigmoid", REF.sigmoid, (x) => tf.sigmoid(x)),
  pointwise("sigmoid, nn.activation(…, { out })", "act_sigmoid", REF.sigmoid, (x) => tf.sigmoid(x), { api: "sigmoid" }),
  pointwise("tanh", "act_tanh", REF.tanh, (x) => tf.tanh(x)),
  pointwise("relu", "act_relu", REF.relu, (x) => tf.relu(x)),
  pointwise("gelu (exact, erf) †", "act_gelu", REF.gelu, tfActivation("gelu")),
  pointwise("gelu (tanh approx.) †", "act_gelu_tanh", REF.geluTanh, tfActivation("gelu_new")),
  pointwise("silu / swish †", "act_silu", REF.silu, tfActivation("swish")),
  pointwise("elu (α 1)", "act_elu", REF.elu, (x) => tf.elu(x), { alpha: 1 }),
], ACT);
await group("Softmax, 1M float32", [softmaxRows(1024), softmaxRows(10)], ACT);
await group("Losses, value + gradient, batch 256 × 10", [
  lossCase("softmax CE from logits, lossRaw", onehot, logits, cceRef2, raw("categoricalCrossentropy", { fromLogits: true }), (y, p) => tf.losses.softmaxCrossEntropy(y, p)),
  lossCase("softmax CE from logits, nn.lossAndGradient", onehot, logits, cceRef2, both("categoricalCrossentropy", { fromLogits: true }), (y, p) => tf.losses.softmaxCrossEntropy(y, p)),
  lossCase("MSE, lossRaw", onehot, logits, mseRef2, raw("mse"), (y, p) => tf.losses.meanSquaredError(y, p)),
  lossCase("MSE, nn.lossAndGradient", onehot, logits, mseRef2, both("mse"), (y, p) => tf.losses.meanSquaredError(y, p)),
]);
console.log(`\n${JSON.stringify(json)}`);
