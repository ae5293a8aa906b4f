// The request toNodeHandler gives its handler: a `Request` (instanceof, every member,
// `new Request(it)`) whose method, URL, headers and signal come straight from the Node
// request, and whose body the routes' bounded reader (`readLimited`) takes straight off
// the socket. The real undici `Request` is made only when a member that needs it is
// read. Making it cost about 18 µs per request, most of it the body's Web stream; under
// a burst of webhook POSTs it and the stream read were a fifth of the main thread.
// The same lazy kind, made from stored parts (`bytesWebRequest`), is how the host
// revives a request from the event log for a step.
import type { IncomingMessage, ServerResponse } from "node:http";
import { BUFFERED_BODY_KEY, READ_BODY_KEY } from "../globals.js";
import { type LimitedBody, LimitedChunks } from "../host/body.js";
import { defineBodyReaders, forwardTheRest, lazyPrototype, unusable } from "./lazy-web.js";
import {
  chunkBytes,
  closeSignal,
  NO_BODY_METHODS,
  type NodeRequest,
  parsedBody,
  requestHeaders,
  requestMethod,
  requestUrl,
  setUnreadBody,
  toWebRequest,
} from "./request.js";
import type { NodeAdapterOptions } from "./types.js";

/** Where the body is: not read yet, read whole by `READ_BODY_KEY`, or partly read and dropped. */
type BodyState = "unread" | Uint8Array | "dropped";

const STATE = Symbol("nodeRequestState");

interface State {
  /** The Node request; absent for a request made from stored parts (`bytesWebRequest`). */
  readonly req?: IncomingMessage;
  /** The headers of a request made from stored parts, until `headers` is read. */
  readonly pairs?: [string, string][];
  readonly method: string;
  readonly url: string;
  readonly signal: () => AbortSignal;
  headers?: Headers;
  body: BodyState;
  /** Read by `text()`, `json()`, `arrayBuffer()` or `bytes()`: a second read is refused, as on any Request. */
  used?: boolean;
  real?: Request;
}

/** Lazy requests carry their state under {@link STATE}; everything else is on the prototype. */
class NodeWebRequest {
  declare [STATE]: State;
}

function stateOf(request: NodeWebRequest): State {
  return request[STATE];
}

/** The request's headers, made on first use. */
function headersOf(state: State): Headers {
  state.headers ??= state.req ? requestHeaders(state.req) : new Headers(state.pairs);
  return state.headers;
}

/** The real `Request`, made once; its headers become the ones this request shows. */
function realOf(request: NodeWebRequest): Request {
  const state = stateOf(request);
  if (state.real) return state.real;
  const init: RequestInit & { duplex?: "half" } = {
    method: state.method,
    headers: headersOf(state),
  };
  if (!NO_BODY_METHODS.has(state.method)) {
    const { body } = state;
    if (body instanceof Uint8Array) init.body = body as Uint8Array<ArrayBuffer>;
    else if (body === "dropped") {
      init.body = droppedBody();
      init.duplex = "half";
    } else if (state.req) setUnreadBody(state.req, init);
  }
  const real = new Request(state.url, init);
  // Already read through this request: the real one's body is used up too.
  if (state.used && real.body) void real.arrayBuffer().catch(() => {});
  state.real = real;
  state.headers = real.headers;
  return real;
}

/** The body of a request whose body `readLimited` stopped reading (too large, too slow): unusable, as a Web one would be. */
function droppedBody(): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.error(
        new TypeError("The request body was already read in part and dropped (too large or too slow)."),
      );
    },
  });
}

/**
 * The body, taken at once, when all its declared bytes are already in the request's buffer (a
 * small body comes in the same packets as its headers, and Node has parsed it by the time the
 * handler runs). Set flowing, the stream would hand it over only some ticks later: 0.13 ms of
 * a webhook POST's 0.25 ms body read on this project's 2-core machines, after a moment idle.
 * Undefined otherwise (chunked, still arriving, over `limit`, decoded to text): then it is read
 * from the stream.
 */
function bufferedWhole(req: IncomingMessage, limit: number): Uint8Array | undefined {
  const header = req.headers["content-length"];
  const declared = header === undefined ? Number.NaN : Number(header);
  const ready =
    declared > 0 &&
    declared <= limit &&
    req.readableLength === declared &&
    req.readableFlowing !== true &&
    !req.readableEncoding &&
    !req.destroyed;
  if (!ready) return undefined;
  // Without a size, read() hands over everything buffered, as one chunk.
  const chunk = req.read() as Buffer | null;
  return chunk === null ? undefined : chunkBytes(chunk);
}

/**
 * Reads the whole body straight from the socket, up to `limit` bytes within `timeoutMs`.
 * Past the limit the rest is still read and dropped until it ends (up to `DRAIN_MAX_BYTES`
 * more, within the deadline), so the client has sent it all when the 413 goes out; past
 * the deadline, or beyond that much, reading stops and the rest is drained by Node.
 */
function readSocketBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<LimitedBody> {
  const whole = bufferedWhole(req, limit);
  if (whole) return Promise.resolve(whole);
  return new Promise((resolve, reject) => {
    const body = new LimitedChunks(limit);
    const detach = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onClose);
    };
    const stop = (why: "too-large" | "timeout") => {
      detach();
      req.resume();
      resolve(why);
    };
    const onData = (chunk: Buffer | string) => {
      if (!body.add(chunkBytes(chunk))) stop("too-large");
    };
    const onEnd = () => {
      detach();
      resolve(body.ended());
    };
    // A client gone while the rest of a body over the limit was being dropped: the verdict stands.
    const onError = (error: Error) => {
      detach();
      if (body.over) resolve("too-large");
      else reject(error);
    };
    const onClose = () =>
      onError(new Error("The client closed the connection before sending the whole request body."));
    const timer = Number.isFinite(timeoutMs)
      ? setTimeout(() => stop(body.cut("timeout")), timeoutMs)
      : undefined;
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("close", onClose);
    req.resume();
  });
}

/** The whole body (or why it stopped) from the socket or what was already taken; keeps it for later readers. */
function takeBody(state: State, limit: number, timeoutMs: number): Promise<LimitedBody> {
  if (NO_BODY_METHODS.has(state.method)) return Promise.resolve(null);
  const { body } = state;
  if (body instanceof Uint8Array) return Promise.resolve(body.byteLength > limit ? "too-large" : body);
  if (body === "dropped") return Promise.reject(unusable());
  const { req } = state;
  // A request made from stored parts has its bytes from the start: never here.
  if (!req) return Promise.reject(unusable());
  if (req.readableEnded) {
    // A body parser read it first: what it kept, else nothing.
    const kept = parsedBody(req as NodeRequest);
    // As plain bytes: a Buffer is a subclass that serializers may not take.
    const bytes = kept === undefined ? new Uint8Array(0) : chunkBytes(kept as Uint8Array | string);
    state.body = bytes;
    return Promise.resolve(bytes.byteLength > limit ? "too-large" : bytes);
  }
  state.body = "dropped";
  return readSocketBody(req, limit, timeoutMs).then((result) => {
    if (result instanceof Uint8Array) state.body = result;
    return result;
  });
}

/** `READ_BODY_KEY` of a lazy request: from the socket, unless the real `Request` (and its stream) already exists. */
function readOwnBody(
  this: NodeWebRequest,
  limit: number,
  timeoutMs: number,
): Promise<LimitedBody> | undefined {
  const state = stateOf(this);
  if (state.real) return undefined;
  if (state.used) return Promise.reject(unusable());
  return takeBody(state, limit, timeoutMs);
}

/** `BUFFERED_BODY_KEY` of a lazy request: its whole body when it holds it and nobody read it. */
function bufferedOwnBody(this: NodeWebRequest): Uint8Array | undefined {
  const state = stateOf(this);
  return !state.real && !state.used && state.body instanceof Uint8Array ? state.body : undefined;
}

/**
 * The body for `text()`, `json()`, `arrayBuffer()` and `bytes()` without a Web stream
 * (routes that parse a small JSON body made the real Request for nothing else);
 * undefined once the real one exists (it answers then).
 */
function consumeBody(request: NodeWebRequest): Promise<Uint8Array> | undefined {
  const state = stateOf(request);
  if (state.real) return undefined;
  if (state.used) return Promise.reject(unusable());
  if (NO_BODY_METHODS.has(state.method)) return Promise.resolve(new Uint8Array(0));
  state.used = true;
  return takeBody(state, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY).then((body) =>
    body instanceof Uint8Array ? body : new Uint8Array(0),
  );
}

/**
 * Builds the prototype, on the first request (making a `Request` loads undici, which
 * start-up need not wait for): `Request.prototype` underneath (so `instanceof Request`
 * holds), our own method, URL, headers, signal and body reader on top, and every
 * other member (including undici's internal symbols, which `new Request(request)`
 * reads) forwarded to the real `Request`. False where the runtime's `Request` keeps
 * its state where forwarding cannot reach (then every request is a real one).
 */
function setUpLazy(): boolean {
  try {
    const { define, own } = lazyPrototype(NodeWebRequest.prototype, Request);
    define("method", {
      get(this: NodeWebRequest) {
        return stateOf(this).method;
      },
    });
    define("url", {
      get(this: NodeWebRequest) {
        return stateOf(this).url;
      },
    });
    define("headers", {
      get(this: NodeWebRequest) {
        return headersOf(stateOf(this));
      },
    });
    define("signal", {
      get(this: NodeWebRequest) {
        return stateOf(this).signal();
      },
    });
    define("bodyUsed", {
      get(this: NodeWebRequest) {
        const state = stateOf(this);
        return state.real ? state.real.bodyUsed : state.used === true || state.body === "dropped";
      },
    });
    defineBodyReaders(define, Request, consumeBody, realOf);
    define(READ_BODY_KEY, { value: readOwnBody, writable: true });
    define(BUFFERED_BODY_KEY, { value: bufferedOwnBody, writable: true });
    forwardTheRest(define, own, Request, new Request("http://localhost/"), realOf);
    // The self-test: what a handler may do with the request it was given.
    const probe = make({
      req: {
        method: "POST",
        url: "http://localhost/probe",
        headers: { "x-probe": "1" },
        rawHeaders: ["X-Probe", "1"],
      } as Partial<IncomingMessage> as IncomingMessage,
      signal: () => new AbortController().signal,
      method: "POST",
      url: "http://localhost/probe",
      body: new Uint8Array([111, 107]),
    });
    const copy = new Request(probe as unknown as Request, { headers: { "x-copy": "1" } });
    return copy.method === "POST" && copy.url === "http://localhost/probe" && copy.body !== null;
  } catch {
    return false;
  }
}

let lazySupported: boolean | undefined;

/** A lazy request over `state`: a Node request's, or stored parts'. */
function make(state: State): NodeWebRequest {
  const request = new NodeWebRequest();
  request[STATE] = state;
  return request;
}

/**
 * A `Request` made from stored parts: a webhook request (or any request) revived from the
 * event log for a step. Lazy like the adapter's (see the file comment): its method, URL,
 * headers and body readers need no undici `Request`, whose making and stream read cost
 * 0.1-0.3 ms on a step's path while the code is not yet optimized. Made real when any other
 * member is read. A real one where the runtime does not allow the lazy kind.
 */
export function bytesWebRequest(
  method: string,
  url: string,
  headers: [string, string][],
  body: Uint8Array | null,
): Request {
  lazySupported ??= setUpLazy();
  // A body-less request is left to the real constructor: its `body` is null, not an empty stream.
  if (!lazySupported || body === null || NO_BODY_METHODS.has(method) || FORBIDDEN_METHODS.has(method)) {
    return new Request(url, { method, headers, body: body as BodyInit | null });
  }
  let signal: AbortSignal | undefined;
  return make({
    pairs: headers,
    method,
    url,
    // As a real request made without one: a signal of its own that never aborts.
    signal: () => (signal ??= new AbortController().signal),
    body,
  }) as unknown as Request;
}

/** Methods a Web `Request` refuses: the real constructor says so (the adapter answers 500). */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);

/**
 * The `Request` for a Node request in `toNodeHandler`: lazy where the runtime allows
 * it (see the file comment), a real one made by `toWebRequest` otherwise. Its
 * `signal` aborts when the client goes away before `res` finished.
 */
export function nodeWebRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: Pick<NodeAdapterOptions, "trustProxy">,
): Request {
  const method = requestMethod(req);
  lazySupported ??= setUpLazy();
  if (!lazySupported || FORBIDDEN_METHODS.has(method)) return toWebRequest(req, res, options);
  // Parsed here, so a URL a Request refuses fails now, as the real constructor would.
  const url = new URL(requestUrl(req, options)).href;
  return make({ req, method, url, signal: closeSignal(res), body: "unread" }) as unknown as Request;
}
