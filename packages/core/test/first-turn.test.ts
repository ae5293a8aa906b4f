import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import type { World } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

// A run whose first turn creates hooks commits in two steps: the run (with a `turn`
// message that says it needs that turn), then the turn. A process that stops in
// between leaves the message; the next process claims it and appends the turn.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("a first turn cut short", () => {
  it("is appended by the next process, from the turn message the run was created with", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-first-turn-"));
    dirs.push(dataDir);
    // The first process dies after createRun: its appends never reach the World.
    const first = await testRuntime(["hooks.ts"], {}, () => {
      const world = sqliteWorld({ dataDir });
      return new Proxy(world, {
        get(target, prop) {
          if (prop === "append") return () => new Promise(() => {});
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }) as World;
    });
    // start() waits for the first turn's commit, which never comes here: the run is in the World all the same.
    void first.runtime.start(first.id("hooks.ts", "hookWait"), ["first-turn-token"]).catch(() => {});
    const [run] = await waitFor("the run created", async () => {
      const runs = await first.runtime.world.listRuns({});
      return runs.length > 0 ? runs : undefined;
    });
    if (!run) throw new Error("no run");
    expect(await first.runtime.world.listHooks({ runId: run.runId })).toEqual([]);
    await first.runtime.close();

    const second = await testRuntime(["hooks.ts"], {}, () => sqliteWorld({ dataDir }));
    try {
      const hook = await waitFor("the hook of the first turn", async () =>
        second.runtime.world.getHook("first-turn-token"),
      );
      expect(hook.runId).toBe(run.runId);
      await second.runtime.resumeHook("first-turn-token", { value: 7 });
      expect(await second.runtime.getRun(run.runId).returnValue).toEqual({ value: 7 });
    } finally {
      await second.runtime.close();
    }
  });
});
