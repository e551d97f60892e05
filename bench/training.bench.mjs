// The MLP 784-512-256-10 (relu, relu, softmax; Adam; categorical cross-entropy): one train
// step at batch 128 (forward + backward + Adam), and inference at batch 1 and 256. Each case is
// validated first (loss falls over a few steps; softmax rows sum to 1). Peers: bench/peers/mlp.bench.mjs.
import { assertClose, mlp, suite } from "./harness.mjs";

function rand(n, seed, lo = 0, hi = 1) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; a[i] = lo + (hi - lo) * (s / 2 ** 32); }
  return a;
}


function oneHot(n, seed) {
  const y = new Float32Array(n * 10);
  for (let i = 0; i < n; i++) y[i * 10 + ((i * 7 + seed) % 10)] = 1;
  return y;
}

function rowsSumToOne(p, rows) {
  const sums = [];
  for (let r = 0; r < rows; r++) sums.push(p.subarray(r * 10, r * 10 + 10).reduce((a, b) => a + b, 0));
  assertClose(sums, sums.map(() => 1), 1e-5, 0, "softmax row sums");
}

await suite("MLP 784-512-256-10 (train: forward + backward + Adam; inference: predict)", [
  {
    name: "train step, batch 128",
    samples: 128,
    perCall: true,
    setup(nn) {
      const model = mlp(nn);
      const x = nn.tensor(rand(128 * 784, 1), [128, 784]), y = nn.tensor(oneHot(128, 3), [128, 10]);
      const first = model.trainOnBatch(x, y);
      return {
        run: () => model.trainOnBatch(x, y),
        check: () => {
          let last = first;
          for (let i = 0; i < 5; i++) last = model.trainOnBatch(x, y);
          if (!(last < first)) throw new Error(`loss did not fall: ${first} → ${last}`);
        },
        teardown: () => { model.dispose(); nn.dispose(x, y); },
      };
    },
  },
  ...[1, 256].map((batch) => ({
    name: `predict, batch ${batch}`,
    samples: batch,
    perCall: true,
    setup(nn) {
      const model = mlp(nn);
      const x = nn.tensor(rand(batch * 784, 2), [batch, 784]), out = nn.zeros([batch, 10]);
      return {
        run: () => model.predict(x, { out, batchSize: batch }),
        check: () => rowsSumToOne(out.data, batch),
        teardown: () => { model.dispose(); nn.dispose(x, out); },
      };
    },
  })),
]);
