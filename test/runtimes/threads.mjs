// Threads in each runtime (issue 18): init({ threads: 2 }) and a GEMM and dense layer split over the pool
// give the bits of one thread; workers start from a blob: module (Deno, Bun, pages) or an eval worker (Node).
// Prints one line: the threads used (or the fallback's reason) and whether the bits match. Exits by itself
// without nn.dispose() (the workers are unref'd) unless it says otherwise.
import { threadsCheck } from "./threads_check.mjs";

console.log(await threadsCheck());
