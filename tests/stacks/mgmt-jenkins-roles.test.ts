/**
 * The trust boundary between building, deploying without approval and deploying with approval, read
 * from the synthesized mgmt stack: what each Jenkins host's role may do, asked request by request
 * (tests/support/iam.ts). Each property is also run on a deliberately widened copy of the policies
 * and must fail there.
 */
import { describe, expect, it } from "vitest";
import { applicationEnvironmentNames } from "../../config/roles";
import type { Vars } from "../../config/schema";
import { clusterName, stateKeyAlias, taskExecutionRoleName, taskFamily, taskRoleName } from "../../lib/naming";
import { vars as renderedVars } from "../../stacks/global/vars";
import { UNSCOPABLE_ACTIONS } from "../../stacks/mgmt/jenkins-role";
import { SSM_AGENT_ACTIONS } from "../../stacks/mgmt/session-manager";
import { ACCOUNT, allows, everyStatement, type Request, roleNamed, roleStatements } from "../support/iam";
import { copyVars, type Json, platform, synthPlatform } from "../support/synth";

const mgmt = platform().stack("mgmt");
const ecs = (rest: string) => `arn:aws:ecs:${ACCOUNT.region}:${ACCOUNT.accountId}:${rest}`;
const approvalOf = (vars: Vars, environment: string) =>
  vars.environments[environment].service?.delivery.approval === true;

interface Probe {
  readonly what: string;
  readonly writes: boolean;
  readonly request: Request;
}

/** Every request deploy-service makes for `environment`, and UpdateService with every other family. */
function probesOf(vars: Vars, environment: string): Probe[] {
  const service = String(vars.environments[environment].service?.name);
  const cluster = clusterName(vars, environment);
  const serviceArn = ecs(`service/${cluster}/${service}`);
  const revision = (env: string) => ecs(`task-definition/${taskFamily(vars, env, service)}:42`);
  const roles = [taskExecutionRoleName(vars, environment), taskRoleName(vars, environment, service)];
  return [
    ...applicationEnvironmentNames(vars).map((family) => ({
      what: `UpdateService ${environment} to a revision of ${family}'s family`,
      writes: true,
      request: {
        action: "ecs:UpdateService",
        resource: serviceArn,
        context: { "ecs:task-definition": revision(family) },
      },
    })),
    {
      what: `RegisterTaskDefinition tagged ${environment}`,
      writes: true,
      request: {
        action: "ecs:RegisterTaskDefinition",
        resource: "*",
        context: { "aws:RequestTag/environment": environment },
      },
    },
    {
      what: `TagResource on ${environment}'s new revision`,
      writes: true,
      request: {
        action: "ecs:TagResource",
        resource: revision(environment),
        context: { "ecs:CreateAction": "RegisterTaskDefinition" },
      },
    },
    ...roles.map((role) => ({
      what: `PassRole ${role}`,
      writes: true,
      request: {
        action: "iam:PassRole",
        resource: `arn:aws:iam::${ACCOUNT.accountId}:role/${role}`,
        context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
      },
    })),
    {
      what: `DescribeServices ${environment}`,
      writes: false,
      request: { action: "ecs:DescribeServices", resource: serviceArn },
    },
    {
      what: `ListTasks in ${cluster}`,
      writes: false,
      request: {
        action: "ecs:ListTasks",
        resource: ecs(`container-instance/${cluster}/0123`),
        context: { "ecs:cluster": ecs(`cluster/${cluster}`) },
      },
    },
    {
      what: `DescribeTasks in ${cluster}`,
      writes: false,
      request: { action: "ecs:DescribeTasks", resource: ecs(`task/${cluster}/0123`) },
    },
  ];
}

/** What `statements` may do of `probes`, by description. */
const allowed = (statements: Json[], probes: Probe[]) =>
  probes.filter((probe) => allows(statements, probe.request)).map((probe) => probe.what);

const roleOf = (json: Json, pathSuffix: string) => roleStatements(json, roleNamed(json, pathSuffix)).statements;

/** Property: the build agent's role reaches nothing of an environment with approval (empty when it holds). */
function buildAgentReachIntoApproval(json: Json, vars: Vars): string[] {
  const statements = roleOf(json, "jenkins_build_agent/host/role");
  return applicationEnvironmentNames(vars)
    .filter((environment) => approvalOf(vars, environment))
    .flatMap((environment) => allowed(statements, probesOf(vars, environment)));
}

/** Property: a deploy agent's role writes nothing outside its environment, reads only its promotion
 *  source's service besides, and points its service only at its own family (empty when it holds). */
function deployAgentReachBeyond(json: Json, vars: Vars, environment: string): string[] {
  const statements = roleOf(json, `jenkins_deploy_agent_${environment}/host/role`);
  const source = vars.environments[environment].service?.delivery.promoteFrom;
  const foreign = applicationEnvironmentNames(vars)
    .filter((other) => other !== environment)
    .flatMap((other) =>
      probesOf(vars, other).filter(
        (probe) => probe.writes || !(other === source && probe.what.startsWith("DescribeServices")),
      ),
    );
  const ownWithForeignFamily = probesOf(vars, environment).filter(
    (probe) => probe.what.startsWith("UpdateService") && !probe.what.endsWith(`of ${environment}'s family`),
  );
  return allowed(statements, [...foreign, ...ownWithForeignFamily]);
}

/** Property: every UpdateService grant names services and carries the family condition (violations). */
function updateServiceWithoutFamily(json: Json): string[] {
  return everyStatement(json)
    .filter(({ statement }) =>
      allows([{ ...statement, Resource: "*", Condition: undefined }], {
        action: "ecs:UpdateService",
        resource: "*",
      }),
    )
    .filter(({ statement }) => {
      const families = [statement.Condition?.ArnLike?.["ecs:task-definition"]].flat().filter(Boolean);
      const resources = [statement.Resource].flat() as string[];
      return (
        families.length === 0 ||
        !families.every((family: string) => /:task-definition\/[^*?:/]+:\*$/.test(family)) ||
        !resources.every((resource) => /:service\/[^*?/]+\/[^*?/]+$/.test(resource))
      );
    })
    .map(({ address, statement }) => `${address} ${statement.Sid ?? ""}`);
}

const STATE_READING_MANAGED_POLICIES =
  /:policy\/(ReadOnlyAccess|AdministratorAccess|PowerUserAccess|AmazonS3\w*Access)$/;

/** Property: no role of the stack but the plan role reads the state or decrypts it (violations). */
function stateReadersBesidesPlanRole(json: Json, vars: Vars): string[] {
  const planRole = roleNamed(json, "terraform_plan_role/role");
  const state = `arn:aws:s3:::${vars.stateBucket}`;
  const requests: Request[] = [
    { action: "s3:GetObject", resource: `${state}/${vars.project}/prod/terraform.tfstate` },
    { action: "s3:ListBucket", resource: state, context: { "s3:prefix": `${vars.project}/` } },
    {
      action: "kms:Decrypt",
      resource: `arn:aws:kms:${ACCOUNT.region}:${ACCOUNT.accountId}:key/0123`,
      context: { "kms:ResourceAliases": stateKeyAlias(vars), "kms:ViaService": `s3.${ACCOUNT.region}.amazonaws.com` },
    },
  ];
  return Object.keys(json.resource.aws_iam_role)
    .filter((role) => role !== planRole)
    .flatMap((role) => {
      const { statements, managedPolicies } = roleStatements(json, role);
      return [
        ...requests.filter((request) => allows(statements, request)).map((request) => `${role} ${request.action}`),
        ...managedPolicies.filter((arn) => STATE_READING_MANAGED_POLICIES.test(arn)).map((arn) => `${role} ${arn}`),
      ];
    });
}

/** A copy of the mgmt stack whose policy of the role at `pathSuffix` gets `statement` added. */
function widened(pathSuffix: string, statement: Json): Json {
  const json = structuredClone(mgmt.json);
  const role = roleNamed(json, pathSuffix);
  const policy = Object.values<Json>(json.resource.aws_iam_role_policy).find(
    (body) => body.role === `\${aws_iam_role.${role}.name}` && !body.name.startsWith("ssm"),
  ) as Json;
  const document = JSON.parse(policy.policy);
  document.Statement.push(statement);
  policy.policy = JSON.stringify(document);
  return json;
}

/** A copy of the mgmt stack with the policy statement `sid` of the role at `pathSuffix` (inline or
 *  attached from the stack) changed by `edit`. */
function edited(pathSuffix: string, sid: string, edit: (statement: Json) => void): Json {
  const json = structuredClone(mgmt.json);
  const role = roleNamed(json, pathSuffix);
  const attached = Object.values<Json>(json.resource.aws_iam_role_policy_attachment)
    .filter((attachment) => attachment.role === `\${aws_iam_role.${role}.name}`)
    .map((attachment) => /^\$\{aws_iam_policy\.([^.}]+)\.arn\}$/.exec(attachment.policy_arn)?.[1]);
  const policies = [
    ...Object.values<Json>(json.resource.aws_iam_role_policy).filter(
      (policy) => policy.role === `\${aws_iam_role.${role}.name}`,
    ),
    ...attached.filter((name) => name !== undefined).map((name) => json.resource.aws_iam_policy[name]),
  ];
  for (const policy of policies) {
    const document = JSON.parse(policy.policy);
    for (const statement of document.Statement) if (statement.Sid === sid) edit(statement);
    policy.policy = JSON.stringify(document);
  }
  return json;
}

const approvalEnvironments = applicationEnvironmentNames(renderedVars).filter((env) => approvalOf(renderedVars, env));
const openEnvironments = applicationEnvironmentNames(renderedVars).filter((env) => !approvalOf(renderedVars, env));

describe("mgmt: the Jenkins controller's role", () => {
  const statements = roleOf(mgmt.json, "jenkins/host/role");

  it("may neither deploy, push, nor read state: those run on the agents", () => {
    for (const environment of applicationEnvironmentNames(renderedVars)) {
      expect(allowed(statements, probesOf(renderedVars, environment)), environment).toEqual([]);
    }
    const push = {
      action: "ecr:PutImage",
      resource: `arn:aws:ecr:${ACCOUNT.region}:${ACCOUNT.accountId}:repository/frontend`,
    };
    expect(allows(statements, push)).toBe(false);
    expect(
      allows(statements, {
        action: "sts:AssumeRole",
        resource: `arn:aws:iam::${ACCOUNT.accountId}:role/connected-express-terraform-plan`,
      }),
    ).toBe(false);
  });
});

describe("mgmt: the build agent's role", () => {
  const statements = roleOf(mgmt.json, "jenkins_build_agent/host/role");

  it("deploys to every environment without approval, each service only to its own family", () => {
    expect(openEnvironments).toEqual(["dev"]);
    for (const environment of openEnvironments) {
      const own = probesOf(renderedVars, environment).filter(
        (probe) => !probe.what.startsWith("UpdateService") || probe.what.endsWith(`of ${environment}'s family`),
      );
      expect(allowed(statements, own)).toEqual(own.map((probe) => probe.what));
    }
  });

  it("pushes and pulls only the frontend repository from the global state, and may become only the plan role", () => {
    const push = statements.find((statement) => [statement.Action].flat().includes("ecr:PutImage"));
    expect(push?.Resource).toEqual([
      expect.stringMatching(/cross-stack-reference-input-global\.outputs\.[^}]*ecr_repository[^}]*arn\}$/),
    ]);
    const assume = statements.filter((statement) =>
      [statement.Action].flat().some((a: string) => a.startsWith("sts:")),
    );
    expect(assume).toEqual([
      expect.objectContaining({
        Action: ["sts:AssumeRole"],
        Resource: [`\${aws_iam_role.${roleNamed(mgmt.json, "terraform_plan_role/role")}.arn}`],
      }),
    ]);
  });

  it("cannot touch any service of an environment with approval", () => {
    expect(approvalEnvironments).toEqual(["prod"]);
    expect(buildAgentReachIntoApproval(mgmt.json, renderedVars)).toEqual([]);
  });

  it("is caught reaching into prod on a deliberately widened copy", () => {
    const prodService = ecs("service/connected-express-prod/frontend");
    const onProdService = edited("jenkins_build_agent/host/role", "RollOutDev", (statement) => {
      statement.Resource.push(prodService);
    });
    expect(buildAgentReachIntoApproval(onProdService, renderedVars)).toContain(
      "UpdateService prod to a revision of dev's family",
    );
    const taggedProd = edited(
      "jenkins_build_agent/host/role",
      "RegisterTaskDefinitionsTaggedForOwnEnvironments",
      (s) => {
        s.Condition.StringEquals["aws:RequestTag/environment"].push("prod");
      },
    );
    expect(buildAgentReachIntoApproval(taggedProd, renderedVars)).toEqual(["RegisterTaskDefinition tagged prod"]);
    const allTasks = edited("jenkins_build_agent/host/role", "DescribeTasksOfOwnClusters", (s) => {
      s.Resource = "*";
    });
    expect(buildAgentReachIntoApproval(allTasks, renderedVars)).toEqual(["DescribeTasks in connected-express-prod"]);
  });
});

describe("mgmt: a deploy agent per environment with approval", () => {
  it("has one agent for each approval environment and none for the others", () => {
    const agents = Object.values(mgmt.resources("aws_instance"))
      .map((instance) => String(instance["//"].metadata.path))
      .filter((path) => path.includes("jenkins_deploy_agent_"));
    expect(agents).toEqual(approvalEnvironments.map((env) => expect.stringContaining(`jenkins_deploy_agent_${env}/`)));
  });

  for (const environment of approvalEnvironments) {
    it(`${environment}'s deploys everything deploy-service does there, to its own family only`, () => {
      const statements = roleOf(mgmt.json, `jenkins_deploy_agent_${environment}/host/role`);
      const own = probesOf(renderedVars, environment).filter(
        (probe) => !probe.what.startsWith("UpdateService") || probe.what.endsWith(`of ${environment}'s family`),
      );
      expect(allowed(statements, own)).toEqual(own.map((probe) => probe.what));
    });

    it(`${environment}'s touches no other environment (it reads only the service it promotes from)`, () => {
      expect(deployAgentReachBeyond(mgmt.json, renderedVars, environment)).toEqual([]);
      const source = renderedVars.environments[environment].service?.delivery.promoteFrom;
      if (source) {
        const statements = roleOf(mgmt.json, `jenkins_deploy_agent_${environment}/host/role`);
        expect(allowed(statements, probesOf(renderedVars, source))).toEqual([`DescribeServices ${source}`]);
      }
    });
  }

  it("find, check and mark images (deployed-<env> tags) but upload no layer: pushing builds is the build agent's", () => {
    for (const environment of approvalEnvironments) {
      const statements = roleOf(mgmt.json, `jenkins_deploy_agent_${environment}/host/role`);
      const ecr = statements.find((statement) => [statement.Action].flat().includes("ecr:PutImage"));
      expect(ecr?.Resource).toEqual([
        expect.stringMatching(/cross-stack-reference-input-global\.outputs\.[^}]*ecr_repository[^}]*arn\}$/),
      ]);
      const actions = statements.flatMap((statement) => [statement.Action].flat());
      expect(actions.filter((action: string) => action.startsWith("ecr:")).sort()).toEqual([
        "ecr:BatchGetImage",
        "ecr:DescribeImageScanFindings",
        "ecr:DescribeImages",
        "ecr:DescribeRepositories",
        "ecr:PutImage",
      ]);
    }
  });

  it("is caught touching dev on a deliberately widened copy of prod's", () => {
    const devRoles = edited("jenkins_deploy_agent_prod/host/role", "PassOwnServiceRolesToEcs", (statement) => {
      statement.Resource.push(`arn:aws:iam::${ACCOUNT.accountId}:role/connected-express-dev-frontend-task`);
    });
    expect(deployAgentReachBeyond(devRoles, renderedVars, "prod")).toEqual([
      "PassRole connected-express-dev-frontend-task",
    ]);
    const anyFamily = edited("jenkins_deploy_agent_prod/host/role", "RollOutProd", (statement) => {
      statement.Condition.ArnLike["ecs:task-definition"] = ecs("task-definition/*");
    });
    expect(deployAgentReachBeyond(anyFamily, renderedVars, "prod")).toEqual([
      "UpdateService prod to a revision of dev's family",
    ]);
  });
});

describe("every ecs:UpdateService grant carries the task definition family condition", () => {
  it("in every stack of the platform", () => {
    const { stacks } = platform();
    const grants = Object.values(stacks).flatMap((stack) =>
      everyStatement(stack.json).filter(({ statement }) => [statement.Action].flat().includes("ecs:UpdateService")),
    );
    expect(grants).toHaveLength(openEnvironments.length + approvalEnvironments.length);
    for (const stack of Object.values(stacks)) expect(updateServiceWithoutFamily(stack.json), stack.name).toEqual([]);
  });

  it("is caught on a deliberately widened copy: no condition, a wildcard family, a wildcard service, ecs:*", () => {
    const withoutCondition = edited("jenkins_build_agent/host/role", "RollOutDev", (statement) => {
      delete statement.Condition;
    });
    expect(updateServiceWithoutFamily(withoutCondition)).toEqual([expect.stringMatching(/ RollOutDev$/)]);
    const anyFamily = edited("jenkins_deploy_agent_prod/host/role", "RollOutProd", (statement) => {
      statement.Condition.ArnLike["ecs:task-definition"] = ecs("task-definition/connected-express-*:*");
    });
    expect(updateServiceWithoutFamily(anyFamily)).toEqual([expect.stringMatching(/ RollOutProd$/)]);
    const anyService = edited("jenkins_build_agent/host/role", "RollOutDev", (statement) => {
      statement.Resource = [ecs("service/connected-express-dev/*")];
    });
    expect(updateServiceWithoutFamily(anyService)).toEqual([expect.stringMatching(/ RollOutDev$/)]);
    const wildcardAction = widened("jenkins_build_agent/host/role", {
      Sid: "Everything",
      Effect: "Allow",
      Action: ["ecs:*"],
      Resource: "*",
    });
    expect(updateServiceWithoutFamily(wildcardAction)).toEqual([expect.stringMatching(/ Everything$/)]);
  });
});

describe("mgmt: no Jenkins role reads the Terraform state", () => {
  it("only the plan role of the mgmt layer may list, read or decrypt it", () => {
    expect(stateReadersBesidesPlanRole(mgmt.json, renderedVars)).toEqual([]);
    const plan = roleStatements(mgmt.json, roleNamed(mgmt.json, "terraform_plan_role/role")).statements;
    expect(
      allows(plan, {
        action: "s3:GetObject",
        resource: `arn:aws:s3:::${renderedVars.stateBucket}/connected-express/prod/terraform.tfstate`,
      }),
    ).toBe(true);
  });

  it("is caught on a deliberately widened copy: a state read, a decrypt, ReadOnlyAccess on a Jenkins role", () => {
    const read = widened("jenkins_build_agent/host/role", {
      Sid: "ReadState",
      Effect: "Allow",
      Action: ["s3:Get*"],
      Resource: [`arn:aws:s3:::${renderedVars.stateBucket}/*`],
    });
    expect(stateReadersBesidesPlanRole(read, renderedVars)).toEqual([
      expect.stringMatching(/build_agent.* s3:GetObject$/),
    ]);
    const decrypt = widened("jenkins_deploy_agent_prod/host/role", {
      Effect: "Allow",
      Action: ["kms:Decrypt"],
      Resource: "*",
    });
    expect(stateReadersBesidesPlanRole(decrypt, renderedVars)).toEqual([
      expect.stringMatching(/deploy_agent_prod.* kms:Decrypt$/),
    ]);
    const readOnly = structuredClone(mgmt.json);
    readOnly.resource.aws_iam_role_policy_attachment.jenkins_read_only = {
      role: `\${aws_iam_role.${roleNamed(mgmt.json, "jenkins/host/role")}.name}`,
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a Terraform interpolation, as cdktf writes it
      policy_arn: "arn:${data.aws_partition.partition.partition}:iam::aws:policy/ReadOnlyAccess",
    };
    expect(stateReadersBesidesPlanRole(readOnly, renderedVars)).toEqual([
      expect.stringMatching(/jenkins_host_role.* arn:aws:iam::aws:policy\/ReadOnlyAccess$/),
    ]);
  });
});

describe("mgmt: agents follow the environments", () => {
  it("adding an approval environment adds its deploy agent and takes it from the build agent", () => {
    const vars = copyVars();
    vars.environments.staging = {
      ...structuredClone(vars.environments.prod),
      name: "staging",
      cidr: "10.0.48.0/20",
    };
    const json = synthPlatform(vars).stack("mgmt").json;
    expect(deployAgentReachBeyond(json, vars, "staging")).toEqual([]);
    expect(buildAgentReachIntoApproval(json, vars)).toEqual([]);
    expect(json.output.deploy_agent_private_ips.value).toMatch(
      /^\$\{tomap\(\{"prod" = aws_instance\.jenkins_deploy_agent_prod_host_instance_\w+\.private_ip, "staging" = aws_instance\.jenkins_deploy_agent_staging_host_instance_\w+\.private_ip\}\)\}$/,
    );
  });
});

/** What an agent's role may grant on "*": the deploy actions AWS cannot scope, and the SSM agent's
 *  registration and message channels (the Session Manager policy every host shares; CX_SSM_1). */
const UNSCOPED_ON_AGENTS: readonly string[] = [...UNSCOPABLE_ACTIONS, ...Object.values(SSM_AGENT_ACTIONS).flat()];

describe("mgmt: the agents' policies", () => {
  const agentRoles = [
    "jenkins_build_agent/host/role",
    ...approvalEnvironments.map((env) => `jenkins_deploy_agent_${env}/host/role`),
  ];

  it("allow no wildcard action, and `*` resources only for actions AWS cannot scope", () => {
    for (const role of agentRoles) {
      const statements = roleOf(mgmt.json, role);
      expect(statements.length, role).toBeGreaterThan(0);
      for (const statement of statements) {
        expect(statement.Effect).toBe("Allow");
        for (const action of [statement.Action].flat()) expect(action).not.toContain("*");
        if ([statement.Resource].flat().includes("*")) {
          expect(statement.Resource).toBe("*");
          for (const action of [statement.Action].flat())
            expect(UNSCOPED_ON_AGENTS, `${action} on "*"`).toContain(action);
        }
      }
    }
  });

  it("condition RegisterTaskDefinition on the environment tag and ListTasks on the cluster", () => {
    for (const role of agentRoles) {
      const statements = roleOf(mgmt.json, role);
      const register = statements.find((s) => [s.Action].flat().includes("ecs:RegisterTaskDefinition"));
      expect(Object.keys(register?.Condition.StringEquals ?? {})).toEqual(["aws:RequestTag/environment"]);
      const listTasks = statements.find((s) => [s.Action].flat().includes("ecs:ListTasks"));
      expect(Object.keys(listTasks?.Condition.ArnEquals ?? {})).toEqual(["ecs:cluster"]);
    }
  });
});
