/**
 * simdnn/threads: the code behind init({ threads }) (the shared-memory build, the worker pool). Unbundled,
 * init({ threads }) loads it by itself; bundled code that wants threads imports this entry once:
 * `import "simdnn/threads";` (without it the instance runs on one thread and nn.threadsReason says why).
 */
// The main entry as a whole, so its modules form one chunk that every entry shares (fewer files to load).
import "./index.js";
import * as setup from "./threads/setup.js";
import { registerThreads } from "./threads/registry.js";

registerThreads(setup);

export type { ThreadsOption } from "./threads/options.js";
