import { describe, expect, it } from "vitest";
import { ACCOUNT, allows, roleNamed, roleStatements } from "../support/iam";
import { platform } from "../support/synth";

/** What deploy-service asks of ECR for the images it rolls out (pipelines/src/deploy/scan.ts, markers.ts). */
const DEPLOY_IMAGE_ACTIONS = ["ecr:DescribeImageScanFindings", "ecr:BatchGetImage", "ecr:PutImage"];

describe("the Jenkins agents that run deploy-service may read scans and move the deployed- markers", () => {
  const mgmt = platform().stack("mgmt").json;
  // The repository's ARN reaches mgmt from the global stack's outputs (a cross-stack reference).
  const repository = String(
    /\$\{data\.terraform_remote_state\.[^}]*frontend_repositoryarn\}/.exec(JSON.stringify(mgmt))?.[0],
  );
  const agents = Object.values<Record<string, { metadata?: { path?: string } }>>(mgmt.resource.aws_iam_role)
    .map((role) => String(role["//"]?.metadata?.path ?? ""))
    .filter((path) => /jenkins_(build|deploy)_agent[^/]*\/host\/role$/.test(path))
    .map((path) => path.split("/").slice(1).join("/"));

  it("finds the build agent, a deploy agent and the repository", () => {
    expect(repository).toMatch(/^\$\{data\.terraform_remote_state\./);
    expect(agents).toEqual(
      expect.arrayContaining([
        "jenkins_build_agent/host/role",
        expect.stringMatching(/^jenkins_deploy_agent_prod\/host\/role$/),
      ]),
    );
  });

  it.each(DEPLOY_IMAGE_ACTIONS)("allows %s on the frontend repository to each of them, and nowhere else", (action) => {
    for (const agent of agents) {
      const { statements } = roleStatements(mgmt, roleNamed(mgmt, agent));
      expect(allows(statements, { action, resource: repository }), `${agent} ${action}`).toBe(true);
      const other = `arn:aws:ecr:${ACCOUNT.region}:${ACCOUNT.accountId}:repository/docker-hub/traefik/whoami`;
      expect(allows(statements, { action, resource: other }), `${agent} ${action} elsewhere`).toBe(false);
    }
  });
});
