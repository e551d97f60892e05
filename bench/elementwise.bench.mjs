import { assertClose, suite } from "./harness.mjs";

const N = 1 << 20;
const input = Float32Array.from({ length: N }, (_, i) => ((i * 7919) % 2001) / 100 - 10);

function unary(name, kernel, ref, domain = (v) => v) {
  const x = input.map(domain);
  const expected = x.map(ref);
  return {
    name: `${name} 1M`,
    elements: N,
    js() {
      const out = new Float32Array(N);
      return { run: () => { for (let i = 0; i < N; i++) out[i] = ref(x[i]); } };
    },
    setup(nn) {
      const xt = nn.tensor(x), out = nn.zeros([N]);
      const k = nn.kernels[kernel];
      return {
        run: () => k(out.ptr, xt.ptr, N),
        check: () => assertClose(out.data, expected, 1e-30, 3e-7, name),
        teardown: () => { xt.dispose(); out.dispose(); },
      };
    },
  };
}

await suite("Vector math and reductions (1M floats)", [
  unary("exp", "ew_exp", Math.exp),
  unary("log", "ew_log", Math.log, (v) => Math.abs(v) + 1e-3),
  unary("log1p", "ew_log1p", Math.log1p, (v) => Math.abs(v)),
  {
    name: "sum 1M",
    elements: N,
    js: () => ({ run: () => { let s = 0; for (let i = 0; i < N; i++) s += input[i]; return s; } }),
    setup(nn) {
      const xt = nn.tensor(input);
      const expected = input.reduce((a, b) => a + b, 0);
      let got = 0;
      return {
        run: () => { got = nn.kernels.red_sum(xt.ptr, N); },
        check: () => assertClose([got], [expected], 1e-2, 1e-5, "sum"),
        teardown: () => xt.dispose(),
      };
    },
  },
]);
