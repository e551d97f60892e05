import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/helpers/setup.ts"],
    pool: "forks",
    // Node 20 ships relaxed SIMD behind a flag; the suite tests all three builds on every run.
    execArgv: ["--experimental-wasm-relaxed-simd"],
    testTimeout: 60_000,
  },
});
