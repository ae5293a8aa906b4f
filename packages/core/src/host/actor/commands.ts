import { opId, type RunId, runId as toRunId } from "@wfkit/world";
import type { Command } from "../../sandbox/protocol.js";
import { startChildPayload } from "./child-links.js";
import type { TurnRequest } from "./request.js";
import type { SleepTimers } from "./sleeps.js";

// The engine's commands are plain data from the sandbox (op ids are plain numbers
// there); here they become events, queue messages and hook changes, and their op
// ids get their brand.

/** Turns the engine's commands into the events, queue messages and hook changes of an append. */
export function addCommands(
  runId: RunId,
  request: TurnRequest,
  commands: Command[],
  responses: Array<[string, string]>,
  at: number,
  sleeps?: SleepTimers,
): void {
  for (const command of commands) {
    switch (command.type) {
      case "step":
        request.events.push({
          v: 1,
          type: "step_scheduled",
          opId: opId(command.opId),
          stepId: command.stepId,
          input: command.input,
          at,
        });
        request.enqueue.push({
          runId,
          kind: "step",
          opId: opId(command.opId),
          attempt: 1,
          payload: JSON.stringify({ stepId: command.stepId, name: command.name, input: command.input }),
          leased: true,
        });
        break;
      case "sleep":
        request.events.push({
          v: 1,
          type: "sleep_scheduled",
          opId: opId(command.opId),
          wakeAt: command.wakeAt,
          at,
        });
        request.enqueue.push({
          runId,
          kind: "timer",
          opId: opId(command.opId),
          availableAt: command.wakeAt,
          leased: true,
        });
        break;
      case "cancel_sleep": {
        // A sleep that lost a race: its timer goes (never written, if scheduled in this same append).
        const index = request.enqueue.findIndex((m) => m.kind === "timer" && m.opId === command.opId);
        if (index >= 0) request.enqueue.splice(index, 1);
        const id = sleeps?.cancel(command.opId);
        if (id !== undefined) request.ack.push(id);
        break;
      }
      case "hook":
        request.events.push({
          v: 1,
          type: "hook_created",
          opId: opId(command.opId),
          token: command.token,
          kind: command.kind,
          ...(command.metadata !== undefined && { metadata: command.metadata }),
          ...(command.respondWith !== undefined && { respondWith: command.respondWith }),
          ...(command.verify !== undefined && { verify: command.verify }),
          at,
        });
        request.hooks.create.push({
          token: command.token,
          opId: opId(command.opId),
          kind: command.kind,
          metadata: command.metadata,
          respondWith: command.respondWith,
          ...(command.verify !== undefined && { verify: command.verify }),
        });
        break;
      case "hook_conflict":
        // Refused by an earlier append: recorded where the code created the hook, nothing to create.
        request.events.push({
          v: 1,
          type: "hook_conflict",
          opId: opId(command.opId),
          token: command.token,
          ownerRunId: toRunId(command.ownerRunId),
          at,
        });
        break;
      case "dispose_hook":
        request.events.push({ v: 1, type: "hook_disposed", opId: opId(command.opId), at });
        request.hooks.release.push(command.token);
        break;
      case "respond":
        request.events.push({
          v: 1,
          type: "webhook_responded",
          requestId: command.requestId,
          response: command.response,
          at,
        });
        responses.push([command.requestId, command.response]);
        break;
      case "child":
        // The child is created by whichever process claims this message (host/children.ts), idempotently.
        request.events.push({
          v: 1,
          type: "child_started",
          opId: opId(command.opId),
          childRunId: toRunId(command.childRunId),
          workflowId: command.workflowId,
          at,
        });
        // On the child's queue: the parent's end (in this very append, perhaps) does not delete it.
        request.enqueue.push({
          runId: toRunId(command.childRunId),
          kind: "child",
          payload: startChildPayload(runId, command),
          dedupeKey: "start",
        });
        break;
      case "patch":
        request.events.push({
          v: 1,
          type: "patch_marker",
          opId: opId(command.opId),
          patchId: command.patchId,
          at,
        });
        break;
      default: {
        const never: never = command;
        throw new Error(`unknown command ${JSON.stringify(never)}`);
      }
    }
  }
}
