import { type HookConflict, isTerminal, type RunId, type StoredEvent, type World } from "@wfkit/world";
import type { Command, EngineInit } from "../../sandbox/protocol.js";
import type { Activation } from "../sandbox-activation.js";
import { type Activated, ActivationError, SandboxLostError, type WorkflowSandbox } from "../sandbox-host.js";
import type { Slots } from "../slots.js";
import type { UnbuiltFile } from "../unbuilt.js";
import { readCheckedLog } from "./log-check.js";

/** A run's instance rebuilt from its log. */
export interface Replayed {
  instance: WorkflowSandbox;
  /** The run's `lastSeq`. */
  seq: number;
  /** The log's last event (a `run_parked` marker is not written twice in a row). */
  last: StoredEvent;
  /** Whether the run already has its `startedAt`. */
  started: boolean;
  /** Commands the log lacks (a crash cut the last turn short): the next turn appends them. */
  commands: Command[];
  /** The run that started this one from workflow code, if any. */
  parentRunId?: RunId;
}

/** The run's code was stopped while its log replayed (a timeout, out of memory, ...): the run is failed with it. */
export interface ReplayStopped {
  failure: ActivationError;
  seq: number;
  started: boolean;
  /** The run that started this one from workflow code, if any: told of the failure. */
  parentRunId?: RunId;
}

/** How often an activation is tried again in a new instance when its worker died for another run. */
const LOST_RETRIES = 3;

/**
 * Runs a first activation (start or replay) in a fresh instance. An instance lost
 * with its worker (stopped for another run) is replaced and the activation tried
 * again; an `ActivationError` is this run's own, and is returned.
 */
export async function firstActivation(
  newSandbox: () => WorkflowSandbox,
  activation: Activation,
  slots?: Slots,
  init?: Pick<EngineInit, "runId" | "workflowId">,
): Promise<{ instance: WorkflowSandbox; activated: Activated } | ActivationError> {
  if (slots) return slots.run(() => firstActivation(newSandbox, activation, undefined, init));
  for (let attempt = 0; ; attempt++) {
    const instance = newSandbox();
    if (init) instance.label = `${init.runId} (${init.workflowId})`;
    try {
      return { instance, activated: await instance.activate(activation) };
    } catch (error) {
      instance.dispose();
      if (error instanceof ActivationError) return error;
      if (error instanceof SandboxLostError && !error.closed && attempt < LOST_RETRIES) continue;
      throw error;
    }
  }
}

/** A new run's first activation. */
export function startRun(
  newSandbox: () => WorkflowSandbox,
  init: EngineInit,
  slots?: Slots,
): Promise<{ instance: WorkflowSandbox; activated: Activated } | ActivationError> {
  return firstActivation(newSandbox, { op: "start", init: JSON.stringify(init) }, slots, init);
}

/**
 * Cold start: replays a run's whole log into a fresh instance, in one activation.
 * Null when the run is gone or has ended. Hook conflicts learned from a refused
 * append are not in the log: the instance answers the hook op with its conflict
 * when the code issues it, during this replay (the first activation) or when the
 * retried inputs are applied, and the conflict is recorded there, in the order
 * the code issued it.
 */
export async function replayRun(
  world: World,
  sandboxFor: (bundle: string | undefined) => Promise<() => WorkflowSandbox>,
  runId: RunId,
  conflicts: readonly HookConflict[],
  unbuilt: (workflowId: string) => UnbuiltFile | undefined = () => undefined,
  slots?: Slots,
): Promise<Replayed | ReplayStopped | { parkedOn: UnbuiltFile } | null> {
  const run = await world.getRun(runId);
  if (!run || isTerminal(run.status)) return null;
  // Its code is not in this build: replaying would fail the run for good (WF_WORKFLOW_NOT_FOUND).
  const parkedOn = unbuilt(run.workflowId);
  if (parkedOn) return { parkedOn };
  // A log that cannot be read or has a bad event throws CorruptEventLogError (the actor fails the run).
  const events = await readCheckedLog(world, runId);
  const created = events[0];
  if (created?.type !== "run_created") throw new Error(`run ${runId} has no run_created event`);
  const init: EngineInit = {
    runId: run.runId,
    workflowId: run.workflowId,
    input: run.input,
    startedAt: run.createdAt,
  };
  // The run replays on the bundle it started on (host/bundles.ts).
  const newSandbox = await sandboxFor(created.bundle);
  const first = await firstActivation(
    newSandbox,
    {
      op: "replay",
      init: JSON.stringify(init),
      events: events.map((e) => JSON.stringify(e)),
      conflicts: conflicts.map((c) => JSON.stringify(c)),
    },
    slots,
    init,
  );
  // The log, not the run record read before it: another process may have appended in between.
  const seq = events[events.length - 1]!.seq;
  const started = run.status === "running" || events.length > 1;
  const parent = run.parentRunId !== undefined ? { parentRunId: run.parentRunId } : {};
  if (first instanceof ActivationError) return { failure: first, seq, started, ...parent };
  return {
    instance: first.instance,
    seq,
    last: events[events.length - 1]!,
    started,
    commands: first.activated.commands[0] ?? [],
    ...parent,
  };
}
