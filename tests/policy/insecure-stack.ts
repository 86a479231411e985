/**
 * A deliberately insecure stack: the policy gate must report every flaw in it. Each resource
 * carries exactly one flaw so that a report names what it caught.
 */

import { EbsVolume } from "@cdktf/provider-aws/lib/ebs-volume";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { App } from "cdktf";
import { vars } from "../../stacks/global/vars";
import { LayerStack } from "../../stacks/layer-stack";

export function synthInsecureStack(outdir: string): void {
  const app = new App({ outdir });
  const stack = new LayerStack(app, "insecure", { vars });

  new EcsTaskDefinition(stack, "privileged_task", {
    family: "insecure-privileged",
    requiresCompatibilities: ["EC2"],
    containerDefinitions: JSON.stringify([
      { name: "app", image: "nginxdemos/hello:latest", memory: 256, essential: true, privileged: true },
    ]),
  });

  new SecurityGroup(stack, "ssh_from_anywhere", {
    name: "insecure-ssh",
    description: "SSH open to the internet",
    ingress: [
      { description: "SSH from anywhere", protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] },
    ],
  });

  new EbsVolume(stack, "unencrypted_volume", { availabilityZone: "eu-central-1a", size: 10, encrypted: false });

  new Instance(stack, "imdsv1_instance", {
    ami: "ami-12345678",
    instanceType: "t3.micro",
    metadataOptions: { httpTokens: "optional", httpEndpoint: "enabled" },
    rootBlockDevice: { encrypted: true },
  });

  new LaunchTemplate(stack, "imdsv1_launch_template", {
    name: "insecure-imdsv1",
    imageId: "ami-12345678",
    metadataOptions: { httpTokens: "optional" },
  });

  new EcrRepository(stack, "repository_without_lifecycle", { name: "insecure-no-lifecycle" });

  new LbListener(stack, "outdated_tls_listener", {
    loadBalancerArn:
      "arn:aws:elasticloadbalancing:eu-central-1:123456789012:loadbalancer/app/insecure/0123456789abcdef",
    port: 443,
    protocol: "HTTPS",
    sslPolicy: "ELBSecurityPolicy-2016-08",
    certificateArn: "arn:aws:acm:eu-central-1:123456789012:certificate/00000000-0000-0000-0000-000000000000",
    defaultAction: [{ type: "fixed-response", fixedResponse: { contentType: "text/plain", statusCode: "404" } }],
  });

  app.synth();
}

if (process.argv[1]?.endsWith("insecure-stack.ts")) synthInsecureStack(process.argv[2] ?? "cdktf.out.insecure");
