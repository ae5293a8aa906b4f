/**
 * Webhook answers before woken runs' turns. A payload recorded first (record-first.ts) has
 * been answered on its own commit; the activation it wakes then waits here for a later turn
 * of the event loop. While payloads keep arriving, each turn lets only `perTurn` activations
 * through: their postMessage to the sandbox worker, their turns and their commits would
 * otherwise lengthen every loop turn of a burst, and with it each waiting request's answer
 * (and, as libuv accepts one connection per turn, every new connection). A turn in which
 * no payload arrived lets every waiting activation through, so runs catch up as soon as the
 * burst thins, and even under a steady stream `perTurn` activations go each turn: none waits
 * for ever.
 */
export class AnswersFirst {
  private waiting: Array<() => void> = [];
  private head = 0;
  /** A payload was recorded first since the last release. */
  private arrived = false;
  private scheduled = false;

  constructor(private readonly perTurn: number) {}

  /** Activations waiting for their turn. */
  get waiters(): number {
    return this.waiting.length - this.head;
  }

  /** A payload was recorded ahead of its activation (a request being answered). */
  recorded(): void {
    this.arrived = true;
  }

  /** Resolves on a later turn of the event loop, once this activation may run. */
  turn(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.release());
  }

  private release(): void {
    this.scheduled = false;
    let allowed = this.arrived ? this.perTurn : Number.POSITIVE_INFINITY;
    this.arrived = false;
    while (allowed-- > 0 && this.head < this.waiting.length) this.waiting[this.head++]!();
    if (this.head === this.waiting.length) {
      this.waiting = [];
      this.head = 0;
    } else {
      // Dropped from the front in bulk: shift() on a long queue is linear each time.
      if (this.head > 1024) {
        this.waiting = this.waiting.slice(this.head);
        this.head = 0;
      }
      this.schedule();
    }
  }
}
