// Node request -> Web `Request`: the origin, the path, the headers and a body stream
// that reads the socket only when pulled.
import type { IncomingMessage, ServerResponse } from "node:http";
import type { NodeAdapterOptions } from "./types.js";

/** A request as Express and Connect see it: `originalUrl` keeps the mount path they strip from `url`. */
export type NodeRequest = IncomingMessage & { originalUrl?: string; body?: unknown; rawBody?: unknown };

/** Methods whose requests have no body. */
export const NO_BODY_METHODS = new Set(["GET", "HEAD"]);

function firstHeader(value: string | string[] | undefined): string | undefined {
  const first = Array.isArray(value) ? value[0] : value;
  return first?.split(",")[0]?.trim() || undefined;
}

/** `http(s)://host[:port]` of a Node request. */
export function requestOrigin(
  req: IncomingMessage,
  options: Pick<NodeAdapterOptions, "trustProxy"> = {},
): string {
  const encrypted = Boolean((req.socket as { encrypted?: boolean } | null)?.encrypted);
  let protocol = encrypted ? "https" : "http";
  let host = req.headers.host ?? firstHeader(req.headers[":authority"]);
  if (options.trustProxy) {
    const forwardedProto = firstHeader(req.headers["x-forwarded-proto"]);
    if (forwardedProto === "http" || forwardedProto === "https") protocol = forwardedProto;
    host = firstHeader(req.headers["x-forwarded-host"]) ?? host;
  }
  if (host) {
    try {
      return new URL(`${protocol}://${host}`).origin;
    } catch {
      // A malformed Host header: fall back to the socket's own address.
    }
  }
  const address = req.socket?.localAddress;
  const port = req.socket?.localPort;
  if (address && port) return `${protocol}://${address.includes(":") ? `[${address}]` : address}:${port}`;
  return `${protocol}://localhost`;
}

/** The path and query of a request, as sent (also for Express sub-apps and absolute-form targets). */
export function requestPath(req: NodeRequest): string {
  const raw = req.originalUrl ?? req.url ?? "/";
  if (/^[a-z][a-z\d+.-]*:\/\//i.test(raw)) {
    try {
      const url = new URL(raw);
      return `${url.pathname}${url.search}`;
    } catch {
      return "/";
    }
  }
  return raw.startsWith("/") ? raw : `/${raw}`;
}

/** A `data` chunk of a Node request (or a body a parser kept) as plain bytes: a view of a Buffer, a string encoded. */
export function chunkBytes(chunk: Uint8Array | string): Uint8Array {
  return typeof chunk === "string"
    ? new TextEncoder().encode(chunk)
    : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * The request body as a Web stream that reads `req` only when pulled, one
 * chunk per read (so nothing is consumed unless the handler reads the body,
 * and a slow reader pauses the socket). Cancelling it discards the rest of the
 * body without closing the connection, so the handler's answer (e.g. a 413)
 * still reaches the client.
 */
export function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let attached = false;
  let finished = false;
  const finish = () => {
    finished = true;
    req.off("data", onData);
    req.off("end", onEnd);
    req.off("error", onError);
    req.off("close", onClose);
  };
  const onData = (chunk: Buffer | string) => {
    controller.enqueue(chunkBytes(chunk));
    if ((controller.desiredSize ?? 0) <= 0) req.pause();
  };
  const onEnd = () => {
    finish();
    controller.close();
  };
  const onError = (error: Error) => {
    finish();
    controller.error(error);
  };
  const onClose = () => {
    if (finished) return;
    finish();
    controller.error(new Error("The client closed the connection before sending the whole request body."));
  };
  return new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        if (finished) return;
        if (!attached) {
          attached = true;
          if (req.readableEnded) {
            // Someone else (a body parser) already read it all.
            finish();
            controller.close();
            return;
          }
          req.on("data", onData);
          req.on("end", onEnd);
          req.on("error", onError);
          req.on("close", onClose);
        }
        req.resume();
      },
      cancel() {
        if (!finished) finish();
        // Drain and drop what is left, keeping the connection usable for the answer.
        req.resume();
      },
    },
    // highWaterMark 0: nothing is read ahead of the consumer.
    { highWaterMark: 0 },
  );
}

/** A body a body-parser middleware left on `req` after reading the stream, if it kept the raw bytes. */
export function parsedBody(req: NodeRequest): BodyInit | undefined {
  for (const candidate of [req.rawBody, req.body]) {
    if (typeof candidate === "string") return candidate;
    if (candidate instanceof Uint8Array) return candidate as Uint8Array<ArrayBuffer>;
  }
  return undefined;
}

/** Sets `init`'s body to what a body parser kept of `req`, else to a stream of the socket. */
export function setUnreadBody(req: IncomingMessage, init: RequestInit & { duplex?: "half" }): void {
  const consumed = req.readableEnded ? parsedBody(req as NodeRequest) : undefined;
  if (consumed !== undefined) init.body = consumed;
  else {
    init.body = bodyStream(req);
    init.duplex = "half";
  }
}

/** The full URL of a Node request, as a Web `Request` would have it. */
export function requestUrl(req: IncomingMessage, options: Pick<NodeAdapterOptions, "trustProxy">): string {
  return `${requestOrigin(req, options)}${requestPath(req as NodeRequest)}`;
}

/** The method of a Node request, as the routes compare it. */
export function requestMethod(req: IncomingMessage): string {
  return (req.method ?? "GET").toUpperCase();
}

/** The headers of a Node request as Web `Headers`, in the order they came. */
export function requestHeaders(req: IncomingMessage): Headers {
  const headers = new Headers();
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.startsWith(":")) continue; // HTTP/2 pseudo-headers
    try {
      headers.append(name, raw[i + 1]!);
    } catch {
      // Skip a header value undici refuses (invalid characters); Node already accepted the request.
    }
  }
  return headers;
}

/**
 * Converts a Node request to a Web `Request`. The body streams from `req`
 * lazily; pass `res` so the request's `signal` aborts when the client goes away
 * (that signal is the request's own, made on first read: a `clone()` or a
 * `new Request(request)` does not follow it; pass `signal: request.signal` to them).
 */
export function toWebRequest(
  req: IncomingMessage,
  res?: ServerResponse,
  options: Pick<NodeAdapterOptions, "trustProxy"> = {},
): Request {
  const method = requestMethod(req);
  const init: RequestInit & { duplex?: "half" } = { method, headers: requestHeaders(req) };
  if (!NO_BODY_METHODS.has(method)) setUnreadBody(req, init);
  const request = new Request(requestUrl(req, options), init);
  if (res) {
    const signal = closeSignal(res);
    Object.defineProperty(request, "signal", { configurable: true, enumerable: false, get: signal });
  }
  return request;
}

/**
 * A getter of a `signal` that aborts when the client goes away before `res` finished.
 * Made on first read: a signal handed to `new Request` costs the Request a second
 * AbortController, a WeakRef and a finalizer, which most handlers (a webhook's 202)
 * never look at; under a burst of requests that was a tenth of the route's CPU.
 */
export function closeSignal(res: ServerResponse): () => AbortSignal {
  let signal: AbortSignal | undefined;
  return () => {
    if (signal) return signal;
    const abort = new AbortController();
    signal = abort.signal;
    const gone = () => {
      if (!res.writableFinished) abort.abort();
    };
    // Read after the connection closed: already aborted (unless the answer went out).
    if ((res as { closed?: boolean }).closed) gone();
    else res.once("close", gone);
    return signal;
  };
}
