/** The rollout probe against a local HTTP server that answers like nginxdemos/hello and fails on cue. */
import { createServer, type Server } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, describe, expect, it } from "vitest";
import { responderOf, startProbe } from "../src/deploy/probe";

/** nginxdemos/hello's page, trimmed to the lines the probe reads. */
function helloPage(name: string, address: string): string {
  return `<div class="info"><p><span>Server&nbsp;address:</span> <span>${address}</span></p>
<p><span>Server&nbsp;name:</span> <span>${name}</span></p></div>`;
}

interface Backend {
  url: string;
  failing: boolean;
  served: number;
  failed: number;
  failedAt: number[];
}

let server: Server | undefined;
afterEach(() => server?.close());

/** Two "containers" answering in turn; 502 (as an ALB with no healthy target) while `failing`. */
async function backend(): Promise<Backend> {
  const state: Backend = { url: "", failing: false, served: 0, failed: 0, failedAt: [] };
  server = createServer((_, response) => {
    state.served += 1;
    if (state.failing) {
      state.failed += 1;
      state.failedAt.push(performance.now());
      response.statusCode = 502;
      response.end("<html>502 Bad Gateway</html>");
      return;
    }
    response.end(state.served % 2 ? helloPage("web-1", "10.0.16.5:80") : helloPage("web-2", "10.0.17.9:80"));
  });
  await new Promise<void>((done) => server?.listen(0, "127.0.0.1", done));
  state.url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
  return state;
}

describe("the rollout probe", () => {
  it("counts every request and failure, and measures the longest run of failures", async () => {
    const site = await backend();
    const probe = startProbe(site.url, { intervalMs: 10 });
    await sleep(150);
    site.failing = true; // a short outage ...
    await sleep(100);
    site.failing = false;
    await sleep(150);
    const longStart = site.failedAt.length;
    site.failing = true; // ... and a longer one
    await sleep(400);
    site.failing = false;
    await sleep(150);
    const report = await probe.stop();

    expect(report.requests).toBe(site.served);
    expect(report.failures).toBe(site.failed);
    expect(report.failures).toBeGreaterThan(0);
    const longRun = site.failedAt.slice(longStart);
    const served = (longRun.at(-1) ?? 0) - longRun[0];
    expect(report.longestFailureMs).toBeGreaterThanOrEqual(Math.floor(served));
    // The probe's run spans the first failed request's start to the last one's end: the server's span
    // plus two request times, which a loaded 2-core machine can stretch. Merging the short outage
    // into the long one (150 ms of successes between them) would still exceed this.
    expect(report.longestFailureMs).toBeLessThan(served + 150);
    expect(report.longestFailureMs).toBeGreaterThan(300);
    expect(report.firstFailures[0].error).toBe("HTTP 502");
  });

  it("names the distinct responders from nginxdemos/hello's page", async () => {
    const site = await backend();
    const probe = startProbe(site.url, { intervalMs: 5 });
    await sleep(100);
    const report = await probe.stop();

    expect(Object.keys(report.responders).sort()).toEqual(["web-1 (10.0.16.5:80)", "web-2 (10.0.17.9:80)"]);
    expect(Object.values(report.responders).reduce((a, b) => a + b, 0)).toBe(report.requests);
    expect(responderOf("<p>no hello page</p>")).toBeUndefined();
  });

  it("names the responder from traefik/whoami's plain-text answer, skipping loopback addresses", () => {
    const whoami =
      "Hostname: ip-10-0-16-5\nIP: 127.0.0.1\nIP: ::1\nIP: 10.0.16.5\nRemoteAddr: 10.0.0.7:41812\nGET / HTTP/1.1\n";
    expect(responderOf(whoami)).toBe("ip-10-0-16-5 (10.0.16.5)");
    expect(responderOf("IP: 10.0.16.5\n")).toBeUndefined();
  });

  it("keeps to its rate: one request at a time, a pause between them", async () => {
    const site = await backend();
    const probe = startProbe(site.url, { intervalMs: 50 });
    await sleep(500);
    const report = await probe.stop();

    expect(report.requests).toBeGreaterThanOrEqual(3);
    expect(report.requests).toBeLessThanOrEqual(Math.ceil(report.durationMs / 50) + 1);
  });

  it("counts a refused connection as a failure and says why", async () => {
    const site = await backend();
    await new Promise((done) => server?.close(done));
    const probe = startProbe(site.url, { intervalMs: 10 });
    await sleep(100);
    const report = await probe.stop();

    expect(report.failures).toBe(report.requests);
    expect(report.firstFailures[0].error).toMatch(/ECONNREFUSED/);
    expect(report.longestFailureMs).toBeGreaterThanOrEqual(50);
  });
});
