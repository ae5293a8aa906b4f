import { deserialize, isErrorLike } from "../serialization/index.js";
import type { ErrorView, JsonValue } from "./types.js";

/** A stored payload, decoded and made JSON-safe; text that cannot be decoded is shown as it is. */
export async function decodePayload(text: string): Promise<JsonValue> {
  try {
    return await toJson(deserialize(text), new Set());
  } catch {
    return { unreadable: text };
  }
}

/** A value read back from storage (a stream chunk, say), made JSON-safe. */
export function toJsonValue(value: unknown): Promise<JsonValue> {
  return toJson(value, new Set());
}

/** A stored error (a serialized Error, or any thrown value) as the views show it. */
export async function decodeError(text: string): Promise<ErrorView> {
  let value: unknown;
  try {
    value = deserialize(text);
  } catch {
    return { name: "Error", message: text };
  }
  if (isErrorLike(value))
    return errorView(value.name, value.message, value.stack, (value as { code?: unknown }).code);
  return {
    name: "Error",
    message: typeof value === "string" ? value : JSON.stringify(await toJson(value, new Set())),
  };
}

function errorView(name: string, message: string, stack: unknown, code: unknown): ErrorView {
  const view: ErrorView = { name, message };
  if (typeof stack === "string") view.stack = stack;
  if (typeof code === "string") view.code = code;
  return view;
}

const decoder = new TextDecoder("utf-8", { fatal: true });

function bytes(body: Uint8Array | null | undefined): JsonValue {
  if (!body) return null;
  try {
    return decoder.decode(body);
  } catch {
    return { base64: Buffer.from(body).toString("base64") };
  }
}

/** Dates, Maps, Sets, BigInts, errors, Requests and Responses as plain JSON. */
async function toJson(value: unknown, seen: Set<unknown>): Promise<JsonValue> {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : String(value);
    case "bigint":
      return `${value}n`;
    case "object":
      break;
    default:
      return String(value);
  }
  if (seen.has(value)) return "[circular]";
  seen.add(value);
  if (value instanceof Date) return value.toISOString();
  if (value instanceof URL) return value.href;
  if (value instanceof Uint8Array) return bytes(value);
  if (isErrorLike(value))
    return { ...errorView(value.name, value.message, value.stack, undefined) } as JsonValue;
  if (value instanceof Map) {
    const entries: JsonValue[] = [];
    for (const [k, v] of value) entries.push([await toJson(k, seen), await toJson(v, seen)]);
    return { map: entries };
  }
  if (value instanceof Set) return { set: await all([...value], seen) };
  if (value instanceof Headers) return Object.fromEntries(value);
  const tag = (value as { [Symbol.toStringTag]?: string })[Symbol.toStringTag];
  if (tag === "Request" || tag === "Response") return httpMessage(value as Request | Response, tag);
  if (Array.isArray(value)) return all(value, seen);
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(value)) out[k] = await toJson(v, seen);
  return out;
}

async function all(values: unknown[], seen: Set<unknown>): Promise<JsonValue[]> {
  const out: JsonValue[] = [];
  for (const v of values) out.push(await toJson(v, seen));
  return out;
}

async function httpMessage(value: Request | Response, tag: "Request" | "Response"): Promise<JsonValue> {
  const body = value.body ? bytes(new Uint8Array(await value.clone().arrayBuffer())) : null;
  const headers = Object.fromEntries(value.headers);
  if (tag === "Request") {
    const r = value as Request;
    return { method: r.method, url: r.url, headers, body };
  }
  const r = value as Response;
  return { status: r.status, statusText: r.statusText, headers, body };
}
