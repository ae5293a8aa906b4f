import { describe, expect, it } from "vitest";
import type { AppendRequest } from "../append.js";
import { opId, type RunId } from "../ids.js";
import type { ConformanceContext } from "./context.js";
import { createRun, ev, expectOk, nastyStrings, newRunId } from "./context.js";

/** The event log, `append`'s checks in their order, and all-or-nothing writes. */
export function describeAppend(ctx: ConformanceContext): void {
  describe("append and readEvents", () => {
    it("gives events consecutive seqs in the order given and keeps their at", async () => {
      const run = await createRun(ctx.world);
      const first = expectOk(
        await ctx.world.append({ runId: run.runId, events: [ev.scheduled(1, 50), ev.sleep(2, 40, 99)] }),
      );
      expect(first).toEqual({ ok: true, firstSeq: 2, lastSeq: 3, messages: [] });
      const second = expectOk(
        await ctx.world.append({ runId: run.runId, events: [ev.completed(1, 60, '"r"')] }),
      );
      expect(second).toMatchObject({ firstSeq: 4, lastSeq: 4 });

      const events = await ctx.world.readEvents(run.runId);
      expect(events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(events.slice(1)).toEqual([
        { ...ev.scheduled(1, 50), seq: 2 },
        { ...ev.sleep(2, 40, 99), seq: 3 },
        { ...ev.completed(1, 60, '"r"'), seq: 4 },
      ]);
      expect((await ctx.world.getRun(run.runId))?.lastSeq).toBe(4);
    });

    it("an append without events reports the current lastSeq", async () => {
      const run = await createRun(ctx.world);
      expectOk(await ctx.world.append({ runId: run.runId, events: [ev.scheduled(1, 2)] }));
      expect(await ctx.world.append({ runId: run.runId, events: [] })).toEqual({
        ok: true,
        firstSeq: 2,
        lastSeq: 2,
        messages: [],
      });
    });

    it("readEvents returns the events after afterSeq", async () => {
      const run = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({ runId: run.runId, events: [1, 2, 3, 4].map((n) => ev.scheduled(n, n)) }),
      );
      expect((await ctx.world.readEvents(run.runId, 3)).map((e) => e.seq)).toEqual([4, 5]);
      expect((await ctx.world.readEvents(run.runId, 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(await ctx.world.readEvents(run.runId, 5)).toEqual([]);
      expect(await ctx.world.readEvents(run.runId, 99)).toEqual([]);
    });

    it("readEvents of an unknown run is empty", async () => {
      expect(await ctx.world.readEvents("wrun_missing")).toEqual([]);
    });

    it("payload strings round-trip byte-exact", async () => {
      for (const [name, s] of Object.entries(nastyStrings)) {
        const runId = newRunId(name);
        await createRun(ctx.world, { runId, input: s, workflowId: `wf ${s.slice(0, 20)}` });
        const ok = expectOk(
          await ctx.world.append({
            runId,
            events: [
              ev.scheduled(1, 1, s),
              ev.completed(1, 2, s),
              {
                v: 1,
                type: "hook_created",
                opId: opId(2),
                token: `tok-${runId}`,
                kind: "webhook",
                metadata: s,
                respondWith: { static: s },
                at: 3,
              },
            ],
            run: { output: s, error: s },
            enqueue: [{ runId, kind: "step", opId: opId(1), attempt: 1, payload: s, availableAt: 0 }],
            hooks: {
              create: [
                {
                  token: `tok-${runId}`,
                  opId: opId(2),
                  kind: "webhook",
                  metadata: s,
                  respondWith: { static: s },
                },
              ],
            },
          }),
        );
        const events = await ctx.world.readEvents(runId);
        expect(events[0]).toMatchObject({ type: "run_created", input: s });
        expect(events[1]).toMatchObject({ type: "step_scheduled", input: s });
        expect(events[2]).toMatchObject({ type: "step_completed", output: s });
        expect(events[3]).toMatchObject({ type: "hook_created", metadata: s, respondWith: { static: s } });
        const stored = await ctx.world.getRun(runId);
        expect(stored?.input === s && stored.output === s && stored.error === s, `run fields (${name})`).toBe(
          true,
        );
        const hook = await ctx.world.getHook(`tok-${runId}`);
        expect(hook?.metadata === s, `hook metadata (${name})`).toBe(true);
        expect(hook?.respondWith).toEqual({ static: s });
        const [enqueued] = ok.messages;
        expect(enqueued.kind === "step" && enqueued.payload === s, `enqueued payload (${name})`).toBe(true);
        const [claimed] = await ctx.world.claim({ limit: 1, now: 0, leaseMs: 1 });
        expect(claimed.kind === "step" && claimed.payload === s, `claimed payload (${name})`).toBe(true);
        await ctx.world.ack([claimed.id]);
      }
    });

    it("run_not_found for an unknown run, and nothing is written", async () => {
      const runId = newRunId("ghost");
      expect(
        await ctx.world.append({
          runId,
          events: [ev.scheduled(1, 1)],
          enqueue: [{ runId, kind: "timer", opId: opId(9), availableAt: 0 }],
        }),
      ).toEqual({ ok: false, reason: "run_not_found" });
      expect(await ctx.world.readEvents(runId)).toEqual([]);
      expect(await ctx.world.claim({ limit: 10, now: 1, leaseMs: 1 })).toEqual([]);
    });

    it("conflict when expectedSeq is not lastSeq, and nothing at all is written", async () => {
      const run = await createRun(ctx.world);
      const other = await createRun(ctx.world);
      expectOk(await ctx.world.append({ runId: run.runId, events: [ev.scheduled(1, 1)] }));
      const request: AppendRequest = {
        runId: run.runId,
        expectedSeq: 1,
        events: [ev.scheduled(2, 2)],
        run: { status: "completed", output: "x" },
        enqueue: [
          { runId: run.runId, kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 0 },
        ],
        hooks: { create: [{ token: "t-conflict", opId: opId(2), kind: "hook" }] },
        dedupeKeys: ["k1"],
      };
      const pending = expectOk(
        await ctx.world.append({
          runId: other.runId,
          events: [],
          enqueue: [{ runId: other.runId, kind: "timer", opId: opId(9), availableAt: 0 }],
        }),
      );
      request.ack = [pending.messages[0].id];

      expect(await ctx.world.append(request)).toEqual({ ok: false, reason: "conflict", lastSeq: 2 });
      expect(await ctx.world.readEvents(run.runId)).toHaveLength(2);
      expect(await ctx.world.getRun(run.runId)).toEqual({ ...run, lastSeq: 2 });
      expect(await ctx.world.getHook("t-conflict")).toBeNull();
      // The ack was not applied and the step was not enqueued: only the other run's turn is there.
      expect(await ctx.world.claim({ limit: 10, now: 1, leaseMs: 1 })).toEqual(pending.messages);
      // The dedupe key of a failed append was not recorded.
      expectOk(await ctx.world.append({ runId: run.runId, expectedSeq: 2, events: [], dedupeKeys: ["k1"] }));
    });

    it("an append with the right expectedSeq succeeds", async () => {
      const run = await createRun(ctx.world);
      expectOk(await ctx.world.append({ runId: run.runId, expectedSeq: 1, events: [ev.scheduled(1, 1)] }));
      expectOk(await ctx.world.append({ runId: run.runId, expectedSeq: 2, events: [] }));
      expectOk(await ctx.world.append({ runId: run.runId, expectedSeq: 2, events: [ev.scheduled(2, 2)] }));
      expect((await ctx.world.getRun(run.runId))?.lastSeq).toBe(3);
    });

    it("duplicate when a dedupe key was used by an earlier append of the run, and nothing is written", async () => {
      const run = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({ runId: run.runId, events: [ev.scheduled(1, 1)], dedupeKeys: ["a", "b"] }),
      );
      expect(
        await ctx.world.append({
          runId: run.runId,
          events: [ev.completed(1, 2)],
          enqueue: [{ runId: run.runId, kind: "timer", opId: opId(9), availableAt: 0 }],
          hooks: { create: [{ token: "t-dup", opId: opId(2), kind: "hook" }] },
          dedupeKeys: ["c", "b"],
        }),
      ).toEqual({ ok: false, reason: "duplicate", key: "b" });
      expect(await ctx.world.readEvents(run.runId)).toHaveLength(2);
      expect(await ctx.world.getHook("t-dup")).toBeNull();
      expect(await ctx.world.nextAvailableAt()).toBeNull();
      // "c" was not recorded by the failed append; keys are scoped to their run.
      expectOk(await ctx.world.append({ runId: run.runId, events: [], dedupeKeys: ["c"] }));
      const other = await createRun(ctx.world);
      expectOk(await ctx.world.append({ runId: other.runId, events: [], dedupeKeys: ["a", "b", "c"] }));
    });

    it("checks the run, its end, expectedSeq, dedupe keys and hooks in that order", async () => {
      const owner = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: owner.runId,
          events: [],
          hooks: { create: [{ token: "held", opId: opId(1), kind: "hook" }] },
        }),
      );
      const run = await createRun(ctx.world);
      expectOk(await ctx.world.append({ runId: run.runId, events: [], dedupeKeys: ["used"] }));
      const everything = (runId: RunId): AppendRequest => ({
        runId,
        expectedSeq: 0,
        events: [ev.scheduled(1, 1)],
        dedupeKeys: ["used"],
        hooks: { create: [{ token: "held", opId: opId(1), kind: "hook" }] },
      });

      expect(await ctx.world.append(everything(newRunId()))).toEqual({ ok: false, reason: "run_not_found" });
      expect(await ctx.world.append(everything(run.runId))).toEqual({
        ok: false,
        reason: "conflict",
        lastSeq: 1,
      });
      expect(await ctx.world.append({ ...everything(run.runId), expectedSeq: 1 })).toEqual({
        ok: false,
        reason: "duplicate",
        key: "used",
      });
      expect(
        await ctx.world.append({ ...everything(run.runId), expectedSeq: 1, dedupeKeys: ["fresh"] }),
      ).toEqual({
        ok: false,
        reason: "hook_conflict",
        token: "held",
        ownerRunId: owner.runId,
      });
      // Refused on its hook: its dedupe key was not recorded either.
      expectOk(await ctx.world.append({ runId: run.runId, events: [], dedupeKeys: ["fresh"] }));

      expectOk(
        await ctx.world.append({ runId: run.runId, events: [], run: { status: "failed", error: "e" } }),
      );
      expect(await ctx.world.append(everything(run.runId))).toEqual({
        ok: false,
        reason: "run_ended",
        status: "failed",
      });
    });
  });
}
