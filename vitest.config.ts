import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

// Node 22.1+ keeps compiled bytecode here, so the many CLIs the tests spawn (`node --import tsx ...`)
// start faster from the second one on; older Node ignores the variable. Workers and their children
// inherit it from this process.
process.env.NODE_COMPILE_CACHE ??= resolve(import.meta.dirname, ".cache/node-compile");

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "pipelines/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // vitest's default is one worker fewer than the cores: one worker on a 2-core machine, idle
    // while a test waits for ansible-lint, moto or the JVM. One per core, and at least two.
    maxWorkers: Math.max(2, availableParallelism()),
    // Test files share a worker's module cache (cdktf and the provider load once per worker, not once
    // per file). Safe here: no test mocks modules or keeps global state beyond its own file's
    // variables; the one shared cache (tests/support/synth.ts) holds read-only synth results.
    isolate: false,
    // One moto server (AWS emulator, from .venv) on loopback for the run; tests inject its endpoint.
    globalSetup: ["pipelines/tests/support/global-setup.ts"],
  },
});
