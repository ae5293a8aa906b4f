import { describe, expect, it } from "vitest";
import type { ConformanceContext } from "./context.js";
import { nastyStrings } from "./context.js";

/** The handoff of webhook responses: put before or after the wait, delivered once. */
export function describeResponses(ctx: ConformanceContext): void {
  describe("responses", () => {
    it("a response put before the wait is delivered, once", async () => {
      await ctx.world.putResponse("req-1", '{"status":200}');
      expect(await ctx.world.awaitResponse("req-1", 5_000)).toBe('{"status":200}');
      // Already delivered: a second wait times out.
      expect(await ctx.world.awaitResponse("req-1", 20)).toBeNull();
    });

    it("a response put while someone waits is delivered to the waiter", async () => {
      const waiting = ctx.world.awaitResponse("req-2", 10_000);
      await ctx.world.putResponse("req-2", "late");
      expect(await waiting).toBe("late");
      expect(await ctx.world.awaitResponse("req-2", 20)).toBeNull();
    });

    it("awaitResponse resolves null when nothing arrives in time", async () => {
      const started = Date.now();
      expect(await ctx.world.awaitResponse("req-never", 30)).toBeNull();
      expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    });

    it("responses for different requests do not mix", async () => {
      const waits = Array.from({ length: 50 }, (_, i) => ctx.world.awaitResponse(`req-many-${i}`, 10_000));
      await Promise.all(
        Array.from({ length: 50 }, (_, i) => ctx.world.putResponse(`req-many-${49 - i}`, String(49 - i))),
      );
      expect(await Promise.all(waits)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
    });

    it("responses round-trip byte-exact", async () => {
      for (const [name, s] of Object.entries(nastyStrings)) {
        await ctx.world.putResponse(`req-${name}`, s);
        const got = await ctx.world.awaitResponse(`req-${name}`, 5_000);
        expect(got === s, `response ${name}`).toBe(true);
      }
    });
  });
}
