import { describe, expect, it } from "vitest";
import { opId, type RunId } from "../ids.js";
import type { RunStatus } from "../runs.js";
import { type ConformanceContext, createRun, ev, expectOk } from "./context.js";

/** Ends a run with `status` at `completedAt` (or without one), after giving it a webhook, a delivery and a stream. */
async function endedRun(
  ctx: ConformanceContext,
  label: string,
  status: RunStatus,
  completedAt: number | undefined,
  createdAt = 1_000,
): Promise<RunId> {
  const run = await createRun(ctx.world, { at: createdAt });
  const token = `tok_${label}_${run.runId}`;
  expectOk(
    await ctx.world.append({
      runId: run.runId,
      events: [ev.scheduled(1, createdAt + 1)],
      hooks: { create: [{ token, opId: opId(2), kind: "webhook" }] },
      dedupeKeys: [`k_${label}`],
      deliveries: [{ token, id: `d_${label}`, expiresAt: Date.now() + 3_600_000 }],
    }),
  );
  await ctx.world.streams.append({
    runId: run.runId,
    namespace: "",
    chunks: [{ writer: "w", seq: 0, data: label }],
  });
  if (status === "pending") return run.runId;
  expectOk(
    await ctx.world.append({
      runId: run.runId,
      events: status === "running" ? [] : [ev.runCompleted(completedAt ?? createdAt)],
      run: { status, ...(completedAt !== undefined && { completedAt }) },
    }),
  );
  return run.runId;
}

/** Retention: `pruneRuns` deletes old ended runs with all they keep, and nothing else. */
export function describePrune(ctx: ConformanceContext): void {
  describe("pruneRuns", () => {
    it("deletes ended runs older than the cutoff with their events, released hooks, deliveries and streams", async () => {
      const w = ctx.world;
      const old = await endedRun(ctx, "old", "completed", 100);
      const failed = await endedRun(ctx, "failed", "failed", 200);
      const cancelled = await endedRun(ctx, "cancelled", "cancelled", 300);
      // No completedAt: its createdAt counts as its end.
      const bare = await endedRun(ctx, "bare", "completed", undefined, 50);
      const recent = await endedRun(ctx, "recent", "completed", 5_000);
      const running = await endedRun(ctx, "running", "running", undefined, 1);
      const pending = await endedRun(ctx, "pending", "pending", undefined, 1);

      const pruned = await w.pruneRuns({ endedBefore: 1_000 });
      expect(pruned).toEqual([bare, old, failed, cancelled]);
      for (const [id, label] of [
        [old, "old"],
        [failed, "failed"],
        [cancelled, "cancelled"],
        [bare, "bare"],
      ] as const) {
        expect(await w.getRun(id)).toBeNull();
        expect(await w.readEvents(id)).toEqual([]);
        expect(await w.getReleasedHook(`tok_${label}_${id}`)).toBeNull();
        expect(await w.getDelivery(`tok_${label}_${id}`, `d_${label}`)).toBeNull();
        expect(await w.streams.read(id, "")).toEqual({ chunks: [], tailIndex: -1, closed: false });
      }
      // Kept: ended too recently, or not ended however old (with their live hooks and data).
      for (const [id, label] of [
        [recent, "recent"],
        [running, "running"],
        [pending, "pending"],
      ] as const) {
        expect(await w.getRun(id)).not.toBeNull();
        expect((await w.readEvents(id)).length).toBeGreaterThan(1);
        expect(await w.getDelivery(`tok_${label}_${id}`, `d_${label}`)).not.toBeNull();
        expect((await w.streams.read(id, "")).chunks).toEqual([{ index: 0, data: label }]);
      }
      expect(await w.getReleasedHook(`tok_recent_${recent}`)).not.toBeNull();
      expect(await w.getHook(`tok_running_${running}`)).not.toBeNull();
      expect(await w.getHook(`tok_pending_${pending}`)).not.toBeNull();
      expect((await w.listRuns()).map((r) => r.runId).sort()).toEqual([pending, recent, running].sort());
      // Nothing left to prune: a second call deletes nothing.
      expect(await w.pruneRuns({ endedBefore: 1_000 })).toEqual([]);
    });

    it("takes at most `limit` runs, oldest end first; a dry run deletes nothing", async () => {
      const w = ctx.world;
      const a = await endedRun(ctx, "a", "completed", 10);
      const b = await endedRun(ctx, "b", "failed", 20);
      const c = await endedRun(ctx, "c", "completed", 30);
      expect(await w.pruneRuns({ endedBefore: 100, dryRun: true })).toEqual([a, b, c]);
      expect(await w.getRun(a)).not.toBeNull();
      expect((await w.readEvents(a)).length).toBeGreaterThan(1);
      expect(await w.pruneRuns({ endedBefore: 100, limit: 2 })).toEqual([a, b]);
      expect(await w.getRun(a)).toBeNull();
      expect(await w.getRun(c)).not.toBeNull();
      expect(await w.pruneRuns({ endedBefore: 100, limit: 2 })).toEqual([c]);
    });

    it("a pruned run's id and hook token may be used again", async () => {
      const w = ctx.world;
      const id = await endedRun(ctx, "again", "completed", 10);
      expect(await w.pruneRuns({ endedBefore: 100 })).toEqual([id]);
      const again = await createRun(w, { runId: id });
      expect(again.runId).toBe(id);
      expectOk(
        await w.append({
          runId: id,
          events: [],
          hooks: { create: [{ token: `tok_again_${id}`, opId: opId(2), kind: "webhook" }] },
          dedupeKeys: ["k_again"],
        }),
      );
      expect(await w.readEvents(id)).toHaveLength(1);
    });
  });
}
