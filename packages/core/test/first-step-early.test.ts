// A new run's first step may start while the run is being created (actor/create.ts,
// startWhileCreating), as a later turn's steps start before that turn commits. Its result
// is applied and later turns are built meanwhile; their appends wait for the creation
// (CommitPipeline.hold). Not with an idempotency key: the key may find another run.

import { waitFor } from "@wfkit/testing-kit";
import type { AppendRequest, World } from "@wfkit/world";
import { afterEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";
import { holdingCalls } from "./world-gate.js";

const ran = () => ((globalThis as { firstStepRan?: string[] }).firstStepRan ??= []);
/** Turns of the event loop a step started early has to run in (it needs no I/O). */
const TURNS = 20;
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** `world` with every append that reaches it noted, and whether it committed. */
function notingAppends(world: World) {
  const appends: Array<{ request: AppendRequest; ok?: boolean }> = [];
  const wrapped = new Proxy(world, {
    get(target, key, receiver) {
      if (key !== "append") return Reflect.get(target, key, receiver);
      return async (request: AppendRequest) => {
        const noted: { request: AppendRequest; ok?: boolean } = { request };
        appends.push(noted);
        const result = await target.append(request);
        noted.ok = result.ok;
        return result;
      };
    },
  });
  return { world: wrapped, appends };
}

/**
 * A runtime whose World holds every createRun until `gate.release()` (or fails them, with
 * `failCreation`), and notes the appends that reach it.
 */
async function withCreationHeld(failCreation?: Error) {
  let gate!: ReturnType<typeof holdingCalls<"createRun">>;
  let noted!: ReturnType<typeof notingAppends>;
  let inner!: World;
  const t = await testRuntime(["first-step.ts"], {}, (world) => {
    inner = world;
    noted = notingAppends(world);
    const failing = failCreation
      ? new Proxy(noted.world, {
          get: (target, key, receiver) =>
            key === "createRun" ? () => Promise.reject(failCreation) : Reflect.get(target, key, receiver),
        })
      : noted.world;
    gate = holdingCalls(failing, "createRun");
    return gate.world;
  });
  runtime = t.runtime;
  return {
    gate,
    rt: t.runtime,
    inner,
    appends: noted.appends,
    firstStep: t.id("first-step.ts", "firstStep"),
    threeSteps: t.id("first-step.ts", "threeSteps"),
  };
}

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe("a new run's first step", () => {
  it("starts while the run is being created; the run completes once it exists", async () => {
    const { gate, rt, firstStep } = await withCreationHeld();
    const starting = rt.start(firstStep, ["early"]);
    await waitFor("the creation, held", () => gate.held() === 1 || undefined);
    // The creation is held, yet the step runs, within a few turns of the event loop.
    for (let i = 0; i < TURNS && !ran().includes("early"); i++) await turns(1);
    expect(ran()).toContain("early");
    gate.release();
    const run = await starting;
    expect(await run.returnValue).toBe(5);
    const types = (await rt.world.readEvents(run.runId)).map((e) => e.type);
    expect(types[0]).toBe("run_created");
    expect(types.filter((type) => type === "step_completed")).toHaveLength(1);
    expect(types.at(-1)).toBe("run_completed");
    expect(ran().filter((name) => name === "early")).toHaveLength(1);
  });

  it("waits for the creation when an idempotency key may find another run", async () => {
    const { gate, rt, firstStep } = await withCreationHeld();
    const starting = rt.start(firstStep, ["keyed"], { idempotencyKey: "k-1" });
    await waitFor("the creation, held", () => gate.held() === 1 || undefined);
    // The turns in which the run above started its step: this one does not.
    await turns(TURNS);
    expect(ran()).not.toContain("keyed");
    gate.release();
    const run = await starting;
    expect(await run.returnValue).toBe(5);
    expect(ran()).toContain("keyed");
  });

  it("lets later steps run while the creation is in flight; no append reaches the World before it", async () => {
    const { gate, rt, appends, threeSteps } = await withCreationHeld();
    const starting = rt.start(threeSteps, ["held"]);
    await waitFor("the creation, held", () => gate.held() === 1 || undefined);
    // Each step's result is applied and the next step starts, all with the creation held
    // (until gate.release() below). Each needs a round trip to the sandbox worker, whose
    // thread a loaded machine may not run within any fixed number of loop turns: wait for it.
    await waitFor("the third step, with the creation held", () => ran().includes("held-3") || undefined);
    expect(ran().filter((name) => name.startsWith("held-"))).toEqual(["held-1", "held-2", "held-3"]);
    expect(appends).toHaveLength(0);
    gate.release();
    const run = await starting;
    expect(await run.returnValue).toBe(18);
    // The turns built meanwhile were appended after the creation, in order, none refused.
    expect(appends.length).toBeGreaterThan(0);
    expect(appends.every((a) => a.ok === true)).toBe(true);
    const events = await rt.world.readEvents(run.runId);
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("run_created");
    expect(types.filter((type) => type === "step_completed")).toHaveLength(3);
    expect(types.at(-1)).toBe("run_completed");
  });

  it("appends nothing of a run whose creation failed, and start() says why", async () => {
    const { gate, rt, inner, appends, threeSteps } = await withCreationHeld(new Error("disk full"));
    const starting = rt.start(threeSteps, ["lost"]);
    await waitFor("the creation, held", () => gate.held() === 1 || undefined);
    await waitFor("the second step, with the creation held", () => ran().includes("lost-2") || undefined);
    expect(ran()).toContain("lost-2");
    gate.release();
    await expect(starting).rejects.toThrow("disk full");
    await turns(TURNS);
    expect(appends).toHaveLength(0);
    expect(await inner.listRuns()).toEqual([]);
  });
});
