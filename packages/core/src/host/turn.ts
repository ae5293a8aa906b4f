import type { AppendRequest, EventInput, MessageInput } from "@wfkit/world";
import type { Command } from "../sandbox/protocol.js";

// What one turn of a run appends, and how turns gather into one append.

/** Something that happened to a run and must be appended to its log (a step result, a timer, a payload). */
export interface RunInput {
  event?: EventInput | Omit<EventInput, "at">;
  /** Queue messages this input consumes. */
  ack?: string[];
  enqueue?: MessageInput[];
  /** Refuses the input when an earlier append of the run used this key (a step that ran twice). */
  dedupeKey?: string;
  /** Told once the input is committed (true) or refused (false). */
  done?: (committed: boolean) => void;
  /** The result of a step started before its scheduling was committed: ack its message once known. */
  eagerOpId?: number;
}

/** One turn's share of an append. */
export interface Turn {
  request: AppendRequest;
  responses: Array<[string, string]>;
  /** Steps of this turn that started before the commit. */
  eagerOps: Set<number>;
  commands: Command[];
  /**
   * Steps must not start before this turn is durable: it creates a hook (a step may
   * hand its token out) or records a payload from outside (a step may answer the sender).
   */
  needsCommitFirst: boolean;
}

/** Appends `turn` to a pending one: both commit together, in order. */
export function mergeInto(pending: { turn: Turn; batch: RunInput[] }, turn: Turn, batch: RunInput[]): void {
  const a = pending.turn.request;
  const b = turn.request;
  a.events.push(...b.events);
  a.enqueue!.push(...b.enqueue!);
  a.ack!.push(...b.ack!);
  a.dedupeKeys!.push(...b.dedupeKeys!);
  a.hooks!.create!.push(...b.hooks!.create!);
  a.hooks!.release!.push(...b.hooks!.release!);
  if (b.run) a.run = { ...a.run, ...b.run };
  pending.turn.responses.push(...turn.responses);
  for (const op of turn.eagerOps) pending.turn.eagerOps.add(op);
  pending.turn.needsCommitFirst ||= turn.needsCommitFirst;
  pending.batch.push(...batch);
}

/** Removes the first-attempt message of an eager step from a turn not yet appended. */
export function dropStepMessage(turn: Turn, opId: number): boolean {
  if (!turn.eagerOps.has(opId)) return false;
  const at = turn.request.enqueue!.findIndex((m) => m.kind === "step" && m.opId === opId && m.attempt === 1);
  if (at < 0) return false;
  turn.request.enqueue!.splice(at, 1);
  turn.eagerOps.delete(opId);
  return true;
}

/** Turns the engine's commands into the events, queue messages and hook changes of an append. */
export function addCommands(
  runId: string,
  request: AppendRequest,
  commands: Command[],
  responses: Array<[string, string]>,
  at: number,
): void {
  for (const command of commands) {
    switch (command.type) {
      case "step":
        request.events.push({
          v: 1,
          type: "step_scheduled",
          opId: command.opId as never,
          stepId: command.stepId,
          input: command.input,
          at,
        });
        request.enqueue!.push({
          runId,
          kind: "step",
          opId: command.opId,
          attempt: 1,
          payload: JSON.stringify({ stepId: command.stepId, name: command.name, input: command.input }),
          leased: true,
        });
        break;
      case "sleep":
        request.events.push({
          v: 1,
          type: "sleep_scheduled",
          opId: command.opId as never,
          wakeAt: command.wakeAt,
          at,
        });
        request.enqueue!.push({
          runId,
          kind: "timer",
          opId: command.opId,
          availableAt: command.wakeAt,
          leased: true,
        });
        break;
      case "hook":
        request.events.push({
          v: 1,
          type: "hook_created",
          opId: command.opId as never,
          token: command.token,
          kind: command.kind,
          ...(command.metadata !== undefined && { metadata: command.metadata }),
          ...(command.respondWith !== undefined && { respondWith: command.respondWith }),
          ...(command.verify !== undefined && { verify: command.verify }),
          at,
        });
        request.hooks!.create!.push({
          token: command.token,
          opId: command.opId,
          kind: command.kind,
          metadata: command.metadata,
          respondWith: command.respondWith,
          ...(command.verify !== undefined && { verify: command.verify }),
        });
        break;
      case "dispose_hook":
        request.events.push({ v: 1, type: "hook_disposed", opId: command.opId as never, at });
        request.hooks!.release!.push(command.token);
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
      default: {
        const never: never = command;
        throw new Error(`unknown command ${JSON.stringify(never)}`);
      }
    }
  }
}
