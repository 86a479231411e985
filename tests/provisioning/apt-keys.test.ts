import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AnsibleSandbox, createSandbox, fixtures, runTool, venvPython } from "./support";

// The common role's signing-key check (roles/common/tasks/apt-key.yml), run by Ansible itself on
// local fixture keys (Debian's public release keys) into a scratch keyring folder: one
// ansible-playbook run for every case, each test reads its case's outcome.
const BOOKWORM = "4D64FEC119C2029067D6E791F8D2585B8783D481";
const TRIXIE = "41587F7DB8C774BCCF131416762F67A0B2C39DE4";

let sandbox: AnsibleSandbox;
let keyrings: string;
let result: { outcomes: Record<string, string>; files: string[] };

beforeAll(() => {
  sandbox = createSandbox();
  keyrings = join(sandbox.dir, "keyrings");
  const resultFile = join(sandbox.dir, "apt-keys.json");
  const run = runTool(sandbox, "ansible-playbook", [
    ...["-i", "localhost,", "-c", "local", join(fixtures, "apt-keys.yml")],
    ...["-e", `common_apt_keyring_dir=${keyrings}`, "-e", `result_file=${resultFile}`],
    ...["-e", `ansible_python_interpreter=${venvPython}`],
  ]);
  if (run.status !== 0) throw new Error(`the key check fixture failed:\n${run.transcript}`);
  result = JSON.parse(readFileSync(resultFile, "utf8"));
});

afterAll(() => rmSync(sandbox.dir, { recursive: true, force: true }));

describe("a third-party apt signing key is trusted only with its pinned fingerprints", () => {
  it("trusts a key whose fingerprint is the pinned one (written in groups of four, lower case)", () => {
    expect(result.outcomes.pinned).toBe("trusted");
    expect(readFileSync(join(keyrings, "pinned.asc"), "utf8")).toBe(
      readFileSync(join(fixtures, "apt-key-one.asc"), "utf8"),
    );
  });

  it("refuses a key with another fingerprint, names both, and leaves nothing behind for apt", () => {
    expect(result.outcomes.wrong).toContain(`has the fingerprints ${BOOKWORM}, not the pinned ${TRIXIE}`);
    expect(result.outcomes.wrong).toContain("it is not trusted and was deleted");
    expect(result.files.filter((file) => file.startsWith("wrong"))).toEqual([]);
  });

  it("refuses a key file that holds a key besides the pinned one", () => {
    expect(result.outcomes.extra).toContain(`has the fingerprints ${TRIXIE}, ${BOOKWORM}, not the pinned ${BOOKWORM}`);
    expect(result.files.filter((file) => file.startsWith("extra"))).toEqual([]);
  });

  it("trusts a key file with several keys when every one of them is pinned", () => {
    expect(result.outcomes.both).toBe("trusted");
  });

  it("refuses a pin that is no full fingerprint (a long key id) before downloading anything", () => {
    expect(result.outcomes.malformed).toContain("40-hex-digit fingerprints");
    expect(result.files.filter((file) => file.startsWith("malformed"))).toEqual([]);
  });

  it("keeps only the trusted keys and their checked downloads", () => {
    expect(result.files.filter((file) => !file.startsWith("."))).toEqual([
      expect.stringMatching(/^both-[0-9a-f]{12}\.download$/),
      "both.asc",
      expect.stringMatching(/^pinned-[0-9a-f]{12}\.download$/),
      "pinned.asc",
    ]);
  });
});
