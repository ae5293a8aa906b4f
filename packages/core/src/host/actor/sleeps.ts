import type { MessageId, OpId, QueueMessage } from "@wfkit/world";

/**
 * The timers of one run's sleeps, as far as cancelling them needs: the queue message
 * of each sleep still pending, and the sleeps that lost a race. A cancelled sleep's
 * message is acked with the turn that cancelled it (or, when that message was not yet
 * committed, as soon as it is); a wake-up that comes anyway is acked and not recorded.
 */
export class SleepTimers {
  private readonly messages = new Map<number, MessageId>();
  private readonly cancelled = new Set<number>();

  /** Marks the sleep cancelled; the id of its queued timer, when known, to ack now (kept: a refused append is retried). */
  cancel(opId: number): MessageId | undefined {
    this.cancelled.add(opId);
    return this.messages.get(opId);
  }

  isCancelled(opId: number): boolean {
    return this.cancelled.has(opId);
  }

  /** Its wake-up came (recorded, or dropped because cancelled): nothing more to remember. */
  woke(opId: OpId): void {
    this.messages.delete(opId);
    this.cancelled.delete(opId);
  }

  /**
   * Committed messages: timers are remembered; those of sleeps cancelled meanwhile are
   * left out (returned apart, to ack) so they are never scheduled.
   */
  committed(messages: QueueMessage[]): { keep: QueueMessage[]; drop: MessageId[] } {
    const keep: QueueMessage[] = [];
    const drop: MessageId[] = [];
    for (const message of messages) {
      if (message.kind !== "timer") keep.push(message);
      else if (this.cancelled.has(message.opId)) drop.push(message.id);
      else {
        this.messages.set(message.opId, message.id);
        keep.push(message);
      }
    }
    return { keep, drop };
  }
}
