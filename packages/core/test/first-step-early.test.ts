// A new run's first step may start while the run is being created (actor/create.ts,
// startWhileCreating), as a later turn's steps start before that turn commits; its result
// waits for the creation. Not with an idempotency key: the key may find another run.

import { waitFor } from "@wfkit/testing-kit";
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

/** A runtime whose World holds every createRun until `gate.release()`. */
async function withCreationHeld() {
  let gate!: ReturnType<typeof holdingCalls<"createRun">>;
  const t = await testRuntime(["first-step.ts"], {}, (world) => {
    gate = holdingCalls(world, "createRun");
    return gate.world;
  });
  runtime = t.runtime;
  return { gate, rt: t.runtime, firstStep: t.id("first-step.ts", "firstStep") };
}

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe("a new run's first step", () => {
  it("starts while the run is being created; its result is applied once the run exists", async () => {
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
});
