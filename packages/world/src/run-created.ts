import type { CreateRunInput } from "./append.js";
import type { RunCreated } from "./events.js";

/** The `run_created` event every World writes first in a new run's log, from what `createRun` was given. */
export function runCreatedEvent(input: CreateRunInput): RunCreated & { at: number } {
  return {
    v: 1,
    type: "run_created",
    workflowId: input.workflowId,
    input: input.input,
    ...(input.traceContext && { traceContext: input.traceContext }),
    ...(input.bundle !== undefined && { bundle: input.bundle }),
    at: input.at,
  };
}
