import { waitFor as until } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { createInspector } from "../src/inspect/index.js";
import { testRuntime } from "./runtime-helpers.js";

let rt: Runtime;
let wf: (name: string) => string;

beforeAll(async () => {
  const t = await testRuntime(["children.ts"]);
  rt = t.runtime;
  wf = (name) => t.id("children.ts", name);
});
afterAll(() => rt?.close());

async function statusOf(runId: string) {
  return (await rt.world.getRun(runId))?.status;
}

describe("child runs: start() in workflow code", () => {
  it("the parent gets the child's return value; the child is a run of its own, linked to the parent", async () => {
    const parent = await rt.start(wf("parentAwaits"), [20]);
    const out = (await parent.returnValue) as { childRunId: string; value: number };
    expect(out.value).toBe(41);
    const child = await rt.world.getRun(out.childRunId);
    expect(child).toMatchObject({
      status: "completed",
      workflowId: wf("childDouble"),
      parentRunId: parent.runId,
    });
    // Listed like any run.
    const listed = await rt.world.listRuns({ workflowId: wf("childDouble") });
    expect(listed.map((r) => r.runId)).toContain(out.childRunId);
    // The parent's log records the start and the end, and no step held for the child's life.
    const types = (await rt.world.readEvents(parent.runId)).map((e) => e.type);
    expect(types).toEqual(["run_created", "child_started", "child_completed", "run_completed"]);
  });

  it("the child's failure reaches the parent as an error it catches, with the user's name and message", async () => {
    const parent = await rt.start(wf("parentCatches"), ["o-7"]);
    const out = (await parent.returnValue) as {
      caught: { name: string; message: string };
      childRunId: string;
    };
    expect(out.caught).toEqual({ name: "PaymentDeclined", message: "no funds for o-7" });
    expect(await statusOf(out.childRunId)).toBe("failed");
    const failing = await rt.start(wf("parentCatchesStepFailure"), ["o-8"]);
    expect(await failing.returnValue).toBe("card declined for o-8");
  });

  it("a child cancelled on its own reaches the parent as WorkflowRunCancelledError it catches", async () => {
    const parent = await rt.start(wf("parentCatchesCancel"), ["cancel-child-1"]);
    const childRunId = await until("the child running", async () => {
      const e = (await rt.world.readEvents(parent.runId)).find((x) => x.type === "child_started");
      if (e?.type !== "child_started") return undefined;
      return (await statusOf(e.childRunId)) === "running" ? e.childRunId : undefined;
    });
    await rt.getRun(childRunId).cancel();
    expect(await parent.returnValue).toEqual({ name: "WorkflowRunCancelledError", code: "WF_RUN_CANCELLED" });
  });

  it("cancelling the parent cancels its live child (cascade), and the child's end is not delivered to the ended parent", async () => {
    const parent = await rt.start(wf("parentOfWaiter"), ["cascade-1"]);
    const started = await until("the child run", async () => {
      const e = (await rt.world.readEvents(parent.runId)).find((x) => x.type === "child_started");
      return e?.type === "child_started" ? e.childRunId : undefined;
    });
    await until("the child running", async () =>
      (await statusOf(started)) === "running" ? true : undefined,
    );
    await rt.cancel(parent.runId);
    expect(await statusOf(parent.runId)).toBe("cancelled");
    await until("the child cancelled", async () =>
      (await statusOf(started)) === "cancelled" ? true : undefined,
    );
    const last = (await rt.world.readEvents(parent.runId)).at(-1);
    expect(last?.type).toBe("run_cancelled");
  });

  it("the cascade goes down every generation", async () => {
    const top = await rt.start(wf("grandparent"), ["generations-1"]);
    const childOf = (runId: string) =>
      until(`the child of ${runId} running`, async () => {
        const e = (await rt.world.readEvents(runId)).find((x) => x.type === "child_started");
        if (e?.type !== "child_started") return undefined;
        return (await statusOf(e.childRunId)) === "running" ? e.childRunId : undefined;
      });
    const middle = await childOf(top.runId);
    const bottom = await childOf(middle);
    await rt.cancel(top.runId);
    await until("both descendants cancelled", async () =>
      (await statusOf(middle)) === "cancelled" && (await statusOf(bottom)) === "cancelled" ? true : undefined,
    );
  });

  it("a parent that completes while its child still runs cancels the child", async () => {
    const parent = await rt.start(wf("parentLeavesChild"), ["leaves-1"]);
    const childRunId = (await parent.returnValue) as string;
    await until("the child cancelled", async () =>
      (await statusOf(childRunId)) === "cancelled" ? true : undefined,
    );
  });

  it("start() in workflow code refuses a non-workflow and arguments not in an array, recording nothing", async () => {
    const parent = await rt.start(wf("parentStartsWrongly"));
    expect(await parent.returnValue).toEqual(["WF_NOT_A_WORKFLOW", "WF_START_ARGS"]);
    const types = (await rt.world.readEvents(parent.runId)).map((e) => e.type);
    expect(types).toEqual(["run_created", "run_completed"]);
  });

  it("a child handle's live state is refused in workflow code with a code", async () => {
    const parent = await rt.start(wf("parentReadsStatus"));
    expect(await parent.returnValue).toBe("WF_CHILD_HANDLE_UNSUPPORTED");
  });

  it("inspect shows the link both ways", async () => {
    const parent = await rt.start(wf("parentAwaits"), [1]);
    const { childRunId } = (await parent.returnValue) as { childRunId: string };
    const inspector = createInspector(rt.world);
    const parentView = await inspector.inspectRun(parent.runId);
    expect(parentView.children).toEqual([
      expect.objectContaining({ runId: childRunId, workflowId: wf("childDouble"), status: "completed" }),
    ]);
    const childView = await inspector.inspectRun(childRunId);
    expect(childView.parentRunId).toBe(parent.runId);
  });
});
