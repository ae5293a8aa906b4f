import {
  EVENT_UNREADABLE,
  type EventType,
  isTerminal,
  type RunId,
  type StoredEvent,
  type World,
} from "@wfkit/world";
import { WorkflowError } from "../../errors/workflow-error.js";
import { serialize } from "../../serialization/index.js";
import type { RuntimeCore } from "../types.js";

/** Every event type the runtime writes: a type-checked list, so a new event type must be added here. */
const EVENT_TYPES: Record<EventType, true> = {
  run_created: true,
  step_scheduled: true,
  step_retrying: true,
  step_completed: true,
  step_failed: true,
  sleep_scheduled: true,
  sleep_fired: true,
  hook_created: true,
  hook_conflict: true,
  hook_received: true,
  hook_disposed: true,
  webhook_responded: true,
  child_started: true,
  child_completed: true,
  child_failed: true,
  patch_marker: true,
  run_parked: true,
  run_completed: true,
  run_failed: true,
  run_cancelled: true,
};

/** A run's log is unusable at `seq`: the run is failed with this error (WF_CORRUPT_EVENT_LOG). */
export class CorruptEventLogError extends WorkflowError {
  constructor(
    readonly runId: RunId,
    /** The position of the first bad event. */
    readonly seq: number,
    reason: string,
    cause?: unknown,
  ) {
    super(
      "WF_CORRUPT_EVENT_LOG",
      `The event log of run ${runId} is corrupt at position ${seq}: ${reason}. The run was failed rather than replayed on a damaged history.`,
      "Restore the data from a backup made before the damage (docs/operations.md), or start the run again.",
      cause === undefined ? undefined : { cause },
    );
    this.name = "CorruptEventLogError";
  }
}

/**
 * Reads a run's whole log for replay and checks its shape: the World could decode
 * every event (else it threw WF_W004_EVENT_UNREADABLE), the positions run 1, 2, 3, …
 * without a gap, and each is a version-1 event of a known type. Throws
 * {@link CorruptEventLogError} naming the first bad position.
 */
export async function readCheckedLog(world: World, runId: RunId): Promise<StoredEvent[]> {
  let events: StoredEvent[];
  try {
    events = await world.readEvents(runId);
  } catch (error) {
    const unreadable = error as { code?: unknown; seq?: unknown; reason?: unknown };
    // By code, not instanceof: the World may come with its own copy of @wfkit/world.
    if (unreadable?.code === EVENT_UNREADABLE && typeof unreadable.seq === "number") {
      throw new CorruptEventLogError(runId, unreadable.seq, String(unreadable.reason ?? "unreadable"), error);
    }
    throw error;
  }
  events.forEach((event, i) => {
    const seq = i + 1;
    if (event.seq !== seq)
      throw new CorruptEventLogError(runId, seq, `the event there has position ${event.seq}`);
    const type = (event as { type?: unknown }).type;
    if (typeof type !== "string" || !Object.hasOwn(EVENT_TYPES, type))
      throw new CorruptEventLogError(runId, seq, `${JSON.stringify(type)} is not an event type`);
    if ((event as { v?: unknown }).v !== 1)
      throw new CorruptEventLogError(
        runId,
        seq,
        `the ${type} event has version ${JSON.stringify((event as { v?: unknown }).v)}`,
      );
  });
  if (events.length > 0 && events[0]!.type !== "run_created")
    throw new CorruptEventLogError(runId, 1, `the log starts with ${events[0]!.type}, not run_created`);
  return events;
}

/**
 * Ends a run whose log is corrupt: appends `run_failed` with the error after the last
 * position (the bad event stays where it is, for investigation) and sets the status,
 * so the run is failed once and visibly instead of staying `running` with a log line.
 */
export async function failCorruptRun(
  core: RuntimeCore,
  runId: RunId,
  error: CorruptEventLogError,
): Promise<void> {
  core.log("error", [`wfkit: run ${runId} failed: ${error.message}`]);
  const run = await core.world.getRun(runId);
  if (!run || isTerminal(run.status)) return;
  let serialized: string;
  try {
    serialized = serialize(error, "error");
  } catch {
    // The cause (the World's error) may not serialize; the message says it all.
    const plain = new WorkflowError(
      error.code,
      error.message.split("\n")[0]!.replace(/^WF_\w+: /, ""),
      error.hint,
    );
    serialized = serialize(plain, "error");
  }
  const now = core.clock.now();
  const result = await core.world.append({
    runId,
    expectedSeq: run.lastSeq,
    events: [{ v: 1, type: "run_failed", error: serialized, at: now }],
    run: {
      status: "failed",
      error: serialized,
      completedAt: now,
      ...(run.startedAt === undefined && { startedAt: now }),
    },
  });
  if (result.ok || result.reason === "run_ended") core.runEnded(runId);
  else core.log("error", [`wfkit: run ${runId} could not be marked failed (${result.reason})`]);
}

/**
 * Reads the logs of unfinished runs after a restart, one run per macrotask so the
 * server keeps answering, and hands each run whose log is corrupt to `corrupt` (the
 * runtime replays it there, which fails it). Without this, a damaged run that waits on
 * a hook nobody resumes would stay `running` forever. Stops when `stopped()` holds.
 */
export async function auditLogs(
  world: World,
  runIds: readonly RunId[],
  corrupt: (runId: RunId) => void,
  stopped: () => boolean,
): Promise<void> {
  for (const runId of runIds) {
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stopped()) return;
    try {
      await readCheckedLog(world, runId);
    } catch (error) {
      if (error instanceof CorruptEventLogError) corrupt(runId);
      // Anything else (the World closing, a storage error) is for the run's own replay to meet.
    }
  }
}
