import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { BackendName } from "../../src/index.js";

/** The text form of a build (written by scripts/build.mjs next to the .wasm). */
export function watText(build: BackendName): string {
  return readFileSync(fileURLToPath(new URL(`../../build/${build}.wat`, import.meta.url)), "utf8");
}

/** Exported function name → its body plus the bodies of every function it calls, transitively. */
export function exportedBodies(wat: string): Map<string, string> {
  const bodies = new Map<string, string>();
  const starts = [...wat.matchAll(/^ \(func (\$\S+)/gm)];
  for (let i = 0; i < starts.length; i++) {
    const end = i + 1 < starts.length ? starts[i + 1].index : wat.length;
    bodies.set(starts[i][1], wat.slice(starts[i].index, end));
  }
  const closure = (name: string, seen: Set<string>): string => {
    if (seen.has(name)) return "";
    seen.add(name);
    const body = bodies.get(name) ?? "";
    return body + [...body.matchAll(/\bcall (\$[^\s)]+)/g)].map((m) => closure(m[1], seen)).join("");
  };
  const out = new Map<string, string>();
  for (const m of wat.matchAll(/\(export "([^"]+)" \(func (\$\S+)\)\)/g)) out.set(m[1], closure(m[2], new Set()));
  return out;
}
