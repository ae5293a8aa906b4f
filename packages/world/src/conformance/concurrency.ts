import { describe, expect, it } from "vitest";
import type { AppendResult } from "../append.js";
import { opId } from "../ids.js";
import type { ConformanceContext } from "./context.js";
import { createRun, ev, expectFailure, expectOk, newRunId } from "./context.js";

/** Many callers at once: optimistic concurrency, independent failures, disjoint claims. */
export function describeConcurrency(ctx: ConformanceContext): void {
  describe("concurrency", () => {
    it("50 concurrent appends expecting the same seq: exactly one wins", async () => {
      const run = await createRun(ctx.world);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          ctx.world.append({ runId: run.runId, expectedSeq: 1, events: [ev.scheduled(i, i)] }),
        ),
      );
      const ok = results.filter((r) => r.ok);
      expect(ok).toEqual([{ ok: true, firstSeq: 2, lastSeq: 2, messages: [] }]);
      for (const r of results.filter((r) => !r.ok)) {
        expect(r).toEqual({ ok: false, reason: "conflict", lastSeq: 2 });
      }
      expect(await ctx.world.readEvents(run.runId)).toHaveLength(2);
    });

    it("50 writers retrying on conflict: each seq has exactly one winner and the log has no gaps", async () => {
      const run = await createRun(ctx.world);
      const wins = new Map<number, number>();
      const writer = async (id: number): Promise<void> => {
        let expectedSeq = 1;
        for (;;) {
          const r: AppendResult = await ctx.world.append({
            runId: run.runId,
            expectedSeq,
            events: [ev.scheduled(id, id)],
          });
          if (r.ok) {
            expect(wins.has(r.firstSeq)).toBe(false);
            wins.set(r.firstSeq, id);
            return;
          }
          const failure = expectFailure(r);
          if (failure.reason !== "conflict") expect.fail(`unexpected ${failure.reason}`);
          expectedSeq = failure.lastSeq;
        }
      };
      await Promise.all(Array.from({ length: 50 }, (_, i) => writer(i)));

      const events = await ctx.world.readEvents(run.runId);
      expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
      for (const e of events.slice(1)) {
        expect(e.type === "step_scheduled" && e.opId).toBe(wins.get(e.seq));
      }
      expect(new Set(wins.values()).size).toBe(50);
    });

    it("200 concurrent appends to 200 runs all succeed", async () => {
      const runs = await Promise.all(Array.from({ length: 200 }, () => createRun(ctx.world)));
      const results = await Promise.all(
        runs.map((run, i) =>
          ctx.world.append({
            runId: run.runId,
            expectedSeq: 1,
            events: [ev.scheduled(1, i)],
            enqueue: [
              { runId: run.runId, kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 0 },
            ],
            dedupeKeys: ["step:1"],
          }),
        ),
      );
      for (const r of results) expect(r).toMatchObject({ ok: true, firstSeq: 2, lastSeq: 2 });
      for (const [i, run] of runs.entries()) {
        const events = await ctx.world.readEvents(run.runId);
        expect(events[1]).toMatchObject({ seq: 2, at: i });
      }
      expect(await ctx.world.claim({ limit: 1_000, now: 0, leaseMs: 10 })).toHaveLength(200);
    });

    it("200 concurrent appends to one run without expectedSeq all get distinct, consecutive seqs", async () => {
      const run = await createRun(ctx.world);
      const results = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          ctx.world.append({ runId: run.runId, events: [ev.scheduled(i, i)] }),
        ),
      );
      const seqs = results.map((r) => expectOk(r).firstSeq).sort((a, b) => a - b);
      expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i + 2));
      const events = await ctx.world.readEvents(run.runId);
      expect(events).toHaveLength(201);
      for (const [i, r] of results.entries()) {
        expect(events[expectOk(r).firstSeq - 1]).toMatchObject({ type: "step_scheduled", opId: i });
      }
    });

    it("one request's failure does not affect requests made at the same time", async () => {
      const runs = await Promise.all(Array.from({ length: 40 }, () => createRun(ctx.world)));
      const results = await Promise.all([
        ...runs.map((run, i) =>
          ctx.world.append({
            runId: run.runId,
            // Every third request expects a seq the run does not have.
            expectedSeq: i % 3 === 0 ? 7 : 1,
            events: [ev.scheduled(1, 1)],
            enqueue: [{ runId: run.runId, kind: "timer", opId: opId(9), availableAt: 0 }],
          }),
        ),
        ctx.world.append({ runId: newRunId("ghost"), events: [ev.scheduled(1, 1)] }),
        ctx.world.createRun({ runId: runs[0].runId, workflowId: "wf", input: "[]", at: 1 }).then(
          () => "created",
          () => "rejected",
        ),
      ]);
      for (const [i, run] of runs.entries()) {
        const r = results[i] as AppendResult;
        const events = await ctx.world.readEvents(run.runId);
        if (i % 3 === 0) {
          expect(r).toEqual({ ok: false, reason: "conflict", lastSeq: 1 });
          expect(events).toHaveLength(1);
        } else {
          expect(r).toMatchObject({ ok: true, firstSeq: 2 });
          expect(events).toHaveLength(2);
        }
      }
      expect(results[40]).toEqual({ ok: false, reason: "run_not_found" });
      expect(results[41]).toBe("rejected");
      const claimed = await ctx.world.claim({ limit: 100, now: 0, leaseMs: 10 });
      expect(claimed).toHaveLength(runs.length - Math.ceil(runs.length / 3));
    });

    it("concurrent claims never return the same message", async () => {
      const run = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [],
          enqueue: Array.from({ length: 100 }, (_, i) => ({
            runId: run.runId,
            kind: "step" as const,
            opId: opId(i),
            attempt: 1,
            payload: "p",
            availableAt: i,
          })),
        }),
      );
      const batches = await Promise.all(
        Array.from({ length: 12 }, () => ctx.world.claim({ limit: 15, now: 1_000, leaseMs: 60_000 })),
      );
      const ids = batches.flat().map((m) => m.id);
      expect(new Set(ids).size).toBe(ids.length);
      // Whatever a claim skipped is still there for the next one.
      const rest = await ctx.world.claim({ limit: 200, now: 1_000, leaseMs: 60_000 });
      const all = [...ids, ...rest.map((m) => m.id)];
      expect(all).toHaveLength(100);
      expect(new Set(all).size).toBe(100);
    });
  });
}
