// fit's turns for the event loop (tfjs' yieldEvery): without them no timer fires during training, a
// page freezes and a server stops answering its health checks. 'auto' reads the clock once per batch
// (tens of nanoseconds) and yields after 25 ms of work, so a step of a few microseconds pays almost
// nothing and a long step yields after each batch.
import { show, ValueError } from "../errors.js";

/** 'auto' (default), 'batch', 'epoch', 'never', or milliseconds between turns. */
export type YieldEvery = "auto" | "batch" | "epoch" | "never" | number;

/** Work between two turns under 'auto': under two 60 Hz frames, well under any health-check timeout. */
const AUTO_MS = 25;

export function checkYieldEvery(v: unknown): void {
  if (v === undefined || v === "auto" || v === "batch" || v === "epoch" || v === "never") return;
  if (typeof v === "number" && Number.isFinite(v) && v >= 0) return;
  throw new ValueError(`fit yieldEvery must be 'auto', 'batch', 'epoch', 'never' or a number of milliseconds ≥ 0; received ${show(v)}.`);
}

type Scheduler = { yield?: () => Promise<void> };
type Timers = { setImmediate?: (f: () => void) => unknown; scheduler?: Scheduler };

/**
 * One macrotask turn, the cheapest way the host has: scheduler.yield (Chromium), setImmediate (Node,
 * Bun: due timers and I/O run first), a MessageChannel message (browsers, Deno, Workers; no 4 ms clamp
 * as nested setTimeout has), else setTimeout 0.
 */
export function nextTurn(): Promise<void> {
  const g = globalThis as unknown as Timers;
  if (typeof g.scheduler?.yield === "function") return g.scheduler.yield();
  if (typeof g.setImmediate === "function") return new Promise((resolve) => void g.setImmediate!(resolve));
  if (typeof MessageChannel === "function") {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Decides, per batch and per epoch, whether fit yields now. */
export class Yielder {
  readonly #ms: number;
  readonly #perBatch: boolean;
  readonly #perEpoch: boolean;
  #last = performance.now();

  constructor(every: YieldEvery) {
    this.#ms = typeof every === "number" ? every : every === "auto" ? AUTO_MS : Infinity;
    this.#perBatch = every === "batch";
    this.#perEpoch = every === "epoch";
  }

  afterBatch(): boolean {
    if (this.#perBatch) return true;
    return this.#ms !== Infinity && performance.now() - this.#last >= this.#ms;
  }

  afterEpoch(): boolean {
    return this.#perEpoch;
  }

  async yield(): Promise<void> {
    await nextTurn();
    this.#last = performance.now();
  }
}
