import { waitFor as until } from "@wfkit/testing-kit";
import type { AppendRequest, World } from "@wfkit/world";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HookConflictError } from "../src/errors/index.js";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";

// A hook whose token another live run holds, created after the workflow's first
// await: the World refuses a later turn's append, not the first activation's.

const calls = () => ((globalThis as Record<string, unknown>).__stepCalls ??= {}) as Record<string, number>;

/** Keeps every append the World refused for a hook token, to see what such an append carried. */
function recordingRefusals(refused: AppendRequest[]) {
  return (world: World): World =>
    new Proxy(world, {
      get(target, key, receiver) {
        if (key !== "append") return Reflect.get(target, key, receiver);
        return async (request: AppendRequest) => {
          const copy = structuredClone(request);
          const result = await target.append(request);
          if (!result.ok && result.reason === "hook_conflict") refused.push(copy);
          return result;
        };
      },
    });
}

for (const warm of [true, false]) {
  describe(`a hook token taken after a step (${warm ? "warm" : "cold, maxWarmRuns: 0"} actor)`, () => {
    let rt: Runtime;
    let wf: (name: string) => string;
    const refused: AppendRequest[] = [];
    const tag = warm ? "warm" : "cold";

    beforeAll(async () => {
      const t = await testRuntime(["conflict.ts"], warm ? {} : { maxWarmRuns: 0 }, recordingRefusals(refused));
      rt = t.runtime;
      wf = (name) => t.id("conflict.ts", name);
    });
    afterAll(() => rt?.close());

    async function holder(token: string) {
      const run = await rt.start(wf("holdToken"), [token]);
      await until(`${token} held`, async () => (await rt.world.getHook(token))?.runId === run.runId);
      return run;
    }
    const types = async (runId: string) => (await rt.world.readEvents(runId)).map((e) => e.type);

    it("the workflow catches HookConflictError; the step ran once and the log is in order", async () => {
      const token = `t:${tag}:caught`;
      const owner = await holder(token);
      const run = await rt.start(wf("takeAfterStep"), [token, `${tag}:caught`]);
      expect(await run.returnValue).toEqual({
        before: `${tag}:caught:before`,
        caught: true,
        code: "WF_HOOK_CONFLICT",
        owner: owner.runId,
      });
      expect(calls()[`${tag}:caught:before`]).toBe(1);
      expect(await types(run.runId)).toEqual([
        "run_created",
        "step_scheduled",
        "step_completed",
        "hook_conflict",
        "run_completed",
      ]);
      const events = await rt.world.readEvents(run.runId);
      expect(events[3]).toMatchObject({ opId: 2, token, ownerRunId: owner.runId });
      expect(await rt.world.getHook(token)).toMatchObject({ runId: owner.runId });
      await rt.resumeHook(token, "still mine");
      expect(await owner.returnValue).toBe("still mine");
    });

    it("uncaught, the run fails with WF_HOOK_CONFLICT (not WF_REPLAY_DIVERGED)", async () => {
      const token = `t:${tag}:uncaught`;
      const owner = await holder(token);
      const run = await rt.start(wf("takeAfterStepUncaught"), [token, `${tag}:uncaught`]);
      const error = await run.returnValue.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(HookConflictError);
      expect(error).toMatchObject({ code: "WF_HOOK_CONFLICT", token, ownerRunId: owner.runId });
      expect(calls()[`${tag}:uncaught:before`]).toBe(1);
      expect(await types(run.runId)).toEqual([
        "run_created",
        "step_scheduled",
        "step_completed",
        "hook_conflict",
        "run_failed",
      ]);
      await rt.cancel(owner.runId);
    });

    it("a step scheduled in the refused append runs exactly once, and the run goes on", async () => {
      const token = `t:${tag}:two`;
      const owner = await holder(token);
      const label = `${tag}:two`;
      const run = await rt.start(wf("takeAfterTwoSteps"), [token, label]);
      expect(await run.returnValue).toEqual({ a: `${label}:a`, b: `${label}:b`, caught: true, c: `${label}:c` });
      expect(await types(run.runId)).toEqual([
        "run_created",
        "step_scheduled",
        "step_completed",
        "step_scheduled",
        "step_completed",
        "hook_conflict",
        "step_scheduled",
        "step_completed",
        "run_completed",
      ]);
      expect([calls()[`${label}:a`], calls()[`${label}:b`], calls()[`${label}:c`]]).toEqual([1, 1, 1]);
      // What the refused append carried: with a warm actor, the second step's scheduling
      // (started before it committed) and its result share the append with the hook.
      const mine = refused.filter((r) => r.runId === run.runId);
      expect(mine).toHaveLength(1);
      if (warm)
        expect(mine[0]!.events.map((e) => e.type)).toEqual([
          "step_completed",
          "step_scheduled",
          "step_completed",
          "hook_created",
        ]);
      await rt.cancel(owner.runId);
    });
  });
}
