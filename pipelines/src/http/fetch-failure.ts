/**
 * Why a fetch() got no answer at all (refused, unresolvable, TLS, timeout), in words that name the
 * fix. The Jenkins and GitHub clients share it; HTTP error statuses are each client's own.
 */

/** The server a client talks to, as its user knows it. */
export interface Endpoint {
  /** What runs there: "Jenkins", "GitHub". */
  readonly service: string;
  /** Where its URL came from, e.g. `--url (https://jenkins.example.com/)`. */
  readonly setting: string;
  /** The request's timeout, in seconds. */
  readonly timeoutSeconds: number;
}

const TLS_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "ERR_SSL_WRONG_VERSION_NUMBER",
  "EPROTO",
]);

/** The message for a fetch() of `url` that threw `error`. */
export function fetchFailure(url: string, error: unknown, { service, setting, timeoutSeconds }: Endpoint): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { name?: string }).name ?? "";
  const host = new URL(url).host;
  if (code === "ECONNREFUSED") {
    return `cannot connect to ${host}: connection refused; check that ${service} is running and that ${setting} has the right host and port`;
  }
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") {
    return `cannot resolve ${host}; check the host name in ${setting} and DNS`;
  }
  if (TLS_CODES.has(code) || /certificate|ssl|tls/i.test(cause?.message ?? "")) {
    return (
      `TLS failure talking to ${host} (${code || cause?.message}): the server's certificate is not trusted or does not match the host; ` +
      `if ${service} uses a private CA, point NODE_EXTRA_CA_CERTS at its PEM file, or fix the certificate`
    );
  }
  if (code === "TimeoutError")
    return `no answer from ${host} within ${timeoutSeconds} s; check ${setting} and the firewall`;
  return `request to ${url} failed: ${cause?.message ?? (error as Error).message}`;
}
