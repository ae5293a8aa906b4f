// The whole body of a Request or Response made from a string or bytes, read without its stream.
import { BUFFERED_BODY_KEY } from "../globals.js";

/** The symbol under which Node's undici keeps a Request's or Response's state; null once known to be absent. */
let stateKey: symbol | null | undefined;

/**
 * The whole body of a `Request` or `Response` made from a string or bytes (`Response.json()`,
 * `new Response("…")`, `new Request(url, { body: "…" })`). Node's undici keeps that source
 * beside the stream it would otherwise be read from. Undefined for a stream, a Blob or
 * FormData, a body already read or locked, or another implementation. The host's lazy
 * Request and Response answer it themselves; the others are read through
 * undici's own state: a small body read through a reader (or a `clone()`'s tee) costs
 * several times what the rest of a small answer does. Nothing is read from the stream,
 * so a fallback that streams still sees the whole body.
 */
export function bufferedBody(message: Request | Response): Uint8Array | string | undefined {
  // The host's lazy kinds hold their bytes themselves (node/lazy-request.ts, node/lazy-response.ts).
  const own = (message as unknown as Record<symbol, unknown>)[BUFFERED_BODY_KEY];
  if (typeof own === "function") {
    const bytes = (own as () => Uint8Array | undefined).call(message);
    if (bytes !== undefined) return bytes;
  }
  // Found once, on a Response of this runtime's own making: `message` may be another kind of object.
  if (stateKey === undefined)
    stateKey = Object.getOwnPropertySymbols(new Response("")).find((s) => s.description === "state") ?? null;
  if (!stateKey || message.bodyUsed) return undefined;
  const state = (message as unknown as Record<symbol, { body?: unknown } | undefined>)[stateKey];
  const body = state && typeof state === "object" ? state.body : undefined;
  if (!body || typeof body !== "object") return undefined;
  const { source, stream } = body as { source?: unknown; stream?: unknown };
  if (!(stream instanceof ReadableStream) || stream.locked) return undefined;
  return typeof source === "string" || source instanceof Uint8Array ? source : undefined;
}
