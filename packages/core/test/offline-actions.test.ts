// resumeStoredHook and rerunStoredRun: what they refuse, and that a refusal records nothing.
// (The CLI's offline-actions test drives them end to end, through a restarted server.)
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { rerunStoredRun, resumeStoredHook } from "../src/inspect/index.js";
import { testRuntime } from "./runtime-helpers.js";

const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-offline-"));
afterAll(() => rm(dataDir, { recursive: true, force: true }));

describe("resuming and rerunning on a World no runtime drives", () => {
  it("refuses webhook tokens, unknown tokens and unknown runs, recording nothing; a rerun waits for the next runtime", async () => {
    const t = await testRuntime(["inspect.ts"], {}, () => sqliteWorld({ dataDir }));
    const run = await t.runtime.start(t.id("inspect.ts", "order"), ["offline-k", 3]);
    const webhook = await waitFor("the webhook", async () =>
      (await t.runtime.world.listHooks({ runId: run.runId })).find((h) => h.kind === "webhook"),
    );
    await t.runtime.close();

    const world = sqliteWorld({ dataDir });
    try {
      const before = (await world.getRun(run.runId))!.lastSeq;
      await expect(resumeStoredHook(world, webhook.token, {})).rejects.toMatchObject({
        code: "WF_HOOK_IS_WEBHOOK",
      });
      await expect(resumeStoredHook(world, "no-such-token", {})).rejects.toMatchObject({
        code: "WF_HOOK_NOT_FOUND",
      });
      await expect(rerunStoredRun(world, "wrun_nope")).rejects.toMatchObject({ code: "WF_RUN_NOT_FOUND" });
      expect((await world.getRun(run.runId))!.lastSeq).toBe(before);

      // A rerun: the same workflow and input, pending, with a turn message for the next runtime.
      const again = await rerunStoredRun(world, run.runId);
      expect(again.rerunOf).toBe(run.runId);
      const created = await world.getRun(again.runId);
      expect(created).toMatchObject({ status: "pending", workflowId: t.id("inspect.ts", "order") });
      expect(created!.input).toBe((await world.getRun(run.runId))!.input);
      const queued = await world.claim({ limit: 10, now: Date.now(), leaseMs: 1000 });
      expect(queued.filter((m) => m.runId === again.runId).map((m) => m.kind)).toEqual(["turn"]);
    } finally {
      await world.close();
    }
  });
});
