import { describe, expect, it } from "vitest";
import { messageId, opId, type RunId } from "../ids.js";
import type { StepMessageInput, TimerMessageInput, TurnMessageInput } from "../queue.js";
import type { ConformanceContext } from "./context.js";
import { createRun, expectOk, newRunId, waitFor } from "./context.js";

/** A message to enqueue, less the run it goes to. */
type Unqueued =
  | Omit<StepMessageInput, "runId">
  | Omit<TimerMessageInput, "runId">
  | Omit<TurnMessageInput, "runId">;

/** The outbox: claim, leases, ack, release, dedupe keys, nextAvailableAt, onWork. */
export function describeQueue(ctx: ConformanceContext): void {
  describe("queue", () => {
    /** A run with the given messages enqueued; returns them as inserted. */
    async function enqueue(messages: Unqueued[], runId?: RunId) {
      const id = runId ?? (await createRun(ctx.world)).runId;
      const result = expectOk(
        await ctx.world.append({
          runId: id,
          events: [],
          enqueue: messages.map((m) => ({ ...m, runId: id })),
        }),
      );
      return { runId: id, messages: result.messages };
    }

    it("claim returns due messages with their fields, oldest availableAt first, at most limit", async () => {
      const { runId, messages } = await enqueue([
        { kind: "timer", opId: opId(3), availableAt: 30 },
        { kind: "step", opId: opId(1), attempt: 2, payload: '["a"]', availableAt: 10 },
        { kind: "timer", opId: opId(9), availableAt: 20, dedupeKey: "wake" },
        { kind: "step", opId: opId(4), attempt: 1, payload: "p", availableAt: 40 },
      ]);
      expect(messages[1]).toEqual({
        id: expect.any(String),
        runId,
        kind: "step",
        opId: 1,
        attempt: 2,
        payload: '["a"]',
        availableAt: 10,
      });
      expect(await ctx.world.claim({ limit: 2, now: 25, leaseMs: 100 })).toEqual([messages[1], messages[2]]);
      await ctx.world.release([messages[1].id, messages[2].id]);
      // Not insertion order: availableAt order.
      expect(await ctx.world.claim({ limit: 3, now: 35, leaseMs: 100 })).toEqual([
        messages[1],
        messages[2],
        messages[0],
      ]);
      expect(await ctx.world.claim({ limit: 5, now: 39, leaseMs: 100 })).toEqual([]);
      expect(await ctx.world.claim({ limit: 5, now: 40, leaseMs: 100 })).toEqual([messages[3]]);
    });

    it("a claimed message is not handed out again until its lease ends", async () => {
      const { messages } = await enqueue([
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 0 },
      ]);
      expect(await ctx.world.claim({ limit: 5, now: 1_000, leaseMs: 50 })).toEqual(messages);
      expect(await ctx.world.claim({ limit: 5, now: 1_000, leaseMs: 50 })).toEqual([]);
      expect(await ctx.world.claim({ limit: 5, now: 1_049, leaseMs: 50 })).toEqual([]);
      // The holder is presumed dead: the message is leased again, to the new claimer.
      expect(await ctx.world.claim({ limit: 5, now: 1_050, leaseMs: 50 })).toEqual(messages);
      expect(await ctx.world.claim({ limit: 5, now: 1_099, leaseMs: 50 })).toEqual([]);
    });

    it("claim only returns the kinds asked for", async () => {
      const { messages } = await enqueue([
        { kind: "timer", opId: opId(9), availableAt: 0 },
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 1 },
        { kind: "timer", opId: opId(1), availableAt: 2 },
      ]);
      expect(await ctx.world.claim({ limit: 5, now: 10, leaseMs: 10, kinds: ["timer"] })).toEqual([
        messages[0],
        messages[2],
      ]);
      expect(await ctx.world.claim({ limit: 5, now: 10, leaseMs: 10, kinds: ["step"] })).toEqual([
        messages[1],
      ]);
    });

    it("ack deletes messages, and unknown ids are fine", async () => {
      const { runId, messages } = await enqueue([
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 0 },
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 1 },
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 2 },
      ]);
      await ctx.world.claim({ limit: 1, now: 5, leaseMs: 10 });
      await ctx.world.ack([messages[0].id, messageId("no-such-message"), messageId("42424242")]);
      expectOk(
        await ctx.world.append({ runId, events: [], ack: [messages[1].id, messageId("no-such-message")] }),
      );
      expect(await ctx.world.claim({ limit: 5, now: 1_000, leaseMs: 10 })).toEqual([messages[2]]);
      await ctx.world.ack([]);
    });

    it("release makes messages claimable again at once", async () => {
      const { messages } = await enqueue([
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 0 },
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 1 },
      ]);
      const claimed = await ctx.world.claim({ limit: 5, now: 5, leaseMs: 60_000 });
      expect(claimed).toEqual(messages);
      await ctx.world.release([messages[1].id, messageId("no-such-message")]);
      expect(await ctx.world.claim({ limit: 5, now: 5, leaseMs: 60_000 })).toEqual([messages[1]]);
    });

    it("nextAvailableAt is the earliest availableAt among unleased messages", async () => {
      expect(await ctx.world.nextAvailableAt()).toBeNull();
      const { messages } = await enqueue([
        { kind: "timer", opId: opId(1), availableAt: 300 },
        { kind: "timer", opId: opId(1), availableAt: 100 },
        { kind: "timer", opId: opId(1), availableAt: 200 },
      ]);
      expect(await ctx.world.nextAvailableAt()).toBe(100);
      await ctx.world.claim({ limit: 1, now: 150, leaseMs: 10_000 });
      expect(await ctx.world.nextAvailableAt()).toBe(200);
      await ctx.world.release([messages[1].id]);
      expect(await ctx.world.nextAvailableAt()).toBe(100);
      await ctx.world.ack([messages[1].id, messages[2].id]);
      expect(await ctx.world.nextAvailableAt()).toBe(300);
      await ctx.world.ack([messages[0].id]);
      expect(await ctx.world.nextAvailableAt()).toBeNull();
    });

    it("a message with a dedupeKey is skipped while one with the same run and key is pending", async () => {
      const first = await enqueue([
        { kind: "timer", opId: opId(9), dedupeKey: "wake", availableAt: 0 },
        { kind: "timer", opId: opId(9), dedupeKey: "wake", availableAt: 5 },
      ]);
      expect(first.messages).toHaveLength(1);
      const { runId } = first;
      // Still pending while leased.
      await ctx.world.claim({ limit: 5, now: 0, leaseMs: 10_000 });
      expect(
        (await enqueue([{ kind: "timer", opId: opId(9), dedupeKey: "wake", availableAt: 1 }], runId))
          .messages,
      ).toEqual([]);
      // Another key, no key, or another run: inserted.
      expect(
        (await enqueue([{ kind: "timer", opId: opId(9), dedupeKey: "other", availableAt: 1 }], runId))
          .messages,
      ).toHaveLength(1);
      expect(
        (await enqueue([{ kind: "timer", opId: opId(9), availableAt: 1 }], runId)).messages,
      ).toHaveLength(1);
      expect(
        (await enqueue([{ kind: "timer", opId: opId(9), dedupeKey: "wake", availableAt: 1 }])).messages,
      ).toHaveLength(1);
      // Once acked, the key is free again.
      await ctx.world.ack([first.messages[0].id]);
      const again = await enqueue(
        [{ kind: "timer", opId: opId(9), dedupeKey: "wake", availableAt: 2 }],
        runId,
      );
      expect(again.messages).toEqual([
        { id: expect.any(String), runId, kind: "timer", opId: opId(9), dedupeKey: "wake", availableAt: 2 },
      ]);
      expect(again.messages[0].id).not.toBe(first.messages[0].id);
    });

    it("a request acks before it enqueues, so it can replace a message under the same dedupeKey", async () => {
      const { runId, messages } = await enqueue([
        { kind: "timer", opId: opId(9), dedupeKey: "wake", availableAt: 0 },
      ]);
      const [turn] = await ctx.world.claim({ limit: 1, now: 0, leaseMs: 10_000 });
      expect(turn).toEqual(messages[0]);
      const next = expectOk(
        await ctx.world.append({
          runId,
          events: [],
          ack: [turn.id],
          enqueue: [{ runId, kind: "timer", opId: opId(9), dedupeKey: "wake", availableAt: 1 }],
        }),
      );
      expect(next.messages).toHaveLength(1);
      expect(await ctx.world.claim({ limit: 5, now: 1, leaseMs: 10 })).toEqual(next.messages);
    });

    it("a message inserted with leased: true is returned but not claimable until released", async () => {
      const { messages } = await enqueue([
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 0, leased: true },
      ]);
      expect(messages).toEqual([
        expect.objectContaining({
          id: expect.any(String),
          kind: "step",
          opId: opId(1),
          attempt: 1,
          payload: "p",
        }),
      ]);
      expect(messages[0]).not.toHaveProperty("leased");
      // Held by this instance for good on a single-process World; for at least a second on a shared one.
      const farFuture = Date.now() + (ctx.world.singleProcess ? 60 * 60_000 : 1_000);
      expect(await ctx.world.claim({ limit: 5, now: farFuture, leaseMs: 10 })).toEqual([]);
      expect(await ctx.world.nextAvailableAt()).toBeNull();
      await ctx.world.release([messages[0].id]);
      expect(await ctx.world.nextAvailableAt()).toBe(0);
      expect(await ctx.world.claim({ limit: 5, now: 0, leaseMs: 10 })).toEqual(messages);
    });

    it("a message inserted leased with leaseMs is claimable once that lease ends", async () => {
      const before = Date.now();
      const { messages } = await enqueue([
        {
          kind: "step",
          opId: opId(1),
          attempt: 1,
          payload: "p",
          availableAt: 0,
          leased: true,
          leaseMs: 60_000,
        },
      ]);
      const after = Date.now();
      expect(messages[0]).not.toHaveProperty("leaseMs");
      // Held while the lease lasts (it started at the commit, between before and after).
      expect(await ctx.world.claim({ limit: 5, now: before + 59_000, leaseMs: 10 })).toEqual([]);
      // Its holder is presumed dead once the lease ended: another process takes it over.
      expect(await ctx.world.claim({ limit: 5, now: after + 60_000, leaseMs: 10 })).toEqual(messages);
    });

    it("renewLeases extends the leases of messages still leased, and leaves others alone", async () => {
      const { messages } = await enqueue([
        { kind: "step", opId: opId(1), attempt: 1, payload: "p", availableAt: 0 },
        { kind: "step", opId: opId(2), attempt: 1, payload: "p", availableAt: 0 },
      ]);
      const now = Date.now();
      expect(await ctx.world.claim({ limit: 1, now, leaseMs: 50 })).toEqual([messages[0]]);
      await ctx.world.renewLeases([messages[0].id, messages[1].id, messageId("no-such-message")], 60_000);
      // The renewed lease outlasts the claim's: not handed out again when the first lease would have ended.
      expect(await ctx.world.claim({ limit: 5, now: now + 1_000, leaseMs: 50 })).toEqual([messages[1]]);
      expect(await ctx.world.claim({ limit: 5, now: Date.now() + 61_000, leaseMs: 50 })).toEqual(messages);
      await ctx.world.renewLeases([], 1_000);
    });

    it("a turn message carries only the run: a run that needs a turn", async () => {
      const { runId, messages } = await enqueue([{ kind: "turn", dedupeKey: "turn", availableAt: 0 }]);
      expect(messages).toEqual([
        { id: expect.any(String), runId, kind: "turn", dedupeKey: "turn", availableAt: 0 },
      ]);
      expect(await ctx.world.claim({ limit: 5, now: 1, leaseMs: 10, kinds: ["turn"] })).toEqual(messages);
    });

    it("onWork listeners hear about commits that inserted claimable messages, until they unsubscribe", async () => {
      let calls = 0;
      let otherCalls = 0;
      const unsubscribe = ctx.world.onWork(() => {
        calls += 1;
      });
      const unsubscribeOther = ctx.world.onWork(() => {
        otherCalls += 1;
      });

      const runId = newRunId("onwork");
      const created = ctx.world.createRun({
        runId,
        workflowId: "wf",
        input: "[]",
        at: 0,
        enqueue: [{ runId, kind: "timer", opId: opId(9) }],
      });
      // Listeners are called asynchronously, never inside the call that committed.
      expect(calls).toBe(0);
      await created;
      await waitFor(() => calls > 0, "onWork after createRun");

      calls = 0;
      const appended = ctx.world.append({
        runId,
        events: [],
        enqueue: [{ runId, kind: "timer", opId: opId(1), availableAt: 5 }],
      });
      expect(calls).toBe(0);
      await appended;
      await waitFor(() => calls > 0, "onWork after append");

      unsubscribe();
      calls = 0;
      otherCalls = 0;
      await ctx.world.append({
        runId,
        events: [],
        enqueue: [{ runId, kind: "step", opId: opId(1), attempt: 1, payload: "p" }],
      });
      await waitFor(() => otherCalls > 0, "onWork of the listener still subscribed");
      expect(calls).toBe(0);
      unsubscribeOther();
      unsubscribe();
    });
  });
}
