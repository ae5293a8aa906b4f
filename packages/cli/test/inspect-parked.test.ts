// `wf inspect run --data-dir` on a parked run, with no server: the reason is read from the
// run_parked marker in the run's log (written here through the SQLite World, as a runtime
// that parked the run would have), and is gone once the log continues past it.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { opId, runId } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, wf } from "./helpers.js";

let tmp: string;
beforeAll(() => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-inspect-parked-"));
});
afterAll(() => {
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("wf inspect run on a parked run", () => {
  it("prints the parked line while the marker is the log's last event, and not after the run continued", async () => {
    const id = runId("wrun_01m8n0n29v8ex1f1tnv9rh6nnq");
    const dataDir = path.join(tmp, "data");
    const world = sqliteWorld({ dataDir });
    const message =
      "Workflow code diverged from its event log at position 2 (hook_created): the log records a hook.";
    try {
      await world.createRun({ runId: id, workflowId: "workflow//orders//order", input: 'j["x"]', at: 1_000 });
      const parked = await world.append({
        runId: id,
        expectedSeq: 1,
        events: [{ v: 1, type: "run_parked", code: "WF_REPLAY_DIVERGED", message, position: 2, at: 2_000 }],
        run: { status: "running", startedAt: 1_000 },
      });
      expect(parked.ok).toBe(true);
    } finally {
      await world.close();
    }
    const shown = await wf(["inspect", "run", id, "--data-dir", "data"], tmp);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`parked: WF_REPLAY_DIVERGED at position 2: ${message}`);
    const json = JSON.parse((await wf(["inspect", "run", id, "--data-dir", "data", "--json"], tmp)).stdout);
    expect(json.parked).toEqual({ code: "WF_REPLAY_DIVERGED", message, position: 2, since: 2_000 });

    const again = sqliteWorld({ dataDir });
    try {
      const next = await again.append({
        runId: id,
        expectedSeq: 2,
        events: [{ v: 1, type: "sleep_scheduled", opId: opId(1), wakeAt: 10_000, at: 3_000 }],
      });
      expect(next.ok).toBe(true);
    } finally {
      await again.close();
    }
    const continued = await wf(["inspect", "run", id, "--data-dir", "data"], tmp);
    expect(continued.code, continued.stderr).toBe(0);
    expect(continued.stdout).not.toContain("parked");
  });
});
