import { type HookConflict, isTerminal, type RunId, type StoredEvent, type World } from "@wfkit/world";
import type { Command } from "../../sandbox/protocol.js";
import type { SandboxInstance } from "../sandbox-vm.js";

/** A run's instance rebuilt from its log. */
export interface Replayed {
  instance: SandboxInstance;
  /** The run's `lastSeq`. */
  seq: number;
  /** Whether the run already has its `startedAt`. */
  started: boolean;
  /** Commands the log lacks (a crash cut the last turn short): the next turn appends them. */
  commands: Command[];
}

/**
 * Cold start: replays a run's whole log into a fresh instance. Null when the run is
 * gone or has ended. Hook conflicts learned from a refused append are not in the log:
 * the instance answers the hook op with its conflict when the code issues it, during
 * this replay (the first activation) or when the retried inputs are applied, and the
 * conflict is recorded there, in the order the code issued it.
 */
export async function replayRun(
  world: World,
  newSandbox: () => SandboxInstance,
  runId: RunId,
  conflicts: readonly HookConflict[],
): Promise<Replayed | null> {
  const run = await world.getRun(runId);
  if (!run || isTerminal(run.status)) return null;
  const events = await world.readEvents(runId);
  const created = events[0];
  if (created?.type !== "run_created") throw new Error(`run ${runId} has no run_created event`);
  const instance = newSandbox();
  for (const event of events) instance.noteRecorded(event);
  for (const conflict of conflicts) instance.noteRefused(conflict);
  instance.start(
    { runId: run.runId, workflowId: run.workflowId, input: run.input, startedAt: run.createdAt },
    events.length > 1,
  );
  for (let i = 1; i < events.length; i++) instance.apply(events[i] as StoredEvent, i < events.length - 1);
  instance.finishReplay();
  // The log, not the run record read before it: another process may have appended in between.
  const seq = events[events.length - 1].seq;
  const started = run.status === "running" || events.length > 1;
  return { instance, seq, started, commands: instance.takeCommands() };
}
