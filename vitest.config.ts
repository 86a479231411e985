import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "pipelines/**/*.test.ts"],
    exclude: ["**/node_modules/**"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // One moto server (AWS emulator, from .venv) on loopback for the run; tests inject its endpoint.
    globalSetup: ["pipelines/tests/support/global-setup.ts"],
  },
});
