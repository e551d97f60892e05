// The deploy examples (examples/serverless/) each started on 127.0.0.1 and sent real requests: node:http,
// the Lambda handler through lambda_invoker.mjs, Deno.serve, Bun.serve, the Worker in workerd (bundled by
// esbuild as wrangler would) and the static page in headless Chromium (driven through its form). Every one
// gets the same exchange (`exchange`): health, two batches compared with Node's model.predict (≤ 1e-6),
// malformed bodies answered 400/413 with a message saying what was expected, and the batches again afterwards
// with nn.memory() (reported by /health) where it was.
// Everything started here is stopped in a finally, whatever happened.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { basename, join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import { assertClose } from "./checks.mjs";

const ASK_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 20_000;

/** Deterministic pixel rows in [0, 1] (and the corners 0 and 1), `count` rows of `features`. */
function rowsOf(count, features, phase) {
  return Array.from({ length: count }, (_, r) => Array.from({ length: features }, (_, c) => {
    const v = Math.abs(Math.sin((r + 1) * 12.9898 + c * 78.233 + phase));
    return c % 11 === 0 ? Math.round(v) : Math.round(v * 16) / 16;
  }));
}

/** What Node's model.predict answers for `rows`: the reference every example must match. */
async function nodeAnswers(root, batches) {
  const { init } = await import(pathToFileURL(join(root, "dist/index.js")).href);
  const nn = await init();
  const model = await nn.loadLayersModel(pathToFileURL(join(root, "examples/serverless/model/model.json")).href);
  const answers = batches.map((rows) => {
    const x = nn.tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
    const y = model.predict(x);
    const out = Float32Array.from(y.data);
    nn.dispose(x, y);
    return out;
  });
  model.dispose();
  return answers;
}

const toBody = (value) => (typeof value === "string" ? value : JSON.stringify(value));
const row = (n, v = 0.5) => Array(n).fill(v);
/** Malformed requests: [body, status, what the message must say]. */
const BAD = (features) => [
  ["{not json", 400, /not JSON.*expected \{"inputs"/],
  ["", 400, /no body/],
  [[1, 2, 3], 400, /array of 3; expected \{"inputs"/],
  [{ input: [row(features)] }, 400, /object with keys \[input\]; expected/],
  [{ inputs: [] }, 400, /"inputs" is an array of 0; expected/],
  [{ inputs: Array(257).fill(row(features)) }, 400, /257 rows; at most 256/],
  [{ inputs: [row(features), row(features - 1)] }, 400, new RegExp(`inputs\\[1\\] is an array of ${features - 1}; each row must be an array of ${features} numbers`)],
  [{ inputs: [[...row(5), "a", ...row(features - 6)]] }, 400, /inputs\[0\]\[5\] is the string "a"; expected a number/],
  [{ inputs: [[null, ...row(features - 1)]] }, 400, /inputs\[0\]\[0\] is null/],
  [`{"inputs": [[1e39${",0".repeat(features - 1)}]]}`, 400, /float32's range/],
  ["x".repeat((1 << 20) + 1), 413, /at most 1048576/],
];

/**
 * The exchange every example must pass. `ask(method, path, body?)` → { status, text } is how this host is
 * reached (HTTP, or the page's form); `routes` says whether it has URL routes (the page has none).
 */
async function exchange(ask, batches, expected, { routes = true } = {}) {
  const health = await ask("GET", "/health");
  const info = JSON.parse(health.text);
  if (health.status !== 200 || info.status !== "ok" || info.features !== 64 || info.classes !== 10) throw new Error(`WRONG health: ${health.status} ${health.text}`);
  if (routes) {
    const root = await ask("GET", "/");
    if (root.status !== 200) throw new Error(`WRONG GET /: ${root.status}`);
    const missing = await ask("GET", "/nowhere");
    if (missing.status !== 404 || !/No route \/nowhere/.test(missing.text)) throw new Error(`WRONG GET /nowhere: ${missing.status} ${missing.text}`);
  }
  let worst = 0;
  const predictAll = async (when) => {
    for (const [i, rows] of batches.entries()) {
      const got = await ask("POST", "/", toBody({ inputs: rows }));
      if (got.status !== 200) throw new Error(`WRONG ${when} batch ${i}: ${got.status} ${got.text.slice(0, 200)}`);
      const { outputs, labels } = JSON.parse(got.text);
      worst = Math.max(worst, assertClose(`${when} batch ${i} outputs`, outputs.flat(), expected[i], 0, 1e-6));
      const want = rows.map((_, r) => { const p = expected[i].subarray(r * 10, r * 10 + 10); return p.indexOf(Math.max(...p)); });
      if (JSON.stringify(labels) !== JSON.stringify(want)) throw new Error(`WRONG ${when} batch ${i} labels ${labels} vs ${want}`);
    }
  };
  await predictAll("first");
  const warm = JSON.parse((await ask("GET", "/health")).text).memory;
  const bad = BAD(64);
  for (const [body, status, says] of bad) {
    const got = await ask("POST", "/", toBody(body));
    let error = "";
    try { error = JSON.parse(got.text).error; } catch { /* reported below */ }
    if (got.status !== status || !says.test(error)) throw new Error(`WRONG answer to ${toBody(body).slice(0, 40)}: ${got.status} ${got.text.slice(0, 200)}`);
  }
  await predictAll("after the bad requests");
  // the same batch sizes again after the refusals: a warm instance holds exactly what it held before
  const after = JSON.parse((await ask("GET", "/health")).text).memory;
  if (after.bytesInUse !== warm.bytesInUse || after.allocations !== warm.allocations) throw new Error(`WRONG memory not flat: ${JSON.stringify(warm)} → ${JSON.stringify(after)}`);
  return `health ok, ${batches.length} batches max|Δ| ${worst.toExponential(1)}, ${bad.length} bad requests → 4xx with the reason, still answering, memory flat (${after.bytesInUse} B)`;
}

const http = (base) => async (method, path, body) => {
  const res = await fetch(new URL(path, base), { method, body, signal: AbortSignal.timeout(ASK_TIMEOUT_MS) });
  return { status: res.status, text: await res.text() };
};

/** A port free on 127.0.0.1 now (for workerd, which cannot report the port it chose). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Processes started here and still running: killed if this runner is itself stopped (Ctrl-C, CI's timeout). */
const live = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    for (const proc of live) proc.kill("SIGKILL");
    process.exit(128 + (signal === "SIGINT" ? 2 : 15));
  });
}

/** Starts a server process, waits for its "listening on http://…" line (or, with `url`, for that URL to answer). */
export async function start(command, args, { cwd, env, url } = {}) {
  const proc = spawn(command, args, { cwd, env: { ...process.env, HOST: "127.0.0.1", PORT: "0", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  live.add(proc);
  proc.once("exit", () => live.delete(proc));
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  proc.stderr.on("data", (d) => (out += d));
  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    while (Date.now() < deadline && proc.exitCode === null) {
      const seen = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+\/)/)?.[1];
      if (seen) return { proc, base: seen };
      if (url) {
        const up = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(() => true, () => false);
        if (up) return { proc, base: url };
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (e) {
    proc.kill("SIGKILL");
    throw e;
  }
  proc.kill("SIGKILL");
  throw new Error(`${args.at(-1)} did not start: ${out.trim().split("\n").slice(-3).join(" / ") || `exit ${proc.exitCode}`}`);
}

/** Stops a process started here and waits for it to go (SIGKILL if SIGTERM is not enough within 2 s). */
export async function stop(proc) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const gone = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 2000);
  await gone;
  clearTimeout(timer);
}

async function withServer(command, args, options, fn) {
  const { proc, base } = await start(command, args, options);
  try {
    return await fn(base);
  } finally {
    await stop(proc);
  }
}

/**
 * The Worker bundled as `wrangler deploy` does: esbuild, with each import its rules match (.wasm as a compiled
 * module, .bin as data) resolved to its file and left as a module of its own beside the bundle, imported by
 * file name; then a workerd config serving it on 127.0.0.1:`port`.
 */
export async function bundleWorker(root, gen, port) {
  const esbuild = await import(pathToFileURL(join(root, "node_modules/esbuild/lib/main.js")).href);
  const out = join(gen, "serverless");
  mkdirSync(out, { recursive: true });
  const modules = new Map(); // file name in the bundle → [workerd module kind, path on disk]
  const rules = {
    name: "wrangler-rules",
    setup(build) {
      build.onResolve({ filter: /\.(wasm|bin)$/ }, async (args) => {
        if (args.pluginData === "rules") return undefined;
        const found = await build.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, pluginData: "rules" });
        if (found.errors.length) return { errors: found.errors };
        const name = basename(found.path);
        modules.set(name, [name.endsWith(".wasm") ? "wasm" : "data", found.path]);
        return { path: `./${name}`, external: true };
      });
    },
  };
  await esbuild.build({
    entryPoints: [join(root, "examples/serverless/worker/index.mjs")], outfile: join(out, "worker.js"),
    bundle: true, format: "esm", platform: "neutral", target: "es2022", conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"], external: ["node:*"], plugins: [rules], logLevel: "error",
  });
  const embeds = [...modules].map(([name, [kind, path]]) => `    (name = "${name}", ${kind} = embed "${relative(out, path).split("\\").join("/")}"),`);
  writeFileSync(join(out, "worker.capnp"), `# Generated by serverless.mjs: examples/serverless/worker bundled, and the modules its rules keep apart.
using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
${embeds.join("\n")}
  ],
  compatibilityDate = "2024-09-01",
  compatibilityFlags = ["nodejs_compat"],
);
`);
  return join(out, "worker.capnp");
}

/** Runs every example through `run(name, fn)` (run.mjs's result collector). */
export async function runServerless(run, { root, gen, bin, chromium }) {
  const batches = [rowsOf(7, 64, 0.1), rowsOf(1, 64, 2.3)];
  const expected = await nodeAnswers(root, batches);
  const examples = join(root, "examples/serverless");
  const serve = (command, args, options) => withServer(command, args, { cwd: examples, ...options }, (base) => exchange(http(base), batches, expected));

  await run("serverless node:http", () => serve(process.execPath, ["node/server.mjs"]));
  await run("serverless lambda", () => serve(process.execPath, [join(root, "test/runtimes/lambda_invoker.mjs"), "lambda/index.mjs"]));
  await run("serverless deno", async () => {
    const map = join(gen, "deno-import-map.json"); // "simdnn" → this checkout's dist/, in place of deno.json's npm:simdnn
    writeFileSync(map, JSON.stringify({ imports: { "simdnn": pathToFileURL(join(root, "dist/index.js")).href, "simdnn/": pathToFileURL(join(root, "dist/")).href } }));
    return serve(bin("deno"), ["run", "--no-config", "--no-prompt", `--import-map=${map}`, "--allow-read", "--allow-env", "--allow-net=127.0.0.1", "deno/server.mjs"]);
  });
  await run("serverless bun", () => serve(bin("bun"), ["bun/server.mjs"]));
  await run("serverless workerd", async () => {
    const port = await freePort();
    const config = await bundleWorker(root, gen, port);
    return serve(bin("workerd"), ["serve", config], { url: `http://127.0.0.1:${port}/` });
  });
  await run("serverless page", () => chromium(async (page, origin) => {
    await page.goto(`${origin}/examples/serverless/static/index.html`);
    await page.waitForSelector("#classify:not([disabled])", { timeout: START_TIMEOUT_MS }).catch(async () => {
      throw new Error(`the page did not load its model: ${await page.textContent("#health")}`);
    });
    // The page answers its form in-page: a POST is the form submitted, GET /health the model line it shows.
    const ask = async (method, path, body) => {
      if (method === "GET") return { status: 200, text: await page.textContent("#health") };
      const before = await page.getAttribute("#output", "data-answers");
      await page.fill("#body", body);
      await page.click("#classify");
      await page.waitForFunction((n) => document.getElementById("output").dataset.answers !== n, before, { timeout: ASK_TIMEOUT_MS });
      return { status: Number(await page.textContent("#status")), text: await page.textContent("#output") };
    };
    return exchange(ask, batches, expected, { routes: false });
  }));
}
