import { describe, expect, it } from "vitest";
import { type ConformanceContext, nastyStrings, newRunId } from "./context.js";

/** Workflow bundles kept by content hash, and the hash a run records at creation. */
export function describeBundles(ctx: ConformanceContext): void {
  describe("bundles", () => {
    it("putBundle stores code under its hash; getBundle returns it, null for an unknown hash", async () => {
      const code = `/* bundle */ ${Object.values(nastyStrings).join("\n")}`;
      await ctx.world.putBundle("sha-a", code);
      expect(await ctx.world.getBundle("sha-a")).toBe(code);
      expect(await ctx.world.getBundle("sha-missing")).toBeNull();
    });

    it("listBundles lists oldest stored first; storing again moves a bundle last; deleteBundles removes only those given", async () => {
      await ctx.world.putBundle("sha-1", "one");
      await ctx.world.putBundle("sha-2", "two");
      await ctx.world.putBundle("sha-3", "three");
      // Stored again (a restart on the same code): now the newest, code unchanged.
      await new Promise((resolve) => setTimeout(resolve, 5));
      await ctx.world.putBundle("sha-1", "one");
      const listed = await ctx.world.listBundles();
      expect(listed.map((b) => b.hash)).toEqual(["sha-2", "sha-3", "sha-1"]);
      expect(listed.every((b) => typeof b.storedAt === "number" && b.storedAt > 0)).toBe(true);
      await ctx.world.deleteBundles(["sha-2", "sha-unknown"]);
      expect((await ctx.world.listBundles()).map((b) => b.hash)).toEqual(["sha-3", "sha-1"]);
      expect(await ctx.world.getBundle("sha-2")).toBeNull();
      expect(await ctx.world.getBundle("sha-1")).toBe("one");
      await ctx.world.deleteBundles([]);
      expect(await ctx.world.listBundles()).toHaveLength(2);
    });

    it("createRun records the bundle hash in run_created; without one, the event has no bundle field", async () => {
      const pinned = newRunId();
      await ctx.world.createRun({ runId: pinned, workflowId: "wf", input: "[]", at: 1, bundle: "sha-x" });
      expect((await ctx.world.readEvents(pinned))[0]).toMatchObject({ type: "run_created", bundle: "sha-x" });
      const plain = newRunId();
      await ctx.world.createRun({ runId: plain, workflowId: "wf", input: "[]", at: 1 });
      expect((await ctx.world.readEvents(plain))[0]).not.toHaveProperty("bundle");
    });

    it("bundles survive a reopen", async () => {
      if (!ctx.canReopen) return;
      await ctx.world.putBundle("sha-durable", "kept");
      const world = await ctx.reopen();
      expect(await world.getBundle("sha-durable")).toBe("kept");
    });
  });
}
