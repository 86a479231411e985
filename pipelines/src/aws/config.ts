/**
 * Client settings shared by every script. The region comes from the rendered vars; the SDK v3
 * itself honours AWS_ENDPOINT_URL (moto, LocalStack) and the usual credential chain.
 */
export interface ClientConfig {
  readonly region: string;
  readonly maxAttempts: number;
}

export function clientConfig(region: string): ClientConfig {
  return { region, maxAttempts: 5 };
}

/** S3 needs path-style addressing behind a custom endpoint (moto, LocalStack): no bucket DNS names there. */
export function s3ClientConfig(region: string, env: NodeJS.ProcessEnv = process.env) {
  return { ...clientConfig(region), forcePathStyle: Boolean(env.AWS_ENDPOINT_URL || env.AWS_ENDPOINT_URL_S3) };
}

/** The error name the SDK gives a failed call ("ImageNotFoundException", "NoSuchBucket" ...). */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}
