import type { MessageId, World } from "@wfkit/world";
import type { RunInput } from "./actor/turn.js";

/**
 * The queue messages this process holds on a World shared by several processes
 * (steps running or waiting to): their leases are renewed every third of the
 * lease until their outcome commits, and handed back at a graceful close, so
 * other processes take them over at once.
 */
export class HeldWork {
  private readonly ids = new Set<MessageId>();
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(
    private readonly world: World,
    private readonly leaseMs: number,
    private readonly log: (level: string, args: unknown[]) => void,
  ) {
    this.timer = setInterval(() => this.renew(), leaseMs / 3);
    this.timer.unref();
  }

  has(id: MessageId): boolean {
    return this.ids.has(id);
  }

  add(id: MessageId): void {
    this.ids.add(id);
  }

  delete(id: MessageId): boolean {
    return this.ids.delete(id);
  }

  /** The input, releasing the messages it acks once its append is done (committed or not). */
  untilDone(input: RunInput): RunInput {
    const done = input.done;
    return {
      ...input,
      done: (committed) => {
        for (const id of input.ack ?? []) this.ids.delete(id);
        done?.(committed);
      },
    };
  }

  /** Stops renewing, and hands the held messages back to the World. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    if (this.ids.size > 0) await this.world.release([...this.ids]).catch(() => {});
  }

  private renew(): void {
    if (this.ids.size === 0 || this.stopped) return;
    const failed = (error: unknown) =>
      this.log("error", ["wfkit: could not renew the leases of running steps", error]);
    // A timer callback: nothing may escape it, not even a World that throws synchronously.
    try {
      this.world.renewLeases([...this.ids], this.leaseMs).catch(failed);
    } catch (error) {
      failed(error);
    }
  }
}
