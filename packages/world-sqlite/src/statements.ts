import type { Database, Statement } from "better-sqlite3";
import type { DeliveryRow, HookRow, MessageRow, ReleasedHookRow, RunRow } from "./rows.js";

/**
 * Every statement the World runs, prepared once when it opens: preparing parses
 * and plans the SQL, which would otherwise cost more than many of the writes.
 */
export interface Statements {
  getRun: Statement<[string], KeyedRunRow>;
  /** What an append checks of its run, without the run's larger columns (input, output). */
  getRunHead: Statement<[string], RunHead>;
  getRunByKey: Statement<[string], KeyedRunRow>;
  /** Its `lastInsertRowid` is the run's key (`run_key` is the rowid). */
  insertRun: Statement<RunInsert>;
  updateRun: Statement<RunUpdate>;

  /** (run_key, seq, at, type, body): see event-codec.ts. */
  insertEvent: Statement<[number, number, number, number, string]>;
  readEvents: Statement<[string, number], { seq: number; at: number; type: number; body: string }>;

  /** 1 when the run has the key (plucked: no row object). */
  hasDedupeKey: Statement<[number, string], number>;
  insertDedupeKey: Statement<[number, string]>;
  deleteDedupeKey: Statement<[number, string]>;
  deleteRunDedupeKeys: Statement<[number]>;

  getHook: Statement<[string], HookRow>;
  listHooks: Statement<[string], HookRow>;
  insertHook: Statement<HookInsert>;
  releaseHook: Statement<[string, string]>;
  releaseRunHooks: Statement<[string]>;
  /** (released_at, reason, token, run_id). */
  rememberHook: Statement<[number, string, string, string]>;
  /** (released_at, reason, run_id). */
  rememberRunHooks: Statement<[number, string, string]>;
  forgetReleasedHook: Statement<[string]>;
  getReleasedHook: Statement<[string, number], ReleasedHookRow>;
  pruneReleasedHooks: Statement<[number]>;

  getDelivery: Statement<[string, string, number], DeliveryRow>;
  insertDelivery: Statement<DeliveryInsert>;
  hasDeliveryRequest: Statement<[string], { found: number }>;
  setDeliveryResponse: Statement<[string, string]>;
  pruneDeliveries: Statement<[number]>;

  /** Inserted when `changes` is 1; `lastInsertRowid` is then the message's id. */
  insertMessage: Statement<MessageInsertParams>;
  deleteMessage: Statement<[number]>;
  deleteRunMessages: Statement<[string]>;
  claimMessages: Statement<[{ now: number; until: number; limit: number; kinds: string | null }], MessageRow>;
  releaseMessage: Statement<[number]>;
  renewLease: Statement<[number, number]>;
  nextAvailableAt: Statement<[], { next: number | null }>;
  clearLeases: Statement<[]>;

  putResponse: Statement<[string, string, number]>;
  takeResponse: Statement<[string], { response: string }>;
  purgeResponses: Statement<[number]>;
}

/** The columns of a `runs` row an append checks and updates by. */
export type RunHead = Pick<KeyedRunRow, "run_key" | "status" | "last_seq">;

/** A `runs` row with the integer key its events and dedupe keys name it by (schema 9). */
export type KeyedRunRow = RunRow & { run_key: number };

// The statements an append runs take positional parameters: better-sqlite3 binds named ones
// by looking each name up in the object, which cost more than binding the values.

/** (run_id, workflow_id, input, idempotency_key, parent_run_id, created_at). */
export type RunInsert = [string, string, string, string | null, string | null, number];

/** (last_seq, status, output, error, started_at, completed_at, run_id): null leaves a column as it is. */
export type RunUpdate = [
  number,
  string | null,
  string | null,
  string | null,
  number | null,
  number | null,
  string,
];

/** (token, run_id, op_id, kind, created_at, metadata, respond_with, verify). */
export type HookInsert = [
  string,
  string,
  number,
  string,
  number,
  string | null,
  string | null,
  string | null,
];

/** (token, delivery_id, run_id, request_id, recorded_at, expires_at). */
export type DeliveryInsert = [string, string, string, string | null, number, number];

/** (run_id, kind, op_id, attempt, payload, available_at, dedupe_key, leased_until). */
export type MessageInsertParams = [
  string,
  string,
  number | null,
  number | null,
  string | null,
  number,
  string | null,
  number | null,
];

const MESSAGE_COLUMNS = "id, run_id, kind, op_id, attempt, payload, available_at, dedupe_key";

// Due messages, free ones and ones whose lease ended, oldest first. Each branch
// is limited on its own so a deep backlog is never sorted in full; the partial
// indexes on available_at / leased_until serve the two branches.
const CLAIM = `
  WITH free AS (
    SELECT id, available_at FROM messages
    WHERE leased_until IS NULL AND available_at <= @now
      AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
    ORDER BY available_at, id LIMIT @limit
  ), expired AS (
    SELECT id, available_at FROM messages
    WHERE leased_until IS NOT NULL AND leased_until <= @now AND available_at <= @now
      AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds)))
    ORDER BY available_at, id LIMIT @limit
  ), picked AS (
    SELECT id FROM (SELECT * FROM free UNION ALL SELECT * FROM expired)
    ORDER BY available_at, id LIMIT @limit
  )
  UPDATE messages SET leased_until = @until WHERE id IN (SELECT id FROM picked)
  RETURNING ${MESSAGE_COLUMNS}`;

/** Prepares {@link Statements} on an open, migrated database. */
export function prepareStatements(db: Database): Statements {
  const p = <T>(sql: string) => db.prepare(sql) as T;
  return {
    getRun: p("SELECT * FROM runs WHERE run_id = ?"),
    getRunHead: p("SELECT run_key, status, last_seq FROM runs WHERE run_id = ?"),
    getRunByKey: p("SELECT * FROM runs WHERE idempotency_key = ?"),
    insertRun: p(
      `INSERT INTO runs (run_id, workflow_id, status, input, idempotency_key, parent_run_id, created_at, last_seq)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, 1)`,
    ),
    updateRun: p(
      `UPDATE runs SET last_seq = ?,
         status = coalesce(?, status),
         output = coalesce(?, output),
         error = coalesce(?, error),
         started_at = coalesce(?, started_at),
         completed_at = coalesce(?, completed_at)
       WHERE run_id = ?`,
    ),
    insertEvent: p("INSERT INTO events (run_key, seq, at, type, body) VALUES (?, ?, ?, ?, ?)"),
    readEvents: p(
      `SELECT seq, at, type, body FROM events
       WHERE run_key = (SELECT run_key FROM runs WHERE run_id = ?) AND seq > ? ORDER BY seq`,
    ),

    hasDedupeKey: p<Statement>("SELECT 1 FROM dedupe_keys WHERE run_key = ? AND key = ?").pluck() as never,
    insertDedupeKey: p("INSERT OR IGNORE INTO dedupe_keys (run_key, key) VALUES (?, ?)"),
    deleteDedupeKey: p("DELETE FROM dedupe_keys WHERE run_key = ? AND key = ?"),
    deleteRunDedupeKeys: p("DELETE FROM dedupe_keys WHERE run_key = ?"),

    getHook: p("SELECT * FROM hooks WHERE token = ?"),
    listHooks: p("SELECT * FROM hooks WHERE run_id = ? ORDER BY id"),
    insertHook: p(
      `INSERT INTO hooks (token, run_id, op_id, kind, created_at, metadata, respond_with, verify)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    releaseHook: p("DELETE FROM hooks WHERE token = ? AND run_id = ?"),
    releaseRunHooks: p("DELETE FROM hooks WHERE run_id = ?"),
    // Run before the DELETE that releases: copies the live row (without metadata) as a released one.
    rememberHook: p(
      `INSERT OR REPLACE INTO released_hooks
         (token, run_id, op_id, kind, created_at, respond_with, verify, released_at, reason)
       SELECT token, run_id, op_id, kind, created_at, respond_with, verify, ?, ?
       FROM hooks WHERE token = ? AND run_id = ?`,
    ),
    rememberRunHooks: p(
      `INSERT OR REPLACE INTO released_hooks
         (token, run_id, op_id, kind, created_at, respond_with, verify, released_at, reason)
       SELECT token, run_id, op_id, kind, created_at, respond_with, verify, ?, ?
       FROM hooks WHERE run_id = ?`,
    ),
    forgetReleasedHook: p("DELETE FROM released_hooks WHERE token = ?"),
    getReleasedHook: p("SELECT * FROM released_hooks WHERE token = ? AND released_at > ?"),
    pruneReleasedHooks: p("DELETE FROM released_hooks WHERE released_at <= ?"),

    getDelivery: p("SELECT * FROM deliveries WHERE token = ? AND delivery_id = ? AND expires_at > ?"),
    insertDelivery: p(
      `INSERT OR REPLACE INTO deliveries (token, delivery_id, run_id, request_id, recorded_at, expires_at)
       VALUES (?, ?, ?, ?, ?, ?)`,
    ),
    hasDeliveryRequest: p("SELECT 1 AS found FROM deliveries WHERE request_id = ?"),
    setDeliveryResponse: p("UPDATE deliveries SET response = ? WHERE request_id = ?"),
    pruneDeliveries: p("DELETE FROM deliveries WHERE expires_at <= ?"),

    // A pending message with the same run and dedupe key wins: nothing is inserted. No RETURNING
    // (SQLite gathers its rows in an ephemeral table): the row is the input and its rowid.
    insertMessage: p(
      `INSERT INTO messages (run_id, kind, op_id, attempt, payload, available_at, dedupe_key, leased_until)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (run_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING`,
    ),
    deleteMessage: p("DELETE FROM messages WHERE id = ?"),
    deleteRunMessages: p("DELETE FROM messages WHERE run_id = ?"),
    claimMessages: p(CLAIM),
    releaseMessage: p("UPDATE messages SET leased_until = NULL WHERE id = ?"),
    renewLease: p("UPDATE messages SET leased_until = ? WHERE id = ? AND leased_until IS NOT NULL"),
    nextAvailableAt: p("SELECT min(available_at) AS next FROM messages WHERE leased_until IS NULL"),
    clearLeases: p("UPDATE messages SET leased_until = NULL WHERE leased_until IS NOT NULL"),

    putResponse: p("INSERT OR REPLACE INTO responses (request_id, response, created_at) VALUES (?, ?, ?)"),
    takeResponse: p("DELETE FROM responses WHERE request_id = ? RETURNING response"),
    purgeResponses: p("DELETE FROM responses WHERE created_at < ?"),
  };
}
