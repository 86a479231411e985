/** Every HTTPS listener's policy: TLS 1.3 with TLS 1.2 fallback, forward-secret AEAD ciphers only
 *  (AWS's recommended policy; `pnpm policy` rule CX_ELB_1 refuses anything weaker). */
export const TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06";
