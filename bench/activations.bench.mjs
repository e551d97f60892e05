// Activations on 1M floats: every registry row forward, the common ones backward too, and softmax
// over rows of 1024 and 10 (backward over rows of 10). Each build's output is validated before timing: against a float64 JS reference
// where the row has one below (also the plain-JS baseline column), otherwise against the scalar build.
import { ACTIVATIONS, init } from "../dist/index.js";
import { assertClose, suite } from "./harness.mjs";
import { ACTIVATION_REFS, activationInput } from "./references.mjs";

const N = 1 << 20;
const input = activationInput(N);
const dyIn = Float32Array.from({ length: N }, (_, i) => ((i * 104729) % 2003) / 1001 - 1);
// The plain-JS baseline (float64 Math, one loop), also the reference each build is checked against.
const JS = ACTIVATION_REFS;
const scalar = await init({ backend: "scalar" });

function pointwise(label, kernel, { js, alpha = 0, inPlace = false } = {}) {
  let expected;
  if (js) expected = input.map(js);
  else {
    const x = scalar.tensor(input), y = scalar.zeros([N]);
    scalar.kernels[kernel](y.ptr, x.ptr, N, alpha);
    expected = y.data.slice();
    x.dispose(); y.dispose();
  }
  return {
    name: `${label}${inPlace ? " (in place)" : ""}`,
    elements: N,
    // One loop per function (new Function gets its own type feedback): a loop shared by every row would
    // see many callees, go megamorphic and stop inlining, making the later baselines unfairly slow.
    js: js && (() => { const out = new Float32Array(N); return { run: new Function("f", "input", "out", "return () => { for (let i = 0; i < input.length; i++) out[i] = f(input[i]); };")(js, input, out) }; }),
    setup(nn) {
      const x = nn.tensor(input), y = inPlace ? x : nn.zeros([N]);
      const k = nn.kernels[kernel];
      return {
        run: () => k(y.ptr, x.ptr, N, alpha),
        check: () => { if (!inPlace) assertClose(y.data, expected, 4e-7, 2e-6, label); },
        teardown: () => { x.dispose(); if (!inPlace) y.dispose(); },
      };
    },
  };
}

function backwardCase(label, kernel, alpha = 0) {
  const s = (() => {
    const x = scalar.tensor(input), y = scalar.zeros([N]), dy = scalar.tensor(dyIn), dx = scalar.zeros([N]);
    scalar.kernels[kernel](y.ptr, x.ptr, N, alpha);
    scalar.kernels[kernel + "_grad"](dx.ptr, x.ptr, y.ptr, dy.ptr, N, alpha);
    const r = dx.data.slice();
    for (const t of [x, y, dy, dx]) t.dispose();
    return r;
  })();
  return {
    name: `${label} backward`,
    elements: N,
    setup(nn) {
      const x = nn.tensor(input), y = nn.zeros([N]), dy = nn.tensor(dyIn), dx = nn.zeros([N]);
      const k = nn.kernels[kernel + "_grad"];
      nn.kernels[kernel](y.ptr, x.ptr, N, alpha);
      return {
        run: () => k(dx.ptr, x.ptr, y.ptr, dy.ptr, N, alpha),
        check: () => assertClose(dx.data, s, 4e-7, 2e-6, `${label} backward`),
        teardown: () => { for (const t of [x, y, dy, dx]) t.dispose(); },
      };
    },
  };
}

function rows(label, kernel, cols) {
  const nRows = Math.floor(N / cols);
  const used = nRows * cols;
  const ref = new Float32Array(used);
  for (let r = 0; r < nRows; r++) {
    const row = input.subarray(r * cols, (r + 1) * cols);
    const m = Math.max(...row);
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    for (let c = 0; c < cols; c++) ref[r * cols + c] = kernel === "act_softmax" ? Math.exp(row[c] - m) / s : row[c] - m - Math.log(s);
  }
  const softmaxJs = (out) => {
    for (let r = 0; r < nRows; r++) {
      const o = r * cols;
      let m = -Infinity, s = 0;
      for (let c = 0; c < cols; c++) m = Math.max(m, input[o + c]);
      for (let c = 0; c < cols; c++) s += (out[o + c] = Math.exp(input[o + c] - m));
      if (kernel === "act_softmax") for (let c = 0; c < cols; c++) out[o + c] /= s;
      else { const l = m + Math.log(s); for (let c = 0; c < cols; c++) out[o + c] = input[o + c] - l; }
    }
  };
  return {
    name: `${label} rows of ${cols}`,
    elements: used,
    js: () => { const out = new Float32Array(used); return { run: () => softmaxJs(out), check: () => assertClose(out, ref, 4e-7, 2e-6, `${label} (js)`) }; },
    setup(nn) {
      const x = nn.tensor(input), y = nn.zeros([N]);
      const k = nn.kernels[kernel];
      return {
        run: () => k(y.ptr, x.ptr, nRows, cols),
        check: () => assertClose(y.data.subarray(0, used), ref, 4e-7, 2e-6, label),
        teardown: () => { x.dispose(); y.dispose(); },
      };
    },
  };
}

/** softmax / logSoftmax backward over rows of `cols`, from the build's own forward y; validated against float64. */
function rowsBackward(label, kernel, cols) {
  const nRows = Math.floor(N / cols), used = nRows * cols;
  const ref = new Float32Array(used);
  for (let r = 0; r < nRows; r++) {
    const o = r * cols, row = input.subarray(o, o + cols), g = dyIn.subarray(o, o + cols);
    const m = Math.max(...row);
    let s = 0;
    for (const v of row) s += Math.exp(v - m);
    const p = Array.from(row, (v) => Math.exp(v - m) / s);
    const d = kernel === "act_softmax" ? p.reduce((a, pj, j) => a + pj * g[j], 0) : g.reduce((a, v) => a + v, 0);
    for (let c = 0; c < cols; c++) ref[o + c] = kernel === "act_softmax" ? p[c] * (g[c] - d) : g[c] - p[c] * d;
  }
  return {
    name: `${label} backward rows of ${cols}`,
    elements: used,
    setup(nn) {
      const x = nn.tensor(input), y = nn.zeros([N]), dy = nn.tensor(dyIn), dx = nn.zeros([N]);
      const k = nn.kernels[kernel + "_grad"];
      nn.kernels[kernel](y.ptr, x.ptr, nRows, cols);
      return {
        run: () => k(dx.ptr, x.ptr, y.ptr, dy.ptr, nRows, cols),
        check: () => assertClose(dx.data.subarray(0, used), ref, 1e-6, 1e-5, `${label} backward`),
        teardown: () => { for (const t of [x, y, dy, dx]) t.dispose(); },
      };
    },
  };
}

const cases = [pointwise("relu", "act_relu", { js: JS.relu }), pointwise("relu", "act_relu", { inPlace: true })];
for (const [name, spec] of Object.entries(ACTIVATIONS)) {
  if (spec.kind !== "pointwise" || name === "relu" || name === "swish") continue;
  // the kernel's float parameter at its default: alpha, or reluMax's maxValue
  const alpha = "alpha" in spec.params ? spec.params.alpha : "maxValue" in spec.params ? spec.params.maxValue : 0;
  cases.push(pointwise(name, spec.kernel, { js: JS[name], alpha }));
  if (name === "gelu") cases.push(pointwise("gelu (tanh)", "act_gelu_tanh", { js: JS.geluTanh }));
}
cases.push(rows("softmax", "act_softmax", 1024), rows("logSoftmax", "act_log_softmax", 1024), rows("softmax", "act_softmax", 10));
for (const [label, kernel] of [["relu", "act_relu"], ["sigmoid", "act_sigmoid"], ["tanh", "act_tanh"], ["gelu (tanh)", "act_gelu_tanh"], ["silu", "act_silu"]]) {
  cases.push(backwardCase(label, kernel));
}
cases.push(rowsBackward("softmax", "act_softmax", 10), rowsBackward("logSoftmax", "act_log_softmax", 10));
await suite("Activations, 1M floats, one core (Melem/s)", cases, { maxTime: 0.25, minSamples: 8 });
