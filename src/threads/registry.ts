// The threads code (setup.ts: the shared-memory build, the pool, the worker source) is the entry
// simdnn/threads, which registers itself here; init({ threads }) imports it beside dist when unbundled (see
// import_beside.ts). A bundle carries it only with `import "simdnn/threads"`: a Cloudflare Worker, which has
// no threads, stays ~3 KB smaller.
import { importBeside } from "../import_beside.js";

export type ThreadsSetup = typeof import("./setup.js");

let registered: ThreadsSetup | undefined;

/** Called by the entry simdnn/threads as it is imported. @internal */
export function registerThreads(setup: ThreadsSetup): void {
  registered = setup;
}

/** The registered threads code, importing the entry beside dist first when nothing registered yet. */
export async function threadsSetup(): Promise<ThreadsSetup | undefined> {
  if (!registered) await importBeside("threads.js");
  return registered;
}
