import type { MessageId, OpId, QueueMessage, RunId, World } from "@wfkit/world";
import type { RunInput } from "./actor/turn.js";
import type { AnswersFirst } from "./answers-first.js";
import type { Clock } from "./clock.js";
import type { WorkflowSandbox } from "./sandbox-host.js";
import type { Slots } from "./slots.js";
import type { UnbuiltFile } from "./unbuilt.js";

/** What the runtime keeps of a run's actor: its warm-run cache and the routing of inputs. */
export interface ActorHandle {
  readonly runId: RunId;
  /** Pumping or holding inputs: not to be evicted. */
  readonly busy: boolean;
  /**
   * Eager step attempts are running whose results come back to this very actor (their
   * callback holds it): evicting it would leave them to a copy the runtime no longer routes to.
   */
  readonly awaitingEagerSteps: boolean;
  /** What its warm workflow instance holds in memory, estimated (0 when it has none). */
  readonly warmBytes: number;
  post(input: RunInput): void;
  /** Drops the warm instance; the next input replays the log. */
  evict(): void;
  /** Hands the append still gathering turns to the World now (the runtime is closing). */
  flush(): void;
  /** Tries a run parked on a file that did not build again (a new build came). */
  unpark(): void;
  /** Calls `release` once nothing the actor appended is uncommitted (another process asked for the run). */
  whenSettled(release: () => void): void;
}

/** What the parts of the host runtime (actors, step workers, timers) share: the port actors see. */
export interface RuntimeCore {
  readonly world: World;
  /** The runtime's clock (RuntimeOptions.clock): stamps events, times sleeps and retries. */
  readonly clock: Clock;
  /**
   * The lease of work this process holds, when its World is shared with other
   * processes (`world.singleProcess` is not true); undefined on a single-process
   * World. See "Several processes on one World" in docs/internals/architecture.md.
   */
  readonly sharedLeaseMs: number | undefined;
  /** Activations running now, across the runtime's runs: a payload posted meanwhile is recorded first. */
  activating?: number;
  /** Activations woken by payloads recorded first wait here for a later loop turn (answers-first.ts). */
  readonly answersFirst?: AnswersFirst;
  /** New instances are made (a run started or replayed) through these, a bounded number at once. */
  readonly instanceSlots: Slots;
  /** A fresh workflow context for a run (from the warm pool when one is ready). */
  newSandbox(): WorkflowSandbox;
  /** Where a run that started on bundle `bundle` gets its instances (host/bundles.ts). */
  sandboxFor(bundle: string | undefined): Promise<() => WorkflowSandbox>;
  log(level: string, args: unknown[]): void;
  /** The file a workflow or step id belongs to, when that file did not build (its runs wait). */
  unbuiltFile(id: string): UnbuiltFile | undefined;
  /** Hands committed queue messages to their workers (steps now, timers when due). */
  dispatch(messages: QueueMessage[]): void;
  /** Forgets the in-memory timers of these messages (acked: a sleep that lost a race). */
  unschedule(ids: MessageId[]): void;
  /** The actor was used: keep its instance warm (least recently used ones are evicted). */
  touch(actor: ActorHandle): void;
  forget(runId: RunId): void;
  runEnded(runId: RunId): void;
  isEnded(runId: string): boolean;
  /** Starts a step attempt before its scheduling is committed (at-least-once allows it). */
  runStepEagerly(runId: RunId, opId: OpId, payload: string, deliver: (input: RunInput) => void): void;
}
