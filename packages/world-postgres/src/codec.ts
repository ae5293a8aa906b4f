import {
  type DeliveryRecord,
  type EventInput,
  type HookRecord,
  messageId,
  opId,
  type QueueMessage,
  type ReleasedHookRecord,
  type RunRecord,
  type RunStatus,
  runId,
  type StoredEvent,
} from "@wfkit/world";

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

export interface RunRow {
  run_id: string;
  workflow_id: string;
  status: RunStatus;
  input: string;
  output: string | null;
  error: string | null;
  idempotency_key: string | null;
  parent_run_id: string | null;
  created_at: number;
  started_at: number | null;
  completed_at: number | null;
  last_seq: number;
}

export interface HookRow {
  token: string;
  run_id: string;
  op_id: number;
  kind: HookRecord["kind"];
  created_at: number;
  metadata: string | null;
  respond_with: string | null;
  verify: string | null;
}

export interface ReleasedHookRow extends Omit<HookRow, "metadata"> {
  released_at: number;
  reason: ReleasedHookRecord["reason"];
}

export interface DeliveryRow {
  token: string;
  delivery_id: string;
  run_id: string;
  request_id: string | null;
  response: string | null;
  recorded_at: number;
  expires_at: number;
}

export interface MessageRow {
  id: number;
  run_id: string;
  kind: string;
  body: string;
  available_at: number;
  dedupe_key: string | null;
}

/** Optional record fields are left out rather than set to undefined, like the caller wrote them. */
function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value !== null && value !== undefined) target[key] = value;
}

/** A run row (raw column values, opaque ones still encoded) as a record. */
export function toRun(row: RunRow): RunRecord {
  const run: RunRecord = {
    runId: runId(row.run_id),
    workflowId: dec(row.workflow_id),
    status: row.status,
    input: dec(row.input),
    createdAt: row.created_at,
    lastSeq: row.last_seq,
  };
  if (row.output !== null) run.output = dec(row.output);
  if (row.error !== null) run.error = dec(row.error);
  if (row.idempotency_key !== null) run.idempotencyKey = dec(row.idempotency_key);
  if (row.parent_run_id !== null) run.parentRunId = runId(row.parent_run_id);
  setIf(run, "startedAt", row.started_at);
  setIf(run, "completedAt", row.completed_at);
  return run;
}

export function toHook(row: HookRow): HookRecord {
  const hook: HookRecord = {
    token: row.token,
    runId: runId(row.run_id),
    opId: opId(row.op_id),
    kind: row.kind,
    createdAt: row.created_at,
  };
  if (row.metadata !== null) hook.metadata = dec(row.metadata);
  if (row.respond_with !== null) hook.respondWith = JSON.parse(row.respond_with);
  setIf(hook, "verify", row.verify);
  return hook;
}

export function toReleasedHook(row: ReleasedHookRow): ReleasedHookRecord {
  const hook: ReleasedHookRecord = {
    token: row.token,
    runId: runId(row.run_id),
    opId: opId(row.op_id),
    kind: row.kind,
    createdAt: row.created_at,
    releasedAt: row.released_at,
    reason: row.reason,
  };
  if (row.respond_with !== null) hook.respondWith = JSON.parse(row.respond_with);
  setIf(hook, "verify", row.verify);
  return hook;
}

export function toDelivery(row: DeliveryRow): DeliveryRecord {
  const delivery: DeliveryRecord = {
    token: row.token,
    id: row.delivery_id,
    runId: runId(row.run_id),
    recordedAt: row.recorded_at,
    expiresAt: row.expires_at,
  };
  setIf(delivery, "requestId", row.request_id);
  if (row.response !== null) delivery.response = dec(row.response);
  return delivery;
}

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

/** The row key of a message id, or null for an id this World never issued. */
export function messageKey(id: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

/** Orders messages as `claim` promises: oldest `availableAt` first, then insertion order. */
export function byAvailability(a: MessageRow, b: MessageRow): number {
  return a.available_at - b.available_at || a.id - b.id;
}

/**
 * The stored body of an event: everything but `at` and `seq` (columns of their
 * own), as JSON: JSON escapes NUL bytes and lone surrogates, so text holds it exactly.
 */
export function encodeEvent(event: EventInput): string {
  const { at: _at, seq: _seq, ...body } = event as EventInput & { seq?: number };
  return JSON.stringify(body);
}

export function decodeEvent(row: { seq: number; at: number; body: string }): StoredEvent {
  return { ...JSON.parse(row.body), seq: row.seq, at: row.at };
}
