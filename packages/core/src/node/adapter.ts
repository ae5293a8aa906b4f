import type { IncomingMessage, ServerResponse } from "node:http";
import { errorResponse, errorResponseFor } from "../errors/response.js";

/** Connect/Express-style `next`: called when a handler does not answer a request. */
export type NodeNext = (error?: unknown) => void;

/** A Node request listener or Connect/Express middleware: `(req, res, next?) => void`. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse, next?: NodeNext) => void;

/**
 * A Web-standard handler. Returning `undefined` (or `null`) means "not mine":
 * the Node adapter then calls `next()`, or answers 404 when there is no `next`.
 */
export type WebHandler = (
  request: Request,
) => Response | undefined | null | Promise<Response | undefined | null>;

/** Options of `toNodeHandler()`. */
export interface NodeAdapterOptions {
  /**
   * Take the origin from `X-Forwarded-Proto` / `X-Forwarded-Host` when present.
   * Only enable behind a proxy you trust to set them. Default false.
   */
  trustProxy?: boolean;
  /** Called with every error a handler throws. Default: `console.error`. */
  onError?: (error: unknown, request: Request) => void;
}

/** A request as Express and Connect see it: `originalUrl` keeps the mount path they strip from `url`. */
type NodeRequest = IncomingMessage & { originalUrl?: string; body?: unknown; rawBody?: unknown };

const NO_BODY_METHODS = new Set(["GET", "HEAD"]);
const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

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
function requestPath(req: NodeRequest): string {
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

/**
 * The request body as a Web stream that reads `req` only when pulled, one
 * chunk per read (so nothing is consumed unless the handler reads the body,
 * and a slow reader pauses the socket). Cancelling it discards the rest of the
 * body without closing the connection, so the handler's answer (e.g. a 413)
 * still reaches the client.
 */
function bodyStream(req: IncomingMessage): ReadableStream<Uint8Array> {
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
    const bytes =
      typeof chunk === "string"
        ? new TextEncoder().encode(chunk)
        : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    controller.enqueue(bytes);
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
function parsedBody(req: NodeRequest): BodyInit | undefined {
  for (const candidate of [req.rawBody, req.body]) {
    if (typeof candidate === "string") return candidate;
    if (candidate instanceof Uint8Array) return candidate as Uint8Array<ArrayBuffer>;
  }
  return undefined;
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
  const nodeReq = req as NodeRequest;
  const url = `${requestOrigin(req, options)}${requestPath(nodeReq)}`;
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
  const method = (req.method ?? "GET").toUpperCase();
  const init: RequestInit & { duplex?: "half" } = { method, headers };
  if (!NO_BODY_METHODS.has(method)) {
    const consumed = req.readableEnded ? parsedBody(nodeReq) : undefined;
    if (consumed !== undefined) init.body = consumed;
    else {
      init.body = bodyStream(req);
      init.duplex = "half";
    }
  }
  const request = new Request(url, init);
  if (res) abortOnClose(request, res);
  return request;
}

/**
 * Gives `request` a `signal` that aborts when the client goes away before `res` finished.
 * Made on first read: a signal handed to `new Request` costs the Request a second
 * AbortController, a WeakRef and a finalizer, which most handlers (a webhook's 202)
 * never look at; under a burst of requests that was a tenth of the route's CPU.
 */
function abortOnClose(request: Request, res: ServerResponse): void {
  let signal: AbortSignal | undefined;
  Object.defineProperty(request, "signal", {
    configurable: true,
    enumerable: false,
    get(): AbortSignal {
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
    },
  });
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

const PENDING = Symbol("pending");

/** The symbol under which Node's `Response` (undici) keeps its state; null once known to be absent. */
let responseState: symbol | null | undefined;

/**
 * The whole body of a `Response` made from a string or bytes (`Response.json()`, `new
 * Response("…")`), which undici keeps beside the stream it would otherwise be read from;
 * undefined for a stream, a Blob or FormData, a body already read or locked, or another
 * `Response` implementation. Read through undici's own state: streaming a small JSON
 * answer through a reader cost about half the CPU of a GET in the bench server. Nothing
 * is read from the body's stream, so the fallback (streaming) sees it whole.
 */
function bufferedBody(response: Response): Uint8Array | string | undefined {
  if (responseState === null || response.bodyUsed) return undefined;
  responseState ??= Object.getOwnPropertySymbols(response).find((s) => s.description === "state") ?? null;
  if (!responseState) return undefined;
  const state = (response as unknown as Record<symbol, { body?: unknown } | undefined>)[responseState];
  const body = state && typeof state === "object" ? state.body : undefined;
  if (!body || typeof body !== "object") return undefined;
  const { source, stream } = body as { source?: unknown; stream?: unknown };
  if (!(stream instanceof ReadableStream) || stream.locked) return undefined;
  return typeof source === "string" || source instanceof Uint8Array ? source : undefined;
}

/**
 * Writes a Web `Response` to a Node response: status, headers (several
 * `Set-Cookie` stay separate) and the body, streamed with backpressure. No body
 * is written for `HEAD` requests or for 1xx/204/205/304 answers. If the client
 * goes away, the response body is cancelled.
 */
export async function sendWebResponse(
  res: ServerResponse,
  response: Response,
  req?: IncomingMessage,
): Promise<void> {
  res.statusCode = response.status;
  if (response.statusText) res.statusMessage = response.statusText;
  const cookies = response.headers.getSetCookie();
  for (const [name, value] of response.headers) {
    // `Connection: close` (an answer to a body never read in full) ends an HTTP/1 connection; HTTP/2 has no such header.
    if (name === "connection" && (req?.httpVersionMajor ?? 1) >= 2) continue;
    if (name !== "set-cookie") res.setHeader(name, value);
  }
  if (cookies.length > 0) res.setHeader("set-cookie", cookies);

  const noBody = req?.method === "HEAD" || NO_BODY_STATUS.has(response.status);
  const whole = noBody ? undefined : bufferedBody(response);
  if (whole !== undefined) {
    // One write with a Content-Length: no reader, no chunked encoding.
    res.end(whole);
    return;
  }
  const body = response.body;
  if (!body || noBody) {
    await body?.cancel().catch(() => {});
    res.end();
    return;
  }
  const reader = body.getReader();
  const onClose = () => {
    if (!res.writableFinished) reader.cancel().catch(() => {});
  };
  res.once("close", onClose);
  try {
    let next: ReturnType<typeof reader.read> = reader.read();
    // Send the headers now if the first chunk is not ready in this turn (a slow stream).
    const first = await Promise.race([
      next,
      new Promise<typeof PENDING>((resolve) => setImmediate(resolve, PENDING)),
    ]);
    if (first === PENDING && !res.headersSent) res.flushHeaders();
    for (;;) {
      const { done, value } = await next;
      if (done || res.destroyed) break;
      if (!res.write(value)) await drained(res);
      if (res.destroyed) break;
      next = reader.read();
    }
    if (res.destroyed) await reader.cancel().catch(() => {});
    else res.end();
  } catch (error) {
    // The headers are (or may be) on the wire: the only honest signal left is to cut the response.
    res.destroy(error as Error);
  } finally {
    res.off("close", onClose);
    reader.releaseLock();
  }
}

/** Answers a request whose handler failed, unless the response is already under way. */
function sendFailure(res: ServerResponse, req: IncomingMessage, error: unknown): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  // The status is the registered one of the error's own code (WF_RUN_NOT_FOUND: 404), else 500.
  const response = errorResponseFor(
    error,
    "WF_HANDLER_FAILED",
    "The error is logged by the server process; fix its cause (see the stack there).",
  );
  sendWebResponse(res, response, req).catch(() => res.destroy());
}

/**
 * Mounts a Web handler in Node: `toNodeHandler(handler)` is a request listener
 * for `http.createServer` and a middleware for Connect, Express or Vite.
 * When the handler returns `undefined` the request goes to `next()` (or gets a
 * JSON 404, `WF_ROUTE_NOT_FOUND`, without `next`); when it throws, the client
 * gets a JSON error answer (the error's own code with its registered status,
 * else 500 `WF_HANDLER_FAILED`) and `onError` is told.
 */
export function toNodeHandler(handler: WebHandler, options: NodeAdapterOptions = {}): NodeHandler {
  const onError =
    options.onError ?? ((error: unknown) => console.error("wfkit: a request handler failed:", error));
  return (req, res, next) => {
    let request: Request;
    try {
      request = toWebRequest(req, res, options);
    } catch (error) {
      sendFailure(res, req, error);
      return;
    }
    Promise.resolve()
      .then(() => handler(request))
      .then(
        async (response) => {
          if (response === undefined || response === null) {
            if (next) next();
            else
              await sendWebResponse(
                res,
                errorResponse(
                  "WF_ROUTE_NOT_FOUND",
                  `Nothing answers ${request.method} ${new URL(request.url).pathname} here.`,
                  "The handler returned nothing for this request; send it to a path the handler serves.",
                ),
                req,
              );
            return;
          }
          await sendWebResponse(res, response, req);
        },
        (error: unknown) => {
          try {
            onError(error, request);
          } finally {
            sendFailure(res, req, error);
          }
        },
      )
      .catch((error: unknown) => {
        // Writing the answer failed (the socket broke): nothing more to send.
        if (!res.destroyed) res.destroy(error as Error);
      });
  };
}
