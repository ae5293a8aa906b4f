import { type RunId, runId as toRunId } from "@wfkit/world";
import type { Command } from "../../sandbox/protocol.js";
import type { TurnRequest } from "./request.js";

// What a parent's and a child's appends carry for each other: `child` queue
// messages (the work itself is done in ../children.ts).

/** The payload of a `child` queue message, by what it asks for. */
export type ChildWorkPayload =
  | { start: { parentRunId: string; opId: number; workflowId: string; input: string } }
  | { ended: string }
  | { cancel: string };

/** The idempotency key of the child a parent started at `opId`: at most one such run, whatever is retried. */
export function childIdempotencyKey(parentRunId: string, opId: number): string {
  return `wfkit-child:${parentRunId}:${opId}`;
}

/** The payload of the message (on the child's queue, before the child exists) that creates the child of a `child` command. */
export function startChildPayload(parentRunId: RunId, command: Extract<Command, { type: "child" }>): string {
  const { opId, workflowId, input } = command;
  return JSON.stringify({ start: { parentRunId, opId, workflowId, input } } satisfies ChildWorkPayload);
}

/**
 * Adds to the append that ends a run what its family must hear: its parent (a message
 * on the parent's queue that hands it this run's end) and its live children (a message
 * on each child's queue that cancels it: the cascade policy, see docs/child-runs.md).
 * The messages are not on this run's queue, so its end does not delete them.
 */
export function linkEndToFamily(
  request: TurnRequest,
  parentRunId: RunId | undefined,
  children: readonly string[] | undefined,
): void {
  if (parentRunId !== undefined) {
    request.enqueue.push({
      runId: parentRunId,
      kind: "child",
      payload: JSON.stringify({ ended: request.runId } satisfies ChildWorkPayload),
      dedupeKey: `child-ended:${request.runId}`,
    });
  }
  for (const child of children ?? []) {
    request.enqueue.push({
      runId: toRunId(child),
      kind: "child",
      payload: JSON.stringify({ cancel: request.runId } satisfies ChildWorkPayload),
      dedupeKey: "parent-ended",
    });
  }
}
