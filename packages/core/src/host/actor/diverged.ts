import type { RunId, StoredEvent } from "@wfkit/world";
import { WorkflowError } from "../../errors/workflow-error.js";
import type { EngineState } from "../../sandbox/protocol.js";
import { deserialize } from "../../serialization/index.js";
import type { RuntimeCore } from "../types.js";
import { newTurnRequest } from "./request.js";

/** Why a replay diverged: the first line of the error and the log position it names. */
export interface Divergence {
  message: string;
  /** The log position (seq) where the code diverged; 0 if the message names none. */
  position: number;
}

/**
 * The divergence of a replay that ended in WF_REPLAY_DIVERGED (the code no longer matches
 * the run's log), or undefined. Such a run is parked instead of failed: its log is
 * intact, and code that matches it (a deploy with `patched()`, or the old code back)
 * continues it.
 */
export function divergenceOf(state: EngineState): Divergence | undefined {
  if (state.status !== "failed") return undefined;
  try {
    const error = deserialize<{ code?: unknown; message?: unknown }>(state.error);
    if (error?.code !== "WF_REPLAY_DIVERGED") return undefined;
    const message = String(error.message).split("\n")[0]!;
    // The engine's message says "at position N" (sandbox/engine.ts).
    const position = Number(/at position (\d+)/.exec(message)?.[1] ?? 0);
    return { message, position };
  } catch {
    return undefined;
  }
}

/**
 * Appends a `run_parked` marker, so status and inspect show why the run waits (from any
 * process, with no server). Skipped when the log already ends with a marker at the same
 * position: a reload that parks again does not grow the log. A refused append (another
 * process appended first) is left alone: that process's load records its own marker.
 */
export async function recordParked(
  core: RuntimeCore,
  runId: RunId,
  last: StoredEvent,
  divergence: Divergence,
): Promise<void> {
  if (last.type === "run_parked" && last.position === divergence.position) return;
  const request = newTurnRequest(runId, last.seq);
  request.events.push({
    v: 1,
    type: "run_parked",
    code: "WF_REPLAY_DIVERGED",
    message: divergence.message,
    position: divergence.position,
    at: core.clock.now(),
  });
  try {
    await core.world.append(request);
  } catch (error) {
    core.log("warn", [`wfkit: run ${runId} is parked; its run_parked marker was not recorded:`, error]);
  }
}

/**
 * What a caller whose payload waited on a parked run hears when the runtime closes:
 * the run never took it, so nothing was recorded, and it must be sent again.
 */
export function parkedAtClose(runId: RunId, why: string): WorkflowError {
  return new WorkflowError(
    "WF_RUN_PARKED",
    `The run ${runId} is parked (${why}), and the runtime closed before the run could take this input: it was not recorded.`,
    `Send it again once code that matches the run's log is deployed; \`wf inspect run ${runId}\` shows where the run parked.`,
  );
}
