import { describe, expect, it } from "vitest";
import { defineWorldConformance } from "../conformance/index.js";
import { opId, runId } from "../ids.js";
import { sharedMemoryWorld } from "./index.js";

// One connection of a shared store passes the same suite as a plain memory World.
defineWorldConformance("memory (shared, one connection)", async () => ({
  world: sharedMemoryWorld().connect(),
  cleanup: async () => {},
}));

describe("a shared memory World seen by two connections", () => {
  async function twoProcesses() {
    const shared = sharedMemoryWorld();
    const a = shared.connect();
    const b = shared.connect();
    const id = runId("wrun_shared");
    await a.createRun({ runId: id, workflowId: "wf", input: "[]", at: 0 });
    return { a, b, id };
  }

  it("is not single-process, and both see one store: runs, appends, claims", async () => {
    const { a, b, id } = await twoProcesses();
    expect(a.singleProcess).toBe(false);
    const appended = await b.append({
      runId: id,
      expectedSeq: 1,
      events: [],
      enqueue: [{ runId: id, kind: "timer", opId: opId(1), availableAt: 0 }],
    });
    expect(appended.ok).toBe(true);
    expect((await a.getRun(id))?.lastSeq).toBe(1);
    expect(await a.claim({ limit: 5, now: 1, leaseMs: 1_000 })).toHaveLength(1);
    expect(await b.claim({ limit: 5, now: 1, leaseMs: 1_000 })).toEqual([]);
  });

  it("a message inserted leased without leaseMs is not held forever", async () => {
    const { a, b, id } = await twoProcesses();
    await a.append({
      runId: id,
      events: [],
      enqueue: [{ runId: id, kind: "turn", leased: true }],
    });
    expect(await b.claim({ limit: 5, now: Date.now(), leaseMs: 10 })).toEqual([]);
    expect(await b.claim({ limit: 5, now: Date.now() + 61_000, leaseMs: 10 })).toHaveLength(1);
  });

  it("a response put by one connection reaches the waiter of the other; work and chunks are heard by both", async () => {
    const { a, b, id } = await twoProcesses();
    const waiting = a.awaitResponse("req-1", 5_000);
    await b.putResponse("req-1", "answer");
    expect(await waiting).toBe("answer");
    let work = 0;
    let chunks = 0;
    a.onWork(() => work++);
    a.streams.onAppend(() => chunks++);
    await b.append({ runId: id, events: [], enqueue: [{ runId: id, kind: "timer", opId: opId(1) }] });
    await b.streams.append({ runId: id, namespace: "", chunks: [{ writer: "w", seq: 0, data: "x" }] });
    await new Promise((resolve) => setImmediate(resolve));
    expect(work).toBe(1);
    expect(chunks).toBe(1);
  });

  it("a crashed connection never answers again and hears nothing; the others go on", async () => {
    const { a, b, id } = await twoProcesses();
    let heard = 0;
    a.onWork(() => heard++);
    a.crash();
    let settled = false;
    void a.getRun(id).then(() => (settled = true));
    await b.append({ runId: id, events: [], enqueue: [{ runId: id, kind: "timer", opId: opId(1) }] });
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect(heard).toBe(0);
    expect((await b.getRun(id))?.runId).toBe(id);
  });
});
