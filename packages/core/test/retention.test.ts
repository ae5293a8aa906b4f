// Retention: pruneEndedRuns deletes ended runs past an age, in batches; the runtime's
// `retention` option does it periodically, and never touches a run that is still waiting.

import { waitFor } from "@wfkit/testing-kit";
import { runId } from "@wfkit/world";
import { memoryWorld } from "@wfkit/world/memory";
import { describe, expect, it } from "vitest";
import { pruneEndedRuns } from "../src/host/retention.js";
import { testRuntime } from "./runtime-helpers.js";

describe("pruneEndedRuns", () => {
  it("deletes every ended run past the age in batches, keeps the rest; a dry run deletes nothing", async () => {
    const world = memoryWorld();
    const now = 100 * 24 * 3_600_000;
    const calls: number[] = [];
    const counted = new Proxy(world, {
      get(target, prop) {
        if (prop === "pruneRuns")
          return async (o: Parameters<typeof world.pruneRuns>[0]) => {
            calls.push(o.limit ?? -1);
            return target.pruneRuns(o);
          };
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    for (let i = 0; i < 1_200; i++) {
      const id = runId(`wrun_${String(i).padStart(5, "0")}`);
      await world.createRun({ runId: id, workflowId: "wf", input: "[]", at: i });
      // Every fourth run has not ended (pending); the others ended 31 days (or, the last 100, 1 day) before `now`.
      if (i % 4 === 3) continue;
      const end = i >= 1_100 ? now - 24 * 3_600_000 : now - 31 * 24 * 3_600_000;
      await world.append({ runId: id, events: [], run: { status: "completed", completedAt: end } });
    }
    const old = 1_100 * 0.75;
    expect(await pruneEndedRuns(counted, { olderThan: "30d", now, dryRun: true })).toHaveLength(old);
    expect(await world.listRuns()).toHaveLength(1_200);
    const deleted = await pruneEndedRuns(counted, { olderThan: "30d", now, batchSize: 400 });
    expect(deleted).toHaveLength(old);
    expect(calls).toEqual([-1, 400, 400, 400]);
    const left = await world.listRuns();
    expect(left).toHaveLength(1_200 - old);
    expect(left.filter((r) => r.status === "pending")).toHaveLength(300);
    await expect(pruneEndedRuns(world, { olderThan: "a month" })).rejects.toMatchObject({
      code: "WF_INVALID_DURATION",
    });
  });
});

describe("the runtime's retention option", () => {
  it("deletes ended runs once they are old enough, and keeps a run waiting on a hook", async () => {
    const { runtime: rt, id } = await testRuntime(["hooks.ts", "basic.ts"], {
      retention: { endedRunsOlderThan: "20ms", every: "1s" },
    });
    try {
      const done = await rt.start(id("basic.ts", "seq"), [2]);
      expect(await done.returnValue).toBe(2);
      const waiting = await rt.start(id("hooks.ts", "hookWait"), ["retention-hook"]);
      await waitFor("the ended run to be deleted", async () => (await rt.world.getRun(done.runId)) === null, {
        timeoutMs: 10_000,
      });
      expect(await rt.world.readEvents(done.runId)).toEqual([]);
      expect((await rt.world.getRun(waiting.runId))?.status).toBe("running");
      await rt.resumeHook("retention-hook", { value: 5 });
      expect(await waiting.returnValue).toEqual({ value: 5 });
    } finally {
      await rt.close();
    }
  });

  it("refuses a retention age that is not a duration when the runtime is made", async () => {
    await expect(
      // A value read from configuration at run time, which the type cannot vouch for.
      testRuntime(["basic.ts"], { retention: { endedRunsOlderThan: JSON.parse('"forever"') } }),
    ).rejects.toMatchObject({ code: "WF_INVALID_DURATION" });
  });
});
