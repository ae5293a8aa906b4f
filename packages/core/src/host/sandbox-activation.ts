import type { SandboxInstance } from "./sandbox-vm.js";

// One activation is everything the host asks of a run's workflow code in one go
// (start it, replay its log, or apply a turn's events), so that a sandbox in
// another thread costs one message each way per turn. Everything that crosses is
// a string (JSON): the vm context takes and answers strings anyway, so nothing is
// serialized twice.

/** What the host asks of a run's workflow instance in one go. */
export type Activation =
  /** A new run's first activation. `init` is JSON of `EngineInit`. */
  | { op: "start"; init: string }
  /** Rebuilds the instance from its log (`events[0]` is `run_created`), then the hook conflicts not in it. */
  | { op: "replay"; init: string; events: string[]; conflicts: string[] }
  /** Applies new events in order, while the run is still running. */
  | { op: "apply"; events: string[] };

/** The instance's answer to an activation. */
export interface ActivationAnswer {
  /**
   * JSON of `Command[]`: one entry for start and replay; for apply, one per
   * event applied (the first `commands.length` events; the rest came after the run ended).
   */
  commands: string[];
  /** JSON of `EngineState` after the activation. */
  state: string;
}

/** Why an activation of workflow code was stopped (docs/errors/<code>.md). */
export type ActivationFailureCode =
  | "WF_ACTIVATION_TIMEOUT"
  | "WF_WORKFLOW_OUT_OF_MEMORY"
  | "WF_WORKFLOW_STACK_OVERFLOW"
  | "WF_WORKFLOW_CRASHED";

/** Runs one activation on an instance in this thread (the vm sandbox, or inside a sandbox worker). */
export function runActivation(instance: SandboxInstance, activation: Activation): ActivationAnswer {
  switch (activation.op) {
    case "start":
      instance.startRaw(activation.init, false);
      return { commands: [instance.takeCommandsRaw()], state: instance.stateRaw() };
    case "replay": {
      const { events } = activation;
      for (const event of events) instance.noteRecordedRaw(event);
      for (const conflict of activation.conflicts) instance.noteRefusedRaw(conflict);
      instance.startRaw(activation.init, events.length > 1);
      for (let i = 1; i < events.length; i++) instance.applyRaw(events[i] as string, i < events.length - 1);
      instance.finishReplay();
      return { commands: [instance.takeCommandsRaw()], state: instance.stateRaw() };
    }
    case "apply": {
      const commands: string[] = [];
      let state = instance.stateRaw();
      for (const event of activation.events) {
        // A run that ended takes no further events (the turn refuses them: turn.ts, refuseUnapplied).
        if ((JSON.parse(state) as { status: string }).status !== "running") break;
        instance.applyRaw(event, false);
        commands.push(instance.takeCommandsRaw());
        state = instance.stateRaw();
      }
      return { commands, state };
    }
  }
}

/**
 * What stopped an activation that threw out of the sandbox, from the error V8
 * or Node gave: a timeout, a stack overflow, or anything else (a crash).
 */
export function failureCodeOf(error: unknown): ActivationFailureCode {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "ERR_SCRIPT_EXECUTION_TIMEOUT") return "WF_ACTIVATION_TIMEOUT";
  if (code === "ERR_WORKER_OUT_OF_MEMORY") return "WF_WORKFLOW_OUT_OF_MEMORY";
  // A RangeError from any realm (the context has its own RangeError).
  if (
    (error as { name?: unknown } | null)?.name === "RangeError" &&
    /call stack/i.test(String((error as Error).message))
  )
    return "WF_WORKFLOW_STACK_OVERFLOW";
  return "WF_WORKFLOW_CRASHED";
}
