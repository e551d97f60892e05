// init({ threads }): validated on every host before anything loads, so a bad value is an error everywhere,
// while a host that cannot run threads only lowers the count (setup.ts) and says why.
import { show, ValueError } from "../errors.js";

/** `init({ threads })`: a whole number ≥ 1, or 'auto' (the cores the host reports, at most {@link MAX_AUTO_THREADS}). */
export type ThreadsOption = number | "auto";

/**
 * The cap of 'auto'. Past ~8 threads the GEMM shares of the layer sizes simdnn serves (a few hundred
 * columns) fall under the work threshold, and a server running one instance per request should not start
 * a worker per core for each; a larger explicit number is still accepted.
 */
export const MAX_AUTO_THREADS = 8;
/** The largest explicit count: beyond it each worker's instance and workspace cost more than they bring. */
export const MAX_THREADS = 64;

/** The cores the host reports: navigator.hardwareConcurrency (browsers, Deno, Bun, Node ≥ 21), else os.availableParallelism. */
export function hostCores(): number {
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  if (typeof nav?.hardwareConcurrency === "number" && nav.hardwareConcurrency >= 1) return nav.hardwareConcurrency;
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const os = proc?.getBuiltinModule?.("os") as { availableParallelism?: () => number; cpus?: () => unknown[] } | undefined;
  const n = os?.availableParallelism?.() ?? os?.cpus?.().length;
  return typeof n === "number" && n >= 1 ? n : 1;
}

/** The thread count init asks for, and, for 'auto' on a one-core host, why it is 1. Throws ValueError on a bad value. */
export function checkThreads(value: unknown): { count: number; reason?: string } {
  if (value === undefined) return { count: 1 };
  if (value === "auto") {
    const cores = hostCores();
    return cores > 1 ? { count: Math.min(cores, MAX_AUTO_THREADS) } : { count: 1, reason: "the host reports one core" };
  }
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new ValueError(`init: threads must be a whole number from 1 to ${MAX_THREADS}, or 'auto'; received ${show(value)}.`);
  }
  return { count: value };
}
