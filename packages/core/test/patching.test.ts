import { beforeAll, describe, expect, it } from "vitest";
import type { SandboxScript } from "../src/host/sandbox-vm.js";
import { deserialize, serialize } from "../src/serialization/index.js";
import { LogDriver, replay, sandboxScript } from "./helpers.js";

// v1 refunds with step a; v2 asks patched("fix-refund") first and refunds with step b.
// v3 has retired the patch with deprecatePatch; v4 removed the call altogether.
const SOURCE = `
import { patched, deprecatePatch, sleep } from "@wfkit/core/workflow";
import { registerWorkflow, stepProxy } from "@wfkit/core/workflow/internal";
const a = stepProxy("step//t//a", "a");
const b = stepProxy("step//t//b", "b");

registerWorkflow(async function v1() {
  await sleep("1d");
  return a(1);
}, "workflow//t//v1");

registerWorkflow(async function v2() {
  await sleep("1d");
  if (patched("fix-refund")) return b(1);
  return a(1);
}, "workflow//t//v2");

registerWorkflow(async function v3() {
  await sleep("1d");
  deprecatePatch("fix-refund");
  return b(1);
}, "workflow//t//v3");

registerWorkflow(async function v4() {
  await sleep("1d");
  return b(1);
}, "workflow//t//v4");

registerWorkflow(async function twice() {
  const first = patched("p");
  const again = patched("p");
  return [first, again];
}, "workflow//t//twice");

registerWorkflow(async function bad() {
  return patched("");
}, "workflow//t//bad");
`;

let script: SandboxScript;
beforeAll(async () => {
  script = await sandboxScript(SOURCE);
});

const sleepScheduled = { type: "sleep_scheduled", opId: 1, wakeAt: 1 };
const sleepFired = { type: "sleep_fired", opId: 1 };

describe("patched()", () => {
  it("a new run takes the patch and records its marker where it was asked", () => {
    const d = new LogDriver(script, "workflow//t//v2", serialize([]));
    expect(d.start()).toMatchObject([{ type: "sleep", opId: 1 }]);
    expect(d.apply(sleepFired)).toEqual([
      { type: "patch", opId: 2, patchId: "fix-refund" },
      expect.objectContaining({ type: "step", opId: 3, stepId: "step//t//b" }),
    ]);
  });

  it("a history recorded before the change replays with false (the old branch), without divergence", () => {
    // v1's history, up to its refund step: the run passed the patch point on old code.
    const history = [
      sleepScheduled,
      sleepFired,
      { type: "step_scheduled", opId: 2, stepId: "step//t//a", input: "" },
    ];
    const { commands, state } = replay(script, "workflow//t//v2", serialize([]), history);
    expect(state).toEqual({ status: "running" });
    expect(commands).toEqual([]);
  });

  it("a run that was waiting before the patch point on old code takes the patch when it gets there", () => {
    const { commands, state } = replay(script, "workflow//t//v2", serialize([]), [
      sleepScheduled,
      sleepFired,
    ]);
    expect(state).toEqual({ status: "running" });
    expect(commands).toEqual([
      { type: "patch", opId: 2, patchId: "fix-refund" },
      expect.objectContaining({ type: "step", opId: 3, stepId: "step//t//b" }),
    ]);
  });

  const patchedHistory = [
    sleepScheduled,
    sleepFired,
    { type: "patch_marker", opId: 2, patchId: "fix-refund" },
    { type: "step_scheduled", opId: 3, stepId: "step//t//b", input: "" },
    { type: "step_completed", opId: 3, output: serialize("b"), attempt: 1 },
  ];

  it("a history with the marker replays with true on v2, on v3 (deprecatePatch) and on v4 (call removed)", () => {
    for (const id of ["v2", "v3", "v4"]) {
      const { state } = replay(script, `workflow//t//${id}`, serialize([]), patchedHistory);
      expect(state.status, id).toBe("completed");
      expect(deserialize((state as { output: string }).output), id).toBe("b");
    }
  });

  it("the patched history diverges on v1, which has no patch: the old code is not silently used", () => {
    const { state } = replay(script, "workflow//t//v1", serialize([]), patchedHistory);
    expect(state.status).toBe("failed");
    const error = deserialize<{ code: string; message: string }>((state as { error: string }).error);
    expect(error.code).toBe("WF_REPLAY_DIVERGED");
    expect(error.message).toContain("position 5 (step_scheduled)");
  });

  it("deprecatePatch records the marker on new runs, so code that still asks patched() replays them patched", () => {
    const d = new LogDriver(script, "workflow//t//v3", serialize([]));
    d.start();
    expect(d.apply(sleepFired)).toEqual([
      { type: "patch", opId: 2, patchId: "fix-refund" },
      expect.objectContaining({ type: "step", opId: 3 }),
    ]);
  });

  it("asking for the same patch twice records one marker per call, each matched on replay", () => {
    const d = new LogDriver(script, "workflow//t//twice", serialize([]));
    expect(d.start()).toEqual([
      { type: "patch", opId: 1, patchId: "p" },
      { type: "patch", opId: 2, patchId: "p" },
    ]);
    const { state } = replay(script, "workflow//t//twice", serialize([]), [
      { type: "patch_marker", opId: 1, patchId: "p" },
      { type: "patch_marker", opId: 2, patchId: "p" },
    ]);
    expect(deserialize((state as { output: string }).output)).toEqual([true, true]);
  });

  it("a bad patch id fails the run with WF_PATCH_ID_INVALID", () => {
    const d = new LogDriver(script, "workflow//t//bad", serialize([]));
    d.start();
    const state = d.state();
    expect(state.status).toBe("failed");
    expect(deserialize<{ code: string }>((state as { error: string }).error).code).toBe(
      "WF_PATCH_ID_INVALID",
    );
  });
});
