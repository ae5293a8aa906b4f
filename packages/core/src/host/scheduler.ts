import type { QueueMessage, World } from "@wfkit/world";
import { type Clock, type ClockTimer, systemClock } from "./clock.js";

const MAX_TIMEOUT = 2_147_483_647;
/**
 * Timers due later than this are not held in memory: they are handed back to the World
 * (their lease released) and claimed by due time like any stored work, so runs sleeping
 * for hours cost no timer here, however many there are.
 */
export const TIMER_HORIZON_MS = 60_000;

/**
 * Holds queue messages until they are due and hands them to `run`.
 * Messages this process committed are timed in memory; after a restart, or
 * when another process adds work, it claims due messages from the World.
 */
export class Scheduler {
  private readonly timers = new Map<string, ClockTimer>();
  private pollTimer: ClockTimer | undefined;
  private pollAt = Number.POSITIVE_INFINITY;
  private polling = false;
  private pollAgain = false;
  /** Timers to hand back to the World, and whether a release is in flight (counted as busy). */
  private toRelease: QueueMessage[] = [];
  private releasing = 0;
  private closed = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly world: World,
    private readonly run: (message: QueueMessage, claimed: boolean) => void,
    private readonly leaseMs: number,
    /** Polls this often as well (a World shared by processes: leases of a dead one end unannounced). */
    sweepMs?: number,
    /** Decides when messages are due (a virtual clock in the test kit). */
    private readonly clock: Clock = systemClock,
  ) {
    this.unsubscribe = world.onWork(() => void this.poll());
    if (sweepMs !== undefined) {
      this.sweepTimer = setInterval(() => void this.poll(), sweepMs);
      this.sweepTimer.unref();
    }
  }

  /** Runs the message now if due, or when it is. */
  schedule(message: QueueMessage): void {
    const delay = message.availableAt - this.clock.now();
    if (delay <= 0) {
      this.run(message, false);
      return;
    }
    if (message.kind === "timer" && delay > TIMER_HORIZON_MS) this.release(message);
    else this.timeInMemory(message);
  }

  private timeInMemory(message: QueueMessage): void {
    const delay = message.availableAt - this.clock.now();
    const timer = this.clock.setTimeout(
      () => {
        this.timers.delete(message.id);
        this.schedule(message);
      },
      Math.min(delay, MAX_TIMEOUT),
    );
    this.timers.set(message.id, timer);
  }

  /** Whether a poll of the World, or a release of timers to it, is in progress (the test kit waits for it to settle). */
  get busy(): boolean {
    return this.polling || this.releasing > 0;
  }

  /** Releases the timer's lease in the World, with the others of this tick; the next poll finds it by due time. */
  private release(message: QueueMessage): void {
    this.toRelease.push(message);
    if (this.toRelease.length > 1) return;
    this.releasing++;
    queueMicrotask(() => {
      const messages = this.toRelease.splice(0);
      this.world
        .release(messages.map((m) => m.id))
        .then(
          // A World that released nothing (a message free already) announces no work: poll all the same.
          () => this.poll(),
          () => {
            // Not released (closed meanwhile, or the write failed): timed here after all.
            if (!this.closed) for (const m of messages) this.timeInMemory(m);
          },
        )
        .catch(() => {})
        .finally(() => this.releasing--);
    });
  }

  /** Drops the in-memory timers of these messages (acked before they were due). */
  unschedule(ids: readonly string[]): void {
    for (const id of ids) {
      const timer = this.timers.get(id);
      if (timer === undefined) continue;
      this.clock.clearTimeout(timer);
      this.timers.delete(id);
    }
  }

  /** Claims every due message from the World, then waits for the next one. */
  async poll(): Promise<void> {
    if (this.closed) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      do {
        this.pollAgain = false;
        for (;;) {
          const messages = await this.world.claim({
            limit: 500,
            now: this.clock.now(),
            leaseMs: this.leaseMs,
          });
          for (const message of messages) this.run(message, true);
          if (messages.length < 500) break;
        }
      } while (this.pollAgain && !this.closed);
      if (this.closed) return;
      const next = await this.world.nextAvailableAt();
      if (next !== null && !this.closed) this.wakeAt(next);
    } catch (error) {
      // Closed while a claim was in flight: the World is gone, and so is the work.
      if (!this.closed) throw error;
    } finally {
      this.polling = false;
    }
  }

  private wakeAt(at: number): void {
    if (at >= this.pollAt && this.pollTimer) return;
    this.clock.clearTimeout(this.pollTimer);
    this.pollAt = at;
    this.pollTimer = this.clock.setTimeout(
      () => {
        this.pollTimer = undefined;
        this.pollAt = Number.POSITIVE_INFINITY;
        void this.poll();
      },
      Math.min(Math.max(0, at - this.clock.now()), MAX_TIMEOUT),
    );
  }

  close(): void {
    this.closed = true;
    this.unsubscribe();
    clearInterval(this.sweepTimer);
    this.clock.clearTimeout(this.pollTimer);
    for (const timer of this.timers.values()) this.clock.clearTimeout(timer);
    this.timers.clear();
  }
}
