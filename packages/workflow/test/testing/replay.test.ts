// The test kit's replay check (docs/testing.md, "Replay checks"): committed histories,
// exported from earlier runs, replayed on the current workflow code.
import path from "node:path";
import { afterEach, expect, it } from "vitest";
import { createTestEnv, loadHistories, replayHistories, type TestEnv } from "workflow/testing";
import { onboarding } from "./workflows/onboarding";

const root = import.meta.dirname;
const files = ["workflows/onboarding.ts"];
let env: TestEnv | undefined;
afterEach(async () => {
  await env?.close();
  env = undefined;
});

it("every committed history replays on the current code", async () => {
  const report = await replayHistories("histories", { files, root });
  expect(report).toEqual({ replayed: 2, divergences: [] });
});

it("reports a history recorded on different code with its run id and log position", async () => {
  const [old] = loadHistories(
    path.join(root, "histories", "diverged", "onboarding-before-tips-removed.json"),
  );
  const report = await replayHistories([old!], { files, root });
  expect(report.divergences).toEqual([
    {
      runId: old!.run.runId,
      workflowId: "workflow//workflows/onboarding//onboarding",
      position: 4,
      code: "WF_REPLAY_DIVERGED",
      message: expect.stringContaining("at position 4 (step_scheduled)"),
    },
  ]);
});

it("a history recorded in a test environment replays", async () => {
  env = await createTestEnv({ files, root });
  const run = await env.start(onboarding, ["grace@example.com"]);
  await env.advance("7d");
  const history = await env.history(run);
  expect(history.format).toBe("wfkit.history");
  expect(await replayHistories([history], { files, root })).toEqual({ replayed: 1, divergences: [] });
});

it("names a path that holds no history with WF_TEST_HISTORY_INVALID", async () => {
  await expect(replayHistories("no-such-folder", { files, root })).rejects.toThrow(/WF_TEST_HISTORY_INVALID/);
  expect(() => loadHistories(path.join(root, "workflows"))).not.toThrow();
  expect(() => loadHistories(path.join(root, "onboarding.test.ts"))).toThrow(
    /WF_TEST_HISTORY_INVALID.*not JSON/,
  );
});
