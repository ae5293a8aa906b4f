import { connect, type Sql } from "./connect.js";
import { GUARDED_BATCH_FUNCTION, RUN_OWNERSHIP } from "./guarded-sql.js";

/**
 * Schema migrations, applied in order. Entry `i` moves the schema from version
 * `i` to `i + 1`; released entries are never edited, only appended to. Every
 * table lives in the `wfkit` schema, so the World shares a database with the app.
 *
 * Epoch milliseconds and message ids are `bigint`; opaque payloads are `text`
 * written through the codec in codec.ts (text cannot hold NUL).
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE wfkit.runs (
    run_id          text COLLATE "C" PRIMARY KEY,
    workflow_id     text NOT NULL,
    status          text NOT NULL,
    input           text NOT NULL,
    output          text,
    error           text,
    idempotency_key text,
    created_at      bigint NOT NULL,
    started_at      bigint,
    completed_at    bigint,
    last_seq        integer NOT NULL
  );
  -- Unique: the storage itself enforces "one run per idempotency key", across processes.
  CREATE UNIQUE INDEX runs_by_idempotency_key ON wfkit.runs (idempotency_key) WHERE idempotency_key IS NOT NULL;
  -- listRuns pages newest first by (created_at, run_id); a btree is read backwards for it.
  -- run_id sorts by bytes (COLLATE "C"), as run ids compare in JavaScript, whatever the database locale.
  CREATE INDEX runs_newest ON wfkit.runs (created_at, run_id);
  CREATE INDEX runs_by_status_newest ON wfkit.runs (status, created_at, run_id);
  CREATE INDEX runs_by_workflow_newest ON wfkit.runs (workflow_id, created_at, run_id);

  -- The log. The primary key also makes a second writer of one seq fail rather than fork the log.
  CREATE TABLE wfkit.events (
    run_id text NOT NULL,
    seq    integer NOT NULL,
    at     bigint NOT NULL,
    body   text NOT NULL,
    PRIMARY KEY (run_id, seq)
  );

  -- The outbox, generic: kind + the kind's fields as JSON, so a new kind needs no migration.
  -- owner: the World instance holding the lease; held: inserted leased (in-process dispatch),
  -- kept until acked or released, or until its instance is found dead.
  CREATE TABLE wfkit.messages (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id       text NOT NULL,
    kind         text NOT NULL,
    body         text NOT NULL,
    available_at bigint NOT NULL,
    dedupe_key   text,
    leased_until bigint,
    owner        text
  );
  CREATE INDEX messages_due ON wfkit.messages (available_at, id) WHERE leased_until IS NULL;
  CREATE INDEX messages_leased ON wfkit.messages (leased_until) WHERE leased_until IS NOT NULL;
  CREATE INDEX messages_by_run ON wfkit.messages (run_id);
  CREATE INDEX messages_by_owner ON wfkit.messages (owner) WHERE owner IS NOT NULL;
  CREATE UNIQUE INDEX messages_by_dedupe_key ON wfkit.messages (run_id, dedupe_key) WHERE dedupe_key IS NOT NULL;

  -- Live hooks only: releasing deletes the row, so the unique token index is "held by a live hook".
  CREATE TABLE wfkit.hooks (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token        text NOT NULL,
    run_id       text NOT NULL,
    op_id        integer NOT NULL,
    kind         text NOT NULL,
    created_at   bigint NOT NULL,
    metadata     text,
    respond_with text,
    verify       text
  );
  CREATE UNIQUE INDEX hooks_by_token ON wfkit.hooks (token);
  CREATE INDEX hooks_by_run ON wfkit.hooks (run_id, id);

  CREATE TABLE wfkit.released_hooks (
    token        text PRIMARY KEY,
    run_id       text NOT NULL,
    op_id        integer NOT NULL,
    kind         text NOT NULL,
    created_at   bigint NOT NULL,
    respond_with text,
    verify       text,
    released_at  bigint NOT NULL,
    reason       text NOT NULL
  );
  CREATE INDEX released_hooks_by_time ON wfkit.released_hooks (released_at);

  CREATE TABLE wfkit.dedupe_keys (
    run_id text NOT NULL,
    key    text NOT NULL,
    PRIMARY KEY (run_id, key)
  );

  CREATE TABLE wfkit.deliveries (
    token       text NOT NULL,
    delivery_id text NOT NULL,
    run_id      text NOT NULL,
    request_id  text,
    response    text,
    recorded_at bigint NOT NULL,
    expires_at  bigint NOT NULL,
    PRIMARY KEY (token, delivery_id)
  );
  CREATE INDEX deliveries_by_expiry ON wfkit.deliveries (expires_at);
  CREATE INDEX deliveries_by_request ON wfkit.deliveries (request_id) WHERE request_id IS NOT NULL;

  -- Webhook responses not yet picked up by the process holding the connection.
  CREATE TABLE wfkit.responses (
    request_id text PRIMARY KEY,
    response   text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX responses_by_time ON wfkit.responses (created_at);

  CREATE TABLE wfkit.streams (
    run_id    text NOT NULL,
    namespace text NOT NULL,
    tail      integer NOT NULL,
    closed    boolean NOT NULL,
    PRIMARY KEY (run_id, namespace)
  );
  CREATE TABLE wfkit.stream_chunks (
    run_id    text NOT NULL,
    namespace text NOT NULL,
    idx       integer NOT NULL,
    writer    text NOT NULL,
    seq       integer NOT NULL,
    data      text NOT NULL,
    PRIMARY KEY (run_id, namespace, idx)
  );
  CREATE UNIQUE INDEX stream_chunks_by_key ON wfkit.stream_chunks (run_id, namespace, writer, seq);

  -- Open World instances and how long each is known alive (heartbeat); leases of a dead one are freed.
  CREATE TABLE wfkit.instances (
    id          text PRIMARY KEY,
    started_at  bigint NOT NULL,
    alive_until bigint NOT NULL
  );
  `,
  // 2: pruneRuns finds the oldest ended runs without reading every run.
  `
  CREATE INDEX runs_by_end ON wfkit.runs ((coalesce(completed_at, created_at)), run_id)
    WHERE status IN ('completed', 'failed', 'cancelled');
  `,
  // 3: child runs: the run that started this one from workflow code.
  `
  ALTER TABLE wfkit.runs ADD COLUMN parent_run_id text;
  `,
  // 4: workflow bundles by content hash, so a run replays on the code it started on.
  `
  CREATE TABLE wfkit.bundles (
    hash      text PRIMARY KEY,
    code      text NOT NULL,
    stored_at bigint NOT NULL
  );
  `,
  // 5: a guarded batch (appends to runs this process wrote last, see run-cache.ts) in one
  // statement: no BEGIN/COMMIT round trip and one parse instead of one per row; see guarded.ts.
  GUARDED_BATCH_FUNCTION,
  // 6: run ownership: the instance holding a run alone (guarded-sql.ts, ownership.ts).
  RUN_OWNERSHIP,
];

/** The schema version this build writes. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/** Key of the advisory lock held while migrating: one migrator at a time, whichever process. */
const MIGRATION_LOCK = 0x77666b6974; // "wfkit"

/**
 * Brings the database to {@link POSTGRES_SCHEMA_VERSION} on an open pool. Safe to
 * call from many processes at once: each migrates under a session advisory lock,
 * and finds the work done once it gets the lock. Refuses a database from a newer build.
 * Returns the versions applied (empty when already up to date).
 */
export async function migrateSchema(sql: Sql): Promise<number[]> {
  return sql.begin(async (tx) => {
    // Transaction-scoped: released at commit or rollback, even if this process dies.
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`;
    await tx`CREATE SCHEMA IF NOT EXISTS wfkit`;
    await tx`CREATE TABLE IF NOT EXISTS wfkit.schema_version (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`;
    const [row] = await tx<
      { version: number | null }[]
    >`SELECT max(version) AS version FROM wfkit.schema_version`;
    const current = row?.version ?? 0;
    if (current > POSTGRES_SCHEMA_VERSION) {
      throw new Error(
        `This database has wfkit schema version ${current}, but this @wfkit/world-postgres only knows up to ` +
          `${POSTGRES_SCHEMA_VERSION}. Upgrade @wfkit/world-postgres in every process, or use another database.`,
      );
    }
    const applied: number[] = [];
    for (let version = current; version < POSTGRES_SCHEMA_VERSION; version++) {
      await tx.unsafe(MIGRATIONS[version]);
      await tx`INSERT INTO wfkit.schema_version (version) VALUES (${version + 1})`;
      applied.push(version + 1);
    }
    return applied;
  });
}

/**
 * Runs the wfkit migrations on the database at `url` and disconnects (what
 * `wf migrate` does). Safe with app processes starting at the same time.
 * Returns the schema versions it applied.
 */
export async function migratePostgres(url: string): Promise<{ applied: number[]; version: number }> {
  const sql = connect(url, { max: 1 });
  try {
    const applied = await migrateSchema(sql);
    return { applied, version: POSTGRES_SCHEMA_VERSION };
  } finally {
    await sql.end();
  }
}
