import { messageId, type QueueMessage, runId, type StoredEvent } from "@wfkit/world";
import { readEventBody, rowMappers } from "@wfkit/world/rows";

export type { DeliveryRow, HookRow, ReleasedHookRow, RunRow } from "@wfkit/world/rows";
export { encodeEvent, messageKey } from "@wfkit/world/rows";

/**
 * PostgreSQL `text` cannot hold a NUL byte, and payloads are opaque strings that may.
 * Every opaque string column goes through this codec: a backslash is doubled and
 * NUL is written `\0`. Strings without either (almost all) are stored unchanged,
 * so the columns stay readable in psql.
 */
export function enc(value: string): string {
  if (!value.includes("\\") && !value.includes("\u0000")) return value;
  return value.replaceAll("\\", "\\\\").replaceAll("\u0000", "\\0");
}

/** The inverse of {@link enc}. */
export function dec(value: string): string {
  if (!value.includes("\\")) return value;
  return value.replace(/\\(\\|0)/g, (_, c: string) => (c === "0" ? "\u0000" : "\\"));
}

/** {@link enc} for optional values. */
export function encOpt(value: string | undefined | null): string | null {
  return value === undefined || value === null ? null : enc(value);
}

export interface MessageRow {
  id: number;
  run_id: string;
  kind: string;
  body: string;
  available_at: number;
  dedupe_key: string | null;
}

/** A queue row as an append inserts it (without its id): who holds it, and until when. */
export interface NewMessageRow extends Omit<MessageRow, "id"> {
  leased_until: number | null;
  owner: string | null;
}

/** Optional record fields are left out rather than set to undefined, like the caller wrote them. */
function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value !== null && value !== undefined) target[key] = value;
}

/** Row to record, with every opaque text column decoded ({@link dec}). */
export const { toRun, toHook, toReleasedHook, toDelivery } = rowMappers(dec);

/**
 * Queue rows are generic: `kind` plus a JSON `body` with the fields that kind
 * carries (everything but the fields the World adds). A new message kind needs
 * no schema change; the runtime that enqueued it reads it back whole.
 */
export function toMessage(row: MessageRow): QueueMessage {
  const body = JSON.parse(row.body) as Record<string, unknown>;
  const message = {
    ...body,
    kind: row.kind,
    id: messageId(String(row.id)),
    runId: runId(row.run_id),
    availableAt: row.available_at,
  } as QueueMessage;
  setIf(message, "dedupeKey", row.dedupe_key === null ? null : dec(row.dedupe_key));
  return message;
}

/** The kind-specific fields of a message to store in `body`. */
export function messageBody(input: Record<string, unknown>): string {
  const { runId: _r, availableAt: _a, dedupeKey: _d, leased: _l, leaseMs: _m, kind: _k, ...body } = input;
  return JSON.stringify(body);
}

/** Orders messages as `claim` promises: oldest `availableAt` first, then insertion order. */
export function byAvailability(a: MessageRow, b: MessageRow): number {
  return a.available_at - b.available_at || a.id - b.id;
}

/** An event row as stored; an unreadable one is an `EventUnreadableError` (see `readEventBody`). */
export function decodeEvent(runId: string, row: { seq: number; at: number; body: unknown }): StoredEvent {
  return { ...readEventBody(runId, row), seq: row.seq, at: row.at } as StoredEvent;
}
