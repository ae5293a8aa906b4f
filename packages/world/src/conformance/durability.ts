import { describe, expect, it } from "vitest";
import { opId, runId } from "../ids.js";
import type { ConformanceContext } from "./context.js";
import { createRun, ev, expectOk } from "./context.js";

/** Close and reopen: everything committed is still there. Skipped without `reopen`. */
export function describeDurability(ctx: ConformanceContext): void {
  describe("durability", () => {
    it("runs, events, hooks, dedupe and idempotency keys survive a reopen", async ({ skip }) => {
      if (!ctx.canReopen) skip();
      const run = await createRun(ctx.world, { idempotencyKey: "idem", input: '["in"]' });
      const ended = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [ev.scheduled(1, 10, "a\u0000b"), ev.sleep(2, 11, 500)],
          run: { status: "running", startedAt: 10 },
          hooks: {
            create: [{ token: "tok", opId: opId(3), kind: "webhook", metadata: "m", respondWith: "manual" }],
          },
          dedupeKeys: ["step:1"],
        }),
      );
      expectOk(
        await ctx.world.append({
          runId: ended.runId,
          events: [ev.runCompleted(3)],
          run: { status: "completed" },
        }),
      );
      const before = {
        run: await ctx.world.getRun(run.runId),
        events: await ctx.world.readEvents(run.runId),
        hook: await ctx.world.getHook("tok"),
        runs: await ctx.world.listRuns(),
      };

      const world = await ctx.reopen();
      expect(await world.getRun(run.runId)).toEqual(before.run);
      expect(await world.readEvents(run.runId)).toEqual(before.events);
      expect(await world.getHook("tok")).toEqual(before.hook);
      expect(await world.listHooks({ runId: run.runId })).toEqual([before.hook]);
      expect(await world.listRuns()).toEqual(before.runs);
      expect(await world.append({ runId: run.runId, events: [], dedupeKeys: ["step:1"] })).toEqual({
        ok: false,
        reason: "duplicate",
        key: "step:1",
      });
      const again = await world.createRun({
        runId: runId("wrun_other"),
        workflowId: "wf",
        input: "[]",
        at: 1,
        idempotencyKey: "idem",
      });
      expect(again).toMatchObject({ created: false, run: { runId: run.runId } });
      expect(await world.append({ runId: ended.runId, events: [] })).toEqual({
        ok: false,
        reason: "run_ended",
        status: "completed",
      });
      // The log continues where it stopped.
      expect(expectOk(await world.append({ runId: run.runId, events: [ev.completed(1, 20)] })).firstSeq).toBe(
        4,
      );
    });

    it("committed messages are claimable again after a reopen; acked ones are gone", async ({ skip }) => {
      if (!ctx.canReopen) skip();
      const run = await createRun(ctx.world);
      const { messages } = expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [],
          enqueue: [
            { runId: run.runId, kind: "timer", opId: opId(9), availableAt: 0, dedupeKey: "wake" },
            {
              runId: run.runId,
              kind: "step",
              opId: opId(1),
              attempt: 1,
              payload: "p",
              availableAt: 1,
              leased: true,
            },
            { runId: run.runId, kind: "step", opId: opId(2), attempt: 1, payload: "p", availableAt: 2 },
            { runId: run.runId, kind: "timer", opId: opId(3), availableAt: 3 },
          ],
        }),
      );
      // Claimed by the instance that is about to go away, with a lease far longer than the test.
      const claimed = await ctx.world.claim({ limit: 1, now: 0, leaseMs: 3_600_000 });
      expect(claimed).toEqual([messages[0]]);
      await ctx.world.ack([messages[2].id]);

      const world = await ctx.reopen();
      expect(await world.nextAvailableAt()).toBe(0);
      expect(await world.claim({ limit: 10, now: 5, leaseMs: 1_000 })).toEqual([
        messages[0],
        messages[1],
        messages[3],
      ]);
      // Dedupe of pending messages still holds across the reopen.
      expect(
        expectOk(
          await world.append({
            runId: run.runId,
            events: [],
            enqueue: [{ runId: run.runId, kind: "timer", opId: opId(9), availableAt: 9, dedupeKey: "wake" }],
          }),
        ).messages,
      ).toEqual([]);
    });

    it("deliveries (with their responses) and released hooks survive a reopen", async ({ skip }) => {
      if (!ctx.canReopen) skip();
      const run = await createRun(ctx.world);
      const delivery = { token: "wh", id: "msg_1", requestId: "req_1", expiresAt: Date.now() + 3_600_000 };
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [{ v: 1, type: "hook_received", opId: opId(1), payload: "p", requestId: "req_1", at: 5 }],
          hooks: { create: [{ token: "wh", opId: opId(1), kind: "webhook", respondWith: "manual" }] },
          deliveries: [delivery],
        }),
      );
      await ctx.world.putResponse("req_1", "answer");
      expectOk(await ctx.world.append({ runId: run.runId, events: [], hooks: { release: ["wh"] } }));
      const before = {
        delivery: await ctx.world.getDelivery("wh", "msg_1"),
        released: await ctx.world.getReleasedHook("wh"),
      };
      expect(before.delivery).toMatchObject({ response: "answer" });
      expect(before.released).toMatchObject({ reason: "disposed" });

      const world = await ctx.reopen();
      expect(await world.getDelivery("wh", "msg_1")).toEqual(before.delivery);
      expect(await world.getReleasedHook("wh")).toEqual(before.released);
      expect(await world.append({ runId: run.runId, events: [], deliveries: [delivery] })).toEqual({
        ok: false,
        reason: "duplicate_delivery",
        token: "wh",
        id: "msg_1",
      });
    });

    it("appends made just before close are all committed", async ({ skip }) => {
      if (!ctx.canReopen) skip();
      const runs = await Promise.all(Array.from({ length: 50 }, () => createRun(ctx.world)));
      const results = await Promise.all(
        runs.map((run) => ctx.world.append({ runId: run.runId, events: [ev.scheduled(1, 1)] })),
      );
      // Not awaited: close must wait for writes that are still pending.
      const late = runs.map((run) => ctx.world.append({ runId: run.runId, events: [ev.scheduled(2, 2)] }));
      const world = await ctx.reopen();
      for (const r of [...results, ...(await Promise.all(late))]) expectOk(r);
      for (const run of runs) {
        expect((await world.readEvents(run.runId)).map((e) => e.seq)).toEqual([1, 2, 3]);
      }
    });
  });
}
