/**
 * The HTTPS listeners' TLS policies (`pnpm policy` rule CX_ELB_1 refuses anything weaker).
 * - public: TLS 1.3, and TLS 1.2 with forward-secret AEAD (GCM) ciphers only: the `-Res-` variant
 *   drops the CBC suites the plain TLS13-1-2 policy still offers on TLS 1.2. Public sites keep
 *   TLS 1.2 for clients they do not control.
 * - admin: TLS 1.3 only, for tools reached only from admins' current browsers (Jenkins).
 */
export const TLS_POLICIES = {
  public: "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
  admin: "ELBSecurityPolicy-TLS13-1-3-2021-06",
} as const;

export type TlsPolicyName = keyof typeof TLS_POLICIES;

/** Security headers the load balancer adds to every HTTPS response (ALB response header modification). */
export const STRICT_TRANSPORT_SECURITY = "max-age=31536000; includeSubDomains";
