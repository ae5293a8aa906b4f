// A new run's first step may start while the run is being created (actor/create.ts,
// mayStartBeforeCreated), as a later turn's steps start before that turn commits; its result
// waits for the creation. Not with an idempotency key: the key may find another run.

import { waitFor } from "@wfkit/testing-kit";
import type { CreateRunInput, World } from "@wfkit/world";
import { afterEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { testRuntime } from "./runtime-helpers.js";

const ran = () => ((globalThis as { firstStepRan?: string[] }).firstStepRan ??= []);
/** Turns of the event loop a step started early has to run in (it needs no I/O). */
const TURNS = 20;
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Holds every createRun until `release`. */
function holdingCreation(world: World) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let held = 0;
  const wrapped = new Proxy(world, {
    get(target, key, receiver) {
      if (key !== "createRun") return Reflect.get(target, key, receiver);
      return async (input: CreateRunInput) => {
        held++;
        await released;
        return target.createRun(input);
      };
    },
  });
  return { wrap: () => wrapped, release, held: () => held };
}

let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
});

describe("a new run's first step", () => {
  it("starts while the run is being created; its result is applied once the run exists", async () => {
    let gate!: ReturnType<typeof holdingCreation>;
    const t = await testRuntime(["first-step.ts"], {}, (world) => {
      gate = holdingCreation(world);
      return gate.wrap();
    });
    runtime = t.runtime;
    const starting = runtime.start(t.id("first-step.ts", "firstStep"), ["early"]);
    await waitFor("the creation, held", () => gate.held() === 1 || undefined);
    // The creation is held, yet the step runs, within a few turns of the event loop.
    for (let i = 0; i < TURNS && !ran().includes("early"); i++) await turns(1);
    expect(ran()).toContain("early");
    gate.release();
    const run = await starting;
    expect(await run.returnValue).toBe(5);
    const types = (await runtime.world.readEvents(run.runId)).map((e) => e.type);
    expect(types[0]).toBe("run_created");
    expect(types.filter((type) => type === "step_completed")).toHaveLength(1);
    expect(types.at(-1)).toBe("run_completed");
    expect(ran().filter((name) => name === "early")).toHaveLength(1);
  });

  it("waits for the creation when an idempotency key may find another run", async () => {
    let gate!: ReturnType<typeof holdingCreation>;
    const t = await testRuntime(["first-step.ts"], {}, (world) => {
      gate = holdingCreation(world);
      return gate.wrap();
    });
    runtime = t.runtime;
    const starting = runtime.start(t.id("first-step.ts", "firstStep"), ["keyed"], { idempotencyKey: "k-1" });
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
