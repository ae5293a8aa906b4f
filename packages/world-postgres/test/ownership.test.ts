// Run ownership on the PostgreSQL World (src/ownership.ts): a run created while a
// runtime listens is held by its creator, and another instance's append to it waits
// until the holder releases it, or is found dead.
import { startChild, waitFor } from "@wfkit/testing-kit";
import { opId, type RunId, runId } from "@wfkit/world";
import postgres from "postgres";
import { describe, expect, it } from "vitest";
import { openPostgresWorld } from "../src/index.js";
import { DIST, sharedDatabase } from "./shared-database.js";

const db = sharedDatabase("ownership", "own");
const { open, created } = db;

const sleepEvent = (i: number) => ({
  v: 1 as const,
  type: "sleep_scheduled" as const,
  opId: opId(i),
  wakeAt: 0,
  at: i,
});

/** A promise's outcome as it is now, without waiting for it. */
function watch<T>(promise: Promise<T>): { settled: () => boolean } {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  return { settled: () => settled };
}

describe("run ownership on PostgreSQL", () => {
  it("a run created with nobody listening is held by nobody: others append at once", async () => {
    const [a, b] = [await open(), await open()];
    const id = await created(a);
    expect(a.ownership.holds(id)).toBe(false);
    expect(await b.append({ runId: id, expectedSeq: 1, events: [sleepEvent(1)] })).toMatchObject({
      ok: true,
    });
  });

  it("another instance's append to a held run waits until the holder releases it, then sees its appends", async () => {
    const [a, b] = [await open(), await open()];
    const wanted: RunId[] = [];
    const stop = a.ownership.onWanted((id) => wanted.push(id));
    try {
      const id = await created(a);
      expect(a.ownership.holds(id)).toBe(true);
      const fromB = b.append({ runId: id, expectedSeq: 1, events: [sleepEvent(1)] });
      const watched = watch(fromB);
      await waitFor("the holder to be asked for the run", () => wanted.includes(id));
      expect(a.ownership.holds(id)).toBe(false);
      // The holder finishes what it was doing before it lets go; B's append is not in yet.
      expect(await a.append({ runId: id, expectedSeq: 1, events: [sleepEvent(2)] })).toMatchObject({
        ok: true,
        lastSeq: 2,
      });
      expect(watched.settled()).toBe(false);
      await a.ownership.release(id);
      // Read afresh after the release: B's append meets the holder's.
      expect(await fromB).toEqual({ ok: false, reason: "conflict", lastSeq: 2 });
      expect(await b.append({ runId: id, expectedSeq: 2, events: [sleepEvent(3)] })).toMatchObject({
        ok: true,
      });
    } finally {
      stop();
    }
  });

  it("with several listeners (runtimes) on the holder, the run is let go once each released it", async () => {
    const [a, b] = [await open(), await open()];
    const released: string[] = [];
    const asked: string[] = [];
    const stopFirst = a.ownership.onWanted(
      (id) => void a.ownership.release(id).then(() => released.push(id)),
    );
    const stopSecond = a.ownership.onWanted((id) => asked.push(id));
    const sql = postgres(db.url, { max: 1, onnotice: () => {} });
    try {
      const id = await created(a);
      const fromB = watch(b.append({ runId: id, expectedSeq: 1, events: [sleepEvent(1)] }));
      await waitFor("the first listener to have released", () => released.includes(id));
      expect(asked).toContain(id);
      const [row] = await sql`SELECT owner FROM wfkit.runs WHERE run_id = ${id}`;
      expect(row.owner).toBe(a.instanceId);
      expect(fromB.settled()).toBe(false);
      // Each ask (repeated every 250 ms) owes one release from the second listener.
      while (!fromB.settled()) {
        if (asked.length > 0) await a.ownership.release(asked.shift() as RunId);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      expect(await b.readEvents(id)).toHaveLength(2);
    } finally {
      stopFirst();
      stopSecond();
      await sql.end();
    }
  });

  it("a later append of the run waits behind the held-back one, in order", async () => {
    const [a, b] = [await open(), await open()];
    const stop = a.ownership.onWanted((id) => void a.ownership.release(id));
    try {
      const id = await created(a);
      const results = await Promise.all(
        [1, 2, 3].map((i) => b.append({ runId: id, events: [sleepEvent(i)] })),
      );
      expect(results.map((r) => r.ok && r.lastSeq)).toEqual([2, 3, 4]);
      expect((await b.readEvents(id)).map((e) => e.type === "sleep_scheduled" && e.opId)).toEqual([
        false,
        1,
        2,
        3,
      ]);
    } finally {
      stop();
    }
  });

  it("a run held by a process that died takes appends once its liveness runs out", async () => {
    const b = await open();
    // The child holds a run, never lets go when asked, and is killed without closing its World.
    const child = startChild([
      "--input-type=module",
      "-e",
      `const m = await import(${JSON.stringify(DIST)});
      const w = await m.openPostgresWorld({ url: ${JSON.stringify(db.url)}, heartbeatMs: 100, instanceTtlMs: 500 });
      w.ownership.onWanted((id) => console.log("wanted " + id));
      const id = "wrun_own_child_${process.pid}";
      await w.createRun({ runId: id, workflowId: "wf", input: "[]", at: Date.now() });
      console.log("held " + id + " " + w.ownership.holds(id));
      setInterval(() => {}, 1000);`,
    ]);
    try {
      const [, id, holds] = await child.waitForOutput(/held (\S+) (\w+)/, 20_000);
      expect(holds).toBe("true");
      const fromB = watch(b.append({ runId: runId(id), expectedSeq: 1, events: [sleepEvent(1)] }));
      await child.waitForOutput(new RegExp(`wanted ${id}`), 20_000);
      expect(fromB.settled()).toBe(false);
      await child.stop("SIGKILL");
      await waitFor("the append to go in once the holder is found dead", () => fromB.settled());
      expect(await b.readEvents(id)).toHaveLength(2);
    } finally {
      await child.stop("SIGKILL");
    }
  });

  it("an instance found dead while it stalled holds none of its runs any more once it beats again", async () => {
    const a = await open({ heartbeatMs: 50 });
    const stop = a.ownership.onWanted(() => {});
    try {
      const id = await created(a);
      expect(a.ownership.holds(id)).toBe(true);
      // What another instance's sweep does to one whose liveness ran out.
      const sql = postgres(db.url, { max: 1, onnotice: () => {} });
      try {
        await sql`DELETE FROM wfkit.instances WHERE id = ${a.instanceId}`;
        await waitFor("the instance to register again", async () => {
          const rows = await sql`SELECT 1 FROM wfkit.instances WHERE id = ${a.instanceId}`;
          return rows.length > 0;
        });
      } finally {
        await sql.end();
      }
      expect(a.ownership.holds(id)).toBe(false);
    } finally {
      stop();
    }
  });

  it("a holder that closes lets go of its runs", async () => {
    const b = await open();
    const a = await openPostgresWorld({ url: db.url });
    a.ownership.onWanted(() => {});
    const id = await created(a);
    const fromB = b.append({ runId: id, expectedSeq: 1, events: [sleepEvent(1)] });
    await a.close();
    expect(await fromB).toMatchObject({ ok: true, lastSeq: 2 });
  });
});
