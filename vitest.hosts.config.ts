// `pnpm test:hosts`: the Ansible roles on real hosts (tests/hosts): a bastion and Jenkins booted as
// Debian 12 machines with systemd-nspawn (scripts/hosts), converged twice by the global setup.
// A step of its own in the test command; needs root. The files share the hosts, so they run one
// after the other in one worker, converge.hosts.ts last: its last test awaits the run of a
// non-idempotent copy of the roles that the global setup starts, while the other files run.
import { basename } from "node:path";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

class ConvergeLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const last = (file: TestSpecification) => (basename(file.moduleId) === "converge.hosts.ts" ? 1 : 0);
    return [...files].sort((a, b) => last(a) - last(b) || a.moduleId.localeCompare(b.moduleId));
  }
}

export default defineConfig({
  test: {
    include: ["tests/hosts/**/*.hosts.ts"],
    globalSetup: ["tests/hosts/support/global-setup.ts"],
    sequence: { sequencer: ConvergeLast },
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
