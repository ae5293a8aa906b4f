// Row shapes and row-to-record mapping shared by the SQL Worlds (SQLite, PostgreSQL):
// the same columns read back as the same records, so both Worlds agree by construction.

import type { EventInput } from "../append.js";
import { EventUnreadableError } from "../errors.js";
import type { DeliveryRecord, HookRecord, ReleasedHookRecord } from "../hooks.js";
import { opId, runId } from "../ids.js";
import type { RunRecord, RunStatus } from "../runs.js";

/** A `runs` row as a SQL World stores it. */
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

/** A `hooks` row. */
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

/** A `released_hooks` row. */
export interface ReleasedHookRow extends Omit<HookRow, "metadata"> {
  released_at: number;
  reason: ReleasedHookRecord["reason"];
}

/** A `deliveries` row. */
export interface DeliveryRow {
  token: string;
  delivery_id: string;
  run_id: string;
  request_id: string | null;
  response: string | null;
  recorded_at: number;
  expires_at: number;
}

/** Optional record fields are left out rather than set to undefined, like the caller wrote them. */
function setIf<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | null): void {
  if (value !== null && value !== undefined) target[key] = value;
}

/** The fields a live and a released hook row share. */
function hookFields(row: Omit<HookRow, "metadata">): HookRecord {
  return {
    token: row.token,
    runId: runId(row.run_id),
    opId: opId(row.op_id),
    kind: row.kind,
    createdAt: row.created_at,
  };
}

/** A hook record's optional `respondWith` and `verify`, from its row. */
function withHookOptions<T extends HookRecord | ReleasedHookRecord>(
  hook: T,
  row: Omit<HookRow, "metadata">,
): T {
  if (row.respond_with !== null) hook.respondWith = JSON.parse(row.respond_with);
  setIf(hook, "verify", row.verify);
  return hook;
}

/** Maps rows to records. */
export interface RowMappers {
  toRun(row: RunRow): RunRecord;
  toHook(row: HookRow): HookRecord;
  toReleasedHook(row: ReleasedHookRow): ReleasedHookRecord;
  toDelivery(row: DeliveryRow): DeliveryRecord;
}

/**
 * The row mappers of a World whose opaque text columns (workflow id, input,
 * output, error, idempotency key, hook metadata, delivery response) are stored
 * through `text` (its inverse given here): identity for SQLite, the NUL-safe
 * codec for PostgreSQL.
 */
export function rowMappers(text: (stored: string) => string = (stored) => stored): RowMappers {
  const opt = (stored: string | null) => (stored === null ? null : text(stored));
  return {
    toRun(row) {
      const run: RunRecord = {
        runId: runId(row.run_id),
        workflowId: text(row.workflow_id),
        status: row.status,
        input: text(row.input),
        createdAt: row.created_at,
        lastSeq: row.last_seq,
      };
      setIf(run, "output", opt(row.output));
      setIf(run, "error", opt(row.error));
      setIf(run, "idempotencyKey", opt(row.idempotency_key));
      if (row.parent_run_id !== null) run.parentRunId = runId(row.parent_run_id);
      setIf(run, "startedAt", row.started_at);
      setIf(run, "completedAt", row.completed_at);
      return run;
    },
    toHook(row) {
      const hook: HookRecord = hookFields(row);
      setIf(hook, "metadata", opt(row.metadata));
      return withHookOptions(hook, row);
    },
    toReleasedHook(row) {
      const hook: ReleasedHookRecord = {
        ...hookFields(row),
        releasedAt: row.released_at,
        reason: row.reason,
      };
      return withHookOptions(hook, row);
    },
    toDelivery(row) {
      const delivery: DeliveryRecord = {
        token: row.token,
        id: row.delivery_id,
        runId: runId(row.run_id),
        recordedAt: row.recorded_at,
        expiresAt: row.expires_at,
      };
      setIf(delivery, "requestId", row.request_id);
      setIf(delivery, "response", opt(row.response));
      return delivery;
    },
  };
}

/** The row key of a message id (SQL Worlds number their messages), or null for an id the World never issued. */
export function messageKey(id: string): number | null {
  if (!/^[1-9]\d{0,15}$/.test(id)) return null;
  const n = Number(id);
  return Number.isSafeInteger(n) ? n : null;
}

/**
 * The stored body of an event: everything but `at` and `seq` (columns of their
 * own), as JSON, which keeps every string exact, NUL bytes and lone surrogates included.
 */
export function encodeEvent(event: EventInput): string {
  const { at: _at, seq: _seq, ...body } = event as EventInput & { seq?: number };
  return JSON.stringify(body);
}

/**
 * The fields of a stored event body, checked: a body that is not the JSON object a
 * World wrote (changed outside wfkit), or a time that is not a number, is an
 * {@link EventUnreadableError} naming the run and position, so the runtime fails
 * that run rather than retrying it forever.
 */
export function readEventBody(
  runId: string,
  row: { seq: number; at: unknown; body: unknown },
): Record<string, unknown> {
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
  return body as Record<string, unknown>;
}

/** The tables of a SQL World that keep rows per run, deleted with it (`runs` last). */
export const RUN_OWNED_TABLES = [
  "events",
  "dedupe_keys",
  "hooks",
  "messages",
  "released_hooks",
  "deliveries",
  "stream_chunks",
  "streams",
  "runs",
] as const;
