import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { World } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { testRuntime } from "./runtime-helpers.js";

// A hook created on a workflow's first line is live once start() resolves: a caller
// may resume it at once, from this process or any other, on every World.

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const worlds: Array<[string, () => (w: World) => World]> = [
  ["memory", () => (w) => w],
  [
    "sqlite",
    () => {
      const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-sem-first-"));
      dirs.push(dataDir);
      return () => sqliteWorld({ dataDir });
    },
  ],
];

describe.each(worlds)("a hook of the first turn on %s", (_name, makeWorld) => {
  it("takes a payload right after start() resolves, 10 of 10 times", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"], {}, makeWorld());
    try {
      for (let i = 0; i < 10; i++) {
        const token = `first-line-${i}`;
        const run = await runtime.start(id("semantics.ts", "firstLineHook"), [token]);
        await runtime.resumeHook(token, { value: i });
        expect(await runtime.getRun(run.runId).returnValue).toEqual({ value: i });
      }
    } finally {
      await runtime.close();
    }
  });

  it("has a webhook of the first turn listed once start() resolves", async () => {
    const { runtime, id } = await testRuntime(["semantics.ts"], {}, makeWorld());
    try {
      for (let i = 0; i < 10; i++) {
        const run = await runtime.start(id("semantics.ts", "firstLineWebhook"));
        const hooks = await runtime.world.listHooks({ runId: run.runId });
        expect(hooks.map((h) => h.kind)).toEqual(["webhook"]);
      }
    } finally {
      await runtime.close();
    }
  });
});
