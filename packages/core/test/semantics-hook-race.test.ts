import { waitFor } from "@wfkit/testing-kit";
import { describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

// A hook wait that loses a race leaves the line, however the hook promise was wrapped:
// the next payload goes to the next wait on that hook (the peer's bug #4264 is the shape).

describe("a payload after a hook wait lost a race", () => {
  const shapes = ["bare", "then", "chain", "helper"];
  const nexts = ["await", "for-await"];
  const cases = shapes.flatMap((shape) => nexts.map((next) => [shape, next] as const));

  it.each(cases)("hook wrapped %s, next wait by %s: reaches the next wait", async (shape, next) => {
    const { runtime, id } = await testRuntime(["semantics.ts"]);
    try {
      const token = `lost-${shape}-${next}`;
      const run = await runtime.start(id("semantics.ts", "wrappedHookLosesRace"), [token, shape, next]);
      await waitFor("the race lost", async () => runtime.world.getHook(`${token}-ready`));
      await runtime.resumeHook(token, 7);
      const record = await waitFor("the run ended", async () => {
        const r = await runtime.world.getRun(run.runId);
        return r && r.status !== "running" ? r : undefined;
      });
      expect(record.status).toBe("completed");
      expect(await runtime.getRun(run.runId).returnValue).toEqual(["timeout", 7]);
    } finally {
      await runtime.close();
    }
  });
});
