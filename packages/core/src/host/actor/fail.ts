import type { EventInput, RunId } from "@wfkit/world";
import { serialize } from "../../serialization/index.js";
import type { ActivationError } from "../sandbox-host.js";
import { linkEndToFamily } from "./child-links.js";
import { newTurnRequest } from "./request.js";
import type { RunInput, Turn } from "./turn.js";

/**
 * The turn that fails a run whose code was stopped (a timeout, out of memory, a
 * stack overflow, a crash), also when its replay at start-up was (quarantine).
 * The batch's inputs are recorded as they came (but those recorded first), without being
 * applied: the instance that would apply them is gone. The run that started this one from
 * workflow code (`parentRunId`), if any, hears of its end (child-links.ts).
 */
export function failedTurn(
  runId: RunId,
  expectedSeq: number,
  started: boolean,
  error: ActivationError,
  batch: RunInput[],
  now: number,
  parentRunId?: RunId,
): Turn {
  const request = newTurnRequest(runId, expectedSeq);
  for (const input of batch) {
    if (input.ack) request.ack.push(...input.ack);
    if (input.dedupeKey) request.dedupeKeys.push(input.dedupeKey);
    if (input.delivery) request.deliveries.push(input.delivery);
    // A payload recorded first (record-first.ts) is in the log already.
    if (input.event && !input.recorded && input.event.type !== "run_cancelled") {
      request.events.push({ ...input.event, at: now } as EventInput);
    }
  }
  const failure = serialize(error);
  request.events.push({ v: 1, type: "run_failed", error: failure, at: now });
  request.run = {
    ...(started ? {} : { startedAt: now }),
    status: "failed",
    error: failure,
    completedAt: now,
  };
  linkEndToFamily(request, parentRunId, undefined);
  return { request, responses: [], eagerOps: new Set(), commands: [], needsCommitFirst: false };
}
