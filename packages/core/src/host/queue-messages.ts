import { EVENT_UNREADABLE, type QueueMessage, type RunId, type StepMessage, type World } from "@wfkit/world";
import type { RunInput } from "./actor/turn.js";
import { type ChildRunsPort, handleChildMessage } from "./children.js";
import type { HeldWork } from "./held-work.js";
import type { StepExecutor } from "./steps.js";

// The queue messages the scheduler hands the runtime (due, or claimed from the
// World after a restart or another process's lease ended), each routed to its
// worker: steps to the step executor, turns and timers to the run's actor,
// child-run work to host/children.ts.

/** What routing a queue message needs of the runtime. */
export interface QueueMessagePort extends ChildRunsPort {
  readonly closed: boolean;
  /** On a shared World: the queue messages this process holds. */
  readonly held: HeldWork | undefined;
  readonly steps: StepExecutor;
  post(runId: RunId, input: RunInput): void;
}

/** Runs one queue message; `claimed` when it came from the World rather than a commit of this process. */
export function handleQueueMessage(port: QueueMessagePort, message: QueueMessage, claimed: boolean): void {
  if (port.closed) return;
  switch (message.kind) {
    case "step": {
      const held = port.held;
      if (held) {
        // Claimed again by this very process (its lease ended while the step ran here): it runs once.
        if (held.has(message.id)) return;
        held.add(message.id);
      }
      if (claimed) void runClaimedStep(port, message);
      else port.steps.run(message);
      return;
    }
    case "turn":
      // The run's first turn never committed (its process stopped): the replay's commands are it.
      port.post(message.runId, { ack: [message.id] });
      return;
    case "timer":
      port.post(message.runId, {
        event: { v: 1, type: "sleep_fired", opId: message.opId },
        ack: [message.id],
        dedupeKey: `sleep:${message.opId}`,
      });
      return;
    case "child":
      void handleChildMessage(port, message);
      return;
  }
}

/**
 * A step message claimed from the World (after a restart): its result may be
 * committed already, with the message's ack lost to the crash. Such a step
 * never runs again.
 */
async function runClaimedStep(port: QueueMessagePort, message: StepMessage): Promise<void> {
  let events: Awaited<ReturnType<World["readEvents"]>>;
  try {
    events = await port.world.readEvents(message.runId);
  } catch (error) {
    // A log with an unreadable event: the run's actor replays it and fails the run (WF_CORRUPT_EVENT_LOG).
    if ((error as { code?: unknown }).code === EVENT_UNREADABLE) port.post(message.runId, {});
    else port.log("error", [`wfkit: run ${message.runId}: could not read its log for a step`, error]);
    return;
  }
  const done = events.some(
    (e) => (e.type === "step_completed" || e.type === "step_failed") && e.opId === message.opId,
  );
  if (done) {
    port.held?.delete(message.id);
    await port.world.ack([message.id]);
  } else port.steps.run(message);
}
