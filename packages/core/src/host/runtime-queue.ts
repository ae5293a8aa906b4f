import type { QueueMessage, RunId, World } from "@wfkit/world";
import type { Clock } from "./clock.js";
import { holdRuns } from "./held-runs.js";
import { HeldWork } from "./held-work.js";
import { Scheduler } from "./scheduler.js";
import type { ActorHandle } from "./types.js";

// A runtime's side of the World's queue (runtime.ts builds it in its constructor):
// the scheduler that hands due and claimed messages on, and, on a World shared by
// processes, the leases of the work this process holds and the runs it holds alone.

/** The queue parts of a runtime. */
export interface RuntimeQueue {
  readonly scheduler: Scheduler;
  /** Queue messages this process holds on a shared World (steps running or waiting to), renewed until settled. */
  readonly held: HeldWork | undefined;
  /** Stops hearing other processes ask for runs this one holds (`World.ownership`). */
  readonly stopOwnership: () => void;
}

/** What the queue parts are wired to. */
export interface QueueWiring {
  /** Routes a due or claimed message to its worker (queue-messages.ts). */
  route(message: QueueMessage, claimed: boolean): void;
  /** The actor of a run driven here, if any: a run another process asks for is released once it settles. */
  actorOf(runId: RunId): ActorHandle | undefined;
  /** The runtime closed: a failed release is not worth a warning then. */
  closed(): boolean;
  log: (level: string, args: unknown[]) => void;
}

/**
 * The queue parts on `world`. `sharedLeaseMs` is the lease of held work on a World shared
 * by processes, undefined on a single-process World (nothing held, nothing to release).
 */
export function createRuntimeQueue(
  world: World,
  clock: Clock,
  sharedLeaseMs: number | undefined,
  wiring: QueueWiring,
): RuntimeQueue {
  const scheduler = new Scheduler(
    world,
    (message, claimed) => wiring.route(message, claimed),
    sharedLeaseMs ?? 5 * 60_000,
    // Leases of a process that died end with time, which no commit announces: sweep for them.
    sharedLeaseMs && sharedLeaseMs / 2,
    clock,
  );
  const held = sharedLeaseMs === undefined ? undefined : new HeldWork(world, sharedLeaseMs, wiring.log);
  // Only a World shared by processes offers ownership: elsewhere this holds nothing.
  const stopOwnership = holdRuns(
    world,
    (runId) => wiring.actorOf(runId),
    (args) => wiring.closed() || wiring.log("warn", args),
  );
  return { scheduler, held, stopOwnership };
}
