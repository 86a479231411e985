/**
 * LayerStack: what every stack shares. Its own S3 state key (`<project>/<stack>/terraform.tfstate`,
 * encrypted, natively locked) and the AWS provider with one set of default tags.
 */
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3Backend, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import type { Vars } from "../config/schema";
import { ENVIRONMENT_TAG } from "../lib/naming";
import type { GlobalStack } from "./global/stack";
import type { NetworkStack } from "./network/stack";

export interface LayerStackProps {
  readonly vars: Vars;
  /** Environment the stack serves; tagged on every resource.
   *  @default - the stack id (layers such as `global` and `network` serve every environment) */
  readonly environment?: string;
}

/** What a stack serving one environment reads: its environment file and the shared layers. */
export interface EnvironmentStackProps {
  readonly vars: Vars;
  /** The environment file the stack serves; the stack is named after it. */
  readonly environment: string;
  /** Supplies the VPC and the environment's subnets (remote state). */
  readonly network: NetworkStack;
  /** Supplies the environment's hosted zone and the image repository (remote state). */
  readonly global: GlobalStack;
}

export function stateKey(vars: Vars, stackId: string): string {
  return `${vars.project}/${stackId}/terraform.tfstate`;
}

export class LayerStack extends TerraformStack {
  readonly vars: Vars;

  constructor(scope: Construct, id: string, props: LayerStackProps) {
    super(scope, id);
    this.vars = props.vars;
    const { vars } = props;

    const backend = new S3Backend(this, {
      bucket: vars.stateBucket,
      key: stateKey(vars, id),
      region: vars.region,
      encrypt: true,
    });
    // S3-native locking (Terraform >= 1.10); cdktf 0.21's S3Backend has no prop for it.
    backend.addOverride("use_lockfile", true);

    new AwsProvider(this, "aws", {
      region: vars.region,
      defaultTags: [
        {
          tags: {
            ...vars.tags,
            project: vars.project,
            layer: id,
            [ENVIRONMENT_TAG]: props.environment ?? id,
            "managed-by": "cdktf",
          },
        },
      ],
    });
  }

  /** `<project>-<suffix>`: the one naming rule for every named resource. */
  name(suffix: string): string {
    return `${this.vars.project}-${suffix}`;
  }
}
