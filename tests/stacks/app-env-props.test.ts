import { TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { HttpsLoadBalancer } from "../../stacks/app-env/https-load-balancer";
import { ServiceTargetGroups } from "../../stacks/app-env/service-target-groups";

const scratchStack = () => new TerraformStack(Testing.app(), "scratch");
const healthCheck = { path: "/", intervalSeconds: 5, timeoutSeconds: 4, healthyThreshold: 2, unhealthyThreshold: 3 };

describe("application environment constructs: invalid props fail at construction with the fix", () => {
  it("rejects target group names AWS would refuse", () => {
    expect(
      () =>
        new ServiceTargetGroups(scratchStack(), "groups", {
          namePrefix: "connected-express-preproduction",
          vpcId: "vpc-1",
          port: 80,
          healthCheck,
          deregistrationDelaySeconds: 15,
        }),
    ).toThrow(/exceeds 32 characters; shorten/);
  });

  it("rejects a test listener without networks allowed to reach it", () => {
    const stack = scratchStack();
    const groups = new ServiceTargetGroups(stack, "groups", {
      namePrefix: "p-dev",
      vpcId: "vpc-1",
      port: 80,
      healthCheck,
      deregistrationDelaySeconds: 15,
      blueGreen: true,
    });
    expect(
      () =>
        new HttpsLoadBalancer(stack, "lb", {
          name: "p-dev",
          vpcId: "vpc-1",
          subnetIds: ["subnet-a", "subnet-b"],
          zoneId: "Z1",
          domainName: "dev.example.com",
          targetGroup: groups.primary,
          alternateTargetGroup: groups.alternate,
          testListenerPort: 8443,
          deletionProtection: false,
          accessLogs: { bucket: "logs", prefix: "dev" },
          region: "eu-central-1",
          firewall: {
            description: "test",
            ruleGroups: [{ name: "AWSManagedRulesCommonRuleSet", mode: "block" }],
            rateLimitPerFiveMinutes: 2000,
          },
        }),
    ).toThrow(/testListenerPort needs testListenerCidrs/);
  });
});
