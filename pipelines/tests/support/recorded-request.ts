/** What the loopback stand-ins for Jenkins and GitHub keep of each request, for tests to assert on. */
import type { IncomingMessage } from "node:http";

export interface RecordedRequest {
  readonly method: string;
  /** Path and query string, e.g. /repos/o/r/issues/1/comments?per_page=100. */
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

/** Reads the whole request, appends it to `requests`, and returns its body and URL. */
export async function recordRequest(
  request: IncomingMessage,
  requests: RecordedRequest[],
): Promise<{ body: string; url: URL }> {
  const body = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    request.on("error", reject);
  });
  const url = new URL(request.url ?? "/", "http://loopback");
  requests.push({ method: request.method ?? "", path: `${url.pathname}${url.search}`, headers: request.headers, body });
  return { body, url };
}
