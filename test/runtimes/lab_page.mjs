// The lab page (examples/browser/) in headless Chromium, called by run.mjs inside its chromium() helper:
// the page loads without console errors, shows bad input on the page, Stop ends a run, a quick digits run trains in the Worker and draws one line per run
// with a point per epoch, the results table gets a finite metric per run, the page's heartbeat kept ticking
// while the worker trained, and Measure speed fills the speed table. Saves gen/lab-page.png.
import { join } from "node:path";

const RUN_TIMEOUT_MS = 120_000;
const SPEED_TIMEOUT_MS = 120_000;
/** The page's timer ticks every 50 ms; a gap over this means the page's thread was blocked. */
const MAX_GAP_MS = 500;

/** Throws with `what` unless `ok`. */
function check(ok, what) {
  if (!ok) throw new Error(what);
}

/** Points of an SVG path's d attribute (every M or L command is one point; the lab's paths use no others). */
const pointsOf = (d) => (d.match(/[ML]/g) ?? []).length;

export async function labPage(page, origin, gen) {
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("requestfailed", (r) => errors.push(`request failed: ${r.url()}`));
  page.on("request", (r) => !r.url().startsWith(origin) && !r.url().startsWith("data:") && errors.push(`request to another origin: ${r.url()}`));
  const noErrors = async (when) => {
    const shown = (await page.textContent("#errors")).trim();
    check(errors.length === 0 && shown === "", `${when}: ${[...errors, shown].filter(Boolean).join(" / ")}`);
  };

  await page.goto(`${origin}/examples/browser/index.html`);
  await page.waitForFunction(() => ["idle", "error"].includes(document.getElementById("status").dataset.state), null, { timeout: 20_000 });
  await noErrors("on load");

  // bad input is shown on the page, naming the field
  await page.fill("#seed", "-1");
  await page.click("#run");
  const shown = await page.textContent("#errors");
  check(/^Seed must be a whole number ≥ 0; received "-1"/.test(shown), `a seed of -1 showed ${JSON.stringify(shown)}`);
  await page.fill("#seed", "0");

  // Stop ends the worker mid-run: the state says so, the curves stop growing, Run is offered again
  await page.selectOption("#size", "full");
  await page.click("#run");
  await page.waitForFunction(() => document.querySelectorAll("#curves path.series").length > 0, null, { timeout: RUN_TIMEOUT_MS });
  await page.click("#stop");
  const stopped = await page.$eval("#status", (s) => ({ state: s.dataset.state, text: s.textContent, d: [...document.querySelectorAll("#curves path.series")].map((p) => p.getAttribute("d")).join() }));
  await page.waitForTimeout(300);
  const later = await page.$$eval("#curves path.series", (ps) => ps.map((p) => p.getAttribute("d")).join());
  check(stopped.state === "stopped" && /^stopped after \d+ of 4 runs$/.test(stopped.text), `after Stop the status is '${stopped.state}': ${stopped.text}`);
  check(later === stopped.d, "the curves kept changing after Stop");
  check(await page.isEnabled("#run") && !(await page.isEnabled("#stop")), "after Stop, Run is not enabled again (or Stop still is)");
  await page.selectOption("#size", "quick");
  await noErrors("after Stop");

  // the default quick run: digits with relu, tanh, sigmoid and gelu
  const labels = await page.$$eval("#cells input:checked", (boxes) => boxes.map((b) => b.parentElement.textContent.trim()));
  check([...labels].sort().join(",") === "gelu,relu,sigmoid,tanh", `default runs: expected gelu, relu, sigmoid and tanh; the page checked ${labels.join(",")}`);
  const started = Date.now();
  await page.click("#run");
  await page.waitForFunction(() => ["done", "error", "stopped"].includes(document.getElementById("status").dataset.state), null, { timeout: RUN_TIMEOUT_MS });
  const wallMs = Date.now() - started;
  await noErrors("after the run");
  const state = await page.$eval("#status", (s) => ({ ...s.dataset, text: s.textContent }));
  check(state.state === "done", `the run ended '${state.state}': ${state.text}`);

  const epochs = await page.$$eval("#results tbody tr", (rows) => rows.map((r) => Number(r.dataset.epochs)));
  const metrics = await page.$$eval("#results tbody tr", (rows) => rows.map((r) => Number(r.dataset.metric)));
  check(metrics.length === labels.length, `results table: ${metrics.length} rows for ${labels.length} runs`);
  check(metrics.every((m) => Number.isFinite(m) && m > 0.5 && m <= 1), `results table: accuracies ${metrics.join(", ")} (expected finite, above chance)`);
  check(epochs.every((e) => e === epochs[0] && e > 1), `results table: epochs ${epochs.join(", ")}`);

  // one path per run in each panel (training, validation), as many points as epochs
  const paths = await page.$$eval("#curves svg .panel", (panels) => panels.map((p) => [...p.querySelectorAll("path.series")].map((s) => ({ label: s.dataset.label, d: s.getAttribute("d") }))));
  check(paths.length === 2, `curves: ${paths.length} panels (expected training and validation)`);
  for (const panel of paths) {
    check(panel.map((p) => p.label).join(",") === labels.join(","), `curves: lines ${panel.map((p) => p.label).join(",")} for runs ${labels.join(",")}`);
    const counts = panel.map((p) => pointsOf(p.d));
    check(counts.every((n) => n === epochs[0]), `curves: ${counts.join(", ")} points per line for ${epochs[0]} epochs`);
  }

  const metricLines = await page.$$eval("#metric-curves path.series", (ps) => ps.map((p) => p.getAttribute("d").match(/[ML]/g).length));
  check(metricLines.length === labels.length && metricLines.every((n) => n === epochs[0]), `metric chart: points per line ${metricLines.join(", ")} for ${labels.length} runs of ${epochs[0]} epochs`);

  const beat = await page.$eval("#heartbeat", (h) => ({ ticks: Number(h.dataset.ticks), maxGap: Number(h.dataset.maxGapMs) }));
  const runMs = Number(state.runMs);
  check(beat.ticks >= (runMs / 50) * 0.5 && beat.maxGap < MAX_GAP_MS, `the page was not responsive during the ${runMs.toFixed(0)} ms run: ${beat.ticks} timer ticks, longest gap ${beat.maxGap} ms`);

  await page.click("#speed");
  await page.waitForFunction(() => ["done", "error", "stopped"].includes(document.getElementById("status").dataset.state), null, { timeout: SPEED_TIMEOUT_MS });
  await noErrors("after Measure speed");
  const speed = await page.$$eval("#speed-table tbody tr", (rows) => rows.map((r) => ({ build: r.dataset.build, ms: r.dataset.ms === "null" ? null : Number(r.dataset.ms) })));
  check(speed.map((r) => r.build).join(",") === "scalar,simd,relaxed", `speed table rows: ${speed.map((r) => r.build).join(",")}`);
  for (const r of speed.slice(0, 2)) check(Number.isFinite(r.ms) && r.ms > 0, `speed table: ${r.build} ${r.ms} ms`);
  const relaxed = speed[2].ms;
  check(relaxed === null || (Number.isFinite(relaxed) && relaxed > 0), `speed table: relaxed ${relaxed} ms`);
  check(await page.$("#speed-chart svg") !== null, "speed table filled but no bar chart drawn");

  await page.screenshot({ path: join(gen, "lab-page.png"), fullPage: true });
  const ms = (v) => (v === null ? "n/a" : `${v.toFixed(1)} ms`);
  return `ok: ${labels.length} digits runs × ${epochs[0]} epochs in ${(runMs / 1000).toFixed(1)} s (click to done ${(wallMs / 1000).toFixed(1)} s), ` +
    `page timer ${beat.ticks} ticks, longest gap ${beat.maxGap} ms; epoch scalar ${ms(speed[0].ms)}, simd ${ms(speed[1].ms)}, relaxed ${ms(relaxed)}; screenshot gen/lab-page.png`;
}
