// The lab page's script (main thread): the controls, the live curves, the results and speed tables.
// Training and timing run in lab.worker.mjs; this thread only draws, so the page stays responsive.
// Drawing: the report's own SVG code (linePanels, barChart from simdnn/lab) rather than a chart library.
// A redraw per epoch of a few lines of at most 60 points is a string of a few KB, far below what needs a
// canvas library's incremental updates; it adds 0 KB (a chart library adds 60–200 KB), needs no network,
// and the page's curves look exactly like report.html's, which is what a user compares them with.
import { backendSupport, BACKENDS } from "./vendor/simdnn/index.js";
import { barChart, esc, LAB_ACTIVATIONS, LAB_TASK_IDS, labTask, linePanels, planGrid, shortNumber } from "./vendor/simdnn/lab.js";

const $ = (id) => document.getElementById(id);
/** Runs checked when a task is chosen: the issue's default comparison (every loss variant on the loss tasks). */
const DEFAULT_ACTIVATIONS = ["relu", "tanh", "sigmoid", "gelu"];
/** The tasks the page offers: those on the embedded digits (Fashion-MNIST is a file the CLI reads). */
const TASKS = LAB_TASK_IDS.filter((id) => labTask(id).source === "digits");
const BUILD_LABELS = { scalar: "scalar", simd: "SIMD", relaxed: "relaxed SIMD" };
const HEARTBEAT_MS = 50;

let worker = null;
/** What is running: the task, its chosen cells with labels, the epoch count, and each cell's run so far. */
let plan = null;
/** The speed measurement shown: what was timed and a row per build so far. */
const speed = { label: "", rows: [] };

// ---- state and errors ----

function setState(state, text) {
  $("status").dataset.state = state;
  $("status").textContent = text;
  const busy = state === "running" || state === "measuring";
  $("run").disabled = busy;
  $("speed").disabled = busy;
  $("stop").disabled = !busy;
}

function showError(text) {
  $("errors").hidden = false;
  $("errors").textContent += ($("errors").textContent ? "\n" : "") + text;
  setState("error", "failed (see the message below)");
}

function clearErrors() {
  $("errors").hidden = true;
  $("errors").textContent = "";
}

// ---- heartbeat: proof that this thread is never blocked while the worker trains ----

const beat = { ticks: 0, last: 0, maxGap: 0, counting: false };
setInterval(() => {
  const t = performance.now();
  if (beat.counting) {
    beat.ticks++;
    beat.maxGap = Math.max(beat.maxGap, t - beat.last);
    const el = $("heartbeat");
    el.dataset.ticks = String(beat.ticks);
    el.dataset.maxGapMs = beat.maxGap.toFixed(0);
    el.textContent = `${beat.ticks} ticks of a ${HEARTBEAT_MS} ms timer during the last run, longest gap ${beat.maxGap.toFixed(0)} ms`;
  }
  beat.last = t;
}, HEARTBEAT_MS);

// ---- controls ----

/** A cell's name on the page: its activation (with the initializer when not the intended one) or its loss. */
function cellLabel(task, cell) {
  if (labTask(task).models.length <= 1) return cell.loss;
  return cell.initializer === LAB_ACTIVATIONS[cell.activation].initializer ? cell.activation : `${cell.activation} (${cell.initializer})`;
}

function showTask() {
  const task = $("task").value, row = labTask(task);
  $("task-description").textContent = row.description;
  const several = row.models.length > 1;
  $("cells").innerHTML = planGrid({ tasks: [task] }).map((cell, i) => {
    const checked = !several || (DEFAULT_ACTIVATIONS.includes(cell.activation) && cellLabel(task, cell) === cell.activation);
    return `<label><input type="checkbox" data-cell="${i}"${checked ? " checked" : ""}> ${esc(cellLabel(task, cell))}</label>`;
  }).join("");
}

/** The chosen experiment, or a thrown Error naming the field at fault. */
function readControls() {
  const task = $("task").value, row = labTask(task), all = planGrid({ tasks: [task] });
  const cells = [...$("cells").querySelectorAll("input:checked")].map((box) => all[Number(box.dataset.cell)]);
  if (cells.length === 0) throw new Error("Runs: none is checked; check at least one activation or loss.");
  const seed = Number($("seed").value);
  if (!Number.isInteger(seed) || seed < 0) throw new Error(`Seed must be a whole number ≥ 0; received "${$("seed").value}".`);
  const quick = $("size").value === "quick";
  return { task, cells, seed, quick, epochs: quick ? row.epochs.quick : row.epochs.full };
}

// ---- the worker ----

/** A fresh worker for one request; its messages go to `onMessage`, its failures to the page. */
function startWorker(request, onMessage) {
  worker?.terminate();
  worker = new Worker(new URL("./lab.worker.mjs", import.meta.url), { type: "module" });
  worker.onmessage = (event) => {
    if (event.data.type === "error") return finishWithError(`${event.data.name}: ${event.data.message}`);
    onMessage(event.data);
  };
  // a module that fails to load reaches here as an ErrorEvent with no message in some browsers
  worker.onerror = (event) => {
    event.preventDefault();
    finishWithError(`The worker failed: ${event.message || "it could not start (does this browser run module workers, and is vendor/simdnn/ in place?)"}`);
  };
  worker.onmessageerror = () => finishWithError("The worker sent a message this page could not read.");
  worker.postMessage(request);
}

function finishWithError(text) {
  worker?.terminate();
  worker = null;
  beat.counting = false;
  showError(text);
}

function stop() {
  if (!worker) return;
  worker.terminate();
  worker = null;
  beat.counting = false;
  const done = plan ? plan.runs.filter((r) => r?.finished).length : 0;
  setState("stopped", plan && $("status").dataset.state === "running" ? `stopped after ${done} of ${plan.cells.length} runs` : "stopped");
}

// ---- training ----

/** The form's request, or null once the page shows what is wrong with it. */
function checkedRequest() {
  clearErrors();
  try {
    return readControls();
  } catch (e) {
    showError(e.message);
    return null;
  }
}

function startRun() {
  const request = checkedRequest();
  if (!request) return;
  plan = { ...request, labels: request.cells.map((c) => cellLabel(request.task, c)), runs: request.cells.map(() => null), started: performance.now() };
  $("results").querySelector("tbody").innerHTML = "";
  $("metric-name").textContent = labTask(request.task).metric;
  drawCurves();
  setState("running", `training ${plan.labels[0]} (1 of ${plan.cells.length})…`);
  Object.assign(beat, { ticks: 0, maxGap: 0, counting: true });
  startWorker({ type: "run", ...request }, onRunMessage);
}

function onRunMessage(msg) {
  if (msg.type === "backend") plan.backend = msg.backend;
  else if (msg.type === "epoch") {
    plan.runs[msg.index] = msg.run;
    setState("running", `training ${plan.labels[msg.index]} (${msg.index + 1} of ${plan.cells.length}), epoch ${msg.epoch + 1} of ${plan.epochs} on the ${plan.backend ?? "?"} build…`);
    drawCurves();
  } else if (msg.type === "run") {
    plan.runs[msg.index] = { ...msg.run, finished: true };
    drawCurves();
    addResultRow(msg.index, msg.run);
  } else if (msg.type === "done") {
    beat.counting = false;
    worker = null;
    $("status").dataset.runMs = msg.ms.toFixed(0);
    setState("done", `done: ${plan.cells.length} runs of ${plan.epochs} epochs in ${(msg.ms / 1000).toFixed(1)} s on the ${msg.backend} build`);
  }
}

/** Log y when every value drawn is positive (losses spanning decades), else linear. */
const allPositive = (series) => series.every((s) => s.ys.every((v) => !Number.isFinite(v) || v > 0));

function drawCurves() {
  const drawn = plan.runs.map((run, i) => ({ run, i })).filter((d) => d.run);
  const lines = (pick) => drawn.map(({ run, i }) => ({ label: plan.labels[i], xs: run.curve.map((_, e) => e + 1), ys: pick(run), style: i }));
  const train = lines((r) => r.curve), val = lines((r) => r.valCurve);
  const log = drawn.length > 0 && allPositive([...train, ...val]);
  const loss = plan.cells.length === 1 || labTask(plan.task).losses.length === 1 ? plan.cells[0].loss : "loss";
  $("curves").innerHTML = linePanels({
    figure: `live:${plan.task}`, title: `${plan.task}: ${loss} per epoch`,
    panels: [{ title: "training", series: train }, { title: "validation", series: val }],
    x: { label: "epoch", integer: true, min: 1, max: Math.max(2, plan.epochs) },
    y: { label: `${loss}${log ? " (log scale)" : ""}`, log },
    panelWidth: 400, panelHeight: 240,
  });
  // different losses have different scales; the held-out metric is what compares them
  const metric = labTask(plan.task).metric;
  $("metric-curves").innerHTML = linePanels({
    figure: `live:${plan.task}:metric`, title: `${plan.task}: ${metric} on held-out data per epoch`,
    panels: [{ series: lines((r) => r.metricCurve ?? []) }],
    x: { label: "epoch", integer: true, min: 1, max: Math.max(2, plan.epochs) }, y: { label: metric },
    panelWidth: 400, panelHeight: 200,
  });
}

const cell = (v) => (Number.isFinite(v) ? shortNumber(v) : "—");
const percent = (fractions) => (fractions.length ? `${(100 * fractions.reduce((a, b) => a + b, 0) / fractions.length).toFixed(1)} %` : "—");

function addResultRow(index, run) {
  const ms = Object.values(run.msPerEpoch).find((v) => v !== null) ?? NaN;
  const last = (a) => a[a.length - 1] ?? NaN;
  const tr = document.createElement("tr");
  tr.dataset.metric = String(run.metric.value);
  tr.dataset.epochs = String(run.curve.length);
  tr.innerHTML = [index + 1, esc(plan.labels[index]) + (run.diverged ? ' <span class="warn">(diverged)</span>' : ""), cell(run.metric.value),
    cell(last(run.curve)), cell(last(run.valCurve)), run.curve.length, cell(ms), percent(run.deadFraction), percent(run.saturatedFraction)]
    .map((v, i) => `<td${i === 1 ? "" : ' class="num"'}>${v}</td>`).join("");
  $("results").querySelector("tbody").append(tr);
}

// ---- speed ----

function startSpeed() {
  const request = checkedRequest();
  if (!request) return;
  const first = request.cells[0];
  Object.assign(speed, { label: `${request.task}: ${cellLabel(request.task, first)}`, rows: [] });
  $("speed-table").querySelector("tbody").innerHTML = "";
  $("speed-chart").innerHTML = "";
  setState("measuring", `timing an epoch of ${speed.label} on the scalar build…`);
  startWorker({ type: "speed", task: request.task, cell: first, seed: request.seed, quick: request.quick }, onSpeedMessage);
}

function onSpeedMessage(msg) {
  if (msg.type === "speed-row") {
    speed.rows.push(msg);
    const scalar = speed.rows.find((r) => r.build === "scalar")?.ms ?? null;
    const speedup = msg.ms !== null && scalar !== null ? scalar / msg.ms : null;
    const tr = document.createElement("tr");
    Object.assign(tr.dataset, { build: msg.build, ms: String(msg.ms), speedup: String(speedup) });
    tr.innerHTML = `<td>${esc(BUILD_LABELS[msg.build])}</td><td class="num">${msg.ms === null ? "not supported" : msg.ms.toFixed(2)}</td>` +
      `<td class="num">${speedup === null ? "—" : `×${speedup.toFixed(2)}`}</td><td>${esc(msg.reason ?? "")}</td>`;
    $("speed-table").querySelector("tbody").append(tr);
    const next = Object.keys(BUILD_LABELS)[speed.rows.length];
    if (next) setState("measuring", `timing an epoch of ${speed.label} on the ${BUILD_LABELS[next]} build…`);
  } else if (msg.type === "speed-done") {
    worker = null;
    const scalar = speed.rows.find((r) => r.build === "scalar")?.ms ?? null;
    $("speed-chart").innerHTML = barChart({
      figure: "live:speed", title: "ms per epoch", yLabel: "ms / epoch (lower is faster)",
      seriesLabels: speed.rows.map((r) => BUILD_LABELS[r.build]),
      groups: [{ label: speed.label, values: speed.rows.map((r) => r.ms), notes: speed.rows.map((r) => (r.ms !== null && scalar !== null ? `×${(scalar / r.ms).toFixed(1)}` : null)) }],
    });
    setState("done", "speed measured");
  }
}

// ---- start ----

try {
  if (typeof Worker !== "function") throw new Error("This browser has no Web Workers, which the lab page trains in.");
  const missing = BACKENDS.map((b) => ({ b, s: backendSupport(b) })).filter((x) => !x.s.ok);
  if (!backendSupport("scalar").ok) throw new Error(backendSupport("scalar").reason);
  $("task").innerHTML = TASKS.map((id) => `<option value="${esc(id)}"${id === "digits" ? " selected" : ""}>${esc(id)}</option>`).join("");
  $("task").addEventListener("change", showTask);
  showTask();
  $("controls").addEventListener("submit", (event) => {
    event.preventDefault();
    startRun();
  });
  $("stop").addEventListener("click", stop);
  $("speed").addEventListener("click", startSpeed);
  const best = BACKENDS.find((b) => backendSupport(b).ok);
  setState("idle", `ready: training uses the ${best} build` + (missing.length ? ` (not available here: ${missing.map((x) => `${x.b}: ${x.s.reason}`).join("; ")})` : ""));
} catch (e) {
  showError(`The page could not start: ${e.name}: ${e.message}`);
}
