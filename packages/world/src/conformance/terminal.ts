import { describe, expect, it } from "vitest";
import { opId } from "../ids.js";
import type { RunStatus } from "../runs.js";
import type { ConformanceContext } from "./context.js";
import { createRun, ev, expectFailure, expectOk } from "./context.js";

const ENDINGS = ["completed", "failed", "cancelled"] as const satisfies readonly RunStatus[];

/** A run ends exactly once; its hooks and queued work go with it. */
export function describeTerminal(ctx: ConformanceContext): void {
  describe("terminal runs", () => {
    for (const status of ENDINGS) {
      it(`nothing is appended to a ${status} run`, async () => {
        const run = await createRun(ctx.world);
        const end = expectOk(
          await ctx.world.append({
            runId: run.runId,
            events: [ev.runCompleted(5)],
            run: { status, completedAt: 5 },
          }),
        );
        const ended = { ok: false, reason: "run_ended", status };
        expect(await ctx.world.append({ runId: run.runId, events: [ev.scheduled(9, 9)] })).toEqual(ended);
        expect(await ctx.world.append({ runId: run.runId, expectedSeq: end.lastSeq, events: [] })).toEqual(
          ended,
        );
        expect(await ctx.world.append({ runId: run.runId, events: [], run: { status: "running" } })).toEqual(
          ended,
        );
        expect(
          await ctx.world.append({
            runId: run.runId,
            events: [],
            enqueue: [{ runId: run.runId, kind: "timer", opId: opId(9), availableAt: 0 }],
          }),
        ).toEqual(ended);
        expect(await ctx.world.readEvents(run.runId)).toHaveLength(2);
        expect(await ctx.world.getRun(run.runId)).toEqual({ ...run, status, completedAt: 5, lastSeq: 2 });
        expect(await ctx.world.nextAvailableAt()).toBeNull();
      });
    }

    it("ending a run releases its hooks and deletes all its queued work, even work enqueued by the same request", async () => {
      const run = await createRun(ctx.world);
      const bystander = await createRun(ctx.world);
      const setup = expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [],
          enqueue: [
            { runId: run.runId, kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 0 },
            { runId: run.runId, kind: "timer", opId: opId(2), availableAt: 500 },
            {
              runId: run.runId,
              kind: "step",
              opId: opId(3),
              attempt: 1,
              payload: "p",
              availableAt: 0,
              leased: true,
            },
          ],
          hooks: { create: [{ token: "h1", opId: opId(4), kind: "hook" }] },
        }),
      );
      const kept = expectOk(
        await ctx.world.append({
          runId: bystander.runId,
          events: [],
          enqueue: [{ runId: bystander.runId, kind: "timer", opId: opId(9), availableAt: 0 }],
          hooks: { create: [{ token: "other", opId: opId(1), kind: "hook" }] },
        }),
      );
      // The first step is in flight (leased) when the run is cancelled.
      const [inFlight] = await ctx.world.claim({ limit: 1, now: 0, leaseMs: 10, kinds: ["step"] });
      expect(inFlight.id).toBe(setup.messages[0].id);

      const cancel = expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [{ v: 1, type: "run_cancelled", at: 7 }],
          run: { status: "cancelled" },
          enqueue: [
            { runId: run.runId, kind: "timer", opId: opId(9), availableAt: 0 },
            // Work for another run (a parent to wake, say) is not the ended run's.
            { runId: bystander.runId, kind: "timer", opId: opId(9), availableAt: 1 },
          ],
          hooks: { create: [{ token: "h2", opId: opId(5), kind: "webhook" }] },
        }),
      );
      // Only what survived the end is reported as inserted.
      expect(cancel.messages).toEqual([
        { id: expect.any(String), runId: bystander.runId, kind: "timer", opId: opId(9), availableAt: 1 },
      ]);
      expect(await ctx.world.getHook("h1")).toBeNull();
      expect(await ctx.world.getHook("h2")).toBeNull();
      expect(await ctx.world.listHooks({ runId: run.runId })).toEqual([]);
      expect(await ctx.world.getHook("other")).toMatchObject({ runId: bystander.runId });
      // Long after every lease ended, only the bystander's work is left.
      expect(await ctx.world.claim({ limit: 100, now: 1_000_000, leaseMs: 10 })).toEqual([
        ...kept.messages,
        ...cancel.messages,
      ]);
      await ctx.world.ack([inFlight.id]);
      // A freed token can be taken again.
      const next = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: next.runId,
          events: [],
          hooks: { create: [{ token: "h1", opId: opId(1), kind: "hook" }] },
        }),
      );
    });

    it("a cancelled run's queued steps never start", async () => {
      const run = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [ev.scheduled(1, 1)],
          enqueue: [
            { runId: run.runId, kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 100 },
          ],
        }),
      );
      expect(await ctx.world.nextAvailableAt()).toBe(100);
      expectOk(await ctx.world.append({ runId: run.runId, events: [], run: { status: "cancelled" } }));
      expect(await ctx.world.nextAvailableAt()).toBeNull();
      expect(await ctx.world.claim({ limit: 10, now: Number.MAX_SAFE_INTEGER - 1_000, leaseMs: 1 })).toEqual(
        [],
      );
    });

    it("a run ends exactly once when many requests race to end it", async () => {
      const run = await createRun(ctx.world);
      const results = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          ctx.world.append({
            runId: run.runId,
            events: [ev.runCompleted(i, String(i))],
            run: { status: ENDINGS[i % 3], output: String(i) },
          }),
        ),
      );
      const winners = results.flatMap((r, i) => (r.ok ? [i] : []));
      expect(winners).toHaveLength(1);
      const winner = winners[0];
      const finalStatus = ENDINGS[winner % 3];
      for (const r of results) {
        if (!r.ok) expect(expectFailure(r)).toEqual({ ok: false, reason: "run_ended", status: finalStatus });
      }
      const stored = await ctx.world.getRun(run.runId);
      expect(stored).toMatchObject({ status: finalStatus, output: String(winner), lastSeq: 2 });
      const events = await ctx.world.readEvents(run.runId);
      expect(events).toHaveLength(2);
      expect(events[1]).toMatchObject({ type: "run_completed", output: String(winner) });
    });
  });
}
