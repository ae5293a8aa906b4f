import {
  type DeliveryRecord,
  type EventInput,
  EventUnreadableError,
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

export interface ReleasedHookRow {
  token: string;
  run_id: string;
  op_id: number;
  kind: HookRecord["kind"];
  created_at: number;
  respond_with: string | null;
  verify: string | null;
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
  /** A `MessageKind`; read as any string, since storage is not the type system. */
  kind: string;
  op_id: number | null;
  attempt: number | null;
  payload: string | null;
  available_at: number;
  dedupe_key: string | null;
}

/** Optional record fields are left out rather than set to undefined, like the caller wrote them. */
function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value !== null && value !== undefined) target[key] = value;
}

export function toRun(row: RunRow): RunRecord {
  const run: RunRecord = {
    runId: runId(row.run_id),
    workflowId: row.workflow_id,
    status: row.status,
    input: row.input,
    createdAt: row.created_at,
    lastSeq: row.last_seq,
  };
  setIf(run, "output", row.output);
  setIf(run, "error", row.error);
  setIf(run, "idempotencyKey", row.idempotency_key);
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
  setIf(hook, "metadata", row.metadata);
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
  setIf(delivery, "response", row.response);
  return delivery;
}

/**
 * Message ids are the row's integer key, as a string (the contract's id type).
 * The table has nullable columns for every kind; each kind reads back exactly
 * the fields it was written with (a row missing one is corrupt, not a message).
 */
export function toMessage(row: MessageRow): QueueMessage {
  const fields = { id: messageId(String(row.id)), runId: runId(row.run_id), availableAt: row.available_at };
  let message: QueueMessage;
  if (row.kind === "step" && row.op_id !== null && row.attempt !== null && row.payload !== null) {
    message = { ...fields, kind: "step", opId: opId(row.op_id), attempt: row.attempt, payload: row.payload };
  } else if (row.kind === "timer" && row.op_id !== null) {
    message = { ...fields, kind: "timer", opId: opId(row.op_id) };
  } else if (row.kind === "turn") {
    message = { ...fields, kind: "turn" };
  } else if (row.kind === "child" && row.payload !== null) {
    message = { ...fields, kind: "child", payload: row.payload };
  } else {
    throw new Error(`wfkit: the queue row ${row.id} (kind "${row.kind}") lacks the fields its kind needs`);
  }
  setIf(message, "dedupeKey", row.dedupe_key);
  return message;
}

/** The row key of a message id, or null for an id this World never issued. */
export function messageKey(id: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

/** Orders claimed messages as `claim` promises: oldest `availableAt` first, then insertion order. */
export function byAvailability(a: MessageRow, b: MessageRow): number {
  return a.available_at - b.available_at || a.id - b.id;
}

/**
 * The stored body of an event: everything but `at` (a column of its own) and
 * `seq` (its key). JSON keeps every string exact, NUL bytes and lone
 * surrogates included, and the World never needs to look inside.
 */
export function encodeEvent(event: EventInput): string {
  const { at: _at, seq: _seq, ...body } = event as EventInput & { seq?: number };
  return JSON.stringify(body);
}

/** An event row as stored; a body that is not the JSON object `encodeEvent` wrote is an {@link EventUnreadableError}. */
export function decodeEvent(runId: string, row: { seq: number; at: number; body: unknown }): StoredEvent {
  let body: unknown;
  try {
    if (typeof row.body !== "string") throw new Error(`the body is stored as ${typeof row.body}, not text`);
    body = JSON.parse(row.body);
  } catch (error) {
    throw new EventUnreadableError(runId, row.seq, (error as Error).message);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new EventUnreadableError(runId, row.seq, "the body is not a JSON object");
  if (typeof row.at !== "number") throw new EventUnreadableError(runId, row.seq, "its time is not a number");
  return { ...(body as object), seq: row.seq, at: row.at } as StoredEvent;
}
