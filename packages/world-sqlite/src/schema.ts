import type { Database } from "better-sqlite3";
import { compactRows } from "./compact-rows.js";

/**
 * Schema migrations, applied in order. Entry `i` moves the schema from version
 * `i` to `i + 1`; released entries are never edited, only appended to, so a
 * data dir written by any earlier version can be brought up to date. An entry is SQL,
 * or a function for a step SQL alone cannot do.
 */
const MIGRATIONS: ReadonlyArray<string | ((db: Database) => void)> = [
  `
  CREATE TABLE runs (
    run_id          TEXT PRIMARY KEY,
    workflow_id     TEXT NOT NULL,
    status          TEXT NOT NULL,
    input           TEXT NOT NULL,
    output          TEXT,
    error           TEXT,
    idempotency_key TEXT,
    created_at      INTEGER NOT NULL,
    started_at      INTEGER,
    completed_at    INTEGER,
    last_seq        INTEGER NOT NULL
  );
  -- Unique: the storage itself enforces "one run per idempotency key".
  CREATE UNIQUE INDEX runs_by_idempotency_key ON runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX runs_by_status ON runs (status, created_at);
  CREATE INDEX runs_by_created_at ON runs (created_at);

  -- The log. Keyed by (run_id, seq): replay reads one run's events in order.
  CREATE TABLE events (
    run_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    at     INTEGER NOT NULL,
    body   TEXT NOT NULL,
    PRIMARY KEY (run_id, seq)
  ) WITHOUT ROWID;

  -- The outbox. AUTOINCREMENT so a message id is never reused: an ack that
  -- arrives late must not delete a newer message.
  CREATE TABLE messages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    op_id        INTEGER,
    attempt      INTEGER,
    payload      TEXT,
    available_at INTEGER NOT NULL,
    dedupe_key   TEXT,
    leased_until INTEGER
  );
  CREATE INDEX messages_due ON messages (available_at) WHERE leased_until IS NULL;
  CREATE INDEX messages_leased ON messages (leased_until) WHERE leased_until IS NOT NULL;
  CREATE INDEX messages_by_run ON messages (run_id);
  CREATE UNIQUE INDEX messages_by_dedupe_key ON messages (run_id, dedupe_key) WHERE dedupe_key IS NOT NULL;

  -- Live hooks only: releasing a hook deletes its row, so the unique token
  -- index is exactly "held by a live hook".
  CREATE TABLE hooks (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    token        TEXT NOT NULL,
    run_id       TEXT NOT NULL,
    op_id        INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    metadata     TEXT,
    respond_with TEXT
  );
  CREATE UNIQUE INDEX hooks_by_token ON hooks (token);
  CREATE INDEX hooks_by_run ON hooks (run_id, id);

  CREATE TABLE dedupe_keys (
    run_id TEXT NOT NULL,
    key    TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;

  -- Webhook responses not yet picked up by the process holding the connection.
  CREATE TABLE responses (
    request_id TEXT PRIMARY KEY,
    response   TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // 2: webhooks may name the verifier that checks their requests' signatures.
  `ALTER TABLE hooks ADD COLUMN verify TEXT;`,
  // 3: released hooks are remembered for a while (the webhook route answers 410 Gone),
  // and webhook deliveries are recorded by provider id (retries are not recorded twice).
  `
  CREATE TABLE released_hooks (
    token        TEXT PRIMARY KEY,
    run_id       TEXT NOT NULL,
    op_id        INTEGER NOT NULL,
    kind         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    respond_with TEXT,
    verify       TEXT,
    released_at  INTEGER NOT NULL,
    reason       TEXT NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX released_hooks_by_time ON released_hooks (released_at);

  CREATE TABLE deliveries (
    token       TEXT NOT NULL,
    delivery_id TEXT NOT NULL,
    run_id      TEXT NOT NULL,
    request_id  TEXT,
    response    TEXT,
    recorded_at INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    PRIMARY KEY (token, delivery_id)
  ) WITHOUT ROWID;
  CREATE INDEX deliveries_by_expiry ON deliveries (expires_at);
  CREATE INDEX deliveries_by_request ON deliveries (request_id) WHERE request_id IS NOT NULL;
  `,
  // 4: streams. A chunk is keyed by its place (idx) and, once, by (writer, seq):
  // a retried step that writes the same chunks again stores nothing new.
  `
  CREATE TABLE streams (
    run_id    TEXT NOT NULL,
    namespace TEXT NOT NULL,
    tail      INTEGER NOT NULL,
    closed    INTEGER NOT NULL,
    PRIMARY KEY (run_id, namespace)
  ) WITHOUT ROWID;

  CREATE TABLE stream_chunks (
    run_id    TEXT NOT NULL,
    namespace TEXT NOT NULL,
    idx       INTEGER NOT NULL,
    writer    TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    data      TEXT NOT NULL,
    PRIMARY KEY (run_id, namespace, idx)
  ) WITHOUT ROWID;
  CREATE UNIQUE INDEX stream_chunks_by_key ON stream_chunks (run_id, namespace, writer, seq);
  `,
  // 5: "run listing indexes": listRuns pages newest first by (created_at, run_id), filtered by
  // workflow or status, so that the newest page of millions of runs is an index range scan.
  `
  DROP INDEX runs_by_status;
  DROP INDEX runs_by_created_at;
  CREATE INDEX runs_newest ON runs (created_at, run_id);
  CREATE INDEX runs_by_status_newest ON runs (status, created_at, run_id);
  CREATE INDEX runs_by_workflow_newest ON runs (workflow_id, created_at, run_id);
  `,
  // 6: retention (pruneRuns) finds ended runs by their end, and deletes what they keep by run.
  `
  CREATE INDEX runs_by_end ON runs (coalesce(completed_at, created_at))
    WHERE status IN ('completed', 'failed', 'cancelled');
  CREATE INDEX released_hooks_by_run ON released_hooks (run_id);
  CREATE INDEX deliveries_by_run ON deliveries (run_id);
  `,
  // 7: child runs: the run that started this one from workflow code.
  `
  ALTER TABLE runs ADD COLUMN parent_run_id TEXT;
  `,
  // 8: workflow bundles by content hash, so a run replays on the code it started on.
  `
  CREATE TABLE bundles (
    hash      TEXT PRIMARY KEY,
    code      TEXT NOT NULL,
    stored_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  `,
  // 9: compact rows: events and dedupe keys name their run by an integer key, events store their type as a code.
  compactRows,
  // 10: the ended-runs index names its statuses by equalities. SQLite builds an IN list's
  // ephemeral table each time it tests the predicate: on every insert of a run and twice on
  // every update (every append), which cost more than the rest of an append's statements.
  `
  DROP INDEX runs_by_end;
  CREATE INDEX runs_by_end ON runs (coalesce(completed_at, created_at))
    WHERE status = 'completed' OR status = 'failed' OR status = 'cancelled';
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/** Brings the database to {@link SCHEMA_VERSION}; refuses a database from a newer build. */
export function migrate(db: Database): void {
  db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
  const row = db.prepare("SELECT max(version) AS version FROM schema_version").get() as {
    version: number | null;
  };
  const current = row.version ?? 0;
  if (current > SCHEMA_VERSION) {
    throw new Error(
      `This database has schema version ${current}, but this @wfkit/world-sqlite only knows up to ` +
        `${SCHEMA_VERSION}. Upgrade @wfkit/world-sqlite, or use another data directory.`,
    );
  }
  for (let version = current; version < SCHEMA_VERSION; version++) {
    // One transaction per step: a crash mid-migration leaves the previous version intact.
    db.transaction(() => {
      const step = MIGRATIONS[version];
      if (typeof step === "string") db.exec(step);
      else step(db);
      db.prepare("INSERT INTO schema_version (version) VALUES (?)").run(version + 1);
    }).immediate();
  }
  // Compacting rows (9) rewrote the runs, events and dedupe keys beside the old ones, whose
  // pages are free now but still in the file: give them back once, as the file is upgraded.
  // Best effort: a reader in another process makes it fail, and free pages are reused anyway.
  if (current > 0 && current < COMPACT_ROWS) {
    try {
      db.exec("VACUUM");
    } catch {}
  }
}

/** The version whose migration rewrites the run-owned tables (see compact-rows.ts). */
const COMPACT_ROWS = 9;
