import type { QueueMessage, World } from "@wfkit/world";
import type { RunActor, RunInput } from "./actor.js";
import type { SandboxInstance } from "./sandbox-vm.js";

/** What the parts of the host runtime (actors, step workers, timers) share. */
export interface RuntimeCore {
  readonly world: World;
  /** A fresh workflow context for a run (from the warm pool when one is ready). */
  newSandbox(): SandboxInstance;
  log(level: string, args: unknown[]): void;
  /** Hands committed queue messages to their workers (steps now, timers when due). */
  dispatch(messages: QueueMessage[]): void;
  /** The actor was used: keep its instance warm (least recently used ones are evicted). */
  touch(actor: RunActor): void;
  forget(runId: string): void;
  runEnded(runId: string): void;
  isEnded(runId: string): boolean;
  /** Starts a step attempt before its scheduling is committed (at-least-once allows it). */
  runStepEagerly(runId: string, opId: number, payload: string, deliver: (input: RunInput) => void): void;
}
