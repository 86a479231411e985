/** What the global setup hands the host tests (`inject("hostsRun")`). */
import type { SshFiles } from "../../../scripts/hosts/ssh";
import type { RunResult } from "../../provisioning/support";
import type { AnsibleRun } from "./ansible";

export interface HostsRun {
  readonly stateDir: string;
  readonly ssh: SshFiles;
  readonly run: AnsibleRun;
  /** The first and the second `ansible-playbook site.yml`. */
  readonly converge: readonly RunResult[];
  /** A file written to JENKINS_HOME between the two converges. */
  readonly marker: { readonly path: string; readonly content: string };
  readonly admins: {
    readonly present: { readonly name: string; readonly key: string; readonly publicKey: string };
    /** A former admin: on the hosts before the first converge, `state: absent` in the vars. */
    readonly removed: string;
  };
  readonly timezone: string;
  /** JSON RunResult of the non-idempotent copy's run, written when it ends. */
  readonly brokenCopyResult: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    hostsRun: HostsRun;
  }
}
