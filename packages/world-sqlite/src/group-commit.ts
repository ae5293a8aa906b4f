import type { Database } from "better-sqlite3";

/**
 * When a batch of writes is flushed: at the end of the current microtask queue, on the next
 * `setImmediate`, or `"adaptive"`: at the end of the microtask queue while no fsync is under way
 * (a lone write starts its fsync at once), else on the next `setImmediate` (writes arriving during
 * an fsync wait for the next one anyway, so they gather into fewer transactions).
 */
export type FlushOn = "microtask" | "immediate" | "adaptive";

/** Makes committed batches durable after their COMMIT (wal-sync.ts). */
export interface AfterCommitSync {
  /** Calls `then` once every batch committed so far is durable (with the error if that failed). */
  after(then: (error?: unknown) => void): void;
  /** Whether an fsync is running or waiting to run. */
  readonly busy: boolean;
}

/** Lets a write tell the committer what it did, for after the commit. */
export interface BatchContext {
  /** The write inserted (or freed) claimable messages: `onWork` listeners are told after the commit. */
  workAdded(): void;
}

interface Job {
  work: (batch: BatchContext) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A write threw in a batch run without savepoints: the batch is rolled back and run with them. */
class WriteThrew extends Error {
  constructor(readonly cause: unknown) {
    super("a write of the batch threw");
  }
}

/**
 * Group commit. Writes submitted in the same tick (and, because better-sqlite3
 * blocks the thread while it commits, any submitted during a commit) are
 * evaluated in one transaction and made durable by one fsync, which is what
 * bounds throughput under `synchronous=FULL`.
 *
 * A write that throws fails alone: the batch is run again with each write in its own
 * SAVEPOINT, so only that write's changes are rolled back and only its caller sees the
 * error. Writes that fail by contract (`conflict`, `duplicate`, ...) return a result
 * without writing anything. No caller hears back before the COMMIT has returned (and,
 * given `durable`, the WAL is fsynced), so an acknowledged write is on disk; if the
 * COMMIT (or that fsync) fails, every write of the batch is rejected.
 */
export class GroupCommitter {
  private queue: Job[] = [];
  /** Batches committed so far: how many fsyncs the writes took (tests and benchmarks read it). */
  commits = 0;
  private scheduled = false;
  private readonly runBatch: (jobs: Job[]) => { outcomes: Outcome[]; workAdded: boolean };
  private readonly runJob: (job: Job, batch: BatchContext) => unknown;

  constructor(
    db: Database,
    private readonly flushOn: FlushOn,
    private readonly committed: (info: { workAdded: boolean }) => void,
    /** Makes a committed batch durable before its writers hear back (wal-sync.ts); none: COMMIT did. */
    private readonly durable?: AfterCommitSync,
  ) {
    // Nested better-sqlite3 transactions are savepoints; a throw rolls back to it and rethrows.
    this.runJob = db.transaction((job: Job, batch: BatchContext) => job.work(batch));
    // Writes seldom throw (a taken run id, a full disk): the batch runs first without a savepoint
    // per write, which costs two statements each. One that throws rolls the whole batch back, and
    // the batch runs again with savepoints, so only the writes that throw fail. A write may thus
    // run twice: its work touches nothing but the database.
    const batchTx = db.transaction((jobs: Job[], savepoints: boolean) => {
      let workAdded = false;
      // One context per batch; `added` is reset per write so a write that fails adds no work.
      let added = false;
      const batch: BatchContext = { workAdded: () => (added = true) };
      const outcomes = jobs.map((job): Outcome => {
        added = false;
        try {
          const value = savepoints ? this.runJob(job, batch) : job.work(batch);
          workAdded ||= added;
          return { ok: true, value };
        } catch (error) {
          if (!savepoints) throw new WriteThrew(error);
          return { ok: false, error };
        }
      });
      return { outcomes, workAdded };
    });
    // IMMEDIATE takes the write lock up front, so the batch cannot fail half-way on a busy database.
    this.runBatch = (jobs) => {
      try {
        return batchTx.immediate(jobs, false);
      } catch (error) {
        if (!(error instanceof WriteThrew)) throw error;
        return batchTx.immediate(jobs, true);
      }
    };
  }

  /** Runs `work` inside the next batch's transaction; resolves with its result once committed. */
  submit<T>(work: (batch: BatchContext) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Commits whatever is queued, now. Used by `close` so no accepted write is dropped. */
  flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    let result: { outcomes: Outcome[]; workAdded: boolean };
    try {
      result = this.runBatch(jobs);
    } catch (error) {
      // BEGIN or COMMIT failed (disk full, I/O error): nothing of the batch is durable.
      for (const job of jobs) job.reject(error);
      return;
    }
    this.commits++;
    const settle = (syncError?: unknown) => {
      result.outcomes.forEach((outcome, i) => {
        // Not known to be durable: no writer may take it as done.
        if (syncError !== undefined) jobs[i].reject(syncError);
        else if (outcome.ok) jobs[i].resolve(outcome.value);
        else jobs[i].reject(outcome.error);
      });
      this.committed({ workAdded: result.workAdded });
    };
    if (this.durable) this.durable.after(settle);
    else settle();
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // Adaptive without an fsync after COMMIT (synchronous=FULL): COMMIT itself fsyncs, on this thread, so batch by turn.
    const now =
      this.flushOn === "microtask" ||
      (this.flushOn === "adaptive" && this.durable !== undefined && !this.durable.busy);
    if (now) queueMicrotask(() => this.flush());
    else setImmediate(() => this.flush());
  }
}
