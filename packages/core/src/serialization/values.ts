import { DevalueError, parse, stringify } from "devalue";
import { WorkflowError } from "../errors/workflow-error.js";
import {
  BODY_BYTES_KEY,
  READABLE_HANDLE_KEY,
  RESPOND_KEY,
  REVIVE_REQUEST_KEY,
  REVIVE_RESPONSE_KEY,
  STREAM_HANDLE_KEY,
  STREAM_RUN_KEY,
} from "../globals.js";
import { currentHost } from "../workflow/realm.js";
import { closureOfProxy, reviveStepReference } from "../workflow/registry.js";
import { reviveReadable, reviveWritable } from "../workflow/streams.js";
import { bufferedBody } from "./buffered-body.js";
import { reduceClass, reduceInstance, reviveClass, reviveInstance } from "./classes.js";
import { type ErrorRecord, isErrorLike, reduceError, reviveError } from "./errors.js";

export { CarriedInstance } from "./classes.js";

/**
 * How the host carries streams inside values: a ReadableStream being serialized
 * is stored as a run's stream, and one being read back is opened on it. Without
 * ports, only streams already stored (handles) can be serialized.
 */
export interface StreamPorts {
  /** Starts storing `stream`'s chunks as a run's stream; returns which one. */
  storeReadable?(stream: ReadableStream<unknown>): [runId: string, namespace: string];
  /** The chunks of a run's stream, as a ReadableStream. */
  openReadable?(runId: string, namespace: string): ReadableStream<unknown>;
}

export { type ErrorRecord, isErrorLike, reduceError, reviveError } from "./errors.js";

/**
 * Objects that carry a body (Request, Response) expose their bytes
 * synchronously under this symbol; host code fills it with `prepareBodies`.
 */
export const BODY_BYTES = BODY_BYTES_KEY;
const buffered = new WeakMap<object, Uint8Array | null>();

function tagOf(value: unknown): string | undefined {
  return typeof value === "object" && value !== null
    ? ((value as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] ?? undefined)
    : undefined;
}

function bodyOf(value: object): Uint8Array | null {
  const own = (value as Record<symbol, unknown>)[BODY_BYTES];
  if (typeof own === "function") return own.call(value) as Uint8Array | null;
  if (buffered.has(value)) return buffered.get(value)!;
  if ((value as { body?: unknown }).body == null) return null;
  throw new WorkflowError(
    "WF_SERIALIZE_UNREAD_BODY",
    `A ${tagOf(value)} with an unread body cannot be serialized synchronously.`,
    "Read the body first (await res.text()) and pass the text, or return the Response from a step, where the runtime reads it for you.",
  );
}

type HeaderPairs = [string, string][];

const RESPOND = RESPOND_KEY;

type RequestReviver = (method: string, url: string, headers: HeaderPairs, body: Uint8Array | null) => Request;
type ResponseReviver = (
  status: number,
  statusText: string,
  headers: HeaderPairs,
  body: Uint8Array | null,
) => Response;

/** How the host revives requests or responses, when it installed its own way (host/step-globals.ts); never in a workflow realm. */
const hostReviver = <T>(key: symbol) => (globalThis as Record<symbol, unknown>)[key] as T | undefined;

/**
 * A request from its stored parts: the host's own way when it installed one, else a `Request`
 * of this realm (a workflow realm's takes a webhook request's id, and answers through the sandbox).
 */
function reviveRequest(
  method: string,
  url: string,
  headers: HeaderPairs,
  body: Uint8Array | null,
  requestId?: string,
): Request {
  const host = hostReviver<RequestReviver>(REVIVE_REQUEST_KEY);
  if (host) return host(method, url, headers, body);
  const RequestCtor = Request as unknown as new (url: string, init: object, requestId?: string) => Request;
  return new RequestCtor(url, { method, headers, body: body as BodyInit | null }, requestId);
}

/** A response from its stored parts: the host's own way when it installed one, else a `Response` of this realm. */
function reviveResponse(
  status: number,
  statusText: string,
  headers: HeaderPairs,
  body: Uint8Array | null,
): Response {
  const host = hostReviver<ResponseReviver>(REVIVE_RESPONSE_KEY);
  return host
    ? host(status, statusText, headers, body)
    : new Response(body as BodyInit | null, { status, statusText, headers });
}

function makeReducers(ports: StreamPorts | undefined) {
  return {
    // A run's stream (getWritable()): carried by namespace (and run, when it is another run's);
    // the receiving realm makes its own writable.
    WorkflowStream: (value: unknown) => {
      if (typeof value !== "object" || value === null) return false;
      const namespace = (value as Record<symbol, unknown>)[STREAM_HANDLE_KEY];
      if (typeof namespace !== "string") return false;
      const runId = (value as Record<symbol, unknown>)[STREAM_RUN_KEY];
      return typeof runId === "string" ? [namespace, runId] : [namespace];
    },
    // A ReadableStream: one already stored (a handle, or one read back) is carried by
    // `[runId, namespace]`; a new one is stored by the host's ports first.
    ReadableStream: (value: unknown) => {
      if (typeof value !== "object" || value === null) return false;
      const stored = (value as Record<symbol, unknown>)[READABLE_HANDLE_KEY];
      if (Array.isArray(stored)) return [stored[0], stored[1]];
      if (tagOf(value) !== "ReadableStream") return false;
      if (!ports?.storeReadable) {
        throw new WorkflowError(
          "WF_SERIALIZE_UNSUPPORTED",
          "A ReadableStream can only cross where the runtime stores it as a run's stream.",
          "Return the stream from a step or a workflow, pass it to a step or to start(); elsewhere (a hook payload) read it first and pass its content.",
        );
      }
      return ports.storeReadable(value as ReadableStream<unknown>);
    },
    // A step function: by id (with a nested step's captured variables), callable where it is read.
    StepFunction: (value: unknown) => {
      if (typeof value !== "function") return false;
      const stepId = (value as { stepId?: unknown }).stepId;
      if (typeof stepId !== "string") return false;
      const closure = closureOfProxy(value);
      return closure === undefined ? [stepId] : [stepId, closure];
    },
    // Custom classes go before Error, so an error class with its own serializer uses it.
    Class: reduceClass,
    Instance: reduceInstance,
    // A request a manual webhook received: keeps its id so a step can answer it.
    WebhookRequest: (value: unknown) => {
      if (tagOf(value) !== "Request" || typeof (value as { requestId?: unknown }).requestId !== "string")
        return false;
      const r = value as Request & { requestId: string };
      return [r.method, r.url, [...r.headers], bodyOf(r), r.requestId];
    },
    Error: (value: unknown) => isErrorLike(value) && reduceError(value),
    Headers: (value: unknown) => tagOf(value) === "Headers" && [...(value as Headers)],
    Request: (value: unknown) => {
      if (tagOf(value) !== "Request") return false;
      const r = value as Request;
      return [r.method, r.url, [...r.headers], bodyOf(r)];
    },
    Response: (value: unknown) => {
      if (tagOf(value) !== "Response") return false;
      const r = value as Response;
      return [r.status, r.statusText, [...r.headers], bodyOf(r)];
    },
  };
}

// Made on first use: each workflow realm evaluates this module, and plain JSON values need neither.
let reducers: ReturnType<typeof makeReducers> | undefined;

function makeRevivers(ports: StreamPorts | undefined) {
  return {
    WorkflowStream: ([namespace, runId]: [string, string?]) => reviveWritable(namespace, runId),
    ReadableStream: ([runId, namespace]: [string, string]) => {
      const stream = reviveReadable(runId, namespace, ports?.openReadable ?? currentHost()?.openReadable);
      Object.defineProperty(stream, READABLE_HANDLE_KEY, { value: [runId, namespace] });
      return stream;
    },
    StepFunction: ([stepId, closure]: [string, Record<string, unknown>?]) =>
      reviveStepReference(stepId, closure),
    Class: reviveClass,
    Instance: reviveInstance,
    WebhookRequest: ([method, url, headers, body, requestId]: [
      string,
      string,
      HeaderPairs,
      Uint8Array | null,
      string,
    ]) => {
      const request = reviveRequest(method, url, headers, body, requestId) as Request & {
        requestId?: string;
        respondWith?: (response: Response) => Promise<void>;
      };
      if (request.requestId === undefined) {
        // Host realm: answer through the runtime that runs this step.
        Object.defineProperty(request, "requestId", { value: requestId });
        request.respondWith = async (response: Response) => {
          const respond = (globalThis as Record<symbol, unknown>)[RESPOND] as
            | ((id: string, response: Response) => Promise<void>)
            | undefined;
          if (!respond)
            throw new WorkflowError(
              "WF_RESPOND_NOT_MANUAL",
              "respondWith() needs the workflow runtime in this process.",
              "Call request.respondWith() from a step, in the process that runs the workflow runtime.",
            );
          await respond(requestId, response);
        };
      }
      return request;
    },
    Error: (record: ErrorRecord) => reviveError(record),
    Headers: (pairs: HeaderPairs) => new Headers(pairs),
    Request: ([method, url, headers, body]: [string, string, HeaderPairs, Uint8Array | null]) =>
      reviveRequest(method, url, headers, body),
    Response: ([status, statusText, headers, body]: [number, string, HeaderPairs, Uint8Array | null]) =>
      reviveResponse(status, statusText, headers, body),
  };
}

let revivers: ReturnType<typeof makeRevivers> | undefined;

function describe(value: unknown): string {
  if (typeof value === "function") return "a function";
  if (typeof value === "symbol") return "a symbol";
  const name = (value as { constructor?: { name?: string } } | null)?.constructor?.name;
  return name ? `${name}` : "this value";
}

// Most step arguments and results are plain JSON. They skip devalue (whose
// reducers visit every object) and are stored as "j" + JSON.
const JSON_PREFIX = "j";

function isPlainJson(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth > 32) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        // Objects of another realm (the workflow sandbox) have their own Object.prototype.
        if (proto === null || Object.getPrototypeOf(proto) !== null || proto.constructor?.name !== "Object")
          return false;
      }
      for (const key in value) {
        if (key === "__proto__" || !isPlainJson((value as Record<string, unknown>)[key], depth + 1))
          return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Serializes a value for the event log. `label` names the root in errors:
 * `args[0].conn: Socket is not serializable`.
 */
export function serialize(value: unknown, label = "value", ports?: StreamPorts): string {
  if (isPlainJson(value, 0)) return JSON_PREFIX + JSON.stringify(value);
  try {
    return stringify(value, ports ? makeReducers(ports) : (reducers ??= makeReducers(undefined)));
  } catch (error) {
    if (error instanceof DevalueError) {
      throw new WorkflowError(
        "WF_SERIALIZE_UNSUPPORTED",
        `${label}${error.path}: ${describe(error.value)} is not serializable.`,
        "Pass plain data (objects, arrays, strings, numbers, Date, Map, Set, BigInt, URL, typed arrays, Error, Request/Response, streams, step functions). Give a class static workflow-serialize/workflow-deserialize methods to pass its instances (docs/serialization.md); keep connections inside a step and pass ids instead.",
      );
    }
    throw error;
  }
}

/**
 * `serialize` for host records made only of what devalue itself knows (plain objects,
 * arrays, strings, numbers, typed arrays): the same text, without trying the reducers
 * on every object (a third of the cost of a webhook request's record).
 */
export function serializeData(value: unknown): string {
  if (isPlainJson(value, 0)) return JSON_PREFIX + JSON.stringify(value);
  return stringify(value);
}

/** Reads a value `serialize` wrote; `ports` open the streams it carries (host code). */
export function deserialize<T = unknown>(text: string, ports?: StreamPorts): T {
  if (text.charCodeAt(0) === 106 /* "j" */) return JSON.parse(text.slice(1)) as T;
  return parse(text, ports ? makeRevivers(ports) : (revivers ??= makeRevivers(undefined))) as T;
}

/** Reads the bodies of every Request/Response inside `value`, so `serialize` can include them. */
export async function prepareBodies(value: unknown, seen = new Set<unknown>()): Promise<void> {
  if (typeof value !== "object" || value === null || seen.has(value)) return;
  seen.add(value);
  const tag = tagOf(value);
  if ((tag === "Request" || tag === "Response") && !buffered.has(value)) {
    const r = value as Request | Response;
    // A body made from a string or bytes is taken as it is: no clone()'s tee, no stream read.
    const whole = bufferedBody(r);
    if (whole !== undefined)
      buffered.set(
        value,
        typeof whole === "string" ? new TextEncoder().encode(whole) : new Uint8Array(whole),
      );
    else buffered.set(value, r.body == null ? null : new Uint8Array(await r.clone().arrayBuffer()));
    return;
  }
  if (Array.isArray(value)) for (const item of value) await prepareBodies(item, seen);
  else if (value instanceof Map)
    for (const [k, v] of value) await Promise.all([prepareBodies(k, seen), prepareBodies(v, seen)]);
  else if (value instanceof Set) for (const item of value) await prepareBodies(item, seen);
  else if (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null) {
    for (const item of Object.values(value)) await prepareBodies(item, seen);
  }
}

/** `serialize` after reading bodies: for host code (step results, webhook requests). */
export async function serializeAsync(value: unknown, label = "value", ports?: StreamPorts): Promise<string> {
  await prepareBodies(value);
  return serialize(value, label, ports);
}

/**
 * `serializeAsync`, answered at once (no promise) when `value` is a primitive: no body
 * to read. A step returning a number, a string or nothing awaits nothing here.
 */
export function serializeResult(
  value: unknown,
  label = "value",
  ports?: StreamPorts,
): string | Promise<string> {
  if ((typeof value !== "object" && typeof value !== "function") || value === null)
    return serialize(value, label, ports);
  return serializeAsync(value, label, ports);
}
