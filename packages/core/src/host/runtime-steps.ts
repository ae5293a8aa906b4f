import { isTerminal, type RunId, type World } from "@wfkit/world";
import type { RunInput } from "./actor/turn.js";
import type { Clock } from "./clock.js";
import type { HeldWork } from "./held-work.js";
import type { RunMetadata } from "./run-metadata.js";
import type { RuntimeOptions } from "./runtime-options.js";
import { type RetryPolicy, StepExecutor } from "./steps.js";
import type { UnbuiltFile } from "./unbuilt.js";

// The runtime's step executor, wired to the rest of the runtime: where an
// attempt's outcome goes, when an attempt must not start, and what a step
// reads (its run's metadata, streams, whether its file built).

/** What the step executor is wired to. */
export interface StepWiring {
  readonly world: World;
  readonly clock: Clock;
  readonly metadata: RunMetadata;
  /** Hands an attempt's outcome to the run's actor. */
  post(runId: RunId, input: RunInput): void;
  /** The runtime closed or the run ended here: no attempt starts. */
  stopped(runId: string): boolean;
  unbuilt(stepId: string): UnbuiltFile | undefined;
  /** On a shared World, the queue messages this process holds (asked at each use: made after the executor). */
  held(): HeldWork | undefined;
}

/** The step executor of a runtime with these options (retry policy, concurrency). */
export function createStepExecutor(
  options: Pick<RuntimeOptions, "retry" | "stepConcurrency">,
  wiring: StepWiring,
): StepExecutor {
  const policy: RetryPolicy = { maxRetries: 3, initialDelayMs: 1000, maxDelayMs: 60_000, ...options.retry };
  const { world, metadata } = wiring;
  return new StepExecutor(
    policy,
    options.stepConcurrency ?? 256,
    (runId, input) => {
      const held = wiring.held();
      wiring.post(runId, held ? held.untilDone(input) : input);
    },
    // A closed runtime starts no attempt (a crashed process runs nothing more either).
    (runId) => wiring.stopped(runId),
    (runId) => metadata.of(runId),
    {
      streams: world.streams,
      hasEnded: async (runId) => {
        const run = await world.getRun(runId);
        return !run || isTerminal(run.status);
      },
    },
    (stepId) => wiring.unbuilt(stepId),
    (attempt) => attempt.id !== undefined && wiring.held()?.delete(attempt.id) === true,
    wiring.clock,
  );
}
