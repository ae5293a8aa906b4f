import type { RunId } from "./ids.js";

/**
 * Runs a process holds alone, on a World shared by several processes. While this
 * process holds a run, no other process appends to it: another process that needs
 * to (a hook resumed there, a cancel, a timer it claimed) waits until this one
 * releases the run, or until this process is found dead. The runtime may then treat
 * the run as on a single-process World: append its next turn before the previous
 * one committed, and start a step before the turn that schedules it committed,
 * since no turn of it can lose a race with another process.
 *
 * A World offers it only while a listener is subscribed (`onWanted`): runs created
 * then are held by their creator.
 */
export interface RunOwnership {
  /** Whether this process holds `runId` now. */
  holds(runId: string): boolean;
  /**
   * Another process needs a run this process holds. `holds` is false for it from
   * then on; the listener calls `release` once no append it made to the run is
   * still uncommitted (with several listeners, the run is let go once each did).
   * Returns the unsubscribe function.
   */
  onWanted(listener: (runId: RunId) => void): () => void;
  /** Gives the run up: appends other processes hold back for it go ahead. */
  release(runId: RunId): Promise<void>;
}
