import { describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

// Many runs at once through every path that batches or pipelines appends: parallel steps,
// retries, a sleep, a hook resumed from outside, and warm instances evicted mid-run.
describe("stress", () => {
  it.each([
    ["warm", 1000],
    ["mostly cold (5 warm instances for 60 runs)", 5],
  ])("finishes 60 mixed runs with the right results: %s", async (_label, maxWarmRuns) => {
    const t = await testRuntime(["stress.ts"], { maxWarmRuns });
    try {
      const ids = Array.from({ length: 60 }, (_, i) => i + 1);
      const runs = await Promise.all(
        ids.map((id) => t.runtime.start(t.id("stress.ts", "mixed"), [id, _label])),
      );
      await Promise.all(
        ids.map(async (id) => {
          for (;;) {
            try {
              await t.runtime.resumeHook(`stress:${id}`, 1000);
              return;
            } catch (error) {
              if ((error as { code?: string }).code !== "WF_HOOK_NOT_FOUND") throw error;
              await new Promise((r) => setTimeout(r, 2));
            }
          }
        }),
      );
      const values = await Promise.all(runs.map((r) => r.returnValue));
      expect(values).toEqual(ids.map((id) => (id + id + 1 + id + 2) * 2 + 1000 + 0 + 2 + 4));
      for (const run of runs) {
        const events = await t.runtime.world.readEvents(run.runId);
        const completed = events
          .filter((e) => e.type === "step_completed")
          .map((e) => (e as { opId: number }).opId);
        expect(new Set(completed).size, `a step result recorded twice in ${run.runId}`).toBe(
          completed.length,
        );
        expect(completed).toHaveLength(6);
        const retried = events.filter((e) => e.type === "step_retrying").length;
        expect(retried, "every third key fails once").toBeGreaterThan(0);
        expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
      }
    } finally {
      await t.runtime.close();
    }
  });
});
