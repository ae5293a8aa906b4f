import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";

/**
 * A Web `Request` for a Node request. The body is streamed, not buffered; the
 * request's signal aborts when the client goes away before the answer is sent.
 */
export function toWebRequest(req: IncomingMessage, res: ServerResponse, origin: string): Request {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.startsWith(":")) continue; // HTTP/2 pseudo-headers
    try {
      headers.append(name, raw[i + 1]!);
    } catch {
      // A header value undici refuses; Node already checked the name, so skip it.
    }
  }
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = req.method ?? "GET";
  const init: RequestInit & { duplex?: "half" } = { method, headers, signal: controller.signal };
  if (method !== "GET" && method !== "HEAD") {
    init.body = Readable.toWeb(req) as unknown as ReadableStream<Uint8Array>;
    init.duplex = "half";
  }
  // Joined rather than resolved: a path such as "//x" must stay a path, not become a host.
  const target = req.url?.startsWith("/") ? req.url : `/${req.url ?? ""}`;
  return new Request(new URL(`${origin}${target}`), init);
}

/** Writes a Web `Response` to a Node response, streaming the body with backpressure. */
export async function sendWebResponse(
  res: ServerResponse,
  response: Response,
  method = "GET",
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of response.headers) {
    if (name === "set-cookie") continue;
    headers[name] = value;
  }
  const cookies = response.headers.getSetCookie();
  if (cookies.length) headers["set-cookie"] = cookies;
  res.writeHead(response.status, response.statusText || undefined, headers);
  if (!response.body || method === "HEAD") {
    await response.body?.cancel().catch(() => {});
    res.end();
    return;
  }
  const reader = response.body.getReader();
  const stop = () => reader.cancel().catch(() => {});
  res.once("close", stop);
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (res.destroyed) return;
      if (!res.write(value)) {
        await new Promise<void>((resolve) => {
          const go = () => {
            res.off("drain", go);
            res.off("close", go);
            resolve();
          };
          res.on("drain", go);
          res.on("close", go);
        });
      }
    }
    res.end();
  } catch {
    // The body stream failed mid-way: the status is already sent, so cut the connection.
    res.destroy();
  } finally {
    res.off("close", stop);
  }
}
