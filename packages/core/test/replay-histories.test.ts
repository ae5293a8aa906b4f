import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { isRunHistory, type RunHistory, replayHistories } from "../src/index.js";
import { buildFixtures } from "./runtime-helpers.js";

// Recorded histories (exported with `wf export`) replayed on the current fixture code.
const dir = path.join(path.dirname(new URL(import.meta.url).pathname), "histories");
const load = (folder: string): RunHistory[] =>
  readdirSync(folder)
    .filter((name) => name.endsWith(".json"))
    .map((name) => {
      const value: unknown = JSON.parse(readFileSync(path.join(folder, name), "utf8"));
      if (!isRunHistory(value)) throw new Error(`${name} is not an exported history`);
      return value;
    });

let workflows: Awaited<ReturnType<typeof buildFixtures>>;
beforeAll(async () => {
  workflows = await buildFixtures(["refunds.ts"]);
});

describe("replayHistories over the committed histories", () => {
  it("every recorded history replays on the current code: the one from before the patch and the patched one", () => {
    const histories = load(dir);
    expect(histories.length).toBe(2);
    // The folder holds both sides of the patch, so the check covers both branches.
    const patchedOnes = histories.filter((h) => h.events.some((e) => e.type === "patch_marker"));
    expect(patchedOnes).toHaveLength(1);
    expect(replayHistories(histories, workflows)).toEqual({ replayed: 2, divergences: [] });
  });

  it("reports the deliberately diverging history with its run id and log position", () => {
    const [history] = load(path.join(dir, "diverged"));
    const report = replayHistories([history!], workflows);
    expect(report.replayed).toBe(1);
    expect(report.divergences).toEqual([
      {
        runId: history!.run.runId,
        workflowId: "workflow//refunds//refundOrder",
        position: 6,
        code: "WF_REPLAY_DIVERGED",
        message: expect.stringContaining("step step//refunds//notifyCustomer"),
      },
    ]);
    expect(history!.events[5]).toMatchObject({ seq: 6, stepId: "step//refunds//notifyCustomer" });
  });

  it("a completed history whose code now does more work, and one of a workflow no longer in the build, are reported", () => {
    const [before] = load(dir).filter((h) => !h.events.some((e) => e.type === "patch_marker"));
    // Cut at the sleep: the recorded run "completed" before its refund, which the code still calls.
    const cut = before!.events.slice(0, 4);
    const completed = { ...cut[3]!, type: "run_completed", output: "j1", seq: 5 } as never;
    const early: RunHistory = { ...before!, events: [...cut, completed] };
    const gone: RunHistory = {
      ...before!,
      run: { ...before!.run, workflowId: "workflow//refunds//renamed" },
    };
    const report = replayHistories([early, gone], workflows);
    expect(report.divergences.map((d) => [d.code, d.position])).toEqual([
      ["WF_REPLAY_MORE_WORK", 5],
      ["WF_WORKFLOW_NOT_FOUND", 1],
    ]);
  });
});
