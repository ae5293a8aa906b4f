import type { Database } from "better-sqlite3";
import { encodeEvent } from "./event-codec.js";

/**
 * Migration 9, "compact rows": a run gets an integer key (`runs.run_key`, the rowid), and
 * the rows a run keeps many of (events, dedupe keys) name it by that key instead of its
 * 31-character id; an event's `v` and `type` become a one-byte type code (see
 * event-codec.ts). A seq10 run kept about 4.0 KB before, 2.2 KB after (bench/disk.mjs).
 */
export function compactRows(db: Database): void {
  db.exec(`
    ALTER TABLE runs RENAME TO runs_v8;
    -- INTEGER PRIMARY KEY: the key is the rowid, which VACUUM keeps (it renumbers implicit rowids).
    CREATE TABLE runs (
      run_key         INTEGER PRIMARY KEY,
      run_id          TEXT NOT NULL UNIQUE,
      workflow_id     TEXT NOT NULL,
      status          TEXT NOT NULL,
      input           TEXT NOT NULL,
      output          TEXT,
      error           TEXT,
      idempotency_key TEXT,
      created_at      INTEGER NOT NULL,
      started_at      INTEGER,
      completed_at    INTEGER,
      last_seq        INTEGER NOT NULL,
      parent_run_id   TEXT
    );
    INSERT INTO runs (run_id, workflow_id, status, input, output, error, idempotency_key,
                      created_at, started_at, completed_at, last_seq, parent_run_id)
      SELECT run_id, workflow_id, status, input, output, error, idempotency_key,
             created_at, started_at, completed_at, last_seq, parent_run_id
      FROM runs_v8 ORDER BY created_at, run_id;
    DROP TABLE runs_v8;
    CREATE UNIQUE INDEX runs_by_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
    CREATE INDEX runs_newest ON runs (created_at, run_id);
    CREATE INDEX runs_by_status_newest ON runs (status, created_at, run_id);
    CREATE INDEX runs_by_workflow_newest ON runs (workflow_id, created_at, run_id);
    CREATE INDEX runs_by_end ON runs (coalesce(completed_at, created_at))
      WHERE status IN ('completed', 'failed', 'cancelled');

    CREATE TABLE dedupe_keys_v9 (
      run_key INTEGER NOT NULL,
      key     TEXT NOT NULL,
      PRIMARY KEY (run_key, key)
    ) WITHOUT ROWID;
    INSERT INTO dedupe_keys_v9 (run_key, key)
      SELECT r.run_key, d.key FROM dedupe_keys d JOIN runs r ON r.run_id = d.run_id;
    DROP TABLE dedupe_keys;
    ALTER TABLE dedupe_keys_v9 RENAME TO dedupe_keys;

    CREATE TABLE events_v9 (
      run_key INTEGER NOT NULL,
      seq     INTEGER NOT NULL,
      at      INTEGER NOT NULL,
      type    INTEGER NOT NULL,
      body    TEXT NOT NULL,
      PRIMARY KEY (run_key, seq)
    ) WITHOUT ROWID;
  `);
  // Bodies are re-encoded in JavaScript, the same way new events are (SQLite's JSON
  // functions would re-render strings), a page of the old log at a time.
  const page = db.prepare(
    `SELECT e.run_id, e.seq, e.at, e.body, r.run_key FROM events e JOIN runs r ON r.run_id = e.run_id
     WHERE (e.run_id, e.seq) > (?, ?) ORDER BY e.run_id, e.seq LIMIT 2000`,
  );
  const insert = db.prepare("INSERT INTO events_v9 (run_key, seq, at, type, body) VALUES (?, ?, ?, ?, ?)");
  let after: [string, number] = ["", 0];
  for (;;) {
    const rows = page.all(...after) as Array<{
      run_id: string;
      seq: number;
      at: number;
      body: string;
      run_key: number;
    }>;
    if (rows.length === 0) break;
    for (const row of rows) {
      const { type, body } = reencode(row.body);
      insert.run(row.run_key, row.seq, row.at, type, body);
    }
    const last = rows[rows.length - 1];
    after = [last.run_id, last.seq];
  }
  db.exec("DROP TABLE events; ALTER TABLE events_v9 RENAME TO events;");
}

/** A schema-8 body as a schema-9 row; one that is not a JSON object is kept as it is (readEvents reports it). */
function reencode(stored: string): { type: number; body: string } {
  let event: unknown;
  try {
    event = JSON.parse(stored);
  } catch {
    return { type: 0, body: stored };
  }
  if (typeof event !== "object" || event === null || Array.isArray(event)) return { type: 0, body: stored };
  return encodeEvent(event as Record<string, unknown>);
}
