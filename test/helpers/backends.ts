import { type BackendName, init } from "../../src/index.js";
import type { NN } from "../../src/nn.js";

/** Every build, scalar first: tests run each case on all three (none is filtered out). */
export const BUILDS: readonly BackendName[] = ["scalar", "simd", "relaxed-simd"];

const cache = new Map<BackendName, Promise<NN>>();

/** One shared instance per build and test file. */
export function instance(backend: BackendName): Promise<NN> {
  let p = cache.get(backend);
  if (!p) cache.set(backend, (p = init({ backend })));
  return p;
}

/** All three instances, keyed by build. */
export async function instances(): Promise<Record<BackendName, NN>> {
  const [scalar, simd, relaxed] = await Promise.all(BUILDS.map(instance));
  return { scalar, simd, "relaxed-simd": relaxed };
}
