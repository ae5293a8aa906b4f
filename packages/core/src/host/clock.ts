/** A timer started by a {@link Clock}: opaque, only passed back to its `clearTimeout`. */
export type ClockTimer = object;

/**
 * The runtime's notion of time: what stamps events and records (and so what
 * `Date.now()` is in workflow code, which replays event timestamps), and the
 * timers that fire sleeps, wait timeouts and step retries. The default is the
 * system clock; the test kit (`@wfkit/core/testing`) passes a virtual one that
 * moves only when a test advances it.
 */
export interface Clock {
  /** The time now, in epoch milliseconds. */
  now(): number;
  /** Calls `fn` once `ms` milliseconds have passed on this clock. */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  /** Cancels a timer of this clock (a no-op for one that fired or is unknown). */
  clearTimeout(timer: ClockTimer | undefined): void;
}

/** The real clock: `Date.now()` and Node's timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => clearTimeout(timer as NodeJS.Timeout | undefined),
};
