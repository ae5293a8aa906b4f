// Resuming a hook and rerunning a run by writing to a World directly, with no
// runtime: for tools that hold a data folder no server runs on (`wf resume
// --data-dir`, `wf rerun --data-dir`). Neither runs workflow code: each records
// what a runtime would, plus a `turn` message, so the next runtime that opens
// the World (its `recover()` polls the queue) replays the run and carries on.
import type { RunId, World } from "@wfkit/world";
import { HookNotFoundError, WorkflowRunNotFoundError } from "../errors/subclasses.js";
import { WorkflowError } from "../errors/workflow-error.js";
import { type PayloadLimits, serializePayload } from "../host/body.js";
import { hookForPayload } from "../host/hook-delivery.js";
import { newRunId } from "../host/ids.js";

/**
 * Records `payload` for the live hook with this token, as `resumeHook` records
 * it (a `hook_received` event with the serialized payload, checked against the
 * same size and depth limits), with a `turn` message that makes the next
 * runtime on this World replay the run and continue it. Checked against the
 * run's last event, so a concurrent writer makes it fail rather than
 * interleave. Throws WF_HOOK_NOT_FOUND, WF_HOOK_IS_WEBHOOK, WF_PAYLOAD_TOO_LARGE,
 * WF_JSON_TOO_DEEP, WF_INSPECT_READ_ONLY.
 */
export async function resumeStoredHook(
  world: World,
  token: string,
  payload: unknown,
  limits: PayloadLimits = {},
): Promise<{ runId: RunId; token: string }> {
  const hook = await hookForPayload(world, token, "Call the webhook's URL while the app runs.");
  const serialized = await serializePayload(payload, limits);
  const run = await world.getRun(hook.runId);
  if (!run) throw new HookNotFoundError(token);
  const result = await world.append({
    runId: run.runId,
    expectedSeq: run.lastSeq,
    events: [{ v: 1, type: "hook_received", opId: hook.opId, payload: serialized, at: Date.now() }],
    enqueue: [{ runId: run.runId, kind: "turn" }],
  });
  if (!result.ok) {
    if (result.reason === "run_ended") throw new HookNotFoundError(token);
    throw changedMeanwhile(run.runId, result.reason);
  }
  return { runId: run.runId, token };
}

/**
 * Creates a new run of the same workflow with the same input as `runId`, left
 * pending with a `turn` message: the next runtime on this World starts it
 * (runs its first turn) at `recover()`. Throws WF_RUN_NOT_FOUND.
 */
export async function rerunStoredRun(world: World, runId: string): Promise<{ runId: RunId; rerunOf: RunId }> {
  const run = await world.getRun(runId);
  if (!run) throw new WorkflowRunNotFoundError(runId);
  const at = Date.now();
  const id = newRunId(at);
  await world.createRun({
    runId: id,
    workflowId: run.workflowId,
    input: run.input,
    at,
    enqueue: [{ runId: id, kind: "turn" }],
  });
  return { runId: id, rerunOf: run.runId };
}

function changedMeanwhile(runId: string, reason: string): WorkflowError {
  return new WorkflowError(
    "WF_INSPECT_READ_ONLY",
    `Run ${runId} changed while its hook was being resumed (${reason}): another process writes to this World.`,
    "Resume it through the process that runs it: wf resume <token> --url <its address>.",
  );
}
