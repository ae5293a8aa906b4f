import { waitFor as until } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportRunHistory, type RunHistory, replayHistories } from "../src/host/replay-check.js";
import type { Runtime } from "../src/host/runtime.js";
import { buildFixtures, testRuntime } from "./runtime-helpers.js";

// Runs of one bundle in one sandbox worker share one realm (host/sandbox-vm.ts). In
// each case run A (fixtures/realm-isolation.ts `plant`) tries to leave something for
// the next run, and stays live on a hook while run B (`probe`) looks for it in the
// same realm (one worker). B must see nothing of A, and both logs must still replay.

type Seen = Record<string, unknown>;
type Planted = {
  planted: Record<string, string>;
  later: string;
  counter: number;
  own: { globals: string[]; kept: string[]; library: string | null; proto: boolean };
};

let rt: Runtime;
let id: (file: string, name: string) => string;
let bundle: Awaited<ReturnType<typeof buildFixtures>>;
beforeAll(async () => {
  ({ runtime: rt, id } = await testRuntime(["realm-isolation.ts"], { sandbox: { workers: 1 } }));
  bundle = await buildFixtures(["realm-isolation.ts"]);
});
afterAll(() => rt?.close());

/** What B sees when no A ran before it (the same for every case). */
let baseline: Seen;

async function plantThenProbe(kind: string): Promise<{ a: Planted; b: Seen }> {
  baseline ??= await probeOnce(kind);
  const runA = await rt.start(id("realm-isolation.ts", "plant"), [kind]);
  const token = `realm-isolation:${kind}`;
  await until(`A's hook (${kind})`, async () => (await rt.world.getHook(token)) ?? undefined);
  const b = await probeOnce(kind);
  await rt.resumeHook(token, "go");
  const a = (await runA.returnValue) as Planted;
  // Both logs replay on the same bundle, in one realm, one after the other.
  const histories = [] as RunHistory[];
  for (const runId of [runA.runId, lastProbe]) histories.push((await exportRunHistory(rt.world, runId))!);
  expect(replayHistories(histories, bundle).divergences).toEqual([]);
  return { a, b };
}

let lastProbe = "";
async function probeOnce(kind: string): Promise<Seen> {
  const run = await rt.start(id("realm-isolation.ts", "probe"), [kind]);
  lastProbe = run.runId;
  return (await run.returnValue) as Seen;
}

const frozen = /^TypeError: /;

describe("runs sharing a realm cannot reach each other", () => {
  it("module-level variables are fresh per run", async () => {
    const { a, b } = await plantThenProbe("module state");
    expect(a.counter).toBe(42);
    expect(b.moduleCounter).toBe(0);
    expect(b.moduleCache).toBeNull();
  });

  it("globals a run adds are its own: the next run sees none, the run keeps them", async () => {
    const { a, b } = await plantThenProbe("global write");
    for (const [how, outcome] of Object.entries(a.planted)) expect([how, outcome]).toEqual([how, "ok"]);
    expect(Object.keys(a.planted)).toHaveLength(10);
    expect(b.globals).toEqual([]);
    expect(b.symbol).toBeNull();
    expect(b.library).toBe("B");
    expect(a.own.kept).toHaveLength(8);
    expect(a.own).toEqual({ globals: a.own.kept, kept: a.own.kept, library: "A", proto: false });
  });

  it("the global object's prototype is per run, and it cannot be frozen or made non-extensible", async () => {
    const { a, b } = await plantThenProbe("global object");
    expect(a.planted.proto).toBe("ok");
    for (const name of ["preventExtensions", "freeze", "reflect"])
      expect(a.planted[name]).toMatch(/^TypeError: Workflow code cannot \w+ the global object/);
    expect(b.globals).toEqual([]);
    expect(b.extensible).toBe(true);
    expect(a.own.proto).toBe(true);
  });

  it("global bindings cannot be replaced or deleted", async () => {
    const { a, b } = await plantThenProbe("global rebinding");
    expect(a.planted).toEqual({
      console: expect.stringMatching(frozen),
      Date: expect.stringMatching(frozen),
      delete: expect.stringMatching(frozen),
    });
    expect([b.console, b.Date, b.URL]).toEqual(["own", "ok", "function"]);
  });

  it("shared prototypes are frozen", async () => {
    const { a, b } = await plantThenProbe("prototype mutation");
    for (const result of Object.values(a.planted)) expect(result).toMatch(frozen);
    expect(b.protos).toEqual([]);
  });

  it("intrinsics' statics (Math.random, Date.now, Error.stackTraceLimit) stay the realm's", async () => {
    const { a, b } = await plantThenProbe("intrinsic statics");
    for (const result of Object.values(a.planted)) expect(result).toMatch(frozen);
    expect(b.random).toBe("own");
    expect(b.Date).toBe("ok");
    expect(b.stackTraceLimit).toBe(baseline.stackTraceLimit);
  });

  it("Promise and its then/race cannot be patched", async () => {
    const { a, b } = await plantThenProbe("Promise patches");
    for (const result of Object.values(a.planted)) expect(result).toMatch(frozen);
    expect([b.race, b.chained, b.resolve]).toEqual(["race ok", "then ok", "own"]);
  });

  it("engine-facing objects (Request, hooks, console, crypto, web classes) carry nothing to another run", async () => {
    const { a, b } = await plantThenProbe("engine-facing objects");
    for (const result of Object.values(a.planted)) expect(result).toMatch(frozen);
    expect(b.shared).toEqual([]);
    expect(b.noted).toBe("noted probed");
  });

  it("the realm's dispatch is refused to workflow code, and its control is out of reach", async () => {
    const { a, b } = await plantThenProbe("realm dispatch");
    expect(a.planted).toEqual({
      dispatch: expect.stringMatching(/^TypeError: __wfkit\(\) belongs to the workflow runtime/),
      realm: "undefined",
      define: "undefined",
      host: "undefined",
    });
    expect(a.later).toMatch(/^TypeError: __wfkit\(\) belongs to the workflow runtime/);
    expect(b.dispatch).toMatch(/^TypeError: __wfkit\(\) belongs to the workflow runtime/);
  });

  it("B sees the same as a run with no A before it", async () => {
    for (const kind of ["module state", "global write", "engine-facing objects"]) {
      const { b } = await plantThenProbe(kind);
      expect({ ...b }).toEqual({ ...baseline });
    }
  });
});
