// The PostgreSQL World shared between instances and processes: what the
// conformance suite (one instance at a time) cannot show.
import { runChildOk, startChild, waitFor } from "@wfkit/testing-kit";
import { opId } from "@wfkit/world";
import { describe, expect, it } from "vitest";
import { migratePostgres, openPostgresWorld, POSTGRES_SCHEMA_VERSION } from "../src/index.js";
import { DIST, sharedDatabase } from "./shared-database.js";

const db = sharedDatabase("processes", "proc");
const { open, created } = db;

/** Runs `body` (an async function body with `m`, the package, and `url` in scope) in a child process. */
function childScript(body: string): string[] {
  return [
    "--input-type=module",
    "-e",
    `const m = await import(${JSON.stringify(DIST)}); const url = ${JSON.stringify(db.url)};\n${body}`,
  ];
}

describe("PostgreSQL World across processes", () => {
  it("migrations are safe when many start at once, and idempotent", async () => {
    const results = await Promise.all(Array.from({ length: 5 }, () => migratePostgres(db.url)));
    // Exactly one of them applied each version; the others found the work done.
    expect(results.flatMap((r) => r.applied).sort()).toEqual(
      Array.from({ length: POSTGRES_SCHEMA_VERSION }, (_, i) => i + 1),
    );
    expect((await migratePostgres(db.url)).applied).toEqual([]);
  });

  it("a database it cannot open is a WF_W005_POSTGRES_UNAVAILABLE error that names it without the password", async () => {
    const url = new URL(db.url);
    url.password = "s3cret";
    url.pathname = "/wfkit_no_such_database";
    const failed = await openPostgresWorld(url.href).catch(
      (error: unknown) => error as Error & { code?: string },
    );
    expect(failed).toBeInstanceOf(Error);
    expect((failed as { code?: string }).code).toBe("WF_W005_POSTGRES_UNAVAILABLE");
    expect((failed as Error).message).toContain('database "wfkit_no_such_database" does not exist');
    expect((failed as Error).message).not.toContain("s3cret");
  });

  it("a manual webhook response put by another process reaches the waiter here, once", async () => {
    const world = await open();
    const waiting = world.awaitResponse("req-cross", 30_000);
    await runChildOk(
      childScript(
        `const w = await m.openPostgresWorld(url); await w.putResponse("req-cross", "from B \\u0000!"); await w.close();`,
      ),
    );
    expect(await waiting).toBe("from B \u0000!");
    expect(await world.awaitResponse("req-cross", 20)).toBeNull();
    // Put before anyone waits: kept until a waiter (in any process) takes it.
    await runChildOk(
      childScript(
        `const w = await m.openPostgresWorld(url); await w.putResponse("req-early", "early"); await w.close();`,
      ),
    );
    expect(await world.awaitResponse("req-early", 30_000)).toBe("early");
  });

  it("onWork and stream listeners hear commits made by another instance", async () => {
    const a = await open();
    const b = await open();
    let work = 0;
    const heard: string[] = [];
    a.onWork(() => {
      work += 1;
    });
    a.streams.onAppend((e) => heard.push(`${e.runId}/${e.namespace}`));
    const id = await created(b);
    await b.append({ runId: id, events: [], enqueue: [{ runId: id, kind: "timer", opId: opId(1) }] });
    await waitFor("onWork in the other instance", () => work > 0);
    await b.streams.append({ runId: id, namespace: "logs", chunks: [{ writer: "w", seq: 0, data: "x" }] });
    await waitFor("the stream listener in the other instance", () => heard.includes(`${id}/logs`));
  });

  it("a timer another instance enqueued for later wakes this one's onWork when it is due", async () => {
    const a = await open();
    const b = await open();
    const id = await created(b);
    // Work left by the tests above is done with, so nothing else is due meanwhile.
    const leftover = await a.claim({ limit: 10_000, now: Date.now() + 3_600_000, leaseMs: 60_000 });
    await a.ack(leftover.map((m) => m.id));
    let woken = 0;
    a.onWork(() => {
      woken += 1;
    });
    const dueAt = Date.now() + 300;
    await b.append({
      runId: id,
      events: [],
      enqueue: [{ runId: id, kind: "timer", opId: opId(5), availableAt: dueAt }],
    });
    await waitFor("the announcement of the new timer", () => woken > 0);
    const announced = woken;
    await waitFor("the wake-up when the timer is due", () => woken > announced);
    // Woken because it is due: the claim (at the clock's now) returns it.
    const due = await a.claim({ limit: 100, now: Date.now(), leaseMs: 60_000 });
    expect(due.some((m) => m.runId === id && m.kind === "timer")).toBe(true);
  });

  it("optimistic concurrency holds across instances: one winner per seq, no gaps", async () => {
    const worlds = [await open(), await open(), await open()];
    const id = await created(worlds[0]);
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        worlds[i % 3].append({
          runId: id,
          expectedSeq: 1,
          events: [{ v: 1, type: "sleep_scheduled", opId: opId(i), wakeAt: 0, at: i }],
        }),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual(
      Array.from({ length: 59 }, () => ({ ok: false, reason: "conflict", lastSeq: 2 })),
    );
    expect((await worlds[1].readEvents(id)).map((e) => e.seq)).toEqual([1, 2]);
  });

  it("a hook token and a webhook delivery raced from several instances are taken exactly once", async () => {
    const worlds = [await open(), await open(), await open()];
    const runs = await Promise.all(Array.from({ length: 30 }, (_, i) => created(worlds[i % 3])));
    const hooks = await Promise.all(
      runs.map((id, i) =>
        worlds[i % 3].append({
          runId: id,
          events: [],
          hooks: { create: [{ token: "raced-token", opId: opId(1), kind: "hook" }] },
        }),
      ),
    );
    expect(hooks.filter((r) => r.ok)).toHaveLength(1);
    expect(hooks.filter((r) => !r.ok && r.reason === "hook_conflict")).toHaveLength(29);

    const expiresAt = Date.now() + 60_000;
    const deliveries = await Promise.all(
      runs.map((id, i) =>
        worlds[i % 3].append({
          runId: id,
          events: [],
          deliveries: [{ token: "wh-raced", id: "delivery-1", expiresAt }],
        }),
      ),
    );
    expect(deliveries.filter((r) => r.ok)).toHaveLength(1);
    expect(deliveries.filter((r) => !r.ok && r.reason === "duplicate_delivery")).toHaveLength(29);
  });

  it("concurrent appends share transactions (group commit)", async () => {
    const world = await open();
    const runs = await Promise.all(Array.from({ length: 200 }, () => created(world)));
    const before = world.stats();
    const results = await Promise.all(
      runs.map((id) =>
        world.append({
          runId: id,
          expectedSeq: 1,
          events: [{ v: 1, type: "sleep_scheduled", opId: opId(1), wakeAt: 0, at: 1 }],
          enqueue: [{ runId: id, kind: "step", opId: opId(1), attempt: 1, payload: "p" }],
        }),
      ),
    );
    for (const r of results) expect(r).toMatchObject({ ok: true, firstSeq: 2 });
    const after = world.stats();
    expect(after.writes - before.writes).toBe(200);
    // Submitted in one turn of the event loop: they go together, not one transaction each.
    expect(after.batches - before.batches).toBeLessThanOrEqual(2);
  });

  it("work held by a process that died is claimed by another once its liveness runs out", async () => {
    const survivor = await open({ heartbeatMs: 100 });
    const id = await created(survivor);
    // Work left by the tests above is done with.
    const leftover = await survivor.claim({ limit: 10_000, now: Date.now() + 3_600_000, leaseMs: 60_000 });
    await survivor.ack(leftover.map((m) => m.id));
    // The child holds a message (in-process dispatch) and is killed without closing its World.
    const child = startChild(
      childScript(`
        const w = await m.openPostgresWorld({ url, heartbeatMs: 100, instanceTtlMs: 500 });
        const r = await w.append({ runId: ${JSON.stringify(id)}, events: [],
          enqueue: [{ runId: ${JSON.stringify(id)}, kind: "step", opId: 1, attempt: 1, payload: "held", leased: true }] });
        console.log("held " + r.messages[0].id);
        setInterval(() => {}, 1000);`),
    );
    const [, held] = await child.waitForOutput(/held (\d+)/, 20_000);
    expect(await survivor.claim({ limit: 10, now: Date.now() + 3_600_000, leaseMs: 1_000 })).toEqual([]);
    let woken = false;
    survivor.onWork(() => {
      woken = true;
    });
    await child.stop("SIGKILL");
    const claimed = await waitFor("the dead process's message to be freed", async () => {
      const messages = await survivor.claim({ limit: 10, now: Date.now(), leaseMs: 60_000 });
      return messages.length > 0 ? messages : undefined;
    });
    expect(claimed.map((m) => m.id)).toEqual([held]);
    await waitFor("onWork to announce the freed work", () => woken);
  });
});
