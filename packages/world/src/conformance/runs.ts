import { describe, expect, it } from "vitest";
import { opId } from "../ids.js";
import type { ConformanceContext } from "./context.js";
import { createRun, ev, expectOk, newRunId } from "./context.js";

/** createRun, getRun, listRuns and the run fields an append sets. */
export function describeRuns(ctx: ConformanceContext): void {
  describe("runs", () => {
    it("createRun starts a pending run whose log holds run_created at seq 1", async () => {
      const runId = newRunId();
      const result = await ctx.world.createRun({
        runId,
        workflowId: "wf_orders",
        input: '[["order-42"]]',
        idempotencyKey: `key-${runId}`,
        at: 1_234,
      });
      expect(result).toEqual({
        created: true,
        messages: [],
        run: {
          runId,
          workflowId: "wf_orders",
          status: "pending",
          input: '[["order-42"]]',
          idempotencyKey: `key-${runId}`,
          createdAt: 1_234,
          lastSeq: 1,
        },
      });
      expect(await ctx.world.getRun(runId)).toEqual(result.run);
      expect(await ctx.world.readEvents(runId)).toEqual([
        { v: 1, type: "run_created", workflowId: "wf_orders", input: '[["order-42"]]', seq: 1, at: 1_234 },
      ]);
    });

    it("createRun stores parentRunId on the record, and a run ending keeps the messages it enqueued for another run", async () => {
      const parent = await createRun(ctx.world);
      const child = await createRun(ctx.world, { parentRunId: parent.runId });
      expect(child.parentRunId).toBe(parent.runId);
      expect((await ctx.world.getRun(child.runId))?.parentRunId).toBe(parent.runId);
      expect((await ctx.world.getRun(parent.runId))?.parentRunId).toBeUndefined();
      // A child's end is handed to its parent by a message committed with the child's last append.
      const ended = expectOk(
        await ctx.world.append({
          runId: child.runId,
          events: [{ v: 1, type: "run_completed", output: "1", at: 2_000 }],
          run: { status: "completed", output: "1", completedAt: 2_000 },
          enqueue: [{ runId: parent.runId, kind: "child", payload: '{"ended":"x"}', availableAt: 0 }],
        }),
      );
      expect(ended.messages).toEqual([
        {
          id: expect.any(String),
          runId: parent.runId,
          kind: "child",
          payload: '{"ended":"x"}',
          availableAt: 0,
        },
      ]);
      expect(await ctx.world.claim({ limit: 5, now: 1, leaseMs: 10, kinds: ["child"] })).toEqual(
        ended.messages,
      );
    });

    it("createRun commits its enqueue messages with the run and returns them with ids", async () => {
      const runId = newRunId();
      const result = await ctx.world.createRun({
        runId,
        workflowId: "wf",
        input: "[]",
        at: 10,
        enqueue: [
          { runId, kind: "timer", opId: opId(9), availableAt: 10, dedupeKey: "wake" },
          { runId, kind: "step", opId: opId(3), attempt: 2, payload: "p", availableAt: 20 },
        ],
      });
      expect(result.created).toBe(true);
      expect(result.messages).toEqual([
        { id: expect.any(String), runId, kind: "timer", opId: opId(9), availableAt: 10, dedupeKey: "wake" },
        {
          id: expect.any(String),
          runId,
          kind: "step",
          opId: opId(3),
          attempt: 2,
          payload: "p",
          availableAt: 20,
        },
      ]);
      expect(result.messages[0].id).not.toBe(result.messages[1].id);
      const claimed = await ctx.world.claim({ limit: 10, now: 20, leaseMs: 1_000 });
      expect(claimed).toEqual(result.messages);
    });

    it("createRun stores the trace context given in run_created, as it is", async () => {
      const runId = newRunId();
      const traceContext = {
        traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        tracestate: "vendor=a,other=b",
      };
      await ctx.world.createRun({ runId, workflowId: "wf_traced", input: "[]", at: 1_000, traceContext });
      const [created] = await ctx.world.readEvents(runId);
      expect(created).toEqual({
        v: 1,
        type: "run_created",
        workflowId: "wf_traced",
        input: "[]",
        traceContext,
        seq: 1,
        at: 1_000,
      });
    });

    it("createRun applies firstTurn in the same transaction, right after run_created", async () => {
      const runId = newRunId();
      const result = await ctx.world.createRun({
        runId,
        workflowId: "wf",
        input: "[]",
        at: 10,
        firstTurn: {
          events: [
            { v: 1, type: "step_scheduled", opId: opId(1), stepId: "step//a//b", input: "j[]", at: 11 },
          ],
          run: { status: "running", startedAt: 11 },
          enqueue: [{ runId, kind: "step", opId: opId(1), attempt: 1, payload: "p", leased: true }],
        },
      });
      expect(result.created).toBe(true);
      if (!result.created) return;
      expect(result.run).toMatchObject({ status: "running", startedAt: 11, lastSeq: 2 });
      expect(result.run).toEqual(await ctx.world.getRun(runId));
      expect(result.turn).toMatchObject({
        ok: true,
        firstSeq: 2,
        lastSeq: 2,
        messages: [{ kind: "step", opId: opId(1), attempt: 1, payload: "p" }],
      });
      expect((await ctx.world.readEvents(runId)).map((e) => [e.seq, e.type])).toEqual([
        [1, "run_created"],
        [2, "step_scheduled"],
      ]);
      // The idempotency path writes neither the run nor its first turn.
      const again = await ctx.world.createRun({
        runId: newRunId(),
        workflowId: "wf",
        input: "[]",
        at: 12,
        idempotencyKey: `k-${runId}`,
      });
      const dup = await ctx.world.createRun({
        runId: newRunId(),
        workflowId: "wf",
        input: "[]",
        at: 13,
        idempotencyKey: `k-${runId}`,
        firstTurn: { events: [{ v: 1, type: "sleep_scheduled", opId: opId(1), wakeAt: 99, at: 13 }] },
      });
      expect(dup.created).toBe(false);
      expect((await ctx.world.readEvents(again.run.runId)).map((e) => e.type)).toEqual(["run_created"]);
    });

    it("createRun returns the run as its firstTurn left it, an ending one too", async () => {
      const runId = newRunId();
      const result = await ctx.world.createRun({
        runId,
        workflowId: "wf",
        input: "j[1]",
        at: 20,
        idempotencyKey: `ends-${runId}`,
        firstTurn: {
          events: [{ v: 1, type: "run_completed", output: "j2", at: 21 }],
          run: { status: "completed", output: "j2", startedAt: 21, completedAt: 21 },
        },
      });
      expect(result.created).toBe(true);
      expect(result.run).toMatchObject({ status: "completed", output: "j2", completedAt: 21, lastSeq: 2 });
      expect(result.run).toEqual(await ctx.world.getRun(runId));
    });

    it("a message without availableAt is due at the World's clock when it is inserted", async () => {
      const runId = newRunId();
      const before = Date.now();
      const result = await ctx.world.createRun({
        runId,
        workflowId: "wf",
        input: "[]",
        at: 1,
        enqueue: [{ runId, kind: "timer", opId: opId(9) }],
      });
      const after = Date.now();
      const [message] = result.messages;
      expect(message.availableAt).toBeGreaterThanOrEqual(before);
      expect(message.availableAt).toBeLessThanOrEqual(after);
      expect(await ctx.world.claim({ limit: 10, now: after, leaseMs: 1_000 })).toEqual([message]);
    });

    it("createRun with a used idempotency key writes nothing and returns the existing run", async () => {
      const first = await createRun(ctx.world, { idempotencyKey: "order-42" });
      expectOk(await ctx.world.append({ runId: first.runId, events: [ev.scheduled(1, 2_000)] }));

      const otherId = newRunId();
      const second = await ctx.world.createRun({
        runId: otherId,
        workflowId: "wf_other",
        input: '["different"]',
        idempotencyKey: "order-42",
        at: 5_000,
        enqueue: [{ runId: otherId, kind: "timer", opId: opId(9), availableAt: 0 }],
      });
      expect(second).toEqual({ created: false, run: { ...first, lastSeq: 2 }, messages: [] });
      expect(await ctx.world.getRun(otherId)).toBeNull();
      expect(await ctx.world.readEvents(otherId)).toEqual([]);
      expect(await ctx.world.claim({ limit: 10, now: 10_000, leaseMs: 1_000 })).toEqual([]);
      expect(await ctx.world.listRuns()).toHaveLength(1);
    });

    it("an idempotency key keeps returning its run after the run ended", async () => {
      const run = await createRun(ctx.world, { idempotencyKey: "k" });
      expectOk(await ctx.world.append({ runId: run.runId, events: [], run: { status: "completed" } }));
      const again = await ctx.world.createRun({
        runId: newRunId(),
        workflowId: "wf",
        input: "[]",
        at: 9,
        idempotencyKey: "k",
      });
      expect(again.created).toBe(false);
      expect(again.run).toMatchObject({ runId: run.runId, status: "completed" });
    });

    it("concurrent createRun calls with one idempotency key create exactly one run", async () => {
      const ids = Array.from({ length: 25 }, () => newRunId("idem"));
      const results = await Promise.all(
        ids.map((runId, i) =>
          ctx.world.createRun({
            runId,
            workflowId: "wf",
            input: "[]",
            at: i,
            idempotencyKey: "same",
            enqueue: [{ runId, kind: "timer", opId: opId(9), availableAt: 0 }],
          }),
        ),
      );
      const created = results.filter((r) => r.created);
      expect(created).toHaveLength(1);
      const winner = created[0].run.runId;
      for (const r of results) expect(r.run.runId).toBe(winner);
      expect((await ctx.world.listRuns()).map((r) => r.runId)).toEqual([winner]);
      const claimed = await ctx.world.claim({ limit: 100, now: 1, leaseMs: 1_000 });
      expect(claimed.map((m) => m.runId)).toEqual([winner]);
    });

    it("runs without idempotency keys never collide", async () => {
      await createRun(ctx.world);
      await createRun(ctx.world);
      expect(await ctx.world.listRuns()).toHaveLength(2);
    });

    it("createRun rejects a runId that already exists and leaves that run alone", async () => {
      const run = await createRun(ctx.world, { input: '["original"]' });
      await expect(
        ctx.world.createRun({ runId: run.runId, workflowId: "wf", input: '["again"]', at: 2 }),
      ).rejects.toThrow();
      expect(await ctx.world.getRun(run.runId)).toEqual(run);
      expect(await ctx.world.readEvents(run.runId)).toHaveLength(1);
    });

    it("getRun of an unknown run is null", async () => {
      expect(await ctx.world.getRun("wrun_missing")).toBeNull();
    });

    it("an append sets only the run fields it gives", async () => {
      const run = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [ev.scheduled(1, 5)],
          run: { status: "running", startedAt: 5 },
        }),
      );
      expect(await ctx.world.getRun(run.runId)).toEqual({
        ...run,
        status: "running",
        startedAt: 5,
        lastSeq: 2,
      });

      expectOk(await ctx.world.append({ runId: run.runId, events: [], run: { error: "transient" } }));
      expect(await ctx.world.getRun(run.runId)).toEqual({
        ...run,
        status: "running",
        startedAt: 5,
        error: "transient",
        lastSeq: 2,
      });

      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [ev.runCompleted(9, '"done"')],
          run: { status: "completed", output: '"done"', completedAt: 9 },
        }),
      );
      expect(await ctx.world.getRun(run.runId)).toEqual({
        ...run,
        status: "completed",
        startedAt: 5,
        completedAt: 9,
        output: '"done"',
        error: "transient",
        lastSeq: 3,
      });
    });

    it("listRuns returns runs newest first, filtered by status and limited", async () => {
      const a = await createRun(ctx.world, { at: 300 });
      const b = await createRun(ctx.world, { at: 100 });
      const c = await createRun(ctx.world, { at: 200 });
      expectOk(await ctx.world.append({ runId: b.runId, events: [], run: { status: "running" } }));
      expectOk(await ctx.world.append({ runId: c.runId, events: [], run: { status: "failed", error: "e" } }));

      const ids = (runs: { runId: string }[]) => runs.map((r) => r.runId);
      expect(ids(await ctx.world.listRuns())).toEqual([a.runId, c.runId, b.runId]);
      expect(ids(await ctx.world.listRuns({ limit: 2 }))).toEqual([a.runId, c.runId]);
      expect(ids(await ctx.world.listRuns({ status: ["running", "failed"] }))).toEqual([c.runId, b.runId]);
      expect(ids(await ctx.world.listRuns({ status: ["pending"] }))).toEqual([a.runId]);
      expect(ids(await ctx.world.listRuns({ status: ["completed"] }))).toEqual([]);
      expect(await ctx.world.listRuns({ status: ["failed"] })).toEqual([
        { ...c, status: "failed", error: "e" },
      ]);
    });

    it("listRuns filters by workflow and creation time, and pages newest first with `before`", async () => {
      const wf = `wf_list_${newRunId()}`;
      // Two runs share a millisecond: the larger run id comes first.
      const r1 = await createRun(ctx.world, { workflowId: wf, at: 10, runId: newRunId("list_a") });
      const r2 = await createRun(ctx.world, { workflowId: wf, at: 20, runId: newRunId("list_b") });
      const r3 = await createRun(ctx.world, { workflowId: wf, at: 20, runId: newRunId("list_c") });
      const r4 = await createRun(ctx.world, { workflowId: wf, at: 30, runId: newRunId("list_d") });
      await createRun(ctx.world, { workflowId: `${wf}_other`, at: 25 });
      expectOk(await ctx.world.append({ runId: r2.runId, events: [], run: { status: "completed" } }));

      const ids = (runs: { runId: string }[]) => runs.map((r) => r.runId);
      const mine = { workflowId: wf };
      expect(ids(await ctx.world.listRuns(mine))).toEqual([r4.runId, r3.runId, r2.runId, r1.runId]);
      expect(ids(await ctx.world.listRuns({ ...mine, createdFrom: 20, createdUntil: 30 }))).toEqual([
        r3.runId,
        r2.runId,
      ]);
      expect(ids(await ctx.world.listRuns({ ...mine, status: ["completed"] }))).toEqual([r2.runId]);
      expect(ids(await ctx.world.listRuns({ ...mine, status: ["pending", "completed"], limit: 2 }))).toEqual([
        r4.runId,
        r3.runId,
      ]);

      // Page through two at a time: each page continues after the last run of the one before.
      const page1 = await ctx.world.listRuns({ ...mine, limit: 2 });
      const page2 = await ctx.world.listRuns({ ...mine, limit: 2, before: page1[1] });
      const page3 = await ctx.world.listRuns({ ...mine, limit: 2, before: page2[1] });
      expect(ids(page1)).toEqual([r4.runId, r3.runId]);
      expect(ids(page2)).toEqual([r2.runId, r1.runId]);
      expect(page3).toEqual([]);
      // A cursor whose run is gone still pages by its position.
      expect(ids(await ctx.world.listRuns({ ...mine, before: { createdAt: 20, runId: "wrun_" } }))).toEqual([
        r1.runId,
      ]);
    });
  });
}
