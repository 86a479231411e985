import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { loadVars } from "../../config/load";
import { editFile, environmentsCopy, removeFile, resourceChanges } from "../support/identity";
import { synthPositionalNetwork } from "../support/positional-network";
import { synthPlatform } from "../support/synth";

const serviceEnvironment = (cidr: string) => `cidr: ${cidr}\nservice:\n  desiredCount: 1\n`;

/** A change a user makes to environments/, and the resources it may change besides adding new ones. */
interface Scenario {
  readonly name: string;
  readonly change: (dir: string) => void;
  /** Addresses (`<stack>: <type>.<name>`, prefixed "changed " or "removed ") this change may touch. */
  readonly allowed: (change: string) => boolean;
}

// Adding or removing an environment changes only resources that list environments: the build
// agent's policies (the services it may deploy: its inline policy and its three managed ones) and
// the plan role's state access (each stack's lock object).
const jenkinsPolicy = (change: string) =>
  /^changed mgmt: aws_iam_(role_policy\.(jenkins_build_agent_role_policy|terraform_plan_role_state_access)|policy\.jenkins_build_agent_(rollouts|observe|pass_roles)_policy)_/.test(
    change,
  );
// An environment with approval is deployed by a deploy agent of its own (new resources): the build
// agent's policy stays as it was, only the plan role's state access gains its lock object.
const planRoleOnly = (change: string) =>
  /^changed mgmt: aws_iam_role_policy\.terraform_plan_role_state_access_/.test(change);
/** What removing `dev` may remove: dev's own stack, its zone, delegation and DNSSEC (key-signing key,
 *  signing, DS record), its subnets and associations, its network ACL and the endpoints' rule that
 *  admits its private subnets. */
const devOwned = (change: string) =>
  /^removed (dev: |global: aws_route53_(zone|record|key_signing_key|hosted_zone_dnssec)\.dev_zone|network: aws_(subnet|route_table_association)\.network_dev_|network: aws_network_acl\.network_acls_dev_|network: aws_vpc_security_group_ingress_rule\.endpoints_ingress_443_from_dev_private_)/.test(
    change,
  );
// Adding a zone extends what spans every zone: load balancers and services get its subnet, the S3
// endpoint its route table, every interface endpoint its endpoint subnet, every network ACL its
// owner's new subnets. Nothing is replaced; no subnet's CIDR moves, no ACL rule changes.
const spansZones = (change: string) =>
  /^changed (\w+: aws_lb\.|\w+: aws_ecs_service\.|network: aws_vpc_endpoint\.|network: aws_network_acl\.)/.test(change);
const nothing = () => false;
/** dev is the one environment without approval: with it go the build agent's deploy policies. */
const lastOpenEnvironment = (change: string) =>
  /^removed mgmt: aws_iam_(policy|role_policy_attachment)\.jenkins_build_agent_(rollouts|observe|pass_roles)_/.test(
    change,
  );
/** Removing dev, as a user must: prod's promotion road leaves with it (`pnpm vars` refuses a dangling promoteFrom). */
const removeDev = (dir: string) => {
  removeFile(dir, "dev.yaml");
  editFile(dir, "prod.yaml", (text) => text.replace(/^ {4}promoteFrom: dev\n/m, ""));
};

const scenarios: Scenario[] = [
  {
    name: "adding an environment whose name sorts first",
    change: (dir) => writeFileSync(join(dir, "canary.yaml"), serviceEnvironment("10.0.48.0/20")),
    allowed: jenkinsPolicy,
  },
  {
    name: "adding an environment whose name sorts in the middle",
    change: (dir) => writeFileSync(join(dir, "perf.yaml"), serviceEnvironment("10.0.64.0/20")),
    allowed: jenkinsPolicy,
  },
  {
    name: "adding an environment whose name sorts last",
    change: (dir) => writeFileSync(join(dir, "staging.yaml"), serviceEnvironment("10.0.80.0/20")),
    allowed: jenkinsPolicy,
  },
  {
    name: "adding an environment with approval",
    change: (dir) =>
      writeFileSync(
        join(dir, "live.yaml"),
        `${serviceEnvironment("10.0.96.0/20")}  delivery:\n    promoteFrom: dev\n    approval: true\n`,
      ),
    allowed: planRoleOnly,
  },
  {
    name: "removing dev",
    change: removeDev,
    // prod promoted from dev: its deploy agent no longer reads dev's service.
    allowed: (change) =>
      jenkinsPolicy(change) ||
      devOwned(change) ||
      lastOpenEnvironment(change) ||
      /^changed mgmt: aws_iam_role_policy\.jenkins_deploy_agent_prod_role_policy_/.test(change),
  },
  {
    name: "adding an availability zone",
    change: (dir) =>
      editFile(dir, "common.yaml", (text) =>
        text.replace("    - eu-central-1b\n", "    - eu-central-1b\n    - eu-central-1c\n"),
      ),
    allowed: spansZones,
  },
  {
    name: "reordering the availability zones",
    change: (dir) =>
      editFile(dir, "common.yaml", (text) =>
        text.replace("    - eu-central-1a\n    - eu-central-1b\n", "    - eu-central-1b\n    - eu-central-1a\n"),
      ),
    allowed: nothing,
  },
  {
    name: "reordering the keys of an environment file",
    change: (dir) =>
      editFile(dir, "prod.yaml", (text) => {
        const document = parseDocument(text);
        const items = (document.contents as { items: unknown[] }).items;
        items.reverse();
        return document.toString();
      }),
    allowed: nothing,
  },
];

describe("stable identities: changing environments or zones never touches what runs", () => {
  const baseDir = environmentsCopy();
  const base = synthPlatform(loadVars(baseDir));
  const positionalBase = synthPositionalNetwork(loadVars(baseDir), baseDir);

  for (const { name, change, allowed } of scenarios) {
    it(`${name} leaves every other existing resource byte-identical`, () => {
      const dir = environmentsCopy(change);
      const after = synthPlatform(loadVars(dir));
      expect(resourceChanges(base, after).filter((entry) => !allowed(entry))).toEqual([]);
    });

    it(`${name} is caught on a deliberately positional network`, () => {
      const dir = environmentsCopy(change);
      const after = synthPositionalNetwork(loadVars(dir), dir);
      expect(resourceChanges(positionalBase, after).filter((entry) => !allowed(entry))).not.toEqual([]);
    });
  }

  it("removing dev removes dev's stack, zone, subnets, associations and network ACL, and nothing of anyone else", () => {
    const after = synthPlatform(loadVars(environmentsCopy(removeDev)));
    const removed = resourceChanges(base, after).filter((entry) => entry.startsWith("removed "));
    expect(removed.length).toBeGreaterThan(0);
    expect(removed.filter((entry) => !devOwned(entry) && !lastOpenEnvironment(entry))).toEqual([]);
    expect(removed).toContain(removed.find((entry) => entry.startsWith("removed global: aws_route53_zone.dev_zone")));
    expect(removed.filter((entry) => entry.includes("aws_subnet.network_dev_"))).toHaveLength(4);
    expect(removed).toContainEqual(expect.stringMatching(/^removed network: aws_network_acl\.network_acls_dev_/));
  });

  it("switching NAT from single to per-az changes only NAT: its gateways, addresses and the routes to them", () => {
    const dir = environmentsCopy((dir) =>
      editFile(dir, "common.yaml", (text) => text.replace("natGateways: single", "natGateways: per-az")),
    );
    const after = synthPlatform(loadVars(dir));
    expect(resourceChanges(base, after)).toEqual([
      expect.stringMatching(/^changed network: aws_route_table\.network_private_route_table_eu-central-1b_/),
    ]);
    const added = Object.keys(after.stack("network").json.resource.aws_nat_gateway);
    expect(added).toEqual([
      expect.stringMatching(/nat_gateway_eu-central-1a_/),
      expect.stringMatching(/nat_gateway_eu-central-1b_/),
    ]);
  });
});
