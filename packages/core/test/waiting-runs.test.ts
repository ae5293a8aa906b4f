import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import type { MessageId, RunId, World } from "@wfkit/world";
import { memoryWorld } from "@wfkit/world/memory";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { describe, expect, it } from "vitest";
import { Runtime } from "../src/host/runtime.js";
import { INSTANCE_BASE_BYTES } from "../src/host/sandbox-size.js";
import { TIMER_HORIZON_MS } from "../src/host/scheduler.js";
import { Slots } from "../src/host/slots.js";
import type { ActorHandle } from "../src/host/types.js";
import { resolveWarmLimits, WarmCache } from "../src/host/warm-cache.js";
import { VirtualClock } from "../src/testing/virtual-clock.js";
import { buildFixtures, testRuntime } from "./runtime-helpers.js";

function fakeActor(runId: string, warmBytes: number, busy = false, awaitingEagerSteps = false) {
  const actor = {
    runId: runId as RunId,
    busy,
    awaitingEagerSteps,
    warmBytes,
    evicted: 0,
    post() {},
    evict() {
      actor.evicted++;
    },
    flush() {},
    unpark() {},
  };
  return actor satisfies ActorHandle;
}

describe("the warm-run cache", () => {
  it("evicts the least recently used idle actors once their bytes pass the bound", () => {
    const cache = new WarmCache({ runs: 100, bytes: 1000 });
    const [a, b, c] = [fakeActor("a", 400), fakeActor("b", 400), fakeActor("c", 400)];
    for (const actor of [a, b]) {
      cache.add(actor);
      cache.touch(actor);
    }
    expect(cache.bytes).toBe(800);
    cache.touch(a); // a is now the most recent: b goes first
    cache.add(c);
    cache.touch(c);
    expect([a.evicted, b.evicted, c.evicted]).toEqual([0, 1, 0]);
    expect(cache.get("b" as RunId)).toBeUndefined();
    expect(cache.get("a" as RunId)).toBe(a);
    expect(cache.bytes).toBe(800);
    expect(cache.size).toBe(2);
  });

  it("never evicts a busy actor, and keeps the one just used when it alone is over the bytes", () => {
    const cache = new WarmCache({ runs: 100, bytes: 1000 });
    const busy = fakeActor("busy", 900, true);
    const big = fakeActor("big", 5000);
    cache.add(busy);
    cache.touch(busy);
    cache.add(big);
    cache.touch(big);
    expect([busy.evicted, big.evicted]).toEqual([0, 0]);
    expect(cache.size).toBe(2);
    // The next one used pushes the big one out.
    const next = fakeActor("next", 10);
    cache.add(next);
    cache.touch(next);
    expect(big.evicted).toBe(1);
    expect(cache.get("big" as RunId)).toBeUndefined();
    expect(cache.bytes).toBe(910);
  });

  it("never evicts an actor whose eager steps' results are on their way to it", () => {
    const cache = new WarmCache({ runs: 0, bytes: 0 });
    const waiting = fakeActor("waiting", 100, false, true);
    cache.add(waiting);
    cache.touch(waiting);
    expect([waiting.evicted, cache.size]).toEqual([0, 1]);
    waiting.awaitingEagerSteps = false;
    cache.touch(waiting);
    expect([waiting.evicted, cache.size]).toEqual([1, 0]);
  });

  it("still bounds the count (maxWarmRuns: 0 evicts every idle actor, the one just used too)", () => {
    const cache = new WarmCache({ runs: 0, bytes: 1e9 });
    const a = fakeActor("a", 10);
    cache.add(a);
    cache.touch(a);
    expect(a.evicted).toBe(1);
    expect(cache.size).toBe(0);
  });

  it("counts an actor's bytes again at each use, and forgets ended runs", () => {
    const cache = new WarmCache({ runs: 100, bytes: 1e9 });
    const a = fakeActor("a", 10);
    cache.add(a);
    cache.touch(a);
    a.warmBytes = 500;
    cache.touch(a);
    expect(cache.bytes).toBe(500);
    cache.forget(a.runId);
    expect([cache.bytes, cache.size]).toEqual([0, 0]);
  });

  it("reads WORKFLOW_WARM_CACHE_MB after the option, and refuses what is not a size", () => {
    expect(resolveWarmLimits(undefined, undefined, {})).toEqual({ runs: 1000, bytes: 256 * 1024 * 1024 });
    expect(resolveWarmLimits(5, undefined, { WORKFLOW_WARM_CACHE_MB: "2" })).toEqual({
      runs: 5,
      bytes: 2 * 1024 * 1024,
    });
    expect(resolveWarmLimits(undefined, 1, { WORKFLOW_WARM_CACHE_MB: "2" }).bytes).toBe(1024 * 1024);
    expect(() => resolveWarmLimits(undefined, undefined, { WORKFLOW_WARM_CACHE_MB: "lots" })).toThrow(
      expect.objectContaining({ code: "WF_CONFIG_INVALID" }),
    );
  });
});

/** A World that counts, per run, the reads a replay starts with (a warm run needs none). */
function countingReads() {
  const reads = new Map<string, number>();
  const wrap = (world: World): World =>
    new Proxy(world, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (prop === "readEvents")
          return (runId: string, after?: number) => {
            reads.set(runId, (reads.get(runId) ?? 0) + 1);
            return target.readEvents(runId, after);
          };
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
  return { reads, wrap };
}

describe("runs waiting on webhooks past the warm cache's bytes", () => {
  it("are evicted, oldest first, and each still completes on its webhook (replayed from its log)", async () => {
    const { reads, wrap } = countingReads();
    // Room for two instances: of six waiting runs, the four oldest are evicted.
    const warmCacheMb = (2.5 * INSTANCE_BASE_BYTES) / (1024 * 1024);
    const t = await testRuntime(["hooks.ts"], { warmCacheMb }, wrap);
    const rt = t.runtime;
    try {
      const runs = [];
      for (let i = 0; i < 6; i++) runs.push(await rt.start(t.id("hooks.ts", "collect"), [2]));
      await waitFor("every run waiting", () => rt.idle);
      const tokens = await Promise.all(
        runs.map(async (run) => (await rt.world.listHooks({ runId: run.runId }))[0]!.token),
      );
      const post = (i: number, body: string) =>
        rt.handleWebhook(
          new Request(`http://localhost:3000/.well-known/workflow/v1/webhook/${tokens[i]}`, {
            method: "POST",
            body,
          }),
        );
      // The newest is warm: its first request needs no replay. The oldest was evicted: it replays.
      expect((await post(5, "a5")).status).toBe(202);
      expect((await post(0, "a0")).status).toBe(202);
      await waitFor("both requests applied", () => rt.idle);
      expect(reads.get(runs[5]!.runId) ?? 0).toBe(0);
      expect(reads.get(runs[0]!.runId)).toBe(1);
      for (let i = 1; i < 5; i++) expect((await post(i, `a${i}`)).status).toBe(202);
      for (let i = 0; i < 6; i++) expect((await post(i, `b${i}`)).status).toBe(202);
      for (let i = 0; i < 6; i++) expect(await runs[i]!.returnValue).toEqual([`a${i}`, `b${i}`]);
    } finally {
      await rt.close();
    }
  });
});

describe("start-up with runs waiting on hooks", () => {
  it("activates none of them: each is replayed only when its hook is resumed", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-warm-"));
    const workflows = await buildFixtures(["hooks.ts"]);
    const id = "workflow//hooks//hookWait";
    const first = new Runtime({ world: sqliteWorld({ dataDir }), workflows, log: () => {} });
    await first.recover();
    const runIds: string[] = [];
    for (let i = 0; i < 4; i++) runIds.push((await first.start(id, [`tok-${i}`])).runId);
    await first.close();

    // getRun starts every replay (host/actor/replay.ts); the background log audit reads logs only.
    const calls: string[] = [];
    const world = new Proxy(sqliteWorld({ dataDir }), {
      get(target, prop) {
        const value = Reflect.get(target, prop, target);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          if (prop === "getRun" || prop === "append") calls.push(`${String(prop)} ${String(args[0])}`);
          return value.apply(target, args);
        };
      },
    });
    const second = new Runtime({ world, workflows, log: () => {} });
    try {
      await second.recover();
      await waitFor("start-up settled", () => second.idle);
      expect(calls).toEqual([]);
      await second.resumeHook("tok-2", { value: 7 });
      expect(await second.getRun(runIds[2]!).returnValue).toEqual({ value: 7 });
      expect(calls.filter((c) => c.startsWith("getRun")).every((c) => c.endsWith(runIds[2]!))).toBe(true);
      expect(await second.getRun(runIds[0]!).status).toBe("running");
    } finally {
      await second.close();
    }
  });
});

describe("a sleep longer than the timer horizon", () => {
  it("waits in the World by due time, not as a timer in memory, and fires when due", async () => {
    const clock = new VirtualClock(1_700_000_000_000);
    const released: string[] = [];
    const wrap = (world: World): World =>
      new Proxy(world, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (prop === "release")
            return (ids: MessageId[]) => {
              released.push(...ids);
              return target.release(ids);
            };
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    // As the test kit makes it: the World's time is the virtual clock's too.
    const rt = new Runtime({
      world: wrap(memoryWorld({ now: () => clock.now() })),
      workflows: await buildFixtures(["basic.ts"]),
      clock,
      log: () => {},
    });
    await rt.recover();
    const t = { runtime: rt };
    try {
      const run = await rt.start("workflow//basic//forever");
      await waitFor("the sleep's timer handed back to the World", () => released.length === 1 && rt.idle);
      const events = await t.runtime.world.readEvents(run.runId);
      const sleep = events.find((e) => e.type === "sleep_scheduled") as { wakeAt: number };
      expect(sleep.wakeAt - clock.now()).toBeGreaterThan(TIMER_HORIZON_MS);
      // The one timer on the clock is the scheduler's wake-up for the earliest stored work
      // (capped at Node's longest timeout, 24.8 days: the 30-day sleep takes two wake-ups).
      expect(clock.pending).toBe(1);
      expect(clock.nextAt()).toBeLessThanOrEqual(sleep.wakeAt);
      while (clock.now() < sleep.wakeAt) {
        clock.set(Math.min(clock.nextAt()!, sleep.wakeAt));
        await waitFor(
          "the wake-up polled",
          () => rt.idle && (clock.pending > 0 || clock.now() >= sleep.wakeAt),
        );
      }
      expect(await run.returnValue).toBe("woke");
    } finally {
      await t.runtime.close();
    }
  });
});

describe("the slots new instances are made through", () => {
  it("let at most their size run at once, and the rest in the order they came", async () => {
    const slots = new Slots(2);
    const order: number[] = [];
    let running = 0;
    let most = 0;
    // Node 20 has no Promise.withResolvers.
    const gates = Array.from({ length: 5 }, () => {
      let resolve = () => {};
      const promise = new Promise<void>((r) => (resolve = r));
      return { promise, resolve };
    });
    const done = gates.map((gate, i) =>
      slots.run(async () => {
        running++;
        most = Math.max(most, running);
        order.push(i);
        await gate.promise;
        running--;
      }),
    );
    await waitFor("two running", () => running === 2);
    expect(order).toEqual([0, 1]);
    gates[1]!.resolve();
    await waitFor("the third started", () => order.length === 3);
    for (const gate of gates) gate.resolve();
    await Promise.all(done);
    expect([order, most]).toEqual([[0, 1, 2, 3, 4], 2]);
  });
});
