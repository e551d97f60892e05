// dist/*.js from src/ with esbuild, in two passes, so that the main entry is ONE file:
//
// 1. The secondary entries (simdnn/onnx, /safetensors, /keras, /lab, /threads, /datasets, /embedded, the CLI and the
//    threads builds' URLs) are bundled with code splitting among themselves. Every module they import from the
//    main entry's graph becomes a bridge that takes the main entry's own instance of that module (one class per
//    error, one registry, one Sequential): `export const { names } = __simdnnInternals["src/x.ts"]`, imported from
//    dist/index.js.
// 2. The main entry is bundled alone, without splitting, and exports `__simdnnInternals`: the namespaces of the
//    modules the bridges asked for.
//
// Why: with one splitting build the main entry's code was shared with every secondary entry and so sat in chunks;
// an import of 'simdnn' loaded 4–6 files, and each costs Node 20 ~1–2 ms of module loading at every cold start
// (one file: import 19 → 15 ms, bench/RESULTS.md 2026-12-07). Bundlers see no difference: they bundle either way.
import { readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const MAIN = "__simdnn_main_entry__";
const SECONDARY = ["datasets", "embedded", "onnx", "safetensors", "keras", "lab", "threads", "cli", "threads/wasm_files"];

const common = (root) => ({
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  // Not minified beyond syntax: Node prints the throwing source line of an uncaught error (a minified bundle
  // is one long line) and the error's class name (minified identifiers print "p [BackendError]").
  minifySyntax: true,
  sourcemap: true,
  // file:// handlers and old Nodes import node:fs lazily; Node, Deno and Bun resolve it, other hosts never run it
  external: ["node:*"],
  absWorkingDir: root,
  metafile: true,
  logLevel: "warning",
});

export async function bundle(esbuild, root) {
  const key = (abs) => relative(root, abs).split("\\").join("/");
  // the main entry's module graph (what pass 2 will contain)
  const graph = await esbuild.build({ ...common(root), entryPoints: [join(root, "src/index.ts")], write: false, sourcemap: false });
  const inMain = new Set(Object.keys(graph.metafile.inputs));

  // the names each bridged module exports (types are erased by then)
  const exportsOf = new Map();
  async function namesOf(file) {
    if (!exportsOf.has(file)) {
      const one = await esbuild.build({ entryPoints: [join(root, file)], bundle: false, write: false, metafile: true, format: "esm", logLevel: "silent" });
      exportsOf.set(file, Object.values(one.metafile.outputs)[0].exports);
    }
    return exportsOf.get(file);
  }

  // ---- pass 1: the secondary entries, bridged to the main entry
  rmSync(join(root, "dist/chunks"), { recursive: true, force: true }); // content-hashed names: drop old ones
  const bridged = new Set();
  const second = await esbuild.build({
    ...common(root),
    entryPoints: SECONDARY.map((e) => join(root, `src/${e}.ts`)),
    outdir: join(root, "dist"),
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    // simdnn/embedded's import("./wasm/x.wasm"): the file's bytes as a Uint8Array in a lazy chunk of its own
    loader: { ".wasm": "binary" },
    plugins: [{
      name: "bridge-to-main-entry",
      setup(b) {
        b.onResolve({ filter: new RegExp(`^${MAIN}$`) }, () => ({ path: MAIN, external: true }));
        b.onResolve({ filter: /^\.\.?\// }, async (args) => {
          if (args.namespace === "bridge" || args.pluginData === "bridge") return undefined;
          const r = await b.resolve(args.path, { kind: args.kind, resolveDir: args.resolveDir, importer: args.importer, pluginData: "bridge" });
          if (r.errors.length || !inMain.has(key(r.path))) return undefined;
          return { path: key(r.path), namespace: "bridge" };
        });
        b.onLoad({ filter: /.*/, namespace: "bridge" }, async ({ path }) => {
          if (path === "src/index.ts") return { contents: `export * from "${MAIN}";`, loader: "js" };
          bridged.add(path);
          // a bridge copies each binding once, when the secondary entry loads: a `let` reassigned later would go stale
          if (/^export\s+(let|var)\b/m.test(readFileSync(join(root, path), "utf8"))) throw new Error(`bundle: ${path} exports a let or var; bridges need constant bindings`);
          const names = await namesOf(path);
          if (names.includes("default")) throw new Error(`bundle: ${path} has a default export; bridges carry named exports only`);
          return { contents: `import { __simdnnInternals as i } from "${MAIN}";\nexport const { ${names.join(", ")} } = i[${JSON.stringify(path)}];\n`, loader: "js" };
        });
      },
    }],
  });

  // ---- pass 2: the main entry, one file, with the namespaces the bridges read
  // plain objects of named imports rather than `import * as` namespaces: esbuild builds a namespace with calls a
  // user's bundler cannot drop, while an unused object literal is dropped with everything only it uses
  const list = [...bridged].sort();
  const names = await Promise.all(list.map(namesOf));
  const entry = [
    `export * from "./src/index.ts";`,
    ...list.map((f, i) => `import { ${names[i].map((n) => `${n} as m${i}_${n}`).join(", ")} } from "./${f}";`),
    `/** @internal simdnn's secondary entries (simdnn/onnx, …) read the main entry's modules here. */`,
    `export const __simdnnInternals = { ${list.map((f, i) => `${JSON.stringify(f)}: { ${names[i].map((n) => `${n}: m${i}_${n}`).join(", ")} }`).join(", ")} };`,
  ].join("\n");
  const main = await esbuild.build({
    ...common(root),
    stdin: { contents: entry, resolveDir: root, sourcefile: "<the main entry: src/index.ts and the bridged modules>", loader: "ts" },
    outfile: join(root, "dist/index.js"),
    plugins: [{
      name: "main-entry-externals",
      setup(b) {
        // the threads builds' URLs are an entry of their own (dist/threads/wasm_files.js), imported when threads
        // are asked for: kept a file so its "../wasm/…" paths stay true
        b.onResolve({ filter: /^\.\/threads\/wasm_files\.js$/ }, () => ({ path: "./threads/wasm_files.js", external: true }));
      },
    }],
  });
  for (const [out, meta] of Object.entries(main.metafile.outputs)) {
    if (out.endsWith(".js") && meta.imports.some((i) => !i.external)) throw new Error(`bundle: the main entry imports ${meta.imports.filter((i) => !i.external).map((i) => i.path)}; it must be one file`);
  }

  // ---- the bridges' import of the main entry, relative to each output of pass 1
  for (const out of Object.keys(second.metafile.outputs).filter((o) => o.endsWith(".js"))) {
    const file = join(root, out);
    const text = readFileSync(file, "utf8");
    if (!text.includes(`"${MAIN}"`)) continue;
    let to = relative(join(file, ".."), join(root, "dist/index.js")).split("\\").join("/");
    if (!to.startsWith(".")) to = `./${to}`;
    writeFileSync(file, text.replaceAll(`"${MAIN}"`, JSON.stringify(to)));
  }
  const left = readdirSync(join(root, "dist"), { recursive: true }).filter((f) => String(f).endsWith(".js") && readFileSync(join(root, "dist", String(f)), "utf8").includes(MAIN));
  if (left.length) throw new Error(`bundle: ${left.join(", ")} still name ${MAIN}`);
  return { bridged: list };
}
