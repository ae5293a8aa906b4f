// A Response revived from stored parts (a manual webhook's answer on its way back to the caller,
// a webhook's static answer): a `Response` in every way code can tell (instanceof, every
// member, brand checks), whose status, headers and body readers need no undici object, and
// which the adapters write from its bytes (serialization/buffered-body.ts). Making an undici
// Response with a body cost 0.15 ms on this project's 2-core machines when the process had
// been idle a moment before (as between a webhook's requests), 20 µs back to back: most of it
// the body's Web stream. The real one is made when any other member is read (`body`,
// `clone()`, undici's own symbols), as for the lazy request (lazy-request.ts).
import { BUFFERED_BODY_KEY } from "../globals.js";
import { defineBodyReaders, forwardTheRest, lazyPrototype, unusable } from "./lazy-web.js";

const STATE = Symbol("lazyResponseState");

interface State {
  readonly status: number;
  readonly statusText: string;
  /** The headers as stored, until `headers` is read. */
  readonly pairs: [string, string][];
  readonly body: Uint8Array;
  headers?: Headers;
  /** Read by `text()`, `json()`, `arrayBuffer()` or `bytes()`: a second read is refused, as on any Response. */
  used?: boolean;
  real?: Response;
}

/** Lazy responses carry their state under {@link STATE}; everything else is on the prototype. */
class BytesWebResponse {
  declare [STATE]: State;
}

function headersOf(state: State): Headers {
  state.headers ??= new Headers(state.pairs);
  return state.headers;
}

/** The real `Response`, made once; its headers become the ones this response shows. */
function realOf(response: BytesWebResponse): Response {
  const state = response[STATE];
  if (state.real) return state.real;
  const real = new Response(state.body as Uint8Array<ArrayBuffer>, {
    status: state.status,
    statusText: state.statusText,
    headers: headersOf(state),
  });
  // Already read through this response: the real one's body is used up too.
  if (state.used) void real.arrayBuffer().catch(() => {});
  state.real = real;
  state.headers = real.headers;
  return real;
}

/** `BUFFERED_BODY_KEY`: the whole body while nobody read it and no real Response was made. */
function bufferedOwnBody(this: BytesWebResponse): Uint8Array | undefined {
  const state = this[STATE];
  return state.real || state.used ? undefined : state.body;
}

/** The body for the fast readers: once; undefined once the real Response exists (it answers then). */
function consumeBody(response: BytesWebResponse): Promise<Uint8Array> | undefined {
  const state = response[STATE];
  if (state.real) return undefined;
  if (state.used) return Promise.reject(unusable());
  state.used = true;
  return Promise.resolve(state.body);
}

/**
 * Builds the prototype on first use: `Response.prototype` underneath, our own status,
 * headers and body readers on top, every other member forwarded to the real `Response`.
 * False where the runtime's `Response` does not allow it (then every response is a real one).
 */
function setUpLazy(): boolean {
  try {
    const { define, own } = lazyPrototype(BytesWebResponse.prototype, Response);
    const getter = (name: string, get: (state: State) => unknown) =>
      define(name, {
        get(this: BytesWebResponse) {
          return get(this[STATE]);
        },
      });
    getter("status", (state) => state.status);
    getter("statusText", (state) => state.statusText);
    getter("ok", (state) => state.status >= 200 && state.status <= 299);
    getter("headers", headersOf);
    // As a Response made by its constructor.
    getter("type", () => "default");
    getter("url", () => "");
    getter("redirected", () => false);
    getter("bodyUsed", (state) => (state.real ? state.real.bodyUsed : state.used === true));
    defineBodyReaders(define, Response, consumeBody, realOf);
    define(BUFFERED_BODY_KEY, { value: bufferedOwnBody, writable: true });
    forwardTheRest(define, own, Response, new Response(""), realOf);
    // The self-test: the real Response behind a lazy one, through a member only it has.
    const probe = make({
      status: 201,
      statusText: "",
      pairs: [["x-probe", "1"]],
      body: new Uint8Array([111]),
    });
    const copy = (probe as unknown as Response).clone();
    return copy instanceof Response && copy.status === 201 && copy.headers.get("x-probe") === "1";
  } catch {
    return false;
  }
}

let lazySupported: boolean | undefined;

function make(state: State): BytesWebResponse {
  const response = new BytesWebResponse();
  response[STATE] = state;
  return response;
}

/** Statuses whose Response has no body: the real constructor refuses one. */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);

/**
 * A `Response` from stored parts, lazy (see the file comment) where the runtime allows it. One
 * the real constructor would refuse, or one without a body (its `body` is null), is a real one.
 */
export function bytesWebResponse(
  status: number,
  statusText: string,
  headers: [string, string][],
  body: Uint8Array | null,
): Response {
  lazySupported ??= setUpLazy();
  const lazy =
    lazySupported && body !== null && status >= 200 && status <= 599 && !NULL_BODY_STATUS.has(status);
  if (!lazy) return new Response(body as BodyInit | null, { status, statusText, headers });
  return make({ status, statusText, pairs: headers, body }) as unknown as Response;
}
