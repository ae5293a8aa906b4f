// The runtime's change feed (host/run-changes.ts): told after each committed
// createRun and append of a real in-memory World, never for a refused one.
import { runId } from "@wfkit/world";
import { memoryWorld } from "@wfkit/world/memory";
import { describe, expect, it } from "vitest";
import { type RunChange, RunChanges } from "../src/host/run-changes.js";

describe("RunChanges", () => {
  it("tells listeners about created runs and committed appends, after the commit", async () => {
    const changes = new RunChanges();
    const world = changes.wrap(memoryWorld());
    const seen: RunChange[] = [];
    const stop = changes.subscribe((change) => seen.push(change));
    const id = runId("wrun_changes1");

    await world.createRun({ runId: id, workflowId: "wf//a", input: "[]", at: 1 });
    // Listeners run after the committing call has returned (a microtask later).
    await Promise.resolve();
    expect(seen).toEqual([
      {
        kind: "created",
        runId: id,
        workflowId: "wf//a",
        status: "pending",
        lastSeq: 1,
        events: ["run_created"],
      },
    ]);

    await world.append({
      runId: id,
      expectedSeq: 1,
      events: [{ v: 1, type: "run_cancelled", at: 2 }],
      run: { status: "cancelled", completedAt: 2 },
    });
    // Refused (the run has ended): nothing is told.
    const refused = await world.append({ runId: id, events: [{ v: 1, type: "run_cancelled", at: 3 }] });
    expect(refused.ok).toBe(false);
    await Promise.resolve();
    expect(seen.slice(1)).toEqual([
      { kind: "appended", runId: id, status: "cancelled", lastSeq: 2, events: ["run_cancelled"] },
    ]);

    stop();
    await world.createRun({ runId: runId("wrun_changes2"), workflowId: "wf//a", input: "[]", at: 4 });
    await Promise.resolve();
    expect(seen).toHaveLength(2);
  });

  it("tells close listeners once when the runtime closes, and at once when it had", () => {
    const changes = new RunChanges();
    let closed = 0;
    changes.subscribe(
      () => {},
      () => closed++,
    );
    changes.close();
    changes.close();
    expect(closed).toBe(1);
    changes.subscribe(
      () => {},
      () => closed++,
    );
    expect(closed).toBe(2);
  });
});
