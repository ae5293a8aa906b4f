import type { MessageInput, QueueMessage } from "@wfkit/world";

// How a run's queue messages are held when the World is shared by several
// processes (docs/internals/architecture.md, "Several processes on one World").

/**
 * On a shared World, only a step's first attempt is inserted leased to this
 * process (it runs here at once, after the commit), with a finite lease that
 * this process renews while the step runs: if the process dies, the lease ends
 * and another process takes the step over. Timers and retries wait unleased,
 * due at their `availableAt`, for whichever process claims them first.
 * `leaseMs` undefined (a run this process holds alone, whose first attempts may start
 * before the commit, with nothing renewing their lease): held while this process lives.
 */
export function placeOnSharedWorld(enqueue: MessageInput[], leaseMs: number | undefined): void {
  for (let i = 0; i < enqueue.length; i++) {
    const m = enqueue[i];
    const held = m.kind === "step" && m.attempt === 1 && m.availableAt === undefined;
    if (held) enqueue[i] = leaseMs === undefined ? { ...m, leased: true } : { ...m, leased: true, leaseMs };
    else if (m.leased) {
      const { leased: _, leaseMs: __, ...free } = m;
      enqueue[i] = free;
    }
  }
}

/** The committed messages this process holds on a shared World (see {@link placeOnSharedWorld}): its to run. */
export function heldOnSharedWorld(messages: QueueMessage[]): QueueMessage[] {
  return messages.filter((m) => m.kind === "step" && m.attempt === 1);
}
