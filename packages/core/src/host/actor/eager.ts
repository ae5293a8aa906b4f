import type { MessageId, OpId, QueueMessage } from "@wfkit/world";
import type { CommitPipeline } from "./commit.js";
import { dropStepMessage, type RunInput, type Turn } from "./turn.js";

/**
 * Eager steps: a step's first attempt may start before the turn that schedules it
 * commits (at-least-once allows it), so a run whose steps finish at once does not
 * wait for a commit per step. The step's queue message id is only known once that
 * turn commits, and its result may arrive before or after: this ledger pairs the two
 * so the message is acked with the result, or dropped before it is ever written.
 */
export class EagerSteps {
  /** Queue message ids of eager steps whose scheduling committed, by op id, for their results to ack. */
  private readonly acks = new Map<OpId, MessageId>();
  /** Eager steps whose result was applied before their scheduling committed. */
  private readonly done = new Set<OpId>();
  /** Message ids to ack with the next append (results that came first, see `done`). */
  private late: MessageId[] = [];
  /** Eager first attempts whose result has not committed yet, with their payload. */
  private readonly started = new Map<OpId, string>();
  /**
   * First attempts of turns not yet committed, held back only by an older turn that needs
   * its commit first (one that creates a hook): `startDeferred` starts them
   * once no such turn is left, if their own turn has still not committed.
   */
  private deferred: Array<{ turn: Turn; opId: OpId; payload: string }> = [];

  /**
   * Starts the first attempts of `turn`'s steps now, unless the turn ends the run or
   * some turn not yet durable (this one included) needs its commit first: a hook token
   * handed to a step must be live.
   * A step this ledger already started is not started again: a refused append (a hook
   * token another run holds) wrote nothing, so the retried turn schedules it anew.
   */
  start(turn: Turn, uncommitted: Array<Turn | undefined>, run: (opId: OpId, payload: string) => void): void {
    const { request } = turn;
    if (request.run?.completedAt) return;
    const mustWait = uncommitted.some((t) => t?.needsCommitFirst);
    for (const m of request.enqueue) {
      if (m.kind !== "step" || m.attempt !== 1 || m.availableAt !== undefined) continue;
      const again = this.started.get(m.opId) === m.payload;
      if (mustWait && !again) {
        // A turn that itself needs its commit first starts its steps from the queue once committed.
        if (!turn.needsCommitFirst) this.deferred.push({ turn, opId: m.opId, payload: m.payload });
        continue;
      }
      turn.eagerOps.add(m.opId);
      if (again) continue;
      this.started.set(m.opId, m.payload);
      run(m.opId, m.payload);
    }
  }

  /**
   * A turn committed: starts the deferred first attempts (see `deferred`) once no turn of
   * `uncommitted` needs its commit first. One whose own turn committed meanwhile is left to the
   * queue, which dispatched its message with that commit.
   */
  startDeferred(uncommitted: Turn[], run: (opId: OpId, payload: string) => void): void {
    if (this.deferred.length === 0) return;
    const live = this.deferred.filter((d) => uncommitted.includes(d.turn));
    if (uncommitted.some((t) => t.needsCommitFirst)) {
      this.deferred = live;
      return;
    }
    this.deferred = [];
    for (const { turn, opId, payload } of live) {
      if (this.started.has(opId)) continue;
      turn.eagerOps.add(opId);
      this.started.set(opId, payload);
      run(opId, payload);
    }
  }

  /**
   * An eager step's result is being built into a turn: the message id to ack with it,
   * if its scheduling already committed. Otherwise, when the scheduling is still in the
   * append being gathered (`pending`), the message is dropped there and never written;
   * when it is in flight, the message is acked once its id is known (`committed`).
   */
  resultArrived(opId: OpId, pending: Turn | undefined): MessageId | undefined {
    const id = this.acks.get(opId);
    this.acks.delete(opId);
    if (id === undefined && !(pending && dropStepMessage(pending, opId))) this.done.add(opId);
    return id;
  }

  /** A turn committed: keeps the ids of its eager steps' messages; returns the other messages to dispatch. */
  committed(turn: Turn, batch: RunInput[], messages: QueueMessage[]): QueueMessage[] {
    for (const input of batch) if (input.eagerOpId !== undefined) this.started.delete(input.eagerOpId);
    const rest: QueueMessage[] = [];
    for (const m of messages) {
      if (m.kind === "step" && turn.eagerOps.has(m.opId)) {
        if (this.done.delete(m.opId)) this.late.push(m.id);
        else this.acks.set(m.opId, m.id);
      } else rest.push(m);
    }
    return rest;
  }

  /**
   * An append was refused, and every later one with it: results that came before their
   * scheduling committed are in the batch again, and meet their re-scheduling there.
   */
  refused(): void {
    this.done.clear();
    this.deferred = [];
  }

  /** The acks due with the next append (or on their own when the run goes idle). */
  takeLateAcks(): MessageId[] {
    return this.late.splice(0);
  }

  /** Eager attempts started whose results have not committed: they come back to this ledger's actor. */
  get inFlight(): boolean {
    return this.started.size > 0;
  }

  get hasLateAcks(): boolean {
    return this.late.length > 0;
  }
}

/**
 * Starts `turn`'s steps before it commits, when they may (`EagerSteps.start`). On a shared
 * World the instance may be stale (another process appended): nothing of a turn happens
 * before it commits, so a step never starts from a turn that loses the race. Unless this
 * process holds the run alone: no other process appends until it lets go, which it does
 * only once every turn it built is committed (`RunActor.whenSettled`).
 */
export function startBeforeCommit(
  eager: EagerSteps,
  commits: CommitPipeline,
  turn: Turn,
  run: (opId: OpId, payload: string) => void,
): void {
  if (commits.alone) eager.start(turn, [turn, ...commits.uncommitted()], run);
}
