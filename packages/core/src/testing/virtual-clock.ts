import type { Clock, ClockTimer } from "../host/clock.js";

interface VirtualTimer {
  readonly at: number;
  /** Order of creation: timers due at the same instant fire in the order they were set. */
  readonly seq: number;
  readonly fn: () => void;
}

/**
 * A clock that moves only when told to (`set`). Its timers fire when the time
 * passes their due instant, earliest first. A timer already due when it is set
 * (a delay of 0) fires on the next turn of the event loop, as a real one would.
 */
export class VirtualClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly timers = new Set<VirtualTimer>();
  private flushQueued = false;

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    const timer: VirtualTimer = { at: this.time + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.add(timer);
    if (timer.at <= this.time) this.queueFlush();
    return timer;
  }

  clearTimeout(timer: ClockTimer | undefined): void {
    if (timer) this.timers.delete(timer as VirtualTimer);
  }

  /** The due instant of the earliest timer, or undefined when none is set. */
  nextAt(): number | undefined {
    let next: number | undefined;
    for (const timer of this.timers) if (next === undefined || timer.at < next) next = timer.at;
    return next;
  }

  /** How many timers are set (for the test kit's introspection). */
  get pending(): number {
    return this.timers.size;
  }

  /** Moves the time to `at` (never backwards) and fires every timer due by then, earliest first. */
  set(at: number): void {
    if (at > this.time) this.time = at;
    this.fireDue();
  }

  private fireDue(): void {
    for (;;) {
      let first: VirtualTimer | undefined;
      for (const timer of this.timers) {
        if (timer.at > this.time) continue;
        if (!first || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq)) first = timer;
      }
      if (!first) return;
      this.timers.delete(first);
      first.fn();
    }
  }

  private queueFlush(): void {
    if (this.flushQueued) return;
    this.flushQueued = true;
    setImmediate(() => {
      this.flushQueued = false;
      this.fireDue();
    });
  }
}
