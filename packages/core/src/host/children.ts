import {
  type ChildMessage,
  isTerminal,
  type MessageId,
  type RunId,
  type StoredEvent,
  runId as toRunId,
  type World,
} from "@wfkit/world";
import { WorkflowRunCancelledError } from "../errors/subclasses.js";
import { serialize } from "../serialization/index.js";
import { type ChildWorkPayload, childIdempotencyKey } from "./actor/child-links.js";
import type { RunInput } from "./actor/turn.js";

// Child runs on the host: the queue work that creates a child a parent's turn
// started, hands a child's end to its parent, and cancels the children of a
// parent that ended. Each is a `child` queue message committed with the append
// that caused it, so a crash between that append and the work loses nothing:
// whichever process claims the message does the work, idempotently, then acks it.

/** What child-run work needs of the runtime. */
export interface ChildRunsPort {
  readonly world: World;
  /** The runtime's clock (a test's virtual one), for the child's creation time. */
  readonly clock: { now(): number };
  post(runId: RunId, input: RunInput): void;
  cancel(runId: string): Promise<void>;
  log(level: string, args: unknown[]): void;
}

/** Does the work of a claimed (or dispatched) `child` message; never throws. */
export async function handleChildMessage(port: ChildRunsPort, message: ChildMessage): Promise<void> {
  try {
    const work = JSON.parse(message.payload) as ChildWorkPayload;
    if ("start" in work) await createChild(port, message, work.start);
    else if ("ended" in work) await deliverEnd(port, message, toRunId(work.ended));
    else if ("cancel" in work) {
      // The cancellation ends the child, which deletes this message with its queue. A child not
      // created yet is cancelled by the work that creates it, which sees its parent ended.
      if (await port.world.getRun(message.runId)) await port.cancel(message.runId);
      await port.world.ack([message.id]);
    } else throw new Error(`unknown child work ${message.payload}`);
  } catch (error) {
    // The message stays: its lease ends and it is tried again.
    port.log("error", [`wfkit: run ${message.runId}: child-run work failed; it is tried again`, error]);
  }
}

async function createChild(
  port: ChildRunsPort,
  message: ChildMessage,
  start: Extract<ChildWorkPayload, { start: unknown }>["start"],
): Promise<void> {
  const childRunId = message.runId;
  const parentRunId = toRunId(start.parentRunId);
  // A second attempt (the first was cut short after the commit) finds the run by its key.
  await port.world.createRun({
    runId: childRunId,
    workflowId: start.workflowId,
    input: start.input,
    at: port.clock.now(),
    idempotencyKey: childIdempotencyKey(parentRunId, start.opId),
    parentRunId,
    // Its first turn: whichever process claims this drives the child.
    enqueue: [{ runId: childRunId, kind: "turn" }],
  });
  // The parent ended before its child existed (the cascade found no run to cancel): cancel it now.
  const parent = await port.world.getRun(parentRunId);
  if (!parent || isTerminal(parent.status)) await port.cancel(childRunId);
  await port.world.ack([message.id]);
}

async function deliverEnd(port: ChildRunsPort, message: ChildMessage, childRunId: RunId): Promise<void> {
  const ack = () => port.world.ack([message.id]);
  const [parent, child] = await Promise.all([
    port.world.getRun(message.runId),
    port.world.getRun(childRunId),
  ]);
  if (!parent || isTerminal(parent.status) || !child || !isTerminal(child.status)) return ack();
  const events: StoredEvent[] = await port.world.readEvents(parent.runId);
  const started = events.find((e) => e.type === "child_started" && e.childRunId === childRunId);
  if (started?.type !== "child_started") return ack();
  const { opId } = started;
  const event =
    child.status === "completed"
      ? { v: 1 as const, type: "child_completed" as const, opId, childRunId, output: child.output ?? "" }
      : {
          v: 1 as const,
          type: "child_failed" as const,
          opId,
          childRunId,
          error: child.error ?? serialize(new WorkflowRunCancelledError(childRunId)),
        };
  const committed = await new Promise<boolean>((resolve) =>
    port.post(parent.runId, {
      event,
      ack: [message.id as MessageId],
      dedupeKey: `child:${childRunId}`,
      done: resolve,
    }),
  );
  // Refused (recorded before, or the parent ended meanwhile): the message has done its work.
  if (!committed) await ack();
}
