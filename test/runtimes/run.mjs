// npm run test:runtimes: dist/ in Node, Deno, Bun, workerd and headless Chromium, then the deploy examples
// (examples/serverless/, serverless.mjs) answering real requests in each; prints one line each and exits
// non-zero if any runtime computes a wrong value or fails to load. prepare.mjs first writes gen/ (a model
// saved by Node, Node's predictions with it, workerd's module list) for the others to check against.
import { execFileSync, spawn } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { labPage } from "./lab_page.mjs";
import { runServerless } from "./serverless.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "../..");
const bin = (name) => join(here, "node_modules/.bin", name);
const results = {};
// RUNTIMES=chromium,lab (parts of names) runs only those checks: for development; CI runs them all
const only = process.env.RUNTIMES?.split(",").filter(Boolean);
const run = (name, fn) => (only && !only.some((part) => name.includes(part)) ? Promise.resolve() : fn().then((r) => (results[name] = r.trim()), (e) => (results[name] = `FAILED: ${e.message.split("\n")[0]}`)));

const relaxed = "--experimental-wasm-relaxed-simd"; // Node 20 needs it; harmless later
try {
  execFileSync(process.execPath, [relaxed, join(here, "prepare.mjs")], { stdio: ["ignore", "ignore", "inherit"] });
} catch {
  console.error("prepare.mjs failed (is dist/ built? `npm run build`)");
  process.exit(1);
}
await run("node", async () => execFileSync(process.execPath, [relaxed, join(here, "smoke.mjs")], { encoding: "utf8" }));
await run("deno", async () => execFileSync(bin("deno"), ["run", "--allow-read", "--allow-write", "--allow-env=TMPDIR,TMP,TEMP", join(here, "smoke.mjs")], { encoding: "utf8" }));
await run("bun", async () => execFileSync(bin("bun"), [join(here, "smoke.mjs")], { encoding: "utf8" }));
for (const [name, cmd, args] of [["node", process.execPath, [relaxed]], ["deno", bin("deno"), ["run", "--allow-read"]], ["bun", bin("bun"), []]]) await run(`${name} threads`, async () => execFileSync(cmd, [...args, join(here, "threads.mjs")], { encoding: "utf8", timeout: 60_000 }));
await run("workerd", async () => {
  const proc = spawn(bin("workerd"), ["serve", join(here, "workerd.capnp")], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  try {
    for (let i = 0; i < 50 && proc.exitCode === null; i++) {
      try {
        return await (await fetch("http://127.0.0.1:8787/")).text();
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new Error(`workerd did not answer on 127.0.0.1:8787 ${stderr.trim().split("\n").slice(0, 2).join(" / ")}`);
  } finally {
    proc.kill();
  }
});
/**
 * Headless Chromium on a page of this checkout served by a loopback server: `fn(page, origin)`. The server
 * maps /examples/serverless/vendor/simdnn/ and /examples/browser/vendor/simdnn/ to dist/ (where the static
 * examples expect simdnn's files);
 * the browser and the server are closed whatever happens.
 */
async function chromium(fn) {
  if (!existsSync("/usr/bin/chromium")) throw new Error("no /usr/bin/chromium (apt-get install chromium)");
  const types = { ".html": "text/html", ".css": "text/css", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json", ".map": "application/json" };
  const vendor = /^\/examples\/(serverless|browser)\/vendor\/simdnn\//;
  const server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url, "http://x").pathname);
    const path = vendor.test(url) ? join(root, "dist", url.replace(vendor, "")) : join(root, url);
    if (!path.startsWith(root) || !existsSync(path) || !statSync(path).isFile()) return res.writeHead(404).end();
    // cross-origin isolated (every resource is same-origin), so pages may share WASM memory with workers
    const isolation = { "cross-origin-opener-policy": "same-origin", "cross-origin-embedder-policy": "require-corp" };
    res.writeHead(200, { "content-type": types[extname(path)] ?? "application/octet-stream", ...isolation }).end(readFileSync(path));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  let browser;
  try {
    const { chromium } = await import("playwright-core");
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    return await fn(page, `http://127.0.0.1:${server.address().port}`).catch((e) => {
      throw new Error(`${e.message.split("\n")[0]}${errors.length ? ` (page: ${errors.join(" / ")})` : ""}`);
    });
  } finally {
    await browser?.close();
    server.close();
  }
}
await run("chromium", () => chromium(async (page, origin) => {
  await page.goto(`${origin}/test/runtimes/page.html`);
  return page.waitForFunction(() => window.simdnnReport, null, { timeout: 20_000 }).then((h) => h.jsonValue());
}));
await run("chromium lab page", () => chromium((page, origin) => labPage(page, origin, join(here, "gen"))));
await run("chromium threads", () => chromium(async (page, origin) => {
  await page.goto(`${origin}/test/runtimes/threads_page.html`);
  if (!(await page.evaluate(() => globalThis.crossOriginIsolated))) throw new Error("the page is not cross-origin isolated");
  return page.waitForFunction(() => window.simdnnThreads, null, { timeout: 30_000 }).then((h) => h.jsonValue());
}));
await runServerless(run, { root, gen: join(here, "gen"), bin, chromium });

for (const [name, line] of Object.entries(results)) console.log(`${name.padEnd(20)} ${line}`);
const bad = Object.values(results).filter((l) => /FAILED|WRONG/.test(l));
process.exit(bad.length ? 1 : 0);
