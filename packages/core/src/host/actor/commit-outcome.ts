import type { AppendFailure, AppendResult, HookConflict } from "@wfkit/world";
import type { RuntimeCore } from "../types.js";
import type { EagerSteps } from "./eager.js";
import type { TurnRequest } from "./request.js";
import { heldOnSharedWorld } from "./shared.js";
import type { SleepTimers } from "./sleeps.js";
import type { RunInput, Turn } from "./turn.js";

// What a run's actor does with the World's answer to an append (the
// CommitPipeline's `committed` and `refused` callbacks, mailbox.ts): callers
// told, queue messages handed on, refused inputs sorted into retry or refusal.

/**
 * A turn is in the log: its inputs' callers are told, its manual webhook responses
 * handed over, and (unless the run ended: returns true, the actor finishes it)
 * its acked messages unscheduled and its new ones dispatched.
 */
export function settleCommitted(
  core: RuntimeCore,
  sleeps: SleepTimers,
  eager: EagerSteps,
  turn: Turn,
  batch: RunInput[],
  result: Extract<AppendResult, { ok: true }>,
): boolean {
  const { request } = turn;
  for (const input of batch) input.done?.(true);
  for (const [requestId, response] of turn.responses) void core.world.putResponse(requestId, response);
  if (request.run?.status && request.run.status !== "running") return true;
  if (request.ack.length > 0) core.unschedule(request.ack);
  const timers = sleeps.committed(result.messages);
  // Timers of sleeps cancelled before their scheduling committed: never scheduled.
  if (timers.drop.length > 0) void core.world.ack(timers.drop).catch(() => {});
  const messages = eager.committed(turn, batch, timers.keep);
  core.dispatch(core.sharedLeaseMs === undefined ? messages : heldOnSharedWorld(messages));
  return false;
}

/**
 * An append was refused: nothing of `batch` (the inputs not recorded before) is in the log.
 * Returns the inputs to post again, in order, after a replay; or null when the run ended
 * or is gone (their callers are told). A hook conflict is added to `conflicts`, for the
 * next load to hand the instance.
 */
export function sortRefused(
  core: RuntimeCore,
  result: AppendFailure,
  request: TurnRequest,
  batch: RunInput[],
  conflicts: HookConflict[],
): RunInput[] | null {
  switch (result.reason) {
    case "conflict":
      return batch;
    case "duplicate": {
      const keep = batch.filter((input) => input.dedupeKey !== result.key);
      for (const input of batch) {
        if (input.dedupeKey !== result.key) continue;
        // The duplicate's queue message is consumed all the same.
        if (input.ack?.length) void core.world.ack(input.ack);
        input.done?.(false);
      }
      return keep;
    }
    case "duplicate_delivery": {
      // Recorded before (by another process: this one appends one delivery id at a time).
      const same = (input: RunInput) =>
        input.delivery?.token === result.token && input.delivery.id === result.id;
      for (const input of batch) if (same(input)) input.done?.(false);
      return batch.filter((input) => !same(input));
    }
    case "hook_conflict": {
      const create = request.hooks.create.find((h) => h.token === result.token);
      if (!create) throw new Error(`the World refused the token ${result.token}, which the append lacks`);
      // Conflicts learned before and recorded in this append are lost with it: keep them.
      for (const event of request.events) if (event.type === "hook_conflict") conflicts.push(event);
      conflicts.push({
        v: 1,
        type: "hook_conflict",
        opId: create.opId,
        token: result.token,
        ownerRunId: result.ownerRunId,
      });
      return batch;
    }
    case "run_ended":
    case "run_not_found":
      for (const input of batch) input.done?.(false);
      return null;
  }
}
