import { EVENT_TYPE_CODES } from "../src/event-codec.js";

/**
 * SQL that turns a current (schema 9 or later) data file back into what schema 8 wrote: runs keyed
 * by their text id only, events and dedupe keys naming the run by id, `v` and `type` in
 * every event body. The migration tests start from it.
 */
export function downToV8(): string {
  const typeName = `CASE e.type ${Object.entries(EVENT_TYPE_CODES)
    .map(([type, code]) => `WHEN ${code} THEN '${type}'`)
    .join(" ")} END`;
  return `
    CREATE TABLE runs_v8 (
      run_id TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, status TEXT NOT NULL, input TEXT NOT NULL,
      output TEXT, error TEXT, idempotency_key TEXT, created_at INTEGER NOT NULL, started_at INTEGER,
      completed_at INTEGER, last_seq INTEGER NOT NULL, parent_run_id TEXT);
    INSERT INTO runs_v8 SELECT run_id, workflow_id, status, input, output, error, idempotency_key,
      created_at, started_at, completed_at, last_seq, parent_run_id FROM runs;
    CREATE TABLE events_v8 (run_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL, body TEXT NOT NULL,
      PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
    INSERT INTO events_v8 SELECT r.run_id, e.seq, e.at,
      CASE e.type WHEN 0 THEN e.body ELSE json_patch(json_object('v', 1, 'type', ${typeName}), e.body) END
      FROM events e JOIN runs r ON r.run_key = e.run_key;
    CREATE TABLE dedupe_keys_v8 (run_id TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (run_id, key)) WITHOUT ROWID;
    INSERT INTO dedupe_keys_v8 SELECT r.run_id, d.key FROM dedupe_keys d JOIN runs r ON r.run_key = d.run_key;
    DROP TABLE events; DROP TABLE dedupe_keys; DROP TABLE runs;
    ALTER TABLE runs_v8 RENAME TO runs; ALTER TABLE events_v8 RENAME TO events;
    ALTER TABLE dedupe_keys_v8 RENAME TO dedupe_keys;
    CREATE UNIQUE INDEX runs_by_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX runs_newest ON runs (created_at, run_id);
    CREATE INDEX runs_by_status_newest ON runs (status, created_at, run_id);
    CREATE INDEX runs_by_workflow_newest ON runs (workflow_id, created_at, run_id);
    CREATE INDEX runs_by_end ON runs (coalesce(completed_at, created_at))
      WHERE status IN ('completed', 'failed', 'cancelled');
    DELETE FROM schema_version WHERE version >= 9;`;
}
