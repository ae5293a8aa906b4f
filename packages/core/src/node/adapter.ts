import type { IncomingMessage, ServerResponse } from "node:http";
import { errorResponse, errorResponseFor } from "../errors/response.js";
import { bufferedBody } from "../serialization/buffered-body.js";
import { nodeWebRequest } from "./lazy-request.js";
import type { NodeAdapterOptions, NodeHandler, WebHandler } from "./types.js";

const NO_BODY_STATUS = new Set([101, 204, 205, 304]);

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
 * The handler's `Request` is built lazily: its method, URL, headers and signal
 * come straight from `req`, and `text()`, `json()`, `arrayBuffer()` and `bytes()`
 * read the socket directly. The full Web `Request` is made only when anything
 * else is used (`body`, `clone()`, `new Request(request)`, ...).
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
      request = nodeWebRequest(req, res, options);
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
