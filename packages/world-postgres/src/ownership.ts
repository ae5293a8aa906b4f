import type { RunId, RunOwnership } from "@wfkit/world";
import type { Sql } from "./connect.js";

/** Most runs remembered as held (a run forgotten is only no longer pipelined). */
const MAX_HELD = 100_000;
/** How long a write held back for a run waits before it asks again (a notification may be lost). */
const ASK_AGAIN_MS = 250;

/** An append to a run another live instance holds: the World sends it again once that one lets go. */
export class RunHeldElsewhere extends Error {
  constructor(
    readonly runId: string,
    readonly owner: string,
  ) {
    super(`wfkit: run ${runId} is held by instance ${owner}`);
  }
}

/**
 * Run ownership on PostgreSQL (`RunOwnership` in @wfkit/world). `wfkit.runs.owner` is
 * the instance that holds the run: the one that created it, while some listener is
 * subscribed here (the runtime). Another instance's append to a held run is not applied:
 * the batch reads the run's owner with the run's row lock (batch-state.ts), and if that
 * owner is alive and the run not over, the write is sent again once it is released
 * ({@link Ownership.waitFor}): that instance asks the owner (`NOTIFY wfkit_wanted`),
 * whose runtime releases the run once nothing it appended to it is uncommitted
 * (`NOTIFY wfkit_released`). An owner that died holds nothing: its liveness
 * (liveness.ts) decides, as for the queue messages it held.
 */
export class Ownership implements RunOwnership {
  /** Runs this instance created held and has not been asked for, oldest first. */
  private readonly held = new Set<string>();
  private readonly listeners = new Set<(runId: RunId) => void>();
  /** Releases still due from the listeners asked for a run, by run: it is let go once none is. */
  private readonly owed = new Map<string, number>();
  /** Writes of this instance held back, by run: woken when the run is released. */
  private readonly waiting = new Map<string, Set<() => void>>();

  constructor(
    private readonly sql: Sql,
    private readonly instanceId: string,
    private readonly log: (error: unknown) => void,
  ) {}

  /** Whether runs created now are held by this instance: only while the runtime listens. */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  holds(runId: string): boolean {
    return this.held.has(runId);
  }

  onWanted(listener: (runId: RunId) => void): () => void {
    const entry = (runId: RunId) => listener(runId);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  async release(runId: RunId): Promise<void> {
    this.held.delete(runId);
    // Several runtimes on this instance: each was asked, each may still drive the run.
    const owed = this.owed.get(runId);
    if (owed !== undefined && owed > 1) {
      this.owed.set(runId, owed - 1);
      return;
    }
    this.owed.delete(runId);
    await this
      .sql`WITH gone AS (UPDATE wfkit.runs SET owner = NULL WHERE run_id = ${runId} AND owner = ${this.instanceId})
      SELECT pg_notify('wfkit_released', ${runId})`;
  }

  /** Runs a batch created held by this instance, committed. */
  created(runIds: readonly string[]): void {
    for (const runId of runIds) this.held.add(runId);
    for (const runId of this.held) {
      if (this.held.size <= MAX_HELD) break;
      this.held.delete(runId);
    }
  }

  /**
   * Other instances found this one dead (it stalled past its liveness TTL) and may have
   * appended to its runs: none is treated as held any more. Their `owner` still names this
   * instance, so others ask for them again, and the runtime lets them go.
   */
  forgetAll(): void {
    this.held.clear();
  }

  /** `NOTIFY wfkit_wanted` heard: `${owner} ${runId}`. */
  wanted(payload: string): void {
    const at = payload.indexOf(" ");
    if (payload.slice(0, at) !== this.instanceId) return;
    const runId = payload.slice(at + 1) as RunId;
    this.held.delete(runId);
    // Nobody here drives runs any more (the runtime closed): nothing to wait for.
    if (this.listeners.size === 0) {
      this.release(runId).catch(this.log);
      return;
    }
    this.owed.set(runId, (this.owed.get(runId) ?? 0) + this.listeners.size);
    for (const listener of [...this.listeners]) {
      try {
        listener(runId);
      } catch (error) {
        // A listener that failed will not release: it owes nothing.
        this.log(error);
        this.release(runId).catch(this.log);
      }
    }
  }

  /** `NOTIFY wfkit_released` heard: the run's held-back writes go again. */
  released(runId: string): void {
    const waiting = this.waiting.get(runId);
    this.waiting.delete(runId);
    for (const wake of waiting ?? []) wake();
  }

  /**
   * Asks `owner` for `runId` and resolves once it released it, or after a short while
   * (the caller reads the run again either way: the owner may have died meanwhile).
   */
  async waitFor(runId: string, owner: string): Promise<void> {
    await new Promise<void>((resolve) => {
      const list = this.waiting.get(runId) ?? new Set();
      const wake = () => {
        clearTimeout(timer);
        list.delete(wake);
        if (list.size === 0 && this.waiting.get(runId) === list) this.waiting.delete(runId);
        resolve();
      };
      const timer = setTimeout(wake, ASK_AGAIN_MS);
      list.add(wake);
      this.waiting.set(runId, list);
      // Listening before asking: the answer cannot come first.
      this.sql`SELECT pg_notify('wfkit_wanted', ${`${owner} ${runId}`})`.catch((error: unknown) => {
        this.log(error);
      });
    });
  }

  /** Wakes every held-back write (the World is closing): each reads its run once more. */
  close(): void {
    for (const runId of [...this.waiting.keys()]) this.released(runId);
  }
}
