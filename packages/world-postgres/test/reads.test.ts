// Reads of the PostgreSQL World that the conformance suite cannot see: coalesced
// getRun, undecodable events, and an instance's liveness after a stall.
import { createTestDatabase, type TestDatabase, waitFor } from "@wfkit/testing-kit";
import { runId } from "@wfkit/world";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPostgresWorld, type PostgresWorld } from "../src/index.js";
import { RunReads } from "../src/run-reads.js";

let db: TestDatabase;
let admin: postgres.Sql;
const opened: PostgresWorld[] = [];
let counter = 0;

beforeAll(async () => {
  db = await createTestDatabase("reads");
  admin = postgres(db.url, { max: 1, onnotice: () => {} });
});
afterAll(async () => {
  await Promise.all(opened.map((w) => w.close().catch(() => {})));
  await admin?.end();
  await db?.drop();
});

async function open(options: { heartbeatMs?: number } = {}): Promise<PostgresWorld> {
  const world = await openPostgresWorld({ url: db.url, ...options });
  opened.push(world);
  return world;
}

async function created(world: PostgresWorld, workflowId = "wf") {
  const id = runId(`wrun_reads_${process.pid}_${++counter}`);
  await world.createRun({ runId: id, workflowId, input: "[]", at: Date.now() });
  return id;
}

describe("PostgreSQL World reads", () => {
  it("getRun calls made together are answered from one read, each with its own run (or null)", async () => {
    const world = await open();
    const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => created(world, `wf-${i}`)));
    const asked = [...ids, runId("wrun_reads_missing"), ids[3]!];
    // The reads go through the World's pool; count the statements the coalescer sends.
    const sql = postgres(db.url, { max: 2, onnotice: () => {} });
    let statements = 0;
    const counting = ((strings: TemplateStringsArray, ...values: unknown[]) => {
      statements += 1;
      return sql(strings, ...(values as never[]));
    }) as unknown as ConstructorParameters<typeof RunReads>[0];
    try {
      const reads = new RunReads(counting);
      const runs = await Promise.all(asked.map((id) => reads.get(id)));
      expect(statements).toBe(1);
      expect(runs.slice(0, 50).map((r) => r?.workflowId)).toEqual(ids.map((_, i) => `wf-${i}`));
      expect(runs.slice(0, 50).map((r) => r?.runId)).toEqual(ids);
      expect(runs[50]).toBeNull();
      expect(runs[51]).toMatchObject({ runId: ids[3], workflowId: "wf-3" });
      // A call on its own later is a read of its own.
      expect(await reads.get(ids[7]!)).toMatchObject({ runId: ids[7], workflowId: "wf-7" });
      expect(statements).toBe(2);
    } finally {
      await sql.end();
    }
    // The World answers the same through it.
    expect((await Promise.all(asked.map((id) => world.getRun(id)))).map((r) => r?.runId ?? null)).toEqual([
      ...ids,
      null,
      ids[3],
    ]);
  });

  it("readEvents throws WF_W004 naming the run and position of an event that is not JSON", async () => {
    const world = await open();
    const id = await created(world);
    await world.append({
      runId: id,
      events: [{ v: 1, type: "sleep_scheduled", opId: 1 as never, wakeAt: 0, at: 1 }],
    });
    await admin`UPDATE wfkit.events SET body = '}{not json' WHERE run_id = ${id} AND seq = 2`;
    await expect(world.readEvents(id)).rejects.toMatchObject({
      code: "WF_W004_EVENT_UNREADABLE",
      runId: id,
      seq: 2,
    });
    await admin`UPDATE wfkit.events SET body = '[1,2]' WHERE run_id = ${id} AND seq = 2`;
    await expect(world.readEvents(id, 1)).rejects.toMatchObject({ code: "WF_W004_EVENT_UNREADABLE", seq: 2 });
    // The World itself stays usable: other reads work.
    expect(await world.getRun(id)).toMatchObject({ runId: id, lastSeq: 2 });
    expect(await world.readEvents(await created(world))).toHaveLength(1);
  });

  it("an instance another process counted as dead registers again on its next heartbeat", async () => {
    const world = await open({ heartbeatMs: 50 });
    // What a sweep does to an instance that stopped renewing (here: it only looked stalled).
    await admin`DELETE FROM wfkit.instances WHERE id = ${world.instanceId}`;
    await waitFor("the instance to be registered again", async () => {
      const rows = await admin`SELECT alive_until FROM wfkit.instances WHERE id = ${world.instanceId}`;
      return rows.length === 1 && Number(rows[0]!.alive_until) > Date.now();
    });
  });
});
