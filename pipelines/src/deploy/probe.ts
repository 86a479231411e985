/**
 * Requests a URL over and over while a rollout runs, one request at a time with a pause between
 * them (a bounded rate), and reports every failure: the proof that a rollout dropped nothing.
 */
import { setTimeout as sleep } from "node:timers/promises";

export interface ProbeOptions {
  /** Pause between the end of one request and the start of the next. @default 200 */
  readonly intervalMs?: number;
  /** A request slower than this counts as failed. @default 5000 */
  readonly requestTimeoutMs?: number;
}

export interface ProbeFailure {
  /** Milliseconds since the probe started. */
  readonly atMs: number;
  readonly error: string;
}

export interface ProbeReport {
  readonly url: string;
  readonly requests: number;
  readonly failures: number;
  /** From the start of the first to the end of the last request of the longest run of failures. */
  readonly longestFailureMs: number;
  /** Responders seen ("host name (address)" from the sample's answer), with the requests each answered. */
  readonly responders: Record<string, number>;
  /** The first failures, for the log. */
  readonly firstFailures: readonly ProbeFailure[];
  readonly durationMs: number;
}

export interface RunningProbe {
  stop(): Promise<ProbeReport>;
}

const NAME = /Server&nbsp;name:(?:\s|<[^>]*>)*([^<\s]+)/;
const ADDRESS = /Server&nbsp;address:(?:\s|<[^>]*>)*([^<\s]+)/;

/** traefik/whoami (the sample) answers in plain text: `Hostname: <id>`, then an `IP: <address>` per interface. */
const WHOAMI_NAME = /^Hostname: (\S+)$/m;
const WHOAMI_ADDRESS = /^IP: ((?!127\.|::1$)\S+)$/m;

/** Who answered: the sample (traefik/whoami) and nginxdemos/hello print the container's host name and address. */
export function responderOf(body: string): string | undefined {
  const name = NAME.exec(body)?.[1] ?? WHOAMI_NAME.exec(body)?.[1];
  const address = ADDRESS.exec(body)?.[1] ?? (name ? WHOAMI_ADDRESS.exec(body)?.[1] : undefined);
  if (!name && !address) return undefined;
  return address ? `${name ?? "?"} (${address})` : String(name);
}

export function startProbe(url: string, options: ProbeOptions = {}): RunningProbe {
  const intervalMs = options.intervalMs ?? 200;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5000;
  const started = performance.now();
  const responders: Record<string, number> = {};
  const firstFailures: ProbeFailure[] = [];
  let requests = 0;
  let failures = 0;
  let runStart: number | undefined;
  let longestFailureMs = 0;
  let stopped = false;
  const stopSignal = new AbortController();

  async function once(): Promise<void> {
    const begin = performance.now();
    let error: string | undefined;
    try {
      const response = await fetch(url, {
        signal: AbortSignal.timeout(requestTimeoutMs),
        headers: { "cache-control": "no-cache" },
      });
      const body = await response.text();
      if (!response.ok) error = `HTTP ${response.status}`;
      const responder = responderOf(body);
      if (responder && !error) responders[responder] = (responders[responder] ?? 0) + 1;
    } catch (caught) {
      const cause = (caught as Error & { cause?: Error }).cause;
      error = cause?.message ?? (caught as Error).message;
    }
    const end = performance.now();
    requests += 1;
    if (error === undefined) {
      runStart = undefined;
      return;
    }
    failures += 1;
    runStart ??= begin;
    longestFailureMs = Math.max(longestFailureMs, end - runStart);
    if (firstFailures.length < 20) firstFailures.push({ atMs: Math.round(begin - started), error });
  }

  const loop = (async () => {
    while (!stopped) {
      await once();
      if (!stopped) await sleep(intervalMs, undefined, { signal: stopSignal.signal }).catch(() => undefined);
    }
  })();

  return {
    async stop() {
      stopped = true;
      stopSignal.abort();
      await loop;
      return {
        url,
        requests,
        failures,
        longestFailureMs: Math.round(longestFailureMs),
        responders: { ...responders },
        firstFailures,
        durationMs: Math.round(performance.now() - started),
      };
    },
  };
}

export function formatProbe(report: ProbeReport): string {
  const responders = Object.entries(report.responders)
    .map(([responder, count]) => `${responder} ×${count}`)
    .join(", ");
  return (
    `${report.requests} requests to ${report.url} in ${(report.durationMs / 1000).toFixed(1)}s, ` +
    `${report.failures} failed, longest failure run ${report.longestFailureMs} ms; ` +
    `responders: ${responders || "none recognised"}`
  );
}
