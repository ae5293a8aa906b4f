import type {
  EventInput,
  HookRecord,
  MessageKind,
  QueueMessage,
  RunRecord,
  RunStatus,
  StoredEvent,
} from "@wfkit/world";

export interface RunRow {
  run_id: string;
  workflow_id: string;
  status: RunStatus;
  input: string;
  output: string | null;
  error: string | null;
  idempotency_key: string | null;
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

export interface MessageRow {
  id: number;
  run_id: string;
  kind: MessageKind;
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
    runId: row.run_id,
    workflowId: row.workflow_id,
    status: row.status,
    input: row.input,
    createdAt: row.created_at,
    lastSeq: row.last_seq,
  };
  setIf(run, "output", row.output);
  setIf(run, "error", row.error);
  setIf(run, "idempotencyKey", row.idempotency_key);
  setIf(run, "startedAt", row.started_at);
  setIf(run, "completedAt", row.completed_at);
  return run;
}

export function toHook(row: HookRow): HookRecord {
  const hook: HookRecord = {
    token: row.token,
    runId: row.run_id,
    opId: row.op_id,
    kind: row.kind,
    createdAt: row.created_at,
  };
  setIf(hook, "metadata", row.metadata);
  if (row.respond_with !== null) hook.respondWith = JSON.parse(row.respond_with);
  setIf(hook, "verify", row.verify);
  return hook;
}

/** Message ids are the row's integer key, as a string (the contract's id type). */
export function toMessage(row: MessageRow): QueueMessage {
  const message: QueueMessage = {
    id: String(row.id),
    runId: row.run_id,
    kind: row.kind,
    availableAt: row.available_at,
  };
  setIf(message, "opId", row.op_id);
  setIf(message, "attempt", row.attempt);
  setIf(message, "payload", row.payload);
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

export function decodeEvent(row: { seq: number; at: number; body: string }): StoredEvent {
  return { ...JSON.parse(row.body), seq: row.seq, at: row.at };
}
