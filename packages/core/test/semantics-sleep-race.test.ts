import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import type { MessageId, World } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

// A sleep that loses a race is cancelled: its queued timer is removed with the turn
// that settled the race, and no wake-up is ever appended for it.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const worlds: Array<[string, () => (w: World) => World]> = [
  ["memory", () => (w) => w],
  [
    "sqlite",
    () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-sem-sleep-"));
      dirs.push(dataDir);
      return () => sqliteWorld({ dataDir });
    },
  ],
];

describe.each(worlds)("a sleep that loses a race on %s", (_name, makeWorld) => {
  it.each([
    ["bare", false],
    ["wrapped in .then()", true],
  ])("is cancelled (%s): no timer queued, no wake-up in the log", async (_shape, wrapped) => {
    // The timer messages the runtime queued, seen as the World hands them back.
    const timers: MessageId[] = [];
    const inner = makeWorld();
    const { runtime, id } = await testRuntime(["semantics.ts"], {}, (w) => {
      const world = inner(w);
      return new Proxy(world, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (prop !== "append") return typeof value === "function" ? value.bind(target) : value;
          return async (...args: Parameters<World["append"]>) => {
            const result = await target.append(...args);
            if (result.ok) for (const m of result.messages) if (m.kind === "timer") timers.push(m.id);
            return result;
          };
        },
      }) as World;
    });
    try {
      const token = `race-${wrapped}`;
      const run = await runtime.start(id("semantics.ts", "hookBeatsSleep"), [token, wrapped]);
      await runtime.resumeHook(token, 5);
      await waitFor("the second hook", async () => runtime.world.getHook(`${token}-done`));
      // Leased to this process, a queued timer is invisible to claim: released (as a restart
      // would), and two hours from now, it would be due. None is left.
      expect(timers.length).toBeGreaterThan(0);
      await runtime.world.release(timers);
      const due = await runtime.world.claim({ now: Date.now() + 2 * 3600_000, leaseMs: 1000, limit: 100 });
      expect(due.filter((m) => m.runId === run.runId)).toEqual([]);
      await runtime.resumeHook(`${token}-done`, "ok");
      expect(await runtime.getRun(run.runId).returnValue).toBe(5);
      const types = (await runtime.world.readEvents(run.runId)).map((e) => e.type);
      expect(types).toContain("sleep_scheduled");
      expect(types).not.toContain("sleep_fired");
    } finally {
      await runtime.close();
    }
  });
});

describe("a cancelled sleep across a restart (SQLite)", () => {
  it("leaves no timer for the next process, and the run finishes without a wake-up", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-sem-sleep-restart-"));
    dirs.push(dataDir);
    const first = await testRuntime(["semantics.ts"], {}, () => sqliteWorld({ dataDir }));
    const run = await first.runtime.start(first.id("semantics.ts", "hookBeatsSleep"), ["restart", true]);
    await first.runtime.resumeHook("restart", 9);
    await waitFor("the second hook", async () => first.runtime.world.getHook("restart-done"));
    await first.runtime.close();

    const second = await testRuntime(["semantics.ts"], {}, () => sqliteWorld({ dataDir }));
    try {
      // The first process's leases died with it: a timer still queued would be claimable now.
      const due = await second.runtime.world.claim({
        now: Date.now() + 2 * 3600_000,
        leaseMs: 1000,
        limit: 100,
      });
      expect(due.filter((m) => m.runId === run.runId)).toEqual([]);
      await second.runtime.resumeHook("restart-done", "ok");
      expect(await second.runtime.getRun(run.runId).returnValue).toBe(9);
      const types = (await second.runtime.world.readEvents(run.runId)).map((e) => e.type);
      expect(types).not.toContain("sleep_fired");
    } finally {
      await second.runtime.close();
    }
  });
});
