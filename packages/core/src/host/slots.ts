/**
 * At most `size` tasks at once; the others wait their turn, first come first
 * served. The runtime makes new workflow instances through one of these
 * (`RuntimeCore.instanceSlots`): a burst of inputs for thousands of evicted runs
 * (webhooks, due timers after a restart) replays them a few at a time, instead of
 * building thousands of contexts at once and running a sandbox worker out of memory.
 */
export class Slots {
  private free: number;
  private waiting: Array<() => void> = [];
  private head = 0;

  constructor(size: number) {
    this.free = Math.max(1, size);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      this.release();
    }
  }

  private release(): void {
    if (this.head === this.waiting.length) {
      this.free++;
      return;
    }
    const next = this.waiting[this.head++]!;
    // Dropped from the front in bulk: shift() on a long queue is linear each time.
    if (this.head > 1024 && this.head * 2 > this.waiting.length) {
      this.waiting = this.waiting.slice(this.head);
      this.head = 0;
    }
    next();
  }
}
