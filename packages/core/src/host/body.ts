// Bounded reading of request bodies, shared by every route that reads one
// (webhooks, the `wf dev` API, the inspect route): a size cap, a deadline, and
// a nesting limit for JSON. docs/security.md documents the limits.
import { WorkflowError } from "../errors/workflow-error.js";
import { READ_BODY_KEY } from "../globals.js";
import { serializeAsync } from "../serialization/index.js";

/** Largest JSON body the JSON routes (the `wf dev` API, the inspect route) read: 1 MiB. */
export const DEFAULT_MAX_JSON_BYTES = 1024 * 1024;
/** Deepest nesting of arrays and objects a JSON body or a hook payload may have. */
export const DEFAULT_MAX_JSON_DEPTH = 64;
/** How long a request body may take to arrive, in ms, before the route answers 408. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;

/** Whether a `Content-Type` is JSON: `application/json` or `application/*+json`, parameters ignored. */
export function isJsonContentType(value: string | null | undefined): boolean {
  const type = value?.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || (type.startsWith("application/") && type.endsWith("+json"));
}

/**
 * How much more than the limit a body may be and still be read (and dropped) before the
 * route answers 413. A client still sending when the server answers and closes the
 * connection gets a reset, often before it has read the answer; one whose whole body is
 * taken reads the 413 and its code. A body larger still is answered at once.
 */
export const DRAIN_MAX_BYTES = 8 * 1024 * 1024;

/** What {@link readLimited} gives: the bytes, `null` (no body), or why it stopped reading. */
export type LimitedBody = Uint8Array | null | "too-large" | "timeout";

/** How a request reads its own body (see {@link READ_BODY_KEY}). */
type OwnBodyReader = (limit: number, timeoutMs: number) => Promise<LimitedBody> | undefined;

/** Options of {@link readLimited}. */
export interface ReadLimitedOptions {
  /** How long the whole body may take to arrive, in ms. Default {@link DEFAULT_BODY_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/**
 * Reads a request body up to `limit` bytes: the bytes, `null` when there is
 * no body, `"too-large"` when it is larger (the rest is read and dropped, up to
 * {@link DRAIN_MAX_BYTES} more within the deadline, so the caller can read the answer), or
 * `"timeout"` (reading stops) when a body within the limit has not all arrived within
 * `options.timeoutMs`: a client that declares a `Content-Length` and never
 * sends it does not hold the route. Used by the webhook route and the JSON routes.
 */
export async function readLimited(
  request: Request,
  limit: number,
  options: ReadLimitedOptions = {},
): Promise<LimitedBody> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared > limit + DRAIN_MAX_BYTES) return "too-large";
  const own = (request as unknown as Record<symbol, OwnBodyReader | undefined>)[READ_BODY_KEY]?.call(
    request,
    limit,
    options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS,
  );
  if (own) return own;
  if (!request.body) return null;
  const reader = request.body.getReader();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<"timeout">((resolve) => {
    timer = setTimeout(resolve, options.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS, "timeout");
  });
  const body = new LimitedChunks(limit);
  try {
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array> | "timeout";
      try {
        next = await Promise.race([reader.read(), expired]);
      } catch (error) {
        // The client gone while the rest of a body over the limit was being dropped: the verdict stands.
        if (body.over) return "too-large";
        throw error;
      }
      if (next === "timeout") {
        await reader.cancel().catch(() => {});
        return body.cut("timeout");
      }
      if (next.done) break;
      if (!body.add(next.value)) {
        await reader.cancel().catch(() => {});
        return "too-large";
      }
    }
  } finally {
    clearTimeout(timer);
  }
  return body.ended();
}

/**
 * A body's chunks counted against a limit: kept up to it, past it counted and dropped (so
 * the sender may finish), and past {@link DRAIN_MAX_BYTES} more no longer worth reading.
 * The accounting of both body readers: {@link readLimited}'s over a Web stream, and the
 * Node adapter's straight off the socket.
 */
export class LimitedChunks {
  private chunks: Uint8Array[] = [];
  private size = 0;

  constructor(private readonly limit: number) {}

  /** Takes a chunk; false once reading should stop (more than DRAIN_MAX_BYTES past the limit). */
  add(bytes: Uint8Array): boolean {
    this.size += bytes.byteLength;
    if (this.size <= this.limit) this.chunks.push(bytes);
    else if (this.chunks.length > 0) this.chunks = [];
    return this.size <= this.limit + DRAIN_MAX_BYTES;
  }

  /** Over the limit: the verdict is "too-large", whatever ends the reading. */
  get over(): boolean {
    return this.size > this.limit;
  }

  /** The verdict once the body ended: the whole body, or "too-large". */
  ended(): Uint8Array | "too-large" {
    return this.over ? "too-large" : concatBytes(this.chunks, this.size);
  }

  /** The verdict when reading stopped early (the deadline): "too-large" once over the limit, else `why`. */
  cut<T>(why: T): T | "too-large" {
    return this.over ? "too-large" : why;
  }
}

/** `chunks` as one array of `size` bytes (the one chunk itself when there is only one). */
function concatBytes(chunks: Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Whether the JSON text (a string, or its UTF-8 bytes) nests arrays and
 * objects deeper than `max`. One pass with a counter (strings skipped), no
 * recursion: a million `[` cost a loop, not the stack. The text need not be
 * valid JSON.
 */
export function jsonTooDeep(text: string | Uint8Array, max: number = DEFAULT_MAX_JSON_DEPTH): boolean {
  // In UTF-8 every byte of a multi-byte character is >= 0x80, so the bytes scan like the characters.
  const at = typeof text === "string" ? (i: number) => text.charCodeAt(i) : (i: number) => text[i]!;
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = at(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * Whether a value nests objects, arrays, maps and sets deeper than `max`,
 * measured along the order a serializer walks it (each object counted where it
 * is first reached, so shared and cyclic references do not add depth). An
 * explicit stack, no recursion.
 */
export function valueTooDeep(value: unknown, max: number = DEFAULT_MAX_JSON_DEPTH): boolean {
  const seen = new Set<object>();
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    seen.add(current);
    if (depth + 1 > max) return true;
    if (ArrayBuffer.isView(current) || current instanceof ArrayBuffer) continue;
    const children: Iterable<unknown> =
      current instanceof Map
        ? [...current.keys(), ...current.values()]
        : current instanceof Set || Array.isArray(current)
          ? current
          : Object.values(current);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push([child, depth + 1]);
    }
  }
  return false;
}

/** Limits of {@link readJsonBody}. */
export interface JsonBodyLimits {
  /** Largest body in bytes. Default {@link DEFAULT_MAX_JSON_BYTES}. */
  maxBytes?: number;
  /** Deepest nesting. Default {@link DEFAULT_MAX_JSON_DEPTH}. */
  maxDepth?: number;
  /** How long the body may take to arrive, in ms. Default {@link DEFAULT_BODY_TIMEOUT_MS}. */
  timeoutMs?: number;
}

/** 413 `WF_PAYLOAD_TOO_LARGE`. */
export function payloadTooLarge(what: string, max: number): WorkflowError {
  return new WorkflowError(
    "WF_PAYLOAD_TOO_LARGE",
    `${what} is larger than ${max} bytes, so it was not used and nothing was recorded.`,
    "Send less: put large data in storage and send a reference (a URL or a key) instead.",
  );
}

/** 400 `WF_JSON_TOO_DEEP`. */
export function jsonTooDeepError(what: string, max: number): WorkflowError {
  return new WorkflowError(
    "WF_JSON_TOO_DEEP",
    `${what} nests arrays and objects more than ${max} levels deep, so it was not used and nothing was recorded.`,
    `Flatten the data to at most ${max} levels of nesting.`,
  );
}

/** 408 `WF_REQUEST_TIMEOUT`. */
export function requestTimeout(timeoutMs: number): WorkflowError {
  return new WorkflowError(
    "WF_REQUEST_TIMEOUT",
    `The request body did not arrive within ${timeoutMs} ms, so the server stopped reading it.`,
    "Send the whole body right after the headers, with a Content-Length that matches it.",
  );
}

/** Answers that end a request whose body was not read in full: the connection cannot be reused. */
export const CLOSE_CONNECTION = { connection: "close" } as const;

/**
 * Reads a JSON request body within the limits: the parsed value, or
 * `undefined` for an empty body. Throws `WF_PAYLOAD_TOO_LARGE` (413),
 * `WF_JSON_TOO_DEEP` (400) or `WF_REQUEST_TIMEOUT` (408), and the parser's
 * `SyntaxError` for text that is not JSON.
 */
export async function readJsonBody(request: Request, limits: JsonBodyLimits = {}): Promise<unknown> {
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const timeoutMs = limits.timeoutMs ?? DEFAULT_BODY_TIMEOUT_MS;
  const body = await readLimited(request, maxBytes, { timeoutMs });
  if (body === "too-large") throw payloadTooLarge("The request body", maxBytes);
  if (body === "timeout") throw requestTimeout(timeoutMs);
  if (body && jsonTooDeep(body, maxDepth)) throw jsonTooDeepError("The request body", maxDepth);
  const text = body ? new TextDecoder().decode(body) : "";
  return text.trim() ? JSON.parse(text) : undefined;
}

/** Limits of a hook payload given to `resumeHook`. */
export interface PayloadLimits {
  /** Largest serialized payload in bytes. Default {@link DEFAULT_MAX_JSON_BYTES}. */
  maxBytes?: number;
  /** Deepest nesting. Default {@link DEFAULT_MAX_JSON_DEPTH}. */
  maxDepth?: number;
}

/**
 * Serializes a hook payload for the event log within the limits: throws
 * `WF_JSON_TOO_DEEP` before serializing (the serializer recurses) and
 * `WF_PAYLOAD_TOO_LARGE` after, so nothing over the limits is recorded.
 */
export async function serializePayload(payload: unknown, limits: PayloadLimits = {}): Promise<string> {
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_JSON_DEPTH;
  const maxBytes = limits.maxBytes ?? DEFAULT_MAX_JSON_BYTES;
  if (valueTooDeep(payload, maxDepth)) throw jsonTooDeepError("The hook payload", maxDepth);
  const serialized = await serializeAsync(payload, "payload");
  if (Buffer.byteLength(serialized) > maxBytes) throw payloadTooLarge("The hook payload", maxBytes);
  return serialized;
}
