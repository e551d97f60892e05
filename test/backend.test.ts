import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { KERNEL_ARITY } from "../src/generated/kernels.js";
import { BackendError, backendSupport, init, ValueError } from "../src/index.js";
import { BUILDS } from "./helpers/backends.js";

const distWasm = (b: string) => readFileSync(fileURLToPath(new URL(`../dist/wasm/${b}.wasm`, import.meta.url)));

describe("init", () => {
  it.each(BUILDS)("runs the %s build when asked", async (backend) => {
    const nn = await init({ backend });
    expect(nn.backend).toBe(backend);
  });

  it("auto picks the best build the host validates", async () => {
    expect(backendSupport("relaxed-simd").ok).toBe(true); // vitest runs with --experimental-wasm-relaxed-simd
    expect((await init()).backend).toBe("relaxed-simd");
  });

  it("runs from a precompiled module or raw bytes and names the build it was given", async () => {
    for (const b of BUILDS) {
      const module = await WebAssembly.compile(distWasm(b));
      expect((await init({ module })).backend).toBe(b);
      expect((await init({ module: distWasm(b) })).backend).toBe(b);
    }
    await expect(init({ backend: "scalar", module: distWasm("simd") })).rejects.toThrow(/asked for backend 'scalar' but the module given is the 'simd' build/);
  });

  it("rejects unknown backends and foreign modules with clear errors", async () => {
    await expect(init({ backend: "gpu" as never })).rejects.toThrow(/Unknown backend "gpu"; expected one of: auto, relaxed-simd, simd, scalar/);
    await expect(init({ module: new Uint8Array([1, 2, 3]) })).rejects.toThrow(BackendError);
    const empty = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);
    await expect(init({ module: empty })).rejects.toThrow(/not a simdnn build/);
    await expect(init({ module: "x" as never })).rejects.toThrow(/expects a WebAssembly.Module/);
  });

  it("refuses unknown or misspelt init options, naming the accepted ones (a typo must not silently mean 'auto')", async () => {
    await expect(init({ backnd: "simd" } as never)).rejects.toThrow(/init: unknown option "backnd"; expected some of: backend, module, threads\./);
    await expect(init({ backend: "simd", wasm: 1 } as never)).rejects.toThrow(ValueError);
    await expect(init(null as never)).rejects.toThrow(/init options must be an object; received null/);
    await expect(init([] as never)).rejects.toThrow(ValueError);
    expect((await init({ backend: "simd", module: undefined })).backend).toBe("simd");
  });

  it("exports exactly the kernels of the generated interface, each with its parameter count", async () => {
    for (const b of BUILDS) {
      const exports = (await init({ backend: b })).kernels as unknown as Record<string, unknown>;
      const functions = Object.keys(exports).filter((k) => typeof exports[k] === "function");
      expect(functions.sort()).toEqual(Object.keys(KERNEL_ARITY).sort());
      for (const [name, arity] of Object.entries(KERNEL_ARITY)) expect([name, (exports[name] as (...a: number[]) => unknown).length]).toEqual([name, arity]);
    }
  });

  it("refuses a module of another version that lacks kernels, listing them", async () => {
    // memory and mem_build_id() → 0 (the scalar build's id), nothing else: what an old or foreign build looks like
    const type = [1, 5, 1, 0x60, 0, 1, 0x7f], func = [3, 2, 1, 0], memory = [5, 3, 1, 0, 1];
    const name = (s: string) => [s.length, ...Array.from(s, (c) => c.charCodeAt(0))];
    const exportsSection = [2, ...name("memory"), 2, 0, ...name("mem_build_id"), 0, 0];
    const code = [10, 6, 1, 4, 0, 0x41, 0, 0x0b];
    const module = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, ...type, ...func, ...memory, 7, exportsSection.length, ...exportsSection, ...code]);
    const error = await init({ module }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect((error as Error).message).toMatch(/is a simdnn build of another version: mem_alloc missing; mem_free missing; .*; and \d+ more\./);
  });

  it("explains why relaxed SIMD is missing on a Node without the flag", () => {
    const script = `import('${new URL("../dist/index.js", import.meta.url).href}').then(m => m.init({ backend: 'relaxed-simd' })).then(() => console.log('loaded'), e => console.log(e.name + ': ' + e.message))`;
    const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    if (Number(process.versions.node.split(".")[0]) < 22) {
      expect(out).toMatch(/BackendError: Backend 'relaxed-simd' is not available: .*--experimental-wasm-relaxed-simd/);
    } else {
      expect(out).toMatch(/loaded/);
    }
  });

  // process.getBuiltinModule arrived in Node 20.16; older Nodes import node:fs instead (the second case below).
  it.skipIf(!("getBuiltinModule" in process))("reads the .wasm beside the bundle; without fs it says what to do; simdnn/embedded reads no file", () => {
    const dist = new URL("../dist/", import.meta.url).href;
    const run = (prelude: string, entries = "") =>
      execFileSync(process.execPath, ["--input-type=module", "-e", `${prelude}; ${entries} const m = await import('${dist}index.js'); try { const nn = await m.init({ backend: 'simd' }); console.log(nn.backend, nn.sum(nn.tensor([1, 2, 3]))); } catch (e) { console.log(e.name + ': ' + e.message); }`], { encoding: "utf8" }).trim();
    const spy = "const fs = process.getBuiltinModule('fs'); const read = fs.readFileSync; globalThis.reads = []; fs.readFileSync = (p, ...r) => { reads.push(String(p)); return read(p, ...r); }";
    const count = "process.on('exit', () => console.log(reads.filter((p) => p.endsWith('/dist/wasm/simd.wasm')).length))";
    expect(run(`${spy}; ${count}`)).toBe("simd 6\n1");
    expect(run("process.getBuiltinModule = undefined")).toBe("simd 6"); // Node < 20.16: node:fs/promises
    const refused = run("process.getBuiltinModule('fs').readFileSync = () => { throw new Error('EACCES') }");
    expect(refused).toMatch(/^BackendError: Could not load the 'simd' build \(EACCES\)\. .*import 'simdnn\/embedded'/);
    // the embedded builds: no file read at all, same answer
    expect(run(`${spy}; ${count}`, `await import('${dist}embedded.js');`)).toBe("simd 6\n0");
  });

  it("lets several instances live side by side with separate memories", async () => {
    const a = await init({ backend: "scalar" });
    const b = await init({ backend: "simd" });
    const ta = a.tensor([1, 2]);
    const tb = b.tensor([3, 4, 5]);
    expect(a.sum(ta)).toBe(3);
    expect(b.sum(tb)).toBe(12);
    expect(a.kernels.memory).not.toBe(b.kernels.memory);
    // the same build twice: compiled once per process, but each instance has its own memory
    const c = await init({ backend: "simd" });
    const tc = c.tensor([7, 8]);
    expect(c.kernels.memory).not.toBe(b.kernels.memory);
    expect([b.sum(tb), c.sum(tc)]).toEqual([12, 15]);
  });
});
