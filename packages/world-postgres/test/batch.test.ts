// The group commit's multi-row outbox: writes sharing one transaction must see the
// messages as if each had run alone, in submission order.
import { createTestDatabase, type TestDatabase, waitFor } from "@wfkit/testing-kit";
import { type AppendRequest, opId, runId } from "@wfkit/world";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresWorld, type PostgresWorld } from "../src/index.js";

let db: TestDatabase;
let world: PostgresWorld;
/** Creates the runs of the first tests: `world` has not written them, so its batches read them first. */
let creator: PostgresWorld;
let counter = 0;

beforeAll(async () => {
  db = await createTestDatabase("batch");
  world = await openPostgresWorld(db.url);
  creator = await openPostgresWorld(db.url);
});
afterAll(async () => {
  await world?.close();
  await creator?.close();
  await db?.drop();
});

async function created(by: PostgresWorld = creator) {
  const id = runId(`wrun_batch_${process.pid}_${++counter}`);
  await by.createRun({ runId: id, workflowId: "wf", input: "[]", at: Date.now() });
  return id;
}

/** Appends `requests` in one turn of the event loop and checks they shared one transaction. */
async function together(requests: AppendRequest[]) {
  const before = world.stats().batches;
  const results = await Promise.all(requests.map((r) => world.append(r)));
  expect(world.stats().batches - before).toBe(1);
  return results;
}

const claimAll = () => world.claim({ limit: 1000, now: Date.now() + 1, leaseMs: 60_000 });

describe("PostgreSQL World batches", () => {
  it("a dedupe-keyed message and a later ack of its holder behave as one write after the other", async () => {
    const id = await created();
    const [old] = (
      await world.append({
        runId: id,
        events: [],
        enqueue: [{ runId: id, kind: "timer", opId: opId(1), dedupeKey: "k" }],
      })
    ).messages as never as [{ id: string }];
    expect(old).toBeDefined();
    const [first, second] = await together([
      // The old message still holds the key: skipped.
      { runId: id, events: [], enqueue: [{ runId: id, kind: "timer", opId: opId(2), dedupeKey: "k" }] },
      // Acks it, then takes the key.
      {
        runId: id,
        events: [],
        ack: [old.id as never],
        enqueue: [{ runId: id, kind: "timer", opId: opId(3), dedupeKey: "k" }],
      },
    ]);
    expect(first).toMatchObject({ ok: true, messages: [] });
    expect(second).toMatchObject({ ok: true, messages: [{ opId: 3, dedupeKey: "k" }] });
    const mine = (await claimAll()).filter((m) => m.runId === id);
    expect(mine.map((m) => (m as { opId?: number }).opId)).toEqual([3]);
  });

  it("a run ending drops the messages written for it earlier in the same batch", async () => {
    const id = await created();
    const other = await created();
    const [early, end, later] = await together([
      {
        runId: id,
        events: [],
        enqueue: [{ runId: id, kind: "step", opId: opId(1), attempt: 1, payload: "p" }],
      },
      { runId: id, events: [], run: { status: "completed", output: "1", completedAt: Date.now() } },
      // Another run's write may still address the ended run's queue after the end (as alone).
      {
        runId: other,
        events: [],
        enqueue: [{ runId: id, kind: "timer", opId: opId(9) }],
      },
    ]);
    expect(early).toMatchObject({ ok: true, messages: [] });
    expect(end).toMatchObject({ ok: true, messages: [] });
    expect(later).toMatchObject({ ok: true, messages: [{ runId: id, opId: 9 }] });
    const left = (await claimAll()).filter((m) => m.runId === id);
    expect(left.map((m) => m.kind)).toEqual(["timer"]);
  });

  it("a hook token freed by a run ending is taken by a later write of the same batch", async () => {
    const id = await created();
    const other = await created();
    await world.append({
      runId: id,
      events: [],
      hooks: { create: [{ token: "batch-token", opId: opId(1), kind: "hook" }] },
    });
    const [end, take] = await together([
      { runId: id, events: [], run: { status: "cancelled", completedAt: Date.now() } },
      {
        runId: other,
        events: [],
        hooks: { create: [{ token: "batch-token", opId: opId(2), kind: "hook" }] },
      },
    ]);
    expect(end).toMatchObject({ ok: true });
    expect(take).toMatchObject({ ok: true });
    expect(await world.getHook("batch-token")).toMatchObject({ runId: other });
    expect(await world.getReleasedHook("batch-token")).toBeNull();
    expect(await world.listHooks({ runId: id })).toEqual([]);
  });

  it("messages of one batch get ids in submission order, and claim returns them so", async () => {
    const runs = await Promise.all(Array.from({ length: 30 }, () => created()));
    await claimAll();
    const at = Date.now();
    const results = await together(
      runs.map((id, i) => ({
        runId: id,
        events: [],
        enqueue: [
          { runId: id, kind: "timer", opId: opId(2 * i), availableAt: at },
          { runId: id, kind: "timer", opId: opId(2 * i + 1), availableAt: at },
        ],
      })),
    );
    const ids = results.flatMap((r) => (r.ok ? r.messages.map((m) => Number(m.id)) : []));
    expect(ids).toHaveLength(60);
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
    const claimed = (await claimAll()).filter((m) => runs.includes(m.runId));
    expect(claimed.map((m) => (m as { opId?: number }).opId)).toEqual(
      Array.from({ length: 60 }, (_, i) => i),
    );
  });

  it("new runs are inserted without a read; a taken run id in the batch is refused and the others created", async () => {
    const taken = await created();
    const fresh = runId(`wrun_batch_${process.pid}_${++counter}`);
    const before = world.stats().batches;
    const misses = world.stats().guardMisses;
    const [dup, made] = await Promise.allSettled([
      world.createRun({ runId: taken, workflowId: "other", input: "[1]", at: Date.now() }),
      world.createRun({ runId: fresh, workflowId: "wf", input: "[]", at: Date.now() }),
    ]);
    expect(dup.status).toBe("rejected");
    expect(String((dup as PromiseRejectedResult).reason)).toMatch(/already exists/);
    expect(made).toMatchObject({ status: "fulfilled", value: { created: true } });
    // Sent unread, the batch failed on the primary key; it went again reading first.
    expect(world.stats().guardMisses - misses).toBe(1);
    expect(world.stats().batches - before).toBe(1);
    expect(await world.getRun(taken)).toMatchObject({ workflowId: "wf", input: "[]" });
    expect(await world.getRun(fresh)).toMatchObject({ workflowId: "wf", status: "pending" });
  });
});

describe("PostgreSQL World appends checked against remembered rows", () => {
  it("appends to runs this instance wrote last are checked without reading them", async () => {
    const id = await created(world);
    const before = world.stats();
    for (let seq = 1; seq <= 5; seq++) {
      expect(
        await world.append({
          runId: id,
          expectedSeq: seq,
          events: [{ v: 1, type: "sleep_scheduled", opId: opId(seq), wakeAt: 0, at: seq }],
          enqueue: [{ runId: id, kind: "step", opId: opId(seq), attempt: 1, payload: "p", leased: true }],
        }),
      ).toMatchObject({ ok: true, firstSeq: seq + 1, messages: [{ opId: seq }] });
    }
    expect(world.stats().guardMisses).toBe(before.guardMisses);
    // This instance created the run: none of the appends read it.
    expect(world.stats().unread - before.unread).toBe(5);
    expect(await world.getRun(id)).toMatchObject({ lastSeq: 6 });
  });

  it("appends shaped as the runtime sends them (empty hook and delivery lists) are checked without reading", async () => {
    const id = await created(world);
    const before = world.stats();
    for (let seq = 1; seq <= 3; seq++) {
      expect(
        await world.append({
          runId: id,
          expectedSeq: seq,
          events: [{ v: 1, type: "sleep_scheduled", opId: opId(seq), wakeAt: 0, at: seq }],
          enqueue: [],
          ack: [],
          dedupeKeys: [`k${seq}`],
          deliveries: [],
          hooks: { create: [], release: [] },
        }),
      ).toMatchObject({ ok: true, firstSeq: seq + 1 });
    }
    expect(world.stats().unread - before.unread).toBe(3);
    expect(world.stats().guardMisses).toBe(before.guardMisses);
  });

  it("another instance's append since this one's last is found: the batch goes again, reading first", async () => {
    const other = await openPostgresWorld(db.url);
    try {
      const id = await created();
      const event = (n: number) => ({
        v: 1 as const,
        type: "sleep_scheduled" as const,
        opId: opId(n),
        wakeAt: 0,
        at: n,
      });
      // Remembered by `world` (it created the run and appended last).
      expect(await world.append({ runId: id, expectedSeq: 1, events: [event(1)] })).toMatchObject({
        ok: true,
      });
      const misses = world.stats().guardMisses;
      // Unseen by `world`: its remembered row is stale now.
      expect(await other.append({ runId: id, expectedSeq: 2, events: [event(2)] })).toMatchObject({
        ok: true,
      });
      // Checked against the stale row this would pass (expectedSeq 2) and fork the log; the guard stops it.
      expect(await world.append({ runId: id, expectedSeq: 2, events: [event(3)] })).toEqual({
        ok: false,
        reason: "conflict",
        lastSeq: 3,
      });
      expect(world.stats().guardMisses).toBe(misses + 1);
      // Read afresh, it is remembered again: the next append is guarded and passes.
      expect(await world.append({ runId: id, expectedSeq: 3, events: [event(4)] })).toMatchObject({
        ok: true,
        firstSeq: 4,
      });
      expect(world.stats().guardMisses).toBe(misses + 1);
      // The other instance ended the run: a remembered "running" row must not hide it.
      expect(
        await other.append({ runId: id, events: [], run: { status: "cancelled", completedAt: Date.now() } }),
      ).toMatchObject({ ok: true });
      expect(await world.append({ runId: id, events: [event(5)] })).toEqual({
        ok: false,
        reason: "run_ended",
        status: "cancelled",
      });
      expect((await world.readEvents(id)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    } finally {
      await other.close();
    }
  });

  it("a dedupe key recorded by another instance is refused as a duplicate, not lost", async () => {
    const other = await openPostgresWorld(db.url);
    try {
      const id = await created();
      expect(await world.append({ runId: id, events: [], dedupeKeys: ["a"] })).toMatchObject({ ok: true });
      expect(await other.append({ runId: id, events: [], dedupeKeys: ["b"] })).toMatchObject({ ok: true });
      // `world`'s row is unchanged by `other` (no events, no fields): only the key's index can tell.
      expect(await world.append({ runId: id, events: [], dedupeKeys: ["b"] })).toEqual({
        ok: false,
        reason: "duplicate",
        key: "b",
      });
      expect(await world.append({ runId: id, events: [], dedupeKeys: ["a"] })).toEqual({
        ok: false,
        reason: "duplicate",
        key: "a",
      });
    } finally {
      await other.close();
    }
  });

  it("a batch waiting on a run does not hold up other runs' writes, nor lets that run's next write past it", async () => {
    const slow = await created(world);
    const quick = await created(world);
    const event = (n: number) => ({
      v: 1 as const,
      type: "sleep_scheduled" as const,
      opId: opId(n),
      wakeAt: 0,
      at: n,
    });
    // Another session holds the slow run's row: the batch appending to it waits for the lock.
    const admin = postgres(db.url, { max: 1, onnotice: () => {} });
    const holder = await admin.reserve();
    try {
      await holder`BEGIN`;
      await holder`SELECT 1 FROM wfkit.runs WHERE run_id = ${slow} FOR UPDATE`;
      const first = world.append({ runId: slow, expectedSeq: 1, events: [event(1)] });
      await waitFor("the batch to wait for the row lock", async () => {
        const [row] = await holder<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock'`;
        return row.n > 0;
      });
      // Behind the first in its run: checked against the row the first leaves, so it must wait for it.
      const second = world.append({ runId: slow, expectedSeq: 2, events: [event(2)] });
      // Another run commits meanwhile, in a batch of its own.
      expect(await world.append({ runId: quick, expectedSeq: 1, events: [event(1)] })).toMatchObject({
        ok: true,
      });
      await holder`COMMIT`;
      expect(await first).toMatchObject({ ok: true, firstSeq: 2 });
      expect(await second).toMatchObject({ ok: true, firstSeq: 3 });
    } finally {
      await holder`ROLLBACK`.catch(() => {});
      holder.release();
      await admin.end();
    }
  });
});
