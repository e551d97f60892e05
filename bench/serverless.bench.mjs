// Serverless figures (`npm run bench -- serverless`):
// 1. Cold start: a fresh process → the 784-512-256-10 classifier loaded from disk → the first prediction, over
//    a bare `node -e ''`, for simdnn and (when bench/peers is installed) tfjs-layers on tfjs-backend-wasm and
//    onnxruntime-web with the same weights; rounds interleaved; each process checks its prediction.
// 2. Warm requests: p50/p99 latency of batch-1 POSTs through a node:http server that predicts, beside the same
//    server answering a constant, under a bounded loopback load (8 in flight), so the model's share shows.
// 3. A warm instance after 100,000 requests: WASM memory and the JS heap before and after.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { init } from "../dist/index.js";
import { mlpToOnnx } from "./onnx_writer.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = new URL("../dist/index.js", import.meta.url).href;
const peers = join(here, "peers/node_modules");
const dir = mkdtempSync(join(tmpdir(), "simdnn-serverless-"));
const ROUNDS = Number(process.env.SERVERLESS_ROUNDS ?? 11);
const x = Array.from({ length: 784 }, (_, i) => (i % 17) / 17);

// ---- the classifier, saved as a layers model and as ONNX; the expected first prediction
const nn = await init({ backend: "simd" });
const model = nn.sequential({ seed: 1, layers: [
  nn.layers.dense({ units: 512, activation: "relu", inputShape: [784] }),
  nn.layers.dense({ units: 256, activation: "relu" }),
  nn.layers.dense({ units: 10, activation: "softmax" }),
] });
await model.save(`file://${dir}/model`);
const w = model.getWeights().map((t) => { const d = t.data.slice(); t.dispose(); return d; });
writeFileSync(join(dir, "model.onnx"), mlpToOnnx([[784, 512, "relu"], [512, 256, "relu"], [256, 10, "softmax"]].map(([i, o, activation], k) => ({ kernel: w[2 * k], bias: w[2 * k + 1], in: i, out: o, activation }))));
const yT = model.predict([x]);
const expected = Array.from(yT.data);
yT.dispose();
model.dispose();

// Each child prints its first prediction; the parent checks it (≤ 1e-5) and times the whole process.
// …and prints performance.now() once it has (ms since the process started): the first answer's time, without exit.
const check = `const want = ${JSON.stringify(expected)}; if (!(Math.max(...Array.from(y, (v, i) => Math.abs(v - want[i]))) <= 1e-5)) { console.error('wrong prediction'); process.exit(1); } console.log(performance.now());`;
const X = JSON.stringify(x);
const rows = [
  { name: "bare `node -e ''`", args: ["-e", "console.log(performance.now())"] },
  // what every ES-module handler pays before any library: Node's ESM loader (the simdnn row runs as a module too)
  { name: "bare ES module `node --input-type=module -e ''`", args: ["--input-type=module", "-e", "console.log(performance.now())"] },
  // the floor under any WASM library here: the same .wasm build compiled and instantiated, model.json parsed and
  // weights.bin read into fresh WASM memory (first touches of new pages cost ~3 ms/MB on this VM), no library JS
  {
    name: "floor: compile simd.wasm, parse model.json, read weights.bin into WASM memory (no library)",
    args: ["--input-type=module", "-e", `import { openSync, readFileSync, readSync } from 'node:fs';
      const m = new WebAssembly.Module(readFileSync(${JSON.stringify(join(here, "../dist/wasm/simd.wasm"))}));
      const { memory } = new WebAssembly.Instance(m, { env: { abort() {} } }).exports;
      const j = JSON.parse(readFileSync('${dir}/model/model.json', 'utf8'));
      const bytes = j.weightsManifest[0].weights.reduce((n, w) => n + 4 * w.shape.reduce((a, b) => a * b, 1), 0);
      const at = memory.grow(Math.ceil(bytes / 65536)) * 65536;
      if (readSync(openSync('${dir}/model/weights.bin'), new Uint8Array(memory.buffer, at, bytes), 0, bytes, 0) !== bytes) process.exit(1);
      console.log(performance.now());`],
  },
  {
    name: "simdnn: import, init, loadLayersModel(file://), predict",
    args: ["--input-type=module", "-e", `const { init } = await import(${JSON.stringify(dist)}); const nn = await init(); const m = await nn.loadLayersModel('file://${dir}/model/model.json'); const t = m.predict([${X}]); const y = t.data; ${check}`],
  },
];
if (existsSync(join(peers, "@tensorflow/tfjs"))) {
  rows.push({
    name: "tfjs-layers on tfjs-backend-wasm: loadLayersModel, predict",
    args: ["--input-type=module", "-e", `import { createRequire } from 'node:module'; import { readFileSync } from 'node:fs'; const require = createRequire(${JSON.stringify(join(peers, "x.js"))});
      const tf = require('@tensorflow/tfjs'); const wasm = require('@tensorflow/tfjs-backend-wasm'); wasm.setWasmPaths(require('node:path').dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/'); wasm.setThreadsCount(1); await tf.setBackend('wasm'); await tf.ready();
      const j = JSON.parse(readFileSync('${dir}/model/model.json', 'utf8')); const b = readFileSync('${dir}/model/weights.bin');
      const m = await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: j.modelTopology, weightSpecs: j.weightsManifest[0].weights, weightData: b.buffer.slice(b.byteOffset, b.byteOffset + b.length) }));
      const y = m.predict(tf.tensor([${X}])).dataSync(); ${check}`],
  });
}
if (existsSync(join(peers, "onnxruntime-web"))) {
  rows.push({
    name: "onnxruntime-web (wasm EP): InferenceSession.create, run",
    args: ["--input-type=module", "-e", `import { createRequire } from 'node:module'; import { readFileSync } from 'node:fs'; const require = createRequire(${JSON.stringify(join(peers, "x.js"))});
      const ort = await import(require.resolve('onnxruntime-web')); ort.env.wasm.numThreads = 1;
      const s = await ort.InferenceSession.create(readFileSync('${dir}/model.onnx'), { executionProviders: ['wasm'] });
      const y = (await s.run({ input: new ort.Tensor('float32', Float32Array.from(${X}), [1, 784]) })).output.data; ${check}`],
  });
}
const times = rows.map(() => []), answered = rows.map(() => []);
for (let r = 0; r < ROUNDS; r++) {
  rows.forEach((row, i) => {
    const t0 = process.hrtime.bigint();
    const out = execFileSync(process.execPath, row.args, { stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });
    times[i].push(Number(process.hrtime.bigint() - t0) / 1e6);
    answered[i].push(Number(out.trim().split("\n").pop()));
  });
}
const median = (t) => [...t].sort((a, b) => a - b)[t.length >> 1];
console.log(`\n## Serverless: cold start to the first prediction (median of ${ROUNDS} interleaved rounds)\n`);
console.log("Two clocks: the process's own (performance.now() when the prediction is checked; bare node: when its script starts),");
console.log("and the parent's, from spawn to exit (which adds the process's teardown).\n");
console.log("| path | process start → first prediction | over bare node | over bare ES module | spawn → exit | over bare node |\n|---|---|---|---|---|---|");
const over = (t, i, base = 0) => (i > base ? `+${(median(t[i]) - median(t[base])).toFixed(1)} ms` : "–");
rows.forEach((row, i) => console.log(`| ${row.name} | ${median(answered[i]).toFixed(1)} ms | ${over(answered, i)} | ${over(answered, i, 1)} | ${median(times[i]).toFixed(1)} ms | ${over(times, i)} |`));

// ---- warm requests through node:http: a server child that predicts, and the same server answering a constant
const serverCode = (withModel) => `
  import http from 'node:http';
  const { init } = await import(${JSON.stringify(dist)});
  const nn = await init();
  const m = ${withModel ? `await nn.loadLayersModel('file://${dir}/model/model.json')` : "null"};
  const out = new Float32Array(10);
  const server = http.createServer((req, res) => {
    if (req.method === 'GET') {
      const mem = nn.memory();
      return res.end(JSON.stringify({ bytesInUse: mem.bytesInUse, allocations: mem.allocations, heapBytes: mem.heapBytes, jsHeap: process.memoryUsage().heapUsed }));
    }
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      let outputs;
      try {
        const inputs = JSON.parse(body).inputs;
        if (${withModel}) { m.predict(inputs, { out }); outputs = [Array.from(out)]; } // the array path: no tensor made or freed
        else outputs = [[0, 0, 0, 0, 0, 0, 0, 0, 0, 1]];
      } catch (e) { res.statusCode = 400; return res.end(JSON.stringify({ error: String(e.message) })); }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ outputs }));
    });
  });
  server.keepAliveTimeout = 60000;
  server.listen(0, '127.0.0.1', () => console.log(server.address().port));`;

async function startServer(withModel) {
  const child = spawn(process.execPath, ["--input-type=module", "-e", serverCode(withModel)], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise((resolve, reject) => {
    child.stdout.once("data", (d) => resolve(Number(String(d).trim())));
    child.once("exit", (c) => reject(new Error(`server exited with ${c}`)));
  });
  return { child, port };
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
const body = JSON.stringify({ inputs: [x] });
function request(port, method = "POST", path = "/", payload = body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: "127.0.0.1", port, method, path, agent, headers: { "content-type": "application/json", "content-length": method === "POST" ? Buffer.byteLength(payload) : 0 } }, (res) => {
      let data = "";
      res.on("data", (c) => (data += c));
      res.on("end", () => (res.statusCode === 200 ? resolve(data) : reject(new Error(`HTTP ${res.statusCode}: ${data}`))));
    });
    req.on("error", reject);
    if (method === "POST") req.write(payload);
    req.end();
  });
}

/** n requests, `inflight` at a time; returns the latencies in µs (bounded: loopback only, stops by itself). */
async function load(port, n, inflight = 8, ask = () => request(port)) {
  const lat = [];
  let next = 0;
  const worker = async () => {
    while (next < n) {
      next++;
      const t0 = process.hrtime.bigint();
      await ask();
      lat.push(Number(process.hrtime.bigint() - t0) / 1e3);
    }
  };
  await Promise.all(Array.from({ length: inflight }, worker));
  return lat.sort((a, b) => a - b);
}

let pct;
const servers = { model: await startServer(true), constant: await startServer(false) };
try {
  const answer = JSON.parse(await request(servers.model.port)).outputs[0];
  if (!(Math.max(...answer.map((v, i) => Math.abs(v - expected[i]))) <= 1e-5)) throw new Error("the server's prediction differs from model.predict");
  const N = Number(process.env.SERVERLESS_REQUESTS ?? 20000);
  pct = (l, p) => l[Math.min(l.length - 1, Math.floor(l.length * p))];
  for (const inflight of [1, 8]) {
    const res = {};
    const n = inflight === 1 ? Math.ceil(N / 4) : N;
    for (const k of ["constant", "model", "constant", "model"]) res[k] = await load(servers[k].port, n, inflight); // second pass: warm JIT on both
    console.log(`\n## Serverless: warm batch-1 requests through node:http (${n} requests, ${inflight} in flight, loopback)\n`);
    console.log("| handler | p50 | p99 |\n|---|---|---|");
    for (const k of ["constant", "model"]) console.log(`| ${k === "model" ? "simdnn model.predict (array path)" : "constant answer"} | ${pct(res[k], 0.5).toFixed(0)} µs | ${pct(res[k], 0.99).toFixed(0)} µs |`);
    console.log(`\nThe model adds ${(pct(res.model, 0.5) - pct(res.constant, 0.5)).toFixed(0)} µs at p50${inflight > 1 ? ` (with ${inflight} in flight a request also waits for the ones queued before it on the one server thread)` : ""}.`);
  }

  const before = JSON.parse(await request(servers.model.port, "GET"));
  const M = Number(process.env.SERVERLESS_SOAK ?? 100000);
  await load(servers.model.port, M);
  const after = JSON.parse(await request(servers.model.port, "GET"));
  console.log(`\n## Serverless: a warm instance after ${M} more requests\n`);
  console.log("| | before | after |\n|---|---|---|");
  for (const k of ["bytesInUse", "allocations", "heapBytes", "jsHeap"]) console.log(`| ${k} | ${before[k]} | ${after[k]} |`);
  if (after.bytesInUse !== before.bytesInUse || after.allocations !== before.allocations) throw new Error("WASM memory grew under load");

  // ---- the deploy examples themselves (examples/serverless: the 64-32-10 digits model): node:http, and the
  // Worker in workerd where test/runtimes is installed; POST a batch-1 request beside GET /health (no body, no model)
  const runtimes = join(here, "../test/runtimes");
  const { bundleWorker, freePort, start, stop } = await import(join(runtimes, "serverless.mjs"));
  const digits = JSON.stringify({ inputs: [Array.from({ length: 64 }, (_, i) => (i * 7) % 17 / 17)] });
  const examples = [["node:http example", () => start(process.execPath, [join(here, "../examples/serverless/node/server.mjs")])]];
  if (existsSync(join(runtimes, "node_modules/.bin/workerd"))) {
    examples.push(["Cloudflare Worker example in workerd", async () => {
      const port = await freePort();
      const config = await bundleWorker(join(here, ".."), join(runtimes, "gen"), port);
      return start(join(runtimes, "node_modules/.bin/workerd"), ["serve", config], { url: `http://127.0.0.1:${port}/health` });
    }]);
  }
  console.log(`\n## Serverless: the deploy examples, warm batch-1 requests (5000 each, 1 in flight, loopback)\n`);
  console.log("| example | GET /health p50 / p99 | POST one row p50 / p99 | the request and model add at p50 |\n|---|---|---|---|");
  for (const [name, launch] of examples) {
    const { proc, base } = await launch();
    try {
      const port = Number(new URL(base).port);
      const ask = { health: () => request(port, "GET", "/health"), predict: () => request(port, "POST", "/", digits) };
      JSON.parse(await ask.predict()); // answers, and warms up
      const res = {};
      for (const k of ["health", "predict", "health", "predict"]) res[k] = await load(port, 5000, 1, ask[k]);
      console.log(`| ${name} | ${pct(res.health, 0.5).toFixed(0)} / ${pct(res.health, 0.99).toFixed(0)} µs | ${pct(res.predict, 0.5).toFixed(0)} / ${pct(res.predict, 0.99).toFixed(0)} µs | ${(pct(res.predict, 0.5) - pct(res.health, 0.5)).toFixed(0)} µs |`);
    } finally {
      await stop(proc);
    }
  }
} finally {
  for (const s of Object.values(servers)) s.child.kill();
  agent.destroy();
  rmSync(dir, { recursive: true, force: true });
}
