// The published declarations, as a user's project sees them: test/fixtures/consumer is a small project
// that imports "simdnn", "simdnn/onnx" and "simdnn/safetensors" through the package's "exports" map,
// with strict: true, skipLibCheck: false (tsc's default) and `using`. The package is laid out as npm
// would install it (package.json + dist's .d.ts files in node_modules/simdnn of a temporary copy).
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const TSC = join(root, "node_modules/typescript/bin/tsc");

/** Every file under `dir` whose name passes `keep`, with its path relative to `dir`. */
function filesUnder(dir: string, keep: (name: string) => boolean, prefix = ""): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? filesUnder(dir, keep, join(prefix, e.name)) : keep(e.name) ? [join(prefix, e.name)] : [],
  );
}

/** dist's declarations are as new as src/ (npm test builds first); else they are emitted afresh below. */
function distIsFresh(): boolean {
  const index = join(root, "dist/index.d.ts");
  if (!existsSync(index)) return false;
  const newestSource = Math.max(...filesUnder(join(root, "src"), (n) => n.endsWith(".ts")).map((f) => statSync(join(root, "src", f)).mtimeMs));
  return statSync(index).mtimeMs >= newestSource;
}

/** Runs tsc on one of the consumer's tsconfigs: the diagnostics as "file(line,col): error TSxxxx", [] when clean. */
function typeCheck(dir: string, config: string): string[] {
  try {
    // skipDefaultLibCheck skips TypeScript's own lib files only (lib.dom.d.ts is most of the time): simdnn's are checked
    execFileSync(process.execPath, [TSC, "-p", join(dir, config), "--pretty", "false", "--skipDefaultLibCheck"], { cwd: dir, encoding: "utf8" });
    return [];
  } catch (e) {
    const out = String((e as { stdout?: string }).stdout ?? e);
    const errors = out.split("\n").filter((l) => / error TS\d+/.test(l));
    if (errors.length === 0) throw e; // tsc itself failed (no diagnostics): show why
    return errors;
  }
}

describe("a user's project type-checks against the published declarations", () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), "simdnn-consumer-"));
    cpSync(join(root, "test/fixtures/consumer"), project, { recursive: true });
    const pkg = join(project, "node_modules/simdnn");
    mkdirSync(pkg, { recursive: true });
    cpSync(join(root, "package.json"), join(pkg, "package.json"));
    if (distIsFresh()) {
      for (const f of filesUnder(join(root, "dist"), (n) => n.endsWith(".d.ts"))) {
        mkdirSync(join(pkg, "dist", f, ".."), { recursive: true });
        cpSync(join(root, "dist", f), join(pkg, "dist", f));
      }
    } else {
      // the build's own declaration step (tsconfig.build.json: stripInternal), written into the copy only.
      // tsc emits even when src/ has type errors of its own: those are `npm run typecheck`'s to report.
      spawnSync(process.execPath, [TSC, "-p", join(root, "tsconfig.build.json"), "--outDir", join(pkg, "dist")], { cwd: root });
      if (!existsSync(join(pkg, "dist/index.d.ts"))) throw new Error("tsc -p tsconfig.build.json emitted no declarations");
    }
  }, 60_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  // One tsc run checks index.ts (must be clean) and wrong.ts (must fail exactly as listed) together: each
  // run spends most of its time checking the declarations themselves, so fewer runs keep this test fast.
  it("compiles index.ts with no error and refuses each mistake in wrong.ts (moduleResolution bundler)", () => {
    const errors = typeCheck(project, "tsconfig.json");
    const outside = errors.filter((e) => !e.startsWith("wrong.ts("));
    // init, using, a model, typed kernels, gemmRaw(nn.rt…), loadLayersModel, simdnn/onnx, simdnn/safetensors;
    // and no error inside node_modules/simdnn: every declaration resolves what it references
    expect(outside).toEqual([]);
    const byLine = errors.map((e) => /^wrong\.ts\((\d+),\d+\): error (TS\d+)/.exec(e)?.slice(1).join(" ") ?? e);
    // a misspelt kernel, a wrong kernel arity, unknown matmul and init option keys, a wrong backend, a write to the exports
    expect(byLine).toEqual(["6 TS2551", "7 TS2554", "8 TS2561", "9 TS2561", "10 TS2322", "11 TS2540"]);
    expect(errors[0]).toMatch(/'act_reluu' does not exist on type 'Kernels'. Did you mean 'act_relu'/);
    expect(errors[2]).toMatch(/'transposeb'.*Did you mean to write 'transposeB'/);
    expect(errors[3]).toMatch(/'backnd'.*Did you mean to write 'backend'/);
  }, 30_000);

  it("compiles index.ts with no error under moduleResolution node16 (the exports map's types conditions)", () => {
    expect(typeCheck(project, "tsconfig.node16.json")).toEqual([]);
  }, 30_000);
});
