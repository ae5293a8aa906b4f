import { isTerminal, type RunRecord, type World } from "@wfkit/world";
import { WorkflowRunNotFoundError } from "../errors/subclasses.js";
import { WorkflowError } from "../errors/workflow-error.js";

/**
 * Cancels a run by writing to its World directly, with no runtime: for tools
 * that hold a data folder no server runs on (`wf cancel --data-dir`, `wf ui
 * --data-dir`). It appends what a runtime's cancel appends (`run_cancelled`
 * and the cancelled status, which releases the run's hooks and drops its queued
 * work), checked against the run's last event, so a concurrent writer makes
 * it fail rather than interleave. A run that has ended is returned as it is.
 * Throws WF_RUN_NOT_FOUND.
 */
export async function cancelStoredRun(world: World, runId: string): Promise<RunRecord> {
  const run = await world.getRun(runId);
  if (!run) throw new WorkflowRunNotFoundError(runId);
  if (isTerminal(run.status)) return run;
  const now = Date.now();
  const result = await world.append({
    runId: run.runId,
    expectedSeq: run.lastSeq,
    events: [{ v: 1, type: "run_cancelled", at: now }],
    run: { status: "cancelled", completedAt: now, ...(run.startedAt === undefined && { startedAt: now }) },
  });
  if (!result.ok && result.reason !== "run_ended") {
    throw new WorkflowError(
      "WF_INSPECT_READ_ONLY",
      `Run ${runId} changed while it was being cancelled (${result.reason}): another process writes to this World.`,
      "Cancel it through the process that runs it: wf cancel <runId> --url <its address>.",
    );
  }
  return (await world.getRun(runId)) ?? run;
}
