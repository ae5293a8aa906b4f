import { applyBatch, type BatchEffects, type Write } from "./batch.js";
import type { BatchState } from "./batch-state.js";
import type { Sql } from "./connect.js";
import { type Ownership, RunHeldElsewhere } from "./ownership.js";
import { RunCache } from "./run-cache.js";

interface Job {
  write: Write;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** SQLSTATEs worth another try one write at a time: unique violation, serialization failure, deadlock. */
const RETRYABLE = new Set(["23505", "40001", "40P01"]);
const MAX_TRIES = 5;
/** Most writes in one transaction: bounds the statement's parameters and the time locks are held. */
const MAX_BATCH = 500;
/**
 * Most batches committing at once. While one waits for its WAL flush, the next is
 * already on its way: with one at a time, the process sat idle for half the time at
 * throughput, waiting on the database. Batches in flight together touch different runs.
 */
const MAX_LANES = 2;

const runOf = (write: Write): string => (write.type === "append" ? write.request.runId : write.input.runId);

/**
 * Group commit on PostgreSQL. Writes submitted while a batch is committing wait
 * and go together in the next one, so under load many appends share one
 * transaction (and one WAL flush), and commits grow far slower than steps.
 * With no load a write is committed at once, alone. Up to {@link MAX_LANES} batches
 * commit at once, on different runs: a run's writes commit one after the other, in
 * the order they were submitted.
 *
 * If a batch fails as a whole (a unique index raced by another process), its
 * writes are run again one per transaction so each caller gets its own answer.
 */
export class GroupCommitter {
  private queue: Job[] = [];
  /** The lanes committing batches: the runs of the batch each has in flight, and when it ends. */
  private readonly lanes = new Map<Set<string>, Promise<void>>();
  private batches = 0;
  private writes = 0;
  private guardMisses = 0;
  private unread = 0;
  private readonly cache = new RunCache();
  /**
   * Writes held back because another instance holds their run (see ownership.ts), by run, in
   * submission order; the run's later writes wait in the queue behind them.
   */
  private readonly heldBack = new Map<string, { jobs: Job[]; retried: Promise<void> }>();

  constructor(
    private readonly sql: Sql,
    private readonly instanceId: string,
    private readonly committed: (effects: BatchEffects) => void,
    private readonly ownership: Ownership,
  ) {}

  submit<T>(write: Write): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, resolve: resolve as (value: unknown) => void, reject });
      if (this.lanes.size < MAX_LANES) this.startLane();
    });
  }

  /** Transactions committed, the writes they carried, and guarded batches sent again, since this committer was made. */
  stats(): { batches: number; writes: number; guardMisses: number; unread: number } {
    return { batches: this.batches, writes: this.writes, guardMisses: this.guardMisses, unread: this.unread };
  }

  /** Resolves once every write submitted so far is committed (or failed). */
  async flush(): Promise<void> {
    while (this.lanes.size > 0 || this.heldBack.size > 0) {
      await Promise.all([...this.lanes.values(), ...[...this.heldBack.values()].map((h) => h.retried)]);
    }
  }

  private startLane(): void {
    const runs = new Set<string>();
    let ended!: () => void;
    this.lanes.set(
      runs,
      new Promise<void>((resolve) => {
        ended = resolve;
      }),
    );
    void this.drain(runs).finally(ended);
  }

  private async drain(runs: Set<string>): Promise<void> {
    // Let writes issued by the same callback (and its microtasks) join the first batch. Not a
    // whole turn of the event loop: a write alone (a run's next step waits on it) would wait
    // for the loop's next check phase; under load, writes gather behind the batches committing.
    await new Promise((resolve) => process.nextTick(resolve));
    try {
      for (;;) {
        const jobs = this.take();
        if (jobs.length === 0) return;
        for (const job of jobs) runs.add(runOf(job.write));
        try {
          await this.run(jobs);
        } finally {
          runs.clear();
        }
      }
    } finally {
      // At once, not a microtask later: a write submitted meanwhile must find a free lane.
      this.lanes.delete(runs);
    }
  }

  /**
   * The next batch: queued writes in submission order, but none for a run another lane
   * has in flight, nor after a write of its run left in the queue (so each run's writes
   * still commit in submission order).
   */
  private take(): Job[] {
    const blocked = new Set<string>(this.heldBack.keys());
    for (const runs of this.lanes.keys()) for (const run of runs) blocked.add(run);
    const taken: Job[] = [];
    const kept: Job[] = [];
    for (const job of this.queue) {
      const run = runOf(job.write);
      if (taken.length < MAX_BATCH && !blocked.has(run)) taken.push(job);
      else {
        kept.push(job);
        blocked.add(run);
      }
    }
    this.queue = kept;
    return taken;
  }

  private async run(jobs: Job[]): Promise<void> {
    try {
      await this.commit(jobs, false);
      return;
    } catch (error) {
      if (jobs.length === 1) {
        await this.retryAlone(jobs[0], error);
        return;
      }
    }
    for (const job of jobs) await this.retryAlone(job, undefined);
  }

  private async retryAlone(job: Job, firstError: unknown): Promise<void> {
    let error = firstError;
    for (let tries = firstError === undefined ? 0 : 1; tries < MAX_TRIES; tries++) {
      if (error !== undefined && !RETRYABLE.has(sqlState(error))) break;
      try {
        await this.commit([job], true);
        return;
      } catch (caught) {
        error = caught;
      }
    }
    job.reject(error);
  }

  /**
   * One transaction for all of `jobs`; throws (having resolved none) if it did not commit.
   * Writes the cache can check go first in one round trip, guarded; if the guard finds a
   * run changed by another process (or a dedupe key already taken), they go again the
   * usual way, reading first. `careful` (a write going again alone) always reads first.
   */
  private async commit(jobs: Job[], careful: boolean): Promise<void> {
    const writes = jobs.map((j) => j.write);
    const remembered = careful ? null : this.cache.stateFor(writes);
    if (remembered) {
      try {
        await this.attempt(jobs, remembered);
        return;
      } catch (error) {
        this.cache.forget(writes);
        // Only a statement the server refused proves nothing committed; a lost connection
        // (the COMMIT may have run) is the caller's error, as on the usual way.
        if (!refusedByServer(error)) throw error;
        this.guardMisses += 1;
      }
    }
    try {
      await this.attempt(jobs, undefined);
    } catch (error) {
      this.cache.forget(writes);
      throw error;
    }
  }

  private async attempt(jobs: Job[], remembered: BatchState | undefined): Promise<void> {
    const writes = jobs.map((j) => j.write);
    const { outcomes, effects, state } = remembered
      ? // One statement, its own transaction (see guarded-sql.ts): one round trip.
        await applyBatch(
          this.sql,
          writes,
          this.instanceId,
          () => Promise.resolve(),
          remembered,
          this.ownership.active,
        )
      : await this.inTransaction(writes);
    this.cache.committed(state);
    this.batches += 1;
    if (remembered) this.unread += 1;
    this.writes += jobs.length;
    this.committed(effects);
    outcomes.forEach((outcome, i) => {
      if (outcome.ok) jobs[i].resolve(outcome.value);
      else if (outcome.error instanceof RunHeldElsewhere) this.holdBack(jobs[i], outcome.error);
      else jobs[i].reject(outcome.error);
    });
  }

  /**
   * A write to a run another live instance holds: it goes again (reading the run afresh)
   * once that instance released the run, or was asked long enough (it may have died).
   */
  private holdBack(job: Job, held: RunHeldElsewhere): void {
    const waiting = this.heldBack.get(held.runId);
    if (waiting) {
      waiting.jobs.push(job);
      return;
    }
    const jobs = [job];
    const retried = this.ownership.waitFor(held.runId, held.owner).then(() => {
      this.heldBack.delete(held.runId);
      // Ahead of the run's later writes, still queued in order behind these.
      this.queue.unshift(...jobs);
      if (this.lanes.size < MAX_LANES) this.startLane();
    });
    this.heldBack.set(held.runId, { jobs, retried });
  }

  /** A batch read first: BEGIN, the reads, then the writes and COMMIT, each sent back to back. */
  private async inTransaction(writes: Write[]): Promise<Awaited<ReturnType<typeof applyBatch>>> {
    // Two round trips per batch, where a callback-style transaction takes four.
    const conn = await this.sql.reserve();
    try {
      const began = conn`BEGIN`.execute();
      began.catch(() => {});
      const result = await applyBatch(
        conn,
        writes,
        this.instanceId,
        () => conn`COMMIT`.execute(),
        undefined,
        this.ownership.active,
      );
      await began;
      return result;
    } catch (error) {
      // Whatever was sent, nothing of the batch committed; end the transaction if it is
      // still open (after a COMMIT that ran, this ROLLBACK is a harmless no-op).
      await conn`ROLLBACK`.catch(() => {});
      throw error;
    } finally {
      conn.release();
    }
  }
}

/** A SQLSTATE the server answered with, other than a connection or shutdown class: the transaction did not commit. */
function refusedByServer(error: unknown): boolean {
  const code = sqlState(error);
  return /^[0-9A-Z]{5}$/.test(code) && !code.startsWith("08") && !code.startsWith("57");
}

function sqlState(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error ? String(error.code) : "";
}
