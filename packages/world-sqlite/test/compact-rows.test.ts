// Schema 9 ("compact rows") on real files: a data file written by the schema-8 build
// (fixtures/world-v8.sqlite) opens, reads back exactly what that build read, and keeps
// working; new rows name their run by its integer key and their type by a code.
import { copyFileSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { opId, runId } from "@wfkit/world";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { encodeEvent } from "../src/event-codec.js";
import { sqliteWorld } from "../src/index.js";
import { SCHEMA_VERSION } from "../src/schema.js";
import { downToV8 } from "./down-to-v8.js";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "wfkit-compact-"));
});
afterEach(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

const columns = (db: Database.Database, table: string) =>
  (db.prepare(`SELECT name FROM pragma_table_info('${table}')`).all() as Array<{ name: string }>).map(
    (c) => c.name,
  );

describe("compact rows (schema 9)", () => {
  it("opens a schema-8 data file and reads back its runs and events as the schema-8 build did", async () => {
    const file = join(dataDir, "world.sqlite");
    copyFileSync(fixture("world-v8.sqlite"), file);
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: 8 });
    raw.close();
    const expected = JSON.parse(readFileSync(fixture("world-v8.expected.json"), "utf8"));

    const world = sqliteWorld({ dataDir });
    try {
      // The old tables' pages were given back (VACUUM after the migration).
      const side = new Database(file, { readonly: true });
      expect(side.pragma("freelist_count", { simple: true })).toBe(0);
      side.close();
      const runs = await world.listRuns();
      expect(runs.map((r) => r.runId).sort()).toEqual(Object.keys(expected).sort());
      for (const run of runs) {
        expect(run).toEqual(expected[run.runId].run);
        expect(await world.readEvents(run.runId)).toEqual(expected[run.runId].events);
      }
      // NUL bytes and lone surrogates came through the re-encoding exactly.
      const [scheduled] = await world.readEvents("wrun_v8_done", 1);
      expect(scheduled).toMatchObject({
        type: "step_scheduled",
        input: expect.stringContaining("nul\u0000 lone\ud800"),
      });

      // Its dedupe keys, hooks, idempotency key and queue still hold.
      const waiting = runId("wrun_v8_wait");
      expect(await world.append({ runId: waiting, events: [], dedupeKeys: ["step:9"] })).toEqual({
        ok: false,
        reason: "duplicate",
        key: "step:9",
      });
      expect(await world.getHook("tok-1")).toMatchObject({ runId: waiting, verify: "github" });
      const again = await world.createRun({
        runId: runId("wrun_other"),
        workflowId: "x",
        input: "[]",
        at: 5,
        idempotencyKey: "key-1",
      });
      expect(again).toMatchObject({ created: false, run: { runId: "wrun_v8_done" } });
      expect(await world.nextAvailableAt()).toBe(99999);

      // And it takes new events after the old ones.
      const appended = await world.append({
        runId: waiting,
        expectedSeq: 5,
        events: [{ v: 1, type: "sleep_fired", opId: opId(2), at: 3000 }],
        dedupeKeys: ["step:10"],
      });
      expect(appended).toMatchObject({ ok: true, firstSeq: 6, lastSeq: 6 });
      expect((await world.readEvents(waiting, 5)).map((e) => e.type)).toEqual(["sleep_fired"]);
      expect(await world.pruneRuns({ endedBefore: 10_000 })).toEqual(["wrun_v8_done"]);
      expect(await world.readEvents("wrun_v8_done")).toEqual([]);
    } finally {
      await world.close();
    }
    const db = new Database(file, { readonly: true });
    expect(db.prepare("SELECT max(version) AS v FROM schema_version").get()).toEqual({ v: SCHEMA_VERSION });
    expect(columns(db, "events")).toEqual(["run_key", "seq", "at", "type", "body"]);
    expect(columns(db, "dedupe_keys")).toEqual(["run_key", "key"]);
    // The pruned run's rows went with it; the other run's stayed.
    expect(db.prepare("SELECT count(*) AS n FROM dedupe_keys").get()).toEqual({ n: 2 });
    expect(db.prepare("SELECT count(*) AS n FROM events").get()).toEqual({ n: 6 });
    db.close();
  });

  it("a current file taken back to schema 8 migrates again to the same events", async () => {
    const world = sqliteWorld({ dataDir });
    const id = runId("wrun_round");
    await world.createRun({ runId: id, workflowId: "wf", input: "[1]", at: 1 });
    await world.append({
      runId: id,
      events: [
        { v: 1, type: "step_scheduled", opId: opId(1), stepId: "s", input: "a\u0000b", at: 2 },
        { v: 1, type: "hook_received", opId: opId(2), payload: "\ud800", requestId: "r", at: 3 },
      ],
      dedupeKeys: ["k"],
    });
    const before = await world.readEvents(id);
    await world.close();
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.exec(downToV8());
    raw.close();
    const reopened = sqliteWorld({ dataDir });
    try {
      expect(await reopened.readEvents(id)).toEqual(before);
      expect(await reopened.append({ runId: id, events: [], dedupeKeys: ["k"] })).toMatchObject({
        reason: "duplicate",
      });
    } finally {
      await reopened.close();
    }
  });

  it("forgets a run's dedupe keys when it ends: an ended run takes no appends to guard", async () => {
    const world = sqliteWorld({ dataDir });
    const id = runId("wrun_keys");
    await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: 1 });
    await world.append({ runId: id, events: [], dedupeKeys: ["a", "b"] });
    const keys = () => {
      const raw = new Database(join(dataDir, "world.sqlite"), { readonly: true });
      const { n } = raw.prepare("SELECT count(*) AS n FROM dedupe_keys").get() as { n: number };
      raw.close();
      return n;
    };
    expect(keys()).toBe(2);
    expect(await world.append({ runId: id, events: [], dedupeKeys: ["a"] })).toMatchObject({
      reason: "duplicate",
    });
    await world.append({
      runId: id,
      events: [],
      dedupeKeys: ["c"],
      run: { status: "completed", completedAt: 2 },
    });
    expect(keys()).toBe(0);
    expect(await world.append({ runId: id, events: [], dedupeKeys: ["a"] })).toMatchObject({
      reason: "run_ended",
    });
    await world.close();
  });

  it("stores an event's type as a code and its body without v, type, at or seq; others whole", () => {
    expect(
      encodeEvent({ v: 1, type: "step_completed", opId: opId(3), output: "o", attempt: 1, at: 9 }),
    ).toEqual({
      type: 4,
      body: '{"opId":3,"output":"o","attempt":1}',
    });
    // A type or version this build has no code for keeps v and type in the body (code 0).
    expect(encodeEvent({ v: 2, type: "step_completed", opId: 3, at: 9 })).toEqual({
      type: 0,
      body: '{"v":2,"type":"step_completed","opId":3}',
    });
    expect(encodeEvent({ v: 1, type: "future_kind", x: 1, at: 9 }).type).toBe(0);
  });

  it("an unknown type code is WF_W004 naming the run and position", async () => {
    const world = sqliteWorld({ dataDir });
    const id = runId("wrun_code");
    await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: 1 });
    await world.close();
    const raw = new Database(join(dataDir, "world.sqlite"));
    raw.prepare("UPDATE events SET type = 999").run();
    raw.close();
    const again = sqliteWorld({ dataDir });
    try {
      await expect(again.readEvents(id)).rejects.toMatchObject({
        code: "WF_W004_EVENT_UNREADABLE",
        runId: id,
        seq: 1,
      });
    } finally {
      await again.close();
    }
  });
});
