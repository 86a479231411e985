import { TerraformStack, Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import type { ServiceVars } from "../../config/schema";
import { HttpsLoadBalancer } from "../../stacks/app-env/https-load-balancer";
import { ServiceAutoscaling } from "../../stacks/app-env/service-autoscaling";
import { ServiceTargetGroups } from "../../stacks/app-env/service-target-groups";
import { copyVars, synthPlatform } from "../support/synth";

function withProdService(change: Partial<ServiceVars>) {
  const vars = copyVars();
  vars.environments.prod.service = { ...(vars.environments.prod.service as ServiceVars), ...change };
  return vars;
}

const scratchStack = () => new TerraformStack(Testing.app(), "scratch");

describe("application environments: invalid settings fail at construction with the fix", () => {
  it("rejects a test listener on a rolling deployment", () => {
    expect(() => synthPlatform(withProdService({ blueGreenTestListenerPort: 8443 }))).toThrow(
      /blueGreenTestListenerPort needs deployment: blue-green/,
    );
  });

  it("rejects a desired count outside the autoscaling bounds", () => {
    expect(() => synthPlatform(withProdService({ desiredCount: 9 }))).toThrow(
      /desiredCount 9 lies outside autoscaling 2\.\.6; move it inside/,
    );
  });

  it("rejects a health check whose timeout is not shorter than its interval", () => {
    expect(
      () =>
        new ServiceTargetGroups(scratchStack(), "groups", {
          namePrefix: "p-dev",
          vpcId: "vpc-1",
          port: 80,
          healthCheck: { intervalSeconds: 5, timeoutSeconds: 5 },
        }),
    ).toThrow(/must be shorter than its interval.*lower timeoutSeconds/);
  });

  it("rejects a deregistration delay near the 300 s default", () => {
    expect(
      () =>
        new ServiceTargetGroups(scratchStack(), "groups", {
          namePrefix: "p-dev",
          vpcId: "vpc-1",
          port: 80,
          deregistrationDelaySeconds: 300,
        }),
    ).toThrow(/well under 300 s/);
  });

  it("rejects target group names AWS would refuse", () => {
    expect(
      () =>
        new ServiceTargetGroups(scratchStack(), "groups", {
          namePrefix: "connected-express-preproduction",
          vpcId: "vpc-1",
          port: 80,
        }),
    ).toThrow(/exceeds 32 characters; shorten/);
  });

  it("rejects a test listener without networks allowed to reach it", () => {
    const stack = scratchStack();
    const groups = new ServiceTargetGroups(stack, "groups", {
      namePrefix: "p-dev",
      vpcId: "vpc-1",
      port: 80,
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
        }),
    ).toThrow(/testListenerPort needs testListenerCidrs/);
  });

  it("rejects autoscaling bounds with the floor above the ceiling", () => {
    expect(
      () =>
        new ServiceAutoscaling(scratchStack(), "scaling", {
          clusterName: "c",
          serviceName: "s",
          minCount: 3,
          maxCount: 2,
        }),
    ).toThrow(/use 1 <= minCount <= maxCount/);
  });
});
