import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { opId, runId } from "@wfkit/world";
import { defineWorldConformance } from "@wfkit/world/conformance";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { GroupCommitter } from "../src/group-commit.js";
import { sqliteWorld } from "../src/index.js";
import { FIND_PRUNABLE } from "../src/prune.js";
import { SCHEMA_VERSION } from "../src/schema.js";
import { downToV8 } from "./down-to-v8.js";

// The whole contract once more with the other flush mode, so both stay correct.
defineWorldConformance("sqlite (flushOn: microtask)", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "wfkit-world-sqlite-micro-"));
  return {
    world: sqliteWorld({ dataDir, flushOn: "microtask" }),
    reopen: async () => sqliteWorld({ dataDir, flushOn: "microtask" }),
    cleanup: () => rm(dataDir, { recursive: true, force: true }),
  };
});

/** Undoes the compact rows (version 9): back to what version 8 wrote. */
const DOWN_TO_V8 = downToV8();
/** Undoes the bundles table (version 8) too: back to what version 7 wrote. */
const DOWN_TO_V7 = `${DOWN_TO_V8} DROP TABLE bundles; DELETE FROM schema_version WHERE version = 8;`;
/** Undoes the child-run link (version 7) too: back to what version 6 wrote. */
const DOWN_TO_V6 = `${DOWN_TO_V7} ALTER TABLE runs DROP COLUMN parent_run_id; DELETE FROM schema_version WHERE version = 7;`;

/** Undoes the retention indexes (version 6): back to what version 5 wrote. */
const DOWN_TO_V5 = `${DOWN_TO_V6} DROP INDEX runs_by_end; DROP INDEX released_hooks_by_run; DROP INDEX deliveries_by_run;
  DELETE FROM schema_version WHERE version = 6;`;

/** Undoes the "run listing indexes" migration (version 5): back to what version 4 wrote. */
const DOWN_TO_V4 = `${DOWN_TO_V5} DROP INDEX runs_newest; DROP INDEX runs_by_status_newest; DROP INDEX runs_by_workflow_newest;
  CREATE INDEX runs_by_status ON runs (status, created_at); CREATE INDEX runs_by_created_at ON runs (created_at);
  DELETE FROM schema_version WHERE version = 5;`;

/** Turns a current file back into what version 3 wrote. */
const DOWN_TO_V3 = `${DOWN_TO_V4}
  DROP TABLE stream_chunks; DROP TABLE streams; DELETE FROM schema_version WHERE version = 4;`;

/** Turns a current file back into what version 2 wrote. */
const DOWN_TO_V2 = `${DOWN_TO_V3}
  DROP TABLE deliveries; DROP TABLE released_hooks; DELETE FROM schema_version WHERE version = 3;`;

describe("SqliteWorld on disk", () => {
  let dataDir: string;

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "wfkit-sqlite-"));
  });

  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("brings a version-6 data dir up to date with the child-run link: old runs have no parent, new ones keep it", async () => {
    const world = sqliteWorld({ dataDir });
    const old = runId("wrun_old");
    await world.createRun({ runId: old, workflowId: "wf", input: "[]", at: 1 });
    await world.close();
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(DOWN_TO_V6);
    raw.close();
    const reopened = sqliteWorld({ dataDir });
    expect(await reopened.getRun(old)).not.toHaveProperty("parentRunId");
    const child = runId("wrun_child");
    await reopened.createRun({ runId: child, workflowId: "wf", input: "[]", at: 2, parentRunId: old });
    expect(await reopened.getRun(child)).toMatchObject({ parentRunId: old });
    await reopened.close();
  });

  it("brings a version-1 data dir up to date and keeps its hooks", async () => {
    const world = sqliteWorld({ dataDir });
    const id = runId("wrun_migrate");
    await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: 1 });
    await world.append({
      runId: id,
      events: [],
      hooks: { create: [{ token: "old", opId: opId(1), kind: "hook" }] },
    });
    await world.close();
    // Turn the file back into what version 1 wrote.
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(
      `${DOWN_TO_V2} ALTER TABLE hooks DROP COLUMN verify; DELETE FROM schema_version WHERE version = 2;`,
    );
    raw.close();
    const reopened = sqliteWorld({ dataDir });
    expect(await reopened.getHook("old")).toMatchObject({ runId: id, kind: "hook" });
    expect(await reopened.getHook("old")).not.toHaveProperty("verify");
    await reopened.append({
      runId: id,
      events: [],
      hooks: { create: [{ token: "new", opId: opId(2), kind: "webhook", verify: "v" }] },
    });
    expect(await reopened.getHook("new")).toMatchObject({ verify: "v" });
    await reopened.close();
  });

  it("brings a version-2 data dir up to date: runs and hooks kept, deliveries and released hooks recorded", async () => {
    const world = sqliteWorld({ dataDir });
    const id = runId("wrun_v2");
    await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: 1 });
    await world.append({
      runId: id,
      events: [],
      hooks: { create: [{ token: "wh", opId: opId(1), kind: "webhook", verify: "github" }] },
    });
    await world.close();
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(DOWN_TO_V2);
    expect(raw.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: 2 });
    raw.close();

    const reopened = sqliteWorld({ dataDir });
    expect(await reopened.getHook("wh")).toMatchObject({ runId: id, verify: "github" });
    expect(await reopened.getReleasedHook("wh")).toBeNull();
    const delivery = { token: "wh", id: "d1", expiresAt: Date.now() + 60_000 };
    expect((await reopened.append({ runId: id, events: [], deliveries: [delivery] })).ok).toBe(true);
    expect(await reopened.getDelivery("wh", "d1")).toMatchObject({ runId: id });
    await reopened.append({ runId: id, events: [], hooks: { release: ["wh"] } });
    expect(await reopened.getReleasedHook("wh")).toMatchObject({ reason: "disposed", verify: "github" });
    await reopened.close();
  });

  it("brings a version-3 data dir up to date: runs and hooks kept, streams written and read", async () => {
    const world = sqliteWorld({ dataDir });
    const id = runId("wrun_v3");
    await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: 1 });
    await world.append({
      runId: id,
      events: [],
      hooks: { create: [{ token: "h3", opId: opId(1), kind: "hook" }] },
    });
    await world.close();
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(DOWN_TO_V3);
    expect(raw.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: 3 });
    raw.close();

    const reopened = sqliteWorld({ dataDir });
    expect(await reopened.getRun(id)).toMatchObject({ runId: id });
    expect(await reopened.getHook("h3")).toMatchObject({ runId: id });
    expect(await reopened.streams.info(id, "")).toEqual({ tailIndex: -1, closed: false });
    await reopened.streams.append({
      runId: id,
      namespace: "",
      chunks: [{ writer: "1", seq: 0, data: '"hi"' }],
    });
    expect((await reopened.streams.read(id, "")).chunks).toEqual([{ index: 0, data: '"hi"' }]);
    await reopened.close();
  });

  it("brings a version-4 data dir up to date with the run listing indexes, which serve listRuns in order", async () => {
    const world = sqliteWorld({ dataDir });
    for (let i = 0; i < 5; i++) {
      await world.createRun({ runId: runId(`wrun_v4_${i}`), workflowId: `wf${i % 2}`, input: "[]", at: i });
    }
    await world.close();
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(DOWN_TO_V4);
    expect(raw.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: 4 });
    raw.close();

    const reopened = sqliteWorld({ dataDir });
    const ids = (await reopened.listRuns({ workflowId: "wf0", limit: 2 })).map((r) => r.runId);
    expect(ids).toEqual(["wrun_v4_4", "wrun_v4_2"]);
    await reopened.close();

    // The newest page is read from an index in order: no sort of the whole table.
    const db = new Database(join(dataDir, "world.sqlite"), { readonly: true });
    const plan = (sql: string) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as { detail: string }[]).map((r) => r.detail).join("; ");
    const order = "ORDER BY created_at DESC, run_id DESC LIMIT 50";
    expect(plan(`SELECT * FROM runs ${order}`)).toContain("runs_newest");
    expect(plan(`SELECT * FROM runs WHERE workflow_id = 'wf0' ${order}`)).toContain(
      "runs_by_workflow_newest",
    );
    expect(plan(`SELECT * FROM runs WHERE status = 'pending' ${order}`)).toContain("runs_by_status_newest");
    for (const sql of [
      `SELECT * FROM runs ${order}`,
      `SELECT * FROM runs WHERE status = 'failed' ${order}`,
    ]) {
      expect(plan(sql)).not.toContain("TEMP B-TREE");
    }
    db.close();
  });

  it("forgets released hooks after its retention and expired deliveries, when it opens", async () => {
    const world = sqliteWorld({ dataDir, releasedHookRetentionMs: 0 });
    const id = runId("wrun_prune");
    await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: 1 });
    await world.append({
      runId: id,
      events: [],
      hooks: { create: [{ token: "wh", opId: opId(1), kind: "webhook" }] },
      deliveries: [
        { token: "wh", id: "old", expiresAt: Date.now() - 1 },
        { token: "wh", id: "new", expiresAt: Date.now() + 60_000 },
      ],
    });
    await world.append({ runId: id, events: [], hooks: { release: ["wh"] } });
    // Retention 0: released at once, remembered for no time.
    expect(await world.getReleasedHook("wh")).toBeNull();
    await world.close();
    const count = (table: string) => {
      const db = new Database(join(dataDir, "world.sqlite"), { readonly: true });
      const { n } = db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number };
      db.close();
      return n;
    };
    expect(count("released_hooks")).toBe(1);
    expect(count("deliveries")).toBe(2);
    await sqliteWorld({ dataDir, releasedHookRetentionMs: 0 }).close();
    expect(count("released_hooks")).toBe(0);
    expect(count("deliveries")).toBe(1);
  });

  it("brings a version-5 data dir up to date with the retention indexes, which serve pruneRuns", async () => {
    await writeEndedRuns(dataDir, "wrun_v5_");
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(DOWN_TO_V5);
    expect(raw.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: 5 });
    raw.close();

    const reopened = sqliteWorld({ dataDir });
    expect(await reopened.pruneRuns({ endedBefore: 12 })).toEqual(["wrun_v5_0", "wrun_v5_1"]);
    await reopened.close();
    const db = new Database(join(dataDir, "world.sqlite"), { readonly: true });
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${FIND_PRUNABLE}`).all(5, 10) as Array<{ detail: string }>;
    db.close();
    expect(plan.map((r) => r.detail).join("\n")).toMatch(/USING INDEX runs_by_end/);
  });

  it("brings a version-7 data dir up to date with the bundles table: runs kept, bundles stored", async () => {
    const world = sqliteWorld({ dataDir });
    await world.createRun({ runId: runId("wrun_v6"), workflowId: "wf", input: "[]", at: 1 });
    await world.close();
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(DOWN_TO_V7);
    expect(raw.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: 7 });
    raw.close();

    const reopened = sqliteWorld({ dataDir });
    expect(await reopened.getRun("wrun_v6")).toMatchObject({ runId: "wrun_v6" });
    await reopened.putBundle("sha-v7", "code");
    expect(await reopened.getBundle("sha-v7")).toBe("code");
    await reopened.close();
  });

  it("brings a version-9 data dir up to date: the ended-runs index tests its statuses without an IN list", async () => {
    await writeEndedRuns(dataDir, "wrun_v9_");
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(`DROP INDEX runs_by_end;
      CREATE INDEX runs_by_end ON runs (coalesce(completed_at, created_at))
        WHERE status IN ('completed', 'failed', 'cancelled');
      DELETE FROM schema_version WHERE version = 10;`);
    raw.close();

    const reopened = sqliteWorld({ dataDir });
    expect(await reopened.pruneRuns({ endedBefore: 12 })).toEqual(["wrun_v9_0", "wrun_v9_1"]);
    await reopened.close();
    const db = new Database(join(dataDir, "world.sqlite"), { readonly: true });
    const { sql } = db.prepare("SELECT sql FROM sqlite_master WHERE name = 'runs_by_end'").get() as {
      sql: string;
    };
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${FIND_PRUNABLE}`).all(5, 10) as Array<{ detail: string }>;
    db.close();
    expect(sql).not.toMatch(/\bIN\b/);
    expect(plan.map((r) => r.detail).join("\n")).toMatch(/USING INDEX runs_by_end/);
  });

  it("the statements of an append build no ephemeral table (SQLite opens a temporary B-tree for each)", async () => {
    const world = sqliteWorld({ dataDir });
    const { db, s } = world as unknown as { db: Database.Database; s: Record<string, { source: string }> };
    const hot = ["getRunHead", "hasDedupeKey", "insertDedupeKey", "insertEvent", "updateRun", "insertRun"];
    for (const name of [...hot, "insertMessage", "deleteMessage"]) {
      // Parameters as NULL: EXPLAIN needs the statement only, not values.
      const sql = s[name]!.source.replace(/\?|@\w+/g, "NULL");
      const ops = (db.prepare(`EXPLAIN ${sql}`).all() as Array<{ opcode: string }>).map((r) => r.opcode);
      expect({ name, ephemeral: ops.filter((op) => op === "OpenEphemeral").length }).toEqual({
        name,
        ephemeral: 0,
      });
    }
    await world.close();
  });

  it("resolves dataDir from the cwd and writes a WAL database with synchronous=FULL", async () => {
    const world = sqliteWorld({ dataDir: relative(process.cwd(), dataDir), filename: "custom.db" });
    expect(world.dataDir).toBe(dataDir);
    expect(world.filename).toBe(join(dataDir, "custom.db"));
    expect(world.name).toBe("sqlite");
    await world.close();

    const db = new Database(join(dataDir, "custom.db"), { readonly: true });
    expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: SCHEMA_VERSION });
    expect(SCHEMA_VERSION).toBe(10);
    const indexes = db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name",
      )
      .all();
    expect(indexes.map((r) => (r as { name: string }).name)).toEqual([
      "deliveries_by_expiry",
      "deliveries_by_request",
      "deliveries_by_run",
      "hooks_by_run",
      "hooks_by_token",
      "messages_by_dedupe_key",
      "messages_by_run",
      "messages_due",
      "messages_leased",
      "released_hooks_by_run",
      "released_hooks_by_time",
      "runs_by_end",
      "runs_by_idempotency_key",
      "runs_by_status_newest",
      "runs_by_workflow_newest",
      "runs_newest",
      "stream_chunks_by_key",
    ]);
    db.close();
  });

  it("fsyncs in COMMIT (synchronous=FULL) with fsync: 'commit', else off the loop (NORMAL + WAL fdatasync)", async () => {
    const world = sqliteWorld({ dataDir, fsync: "commit" });
    const db = (world as unknown as { db: Database.Database }).db;
    expect(db.pragma("synchronous", { simple: true })).toBe(2);
    await world.close();
    const offLoop = sqliteWorld({ dataDir });
    expect((offLoop as unknown as { db: Database.Database }).db.pragma("synchronous", { simple: true })).toBe(
      1,
    );
    await offLoop.close();
  });

  it("rejects calls after close", async () => {
    const world = sqliteWorld({ dataDir });
    await world.close();
    await world.close();
    await expect(world.getRun("x")).rejects.toThrow(/closed/);
    await expect(world.append({ runId: runId("x"), events: [] })).rejects.toThrow(/closed/);
  });
});

describe("GroupCommitter", () => {
  let db: Database.Database;

  beforeEach(() => {
    db = new Database(":memory:");
    db.exec("CREATE TABLE t (v TEXT NOT NULL)");
  });

  afterEach(() => db.close());

  for (const flushOn of ["immediate", "microtask", "adaptive"] as const) {
    it(`commits writes made in one tick as one transaction (${flushOn}), isolating failures`, async () => {
      const commits: boolean[] = [];
      const committer = new GroupCommitter(db, flushOn, ({ workAdded }) => commits.push(workAdded));
      const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
      const results = await Promise.allSettled(
        Array.from({ length: 100 }, (_, i) =>
          committer.submit((batch) => {
            insert.run(String(i));
            if (i === 7) batch.workAdded();
            if (i % 10 === 3) throw new Error(`job ${i} fails after writing`);
            // Every job runs inside the batch's transaction.
            return db.inTransaction;
          }),
        ),
      );
      expect(commits).toEqual([true]);
      expect(results.filter((r) => r.status === "rejected")).toHaveLength(10);
      expect(results.filter((r) => r.status === "fulfilled").every((r) => r.value === true)).toBe(true);
      // The failed jobs' own writes were rolled back to their savepoints; the others are committed.
      const rows = db.prepare("SELECT v FROM t").all() as Array<{ v: string }>;
      expect(rows).toHaveLength(90);
      expect(rows.some((r) => r.v === "3")).toBe(false);
    });
  }

  it("batches writes issued while earlier writes resolve into the next commit", async () => {
    let commits = 0;
    const committer = new GroupCommitter(db, "immediate", () => {
      commits += 1;
    });
    const insert = db.prepare("INSERT INTO t (v) VALUES (?)");
    // 50 writers, 10 writes each, every write waiting for the previous one: 10 rounds, one commit each.
    await Promise.all(
      Array.from({ length: 50 }, async (_, w) => {
        for (let i = 0; i < 10; i++) await committer.submit(() => insert.run(`${w}:${i}`));
      }),
    );
    expect(commits).toBe(10);
  });

  it("rejects the whole batch when the commit itself fails", async () => {
    const committer = new GroupCommitter(db, "immediate", () => {});
    db.exec("CREATE TABLE parent (id INTEGER PRIMARY KEY); PRAGMA foreign_keys = ON;");
    db.exec("CREATE TABLE child (p INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)");
    const ok = committer.submit(() => db.prepare("INSERT INTO t (v) VALUES ('x')").run());
    // A deferred foreign key fails at COMMIT, after every job succeeded.
    const bad = committer.submit(() => db.prepare("INSERT INTO child (p) VALUES (42)").run());
    await expect(ok).rejects.toThrow(/FOREIGN KEY/);
    await expect(bad).rejects.toThrow(/FOREIGN KEY/);
    expect(db.prepare("SELECT count(*) AS n FROM t").get()).toEqual({ n: 0 });
    expect(db.inTransaction).toBe(false);
  });
});

/** Three completed runs (`<prefix>0..2`, ended at 10, 11, 12) in a closed data dir: what the retention tests prune. */
async function writeEndedRuns(dataDir: string, prefix: string): Promise<void> {
  const world = sqliteWorld({ dataDir });
  for (let i = 0; i < 3; i++) {
    const id = runId(`${prefix}${i}`);
    await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: i });
    await world.append({ runId: id, events: [], run: { status: "completed", completedAt: 10 + i } });
  }
  await world.close();
}
