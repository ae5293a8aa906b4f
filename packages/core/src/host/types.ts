import type { QueueMessage, World } from "@wfkit/world";
import type { RunActor } from "./actor.js";
import type { SandboxOptions, SandboxScript } from "./sandbox-vm.js";

/** What the parts of the host runtime (actors, step workers, timers) share. */
export interface RuntimeCore {
  readonly world: World;
  readonly sandboxOptions: SandboxOptions;
  script(): SandboxScript;
  log(level: string, args: unknown[]): void;
  /** Hands committed queue messages to their workers (steps now, timers when due). */
  dispatch(messages: QueueMessage[]): void;
  /** The actor was used: keep its instance warm (least recently used ones are evicted). */
  touch(actor: RunActor): void;
  forget(runId: string): void;
  runEnded(runId: string): void;
  isEnded(runId: string): boolean;
}
