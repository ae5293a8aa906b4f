// Queue messages: the work of each kind, as enqueued and as claimed.

import type { MessageId, OpId, RunId } from "./ids.js";

/**
 * What a queue message asks for, by kind, with exactly the fields that kind needs.
 * A step attempt to run: `payload` is opaque data for the consumer (a step's serialized input, say).
 */
export interface StepWork {
  kind: "step";
  opId: OpId;
  /** 1 for the first attempt; a retry enqueues the next attempt. */
  attempt: number;
  payload: string;
}

/** A sleep that is due at the message's `availableAt`. */
export interface TimerWork {
  kind: "timer";
  opId: OpId;
}

/**
 * A run that needs a turn no process is known to be driving: whoever claims it
 * replays the run's log and appends what the log lacks (the commands of an
 * activation that ran before a crash), acking the message with that append.
 * The runtime enqueues one, leased to itself, when a run's first turn cannot
 * commit with the run; if the process dies before that turn, the lease ends and
 * another process finishes it.
 */
export interface TurnWork {
  kind: "turn";
}

/**
 * Work about a child run, for whichever process claims it: creating a child a parent's
 * turn started, handing a child's end to its parent, or cancelling a child whose parent
 * ended. `payload` is opaque data for the consumer, like a step's.
 */
export interface ChildWork {
  kind: "child";
  payload: string;
}

/** The kinds of queue work: step attempts, timers, runs that need a turn, and child-run work. */
export type MessageKind = QueueMessage["kind"];

/** The fields a World adds to every queued message. */
export interface QueuedFields {
  /** Assigned by the World; never reused for another message of the same data. */
  id: MessageId;
  runId: RunId;
  availableAt: number;
  dedupeKey?: string;
}

export interface StepMessage extends StepWork, QueuedFields {}
export interface TimerMessage extends TimerWork, QueuedFields {}
export interface TurnMessage extends TurnWork, QueuedFields {}
export interface ChildMessage extends ChildWork, QueuedFields {}

/** Work to do: a step attempt, a timer due at `availableAt`, or a run that needs a turn. Narrow on `kind`. */
export type QueueMessage = StepMessage | TimerMessage | TurnMessage | ChildMessage;

/** The options of a message to enqueue, whatever its kind. */
export interface EnqueueFields {
  runId: RunId;
  /** Not before this time; default now. Timers and retries use it. */
  availableAt?: number;
  /**
   * At most one pending message per key and run: a second insert is ignored.
   * "Pending" means still in the queue, leased or not; once the message is acked
   * (or its run ends) the key may be used again. An ignored insert is not part of
   * the `messages` the request returns.
   */
  dedupeKey?: string;
  /**
   * Inserted already leased by this World instance, for in-process dispatch:
   * `claim` does not return it until it is released, or until the World is
   * closed and opened again (the lease dies with the instance that held it),
   * or, with `leaseMs`, until that lease ends.
   */
  leased?: boolean;
  /**
   * With `leased`: the lease ends this many ms after the commit, like a lease from
   * `claim` (renew it with `renewLeases`). A runtime sharing its World with other
   * processes always gives one, so a process that dies leaves nothing held for good.
   * A World that is not `singleProcess` never holds a message `leased` without it
   * forever either: it ends such a lease after a default length, or once it learns
   * the instance that inserted it died (PostgreSQL: its liveness heartbeat stopped).
   */
  leaseMs?: number;
}

export interface StepMessageInput extends StepWork, EnqueueFields {}
export interface TimerMessageInput extends TimerWork, EnqueueFields {}
export interface TurnMessageInput extends TurnWork, EnqueueFields {}
export interface ChildMessageInput extends ChildWork, EnqueueFields {}

/** A message to enqueue; the World returns it as a `QueueMessage` of the same kind. */
export type MessageInput = StepMessageInput | TimerMessageInput | TurnMessageInput | ChildMessageInput;

/**
 * `claim` returns messages with `availableAt <= now` that are not leased or whose
 * lease ended (`leasedUntil <= now`), oldest `availableAt` first, and leases them
 * until `now + leaseMs`. Concurrent claims never return the same message.
 */
export interface ClaimOptions {
  /** Most messages to return. */
  limit: number;
  /** Messages due at or before this time. */
  now: number;
  /** The lease: a claimed message is not handed out again for this long. */
  leaseMs: number;
  kinds?: MessageKind[];
}
