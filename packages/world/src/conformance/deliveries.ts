import { describe, expect, it } from "vitest";
import type { EventInput } from "../append.js";
import type { DeliveryInput } from "../hooks.js";
import { opId } from "../ids.js";
import type { ConformanceContext } from "./context.js";
import { createRun, ev, expectOk } from "./context.js";

const HOUR = 60 * 60_000;

function received(op: number, at: number, payload = "p"): EventInput {
  return { v: 1, type: "hook_received", opId: opId(op), payload, at };
}

/** Webhook deliveries recorded with appends: found by token and id, refused twice, expiring. */
export function describeDeliveries(ctx: ConformanceContext): void {
  describe("deliveries", () => {
    it("a delivery recorded with an append is found by token and id, with its run and request id", async () => {
      const run = await createRun(ctx.world);
      const delivery: DeliveryInput = {
        token: "wh",
        id: "msg_1",
        requestId: "req_1",
        expiresAt: Date.now() + HOUR,
      };
      const before = Date.now();
      expectOk(
        await ctx.world.append({ runId: run.runId, events: [received(1, 5)], deliveries: [delivery] }),
      );
      const found = await ctx.world.getDelivery("wh", "msg_1");
      expect(found).toEqual({ ...delivery, runId: run.runId, recordedAt: expect.any(Number) });
      expect(found?.recordedAt).toBeGreaterThanOrEqual(before);
      expect(await ctx.world.getDelivery("wh", "msg_2")).toBeNull();
      expect(await ctx.world.getDelivery("other", "msg_1")).toBeNull();
    });

    it("duplicate_delivery for a token and id already recorded, and nothing is written", async () => {
      const run = await createRun(ctx.world);
      const delivery = { token: "wh-dup", id: "evt_1", expiresAt: Date.now() + HOUR };
      expectOk(
        await ctx.world.append({ runId: run.runId, events: [received(1, 5)], deliveries: [delivery] }),
      );
      expect(
        await ctx.world.append({
          runId: run.runId,
          events: [received(1, 6, "again")],
          enqueue: [{ runId: run.runId, kind: "timer", opId: opId(9), availableAt: 0 }],
          dedupeKeys: ["k"],
          deliveries: [delivery],
        }),
      ).toEqual({ ok: false, reason: "duplicate_delivery", token: "wh-dup", id: "evt_1" });
      expect(await ctx.world.readEvents(run.runId)).toHaveLength(2);
      expect(await ctx.world.nextAvailableAt()).toBeNull();
      expectOk(await ctx.world.append({ runId: run.runId, events: [], dedupeKeys: ["k"] }));
      // The same id for another webhook is another delivery.
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [received(2, 7)],
          deliveries: [{ ...delivery, token: "wh-other" }],
        }),
      );
    });

    it("duplicate_delivery when one request gives a delivery twice", async () => {
      const run = await createRun(ctx.world);
      const delivery = { token: "wh-twice", id: "d", expiresAt: Date.now() + HOUR };
      expect(
        await ctx.world.append({
          runId: run.runId,
          events: [received(1, 5), received(1, 6)],
          deliveries: [delivery, { ...delivery, requestId: "r" }],
        }),
      ).toEqual({ ok: false, reason: "duplicate_delivery", token: "wh-twice", id: "d" });
      expect(await ctx.world.getDelivery("wh-twice", "d")).toBeNull();
    });

    it("run_ended is checked before duplicate_delivery", async () => {
      const run = await createRun(ctx.world);
      const delivery = { token: "wh-end", id: "d", expiresAt: Date.now() + HOUR };
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [received(1, 5), ev.runCompleted(6)],
          run: { status: "completed" },
          deliveries: [delivery],
        }),
      );
      expect(await ctx.world.append({ runId: run.runId, events: [], deliveries: [delivery] })).toEqual({
        ok: false,
        reason: "run_ended",
        status: "completed",
      });
      // The record outlives the run: a retry after the end is still known.
      expect(await ctx.world.getDelivery("wh-end", "d")).toMatchObject({ runId: run.runId });
    });

    it("an expired delivery is not found, and the same id may be recorded again", async () => {
      const run = await createRun(ctx.world);
      const old = { token: "wh-exp", id: "d", expiresAt: Date.now() - 1 };
      expectOk(await ctx.world.append({ runId: run.runId, events: [received(1, 5)], deliveries: [old] }));
      expect(await ctx.world.getDelivery("wh-exp", "d")).toBeNull();
      const fresh = { ...old, expiresAt: Date.now() + HOUR };
      expectOk(await ctx.world.append({ runId: run.runId, events: [received(1, 6)], deliveries: [fresh] }));
      expect(await ctx.world.getDelivery("wh-exp", "d")).toMatchObject({ expiresAt: fresh.expiresAt });
    });

    it("putResponse stores the response on the delivery with that request id, and still hands it over", async () => {
      const run = await createRun(ctx.world);
      const delivery = { token: "wh-resp", id: "d", requestId: "req-resp", expiresAt: Date.now() + HOUR };
      expectOk(
        await ctx.world.append({ runId: run.runId, events: [received(1, 5)], deliveries: [delivery] }),
      );
      const waiting = ctx.world.awaitResponse("req-resp", 10_000);
      await ctx.world.putResponse("req-resp", '{"status":201}');
      expect(await waiting).toBe('{"status":201}');
      expect(await ctx.world.getDelivery("wh-resp", "d")).toMatchObject({ response: '{"status":201}' });
      // A response for a request without a delivery is only handed over.
      await ctx.world.putResponse("req-none", "x");
      expect(await ctx.world.awaitResponse("req-none", 5_000)).toBe("x");
    });

    it("concurrent appends of one delivery: exactly one records it", async () => {
      const run = await createRun(ctx.world);
      const delivery = { token: "wh-race", id: "d", expiresAt: Date.now() + HOUR };
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ctx.world.append({ runId: run.runId, events: [received(1, i)], deliveries: [delivery] }),
        ),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(1);
      for (const r of results) {
        if (!r.ok) expect(r).toEqual({ ok: false, reason: "duplicate_delivery", token: "wh-race", id: "d" });
      }
      expect(await ctx.world.readEvents(run.runId)).toHaveLength(2);
    });
  });

  describe("released hooks", () => {
    const webhook = { token: "gone", opId: opId(1), kind: "webhook" as const };

    it("a disposed hook is remembered with its fields (no metadata) and reason disposed", async () => {
      const run = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [],
          hooks: { create: [{ ...webhook, metadata: "m", respondWith: "manual", verify: "stripe" }] },
        }),
      );
      expect(await ctx.world.getReleasedHook("gone")).toBeNull();
      const before = Date.now();
      expectOk(await ctx.world.append({ runId: run.runId, events: [], hooks: { release: ["gone"] } }));
      expect(await ctx.world.getHook("gone")).toBeNull();
      const released = await ctx.world.getReleasedHook("gone");
      expect(released).toEqual({
        token: "gone",
        runId: run.runId,
        opId: 1,
        kind: "webhook",
        createdAt: expect.any(Number),
        respondWith: "manual",
        verify: "stripe",
        releasedAt: expect.any(Number),
        reason: "disposed",
      });
      expect(released?.releasedAt).toBeGreaterThanOrEqual(before);
    });

    it("every hook of a run that ends is remembered with reason run_ended", async () => {
      const run = await createRun(ctx.world);
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [],
          hooks: { create: [webhook, { token: "plain", opId: opId(2), kind: "hook" }] },
        }),
      );
      expectOk(
        await ctx.world.append({
          runId: run.runId,
          events: [ev.runCompleted(5)],
          run: { status: "completed" },
        }),
      );
      expect(await ctx.world.getReleasedHook("gone")).toMatchObject({ reason: "run_ended", kind: "webhook" });
      expect(await ctx.world.getReleasedHook("plain")).toMatchObject({ reason: "run_ended", kind: "hook" });
    });

    it("unknown, live and re-created tokens have no released record", async () => {
      expect(await ctx.world.getReleasedHook("never")).toBeNull();
      const first = await createRun(ctx.world);
      const second = await createRun(ctx.world);
      const hook = { token: "again", opId: opId(1), kind: "hook" as const };
      expectOk(await ctx.world.append({ runId: first.runId, events: [], hooks: { create: [hook] } }));
      expect(await ctx.world.getReleasedHook("again")).toBeNull();
      expectOk(await ctx.world.append({ runId: first.runId, events: [], hooks: { release: ["again"] } }));
      expect(await ctx.world.getReleasedHook("again")).not.toBeNull();
      expectOk(await ctx.world.append({ runId: second.runId, events: [], hooks: { create: [hook] } }));
      expect(await ctx.world.getReleasedHook("again")).toBeNull();
      // Another run's release of a token it does not hold remembers nothing.
      expectOk(await ctx.world.append({ runId: first.runId, events: [], hooks: { release: ["again"] } }));
      expect(await ctx.world.getReleasedHook("again")).toBeNull();
      expect(await ctx.world.getHook("again")).toMatchObject({ runId: second.runId });
    });
  });
}
