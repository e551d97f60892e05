// The lab page's Web Worker: all training and timing happens here, so the page's thread only draws.
// Messages in: { type: "run", task, cells, epochs, seed, quick } and { type: "speed", task, cell, seed, quick }.
// Messages out: "epoch" (a run's curves so far), "run" (a finished run), "done", "speed-row", "speed-done",
// "error" (name and message; the page shows it). A fresh worker serves each request (the page's Stop
// button terminates it), so no state is kept between messages.
// Plain relative imports: module workers do not read the page's import map.
import { BACKENDS, backendSupport, init } from "./vendor/simdnn/index.js";
import { digitsSet, initBuilds, prepareLabData, runLabRun, timeEpoch } from "./vendor/simdnn/lab.js";

const now = () => performance.now();

/** The run spec of one cell (a row of planGrid) on the task's data. */
const specOf = (task, cell, epochs, seed, data) => ({ task, activation: cell.activation, initializer: cell.initializer, loss: cell.loss, seed, epochs, data });

/** The task's data; `quick` matters only for tasks whose quick form subsamples (the page offers digits-based tasks). */
const dataOf = async (task, quick) => prepareLabData(task, { digits: await digitsSet() }, quick);

/** Trains each chosen cell in turn on the best build this browser runs, posting every epoch. */
async function run({ task, cells, epochs, seed, quick }) {
  const started = now();
  const nn = await init();
  postMessage({ type: "backend", backend: nn.backend });
  const data = await dataOf(task, quick);
  for (let index = 0; index < cells.length; index++) {
    const spec = specOf(task, cells[index], epochs, seed, data);
    const result = await runLabRun(nn, spec, {
      onEpoch: (epoch, partial) => postMessage({ type: "epoch", index, epoch, run: partial }),
    });
    postMessage({ type: "run", index, run: result });
  }
  postMessage({ type: "done", ms: now() - started, backend: nn.backend });
}

/**
 * One epoch of the chosen cell timed on each build (timeEpoch: a fresh model of the same seed, the first
 * epoch dropped, the fastest of the next kept); a build this browser cannot run is a row with its reason.
 */
async function speed({ task, cell, seed, quick }) {
  const builds = await initBuilds(init);
  const data = await dataOf(task, quick);
  const spec = specOf(task, cell, undefined, seed, data);
  // slowest build first, each under results.json's key (msPerEpoch.scalar, .simd, .relaxed)
  for (const backend of [...BACKENDS].reverse()) {
    const key = backend === "relaxed-simd" ? "relaxed" : backend, support = backendSupport(backend);
    const ms = builds[key] ? await timeEpoch(builds[key], spec, cell.initializer) : null;
    postMessage({ type: "speed-row", build: key, backend, ms, reason: support.ok ? null : support.reason });
  }
  postMessage({ type: "speed-done" });
}

const handlers = { run, speed };

self.onmessage = async (event) => {
  try {
    const handler = handlers[event.data?.type];
    if (!handler) throw new TypeError(`Unknown request ${JSON.stringify(event.data?.type)}; expected one of: ${Object.keys(handlers).join(", ")}.`);
    await handler(event.data);
  } catch (e) {
    postMessage({ type: "error", name: e?.name ?? "Error", message: e?.message ?? String(e) });
  }
};
