// `pnpm test:scale`: the toolchain at the VPC's full complement of environments (tests/scale), a
// step of its own in the test command: the policy gate over every stack outlasts the unit budget.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/scale/**/*.scale.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
  },
});
