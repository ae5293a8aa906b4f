import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

// A hook wait that loses a race leaves the line, however the hook promise was wrapped:
// the next payload goes to the next wait on that hook (the peer's bug #4264 is the shape).

describe("a payload after a hook wait lost a race", () => {
  const shapes = ["bare", "then", "chain", "helper"];
  const nexts = ["await", "for-await"];
  const cases = shapes.flatMap((shape) => nexts.map((next) => [shape, next] as const));

  it.each(cases)("hook wrapped %s, next wait by %s: reaches the next wait", async (shape, next) => {
    const { runtime, id } = await testRuntime(["semantics.ts"]);
    try {
      const token = `lost-${shape}-${next}`;
      const run = await runtime.start(id("semantics.ts", "wrappedHookLosesRace"), [token, shape, next]);
      await waitFor("the race lost", async () => runtime.world.getHook(`${token}-ready`));
      await runtime.resumeHook(token, 7);
      const record = await waitFor("the run ended", async () => {
        const r = await runtime.world.getRun(run.runId);
        return r && r.status !== "running" ? r : undefined;
      });
      expect(record.status).toBe("completed");
      expect(await runtime.getRun(run.runId).returnValue).toEqual(["timeout", 7]);
    } finally {
      await runtime.close();
    }
  });
});

describe("what a race does not call off", () => {
  it("keeps a wait on another hook begun before the race", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"]);
    try {
      const run = await runtime.start(id("semantics.ts", "waitBeforeRace"), ["kept"]);
      await waitFor("the race lost", async () => runtime.world.getHook("kept-ready"));
      await runtime.resumeHook("kept", 4);
      expect(await runtime.getRun(run.runId).returnValue).toEqual(["timeout", 40]);
    } finally {
      await runtime.close();
    }
  });
});

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("a lost hook wait across a restart (SQLite)", () => {
  it("the replayed run still gives the next payload to the next wait", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-sem-hook-restart-"));
    dirs.push(dataDir);
    const first = await testRuntime(["semantics.ts"], {}, () => sqliteWorld({ dataDir }));
    const run = await first.runtime.start(first.id("semantics.ts", "wrappedHookLosesRace"), [
      "restart",
      "helper",
      "await",
    ]);
    await waitFor("the race lost", async () => first.runtime.world.getHook("restart-ready"));
    await first.runtime.close();

    const second = await testRuntime(["semantics.ts"], {}, () => sqliteWorld({ dataDir }));
    try {
      await second.runtime.resumeHook("restart", 8);
      expect(await second.runtime.getRun(run.runId).returnValue).toEqual(["timeout", 8]);
    } finally {
      await second.runtime.close();
    }
  });
});
