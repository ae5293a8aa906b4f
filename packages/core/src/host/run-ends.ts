import { isTerminal, type RunId, type RunRecord, type World } from "@wfkit/world";
import { WorkflowRunNotFoundError } from "../errors/subclasses.js";

// Which runs ended in this process, and the callers waiting for a run to end
// (`Run.returnValue`, a webhook waiting on its run): they are woken at once
// when a run driven here ends, and poll the World for runs driven elsewhere.

/** Runs this process saw end, and the waiters of `waitForEnd`. */
export class RunEnds {
  private readonly ended = new Set<string>();
  private readonly waiters = new Map<string, Array<() => void>>();

  /** Whether the run ended in this process (of its last 100,000 ended runs). */
  has(runId: string): boolean {
    return this.ended.has(runId);
  }

  /** The run ended here: remember it and wake its waiters. */
  markEnded(runId: RunId): void {
    this.ended.add(runId);
    if (this.ended.size > 100_000) this.ended.delete(this.ended.values().next().value!);
    const waiters = this.waiters.get(runId);
    this.waiters.delete(runId);
    for (const wake of [...(waiters ?? [])]) wake();
  }

  /**
   * Resolves with the run record once the run has ended. `drivenHere` says whether the
   * run's actor is in this process: its end wakes the waiter, so the World is polled slowly.
   */
  async waitForEnd(world: World, runId: string, drivenHere: (runId: RunId) => boolean): Promise<RunRecord> {
    for (let delay = 50; ; delay = Math.min(delay * 2, 2000)) {
      const run = await world.getRun(runId);
      if (!run) throw new WorkflowRunNotFoundError(runId);
      if (isTerminal(run.status)) return run;
      // Ended here between the read and now: read again at once.
      if (this.ended.has(runId)) continue;
      // Runs driven here wake us at once (and are polled slowly); the timeout covers runs driven elsewhere.
      await new Promise<void>((resolve) => {
        const list = this.waiters.get(runId) ?? [];
        const done = () => {
          clearTimeout(timer);
          const at = list.indexOf(done);
          if (at >= 0) list.splice(at, 1);
          if (list.length === 0 && this.waiters.get(runId) === list) this.waiters.delete(runId);
          resolve();
        };
        const timer = setTimeout(done, drivenHere(run.runId) ? 2000 : delay);
        list.push(done);
        this.waiters.set(runId, list);
      });
    }
  }

  /** Wakes every waiter (the runtime is closing): each reads its run once more. */
  wakeAll(): void {
    for (const waiters of [...this.waiters.values()]) for (const wake of [...waiters]) wake();
  }
}
