import { waitFor as until } from "@wfkit/testing-kit";
import type { AppendRequest, World } from "@wfkit/world";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HookConflictError, WorkflowRunFailedError } from "../src/errors/index.js";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";

// A hook whose token another live run holds, created after the workflow's first
// await: the World refuses a later turn's append, not the first activation's.

const calls = () => ((globalThis as Record<string, unknown>).__stepCalls ??= {}) as Record<string, number>;

interface Append {
  request: AppendRequest;
  /** True when committed, else the reason of the refusal. */
  outcome: true | string;
}

/** Keeps every append the runtime makes, with its outcome, to see what each carried. */
function recordingAppends(appends: Append[]) {
  return (world: World): World =>
    new Proxy(world, {
      get(target, key, receiver) {
        if (key !== "append") return Reflect.get(target, key, receiver);
        return async (request: AppendRequest) => {
          const copy = structuredClone(request);
          const result = await target.append(request);
          appends.push({ request: copy, outcome: result.ok ? true : result.reason });
          return result;
        };
      },
    });
}

for (const warm of [true, false]) {
  describe(`a hook token taken after a step (${warm ? "warm" : "cold, maxWarmRuns: 0"} actor)`, () => {
    let rt: Runtime;
    let wf: (name: string) => string;
    const appends: Append[] = [];
    const appendsOf = (runId: string) => appends.filter((a) => a.request.runId === runId);
    const tag = warm ? "warm" : "cold";

    beforeAll(async () => {
      const t = await testRuntime(["conflict.ts"], warm ? {} : { maxWarmRuns: 0 }, recordingAppends(appends));
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
      const error = (await run.returnValue.catch((e: unknown) => e)) as WorkflowRunFailedError;
      expect(error).toBeInstanceOf(WorkflowRunFailedError);
      expect(error.cause).toBeInstanceOf(HookConflictError);
      expect(error.cause).toMatchObject({ code: "WF_HOOK_CONFLICT", token, ownerRunId: owner.runId });
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

    it("two tokens held by others in one turn: both conflicts recorded, in the order the code created them", async () => {
      const [t1, t2] = [`t:${tag}:first`, `t:${tag}:second`];
      const owners = [await holder(t1), await holder(t2)];
      const run = await rt.start(wf("takeTwoAfterStep"), [t1, t2, `${tag}:twice`]);
      expect(await run.returnValue).toEqual([true, true]);
      const events = await rt.world.readEvents(run.runId);
      expect(events.map((e) => e.type)).toEqual([
        "run_created",
        "step_scheduled",
        "step_completed",
        "hook_conflict",
        "hook_conflict",
        "run_completed",
      ]);
      expect(events.slice(3, 5)).toMatchObject([
        { opId: 2, token: t1 },
        { opId: 3, token: t2 },
      ]);
      expect(appendsOf(run.runId).filter((a) => a.outcome !== true)).toHaveLength(2);
      expect(calls()[`${tag}:twice:before`]).toBe(1);
      for (const owner of owners) await rt.cancel(owner.runId);
    });

    it("a step scheduled in the refused append runs exactly once, and the run goes on", async () => {
      const token = `t:${tag}:two`;
      const owner = await holder(token);
      const label = `${tag}:two`;
      const run = await rt.start(wf("takeAfterTwoSteps"), [token, label]);
      expect(await run.returnValue).toEqual({
        a: `${label}:a`,
        b: `${label}:b`,
        caught: true,
        c: `${label}:c`,
      });
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
      const mine = appendsOf(run.runId);
      const refusal = mine.findIndex((a) => a.outcome === "hook_conflict");
      expect(mine.filter((a) => a.outcome !== true)).toHaveLength(1);
      if (warm)
        expect(mine[refusal]!.request.events.map((e) => e.type)).toEqual([
          "step_completed",
          "step_scheduled",
          "step_completed",
          "hook_created",
        ]);
      // The retried append records the second step's result: it queues no message to run it
      // again (acked only by a later append, a crash in between would re-run a committed step).
      const retried = mine[refusal + 1]!.request;
      expect(retried.events.map((e) => e.type)).toContain("hook_conflict");
      expect(retried.enqueue?.filter((m) => m.opId === 2) ?? []).toEqual([]);
      await rt.cancel(owner.runId);
    });

    it("a step still running when the append that scheduled it is refused is not started again", async () => {
      const token = `t:${tag}:running`;
      const owner = await holder(token);
      const label = `${tag}:running`;
      let open!: () => void;
      (globalThis as Record<string, unknown>).__gate = new Promise<void>((resolve) => (open = resolve));
      const run = await rt.start(wf("takeWhileStepRuns"), [token, label]);
      await until("the conflict recorded", async () => (await types(run.runId)).includes("hook_conflict"));
      expect(calls()[`${label}:slow`]).toBe(1);
      open();
      expect(await run.returnValue).toEqual({
        a: `${label}:a`,
        fast: `${label}:fast`,
        caught: true,
        slow: `${label}:slow`,
      });
      expect([calls()[`${label}:a`], calls()[`${label}:slow`], calls()[`${label}:fast`]]).toEqual([1, 1, 1]);
      const mine = appendsOf(run.runId);
      const refused = mine.filter((a) => a.outcome !== true);
      expect(refused.map((a) => a.outcome)).toEqual(["hook_conflict"]);
      // The slow step's scheduling was in the refused append (and is in the retried one).
      const scheduled = (a: Append) =>
        a.request.events.filter((e) => e.type === "step_scheduled").map((e) => (e as { opId: number }).opId);
      expect(scheduled(refused[0]!)).toContain(2);
      expect(await types(run.runId)).toEqual([
        "run_created",
        "step_scheduled",
        "step_completed",
        "step_scheduled",
        "step_scheduled",
        "step_completed",
        "hook_conflict",
        "step_completed",
        "run_completed",
      ]);
      await rt.cancel(owner.runId);
    });
  });
}

describe("acks due with an append refused for a hook token", () => {
  it("are made by the retried append: a step whose result committed is not left in the queue", async () => {
    const label = "acks";
    const token = "t:acks";
    const appends: Array<Append & { messages: Array<{ id: string; opId: number }> }> = [];
    let release: (() => void) | undefined;
    let openB!: () => void;
    let openC!: () => void;
    (globalThis as Record<string, unknown>).__gates = {
      [`${label}:b`]: new Promise<void>((resolve) => (openB = resolve)),
      [`${label}:c`]: new Promise<void>((resolve) => (openC = resolve)),
    };
    // The World commits every append at once, but the runtime learns that the one scheduling
    // step b (or c) committed only when it makes its next append. b finishes in between, so
    // its message is acked late, with a later append; c finishes once the runtime knows, so
    // the turn of c's result, which creates the hook, carries that ack.
    const wrap = (world: World): World =>
      new Proxy(world, {
        get(target, key, receiver) {
          if (key !== "append") return Reflect.get(target, key, receiver);
          return async (request: AppendRequest) => {
            release?.();
            release = undefined;
            const copy = structuredClone(request);
            const result = await target.append(request);
            appends.push({
              request: copy,
              outcome: result.ok ? true : result.reason,
              messages: result.ok ? result.messages : [],
            });
            // Appends that schedule b or c are held until the next one is made.
            const scheduled = (step: string) =>
              request.events.some((e) => e.type === "step_scheduled" && e.input.includes(`${label}:${step}`));
            if (scheduled("b") || scheduled("c")) {
              if (scheduled("b")) openB();
              await new Promise<void>((resolve) => (release = resolve));
              if (scheduled("b")) setImmediate(openC);
            }
            return result;
          };
        },
      });
    const t = await testRuntime(["conflict.ts"], {}, wrap);
    const rt = t.runtime;
    try {
      const owner = await rt.start(t.id("conflict.ts", "holdToken"), [token]);
      await until("the token held", async () => (await rt.world.getHook(token))?.runId === owner.runId);
      const run = await rt.start(t.id("conflict.ts", "takeAfterThreeSteps"), [token, label]);
      expect(await run.returnValue).toBe(true);
      const mine = appends.filter((a) => a.request.runId === run.runId);
      const bMessage = mine.flatMap((a) => a.messages).find((m) => m.opId === 2);
      expect(bMessage).toBeDefined();
      const refused = mine.filter((a) => a.outcome !== true);
      expect(refused.map((a) => a.outcome)).toEqual(["hook_conflict"]);
      expect(refused[0]!.request.ack).toContain(bMessage!.id);
      const ackedBy = mine.filter((a) => a.outcome === true && a.request.ack?.includes(bMessage!.id));
      expect(ackedBy).toHaveLength(1);
      await rt.cancel(owner.runId);
    } finally {
      await rt.close();
    }
  });
});
