import type { Database } from "better-sqlite3";

/**
 * SQLite checkpoints (copies the WAL into the database file, then reuses the WAL from its
 * start) once the WAL holds this many pages, right after the commit that crossed it:
 * SQLite's default, stated here. A checkpoint costs about one fsync of the database file;
 * 256 pages measured slower seq10 runs on a busy disk (bench/disk.mjs, docs/operations.md),
 * so the WAL of a busy World stays at about 4 MiB, reused.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 1000;

/**
 * What is left of the WAL file after SQLite reuses it from its start. Above the size the
 * autocheckpoint keeps it to, so steady writing never truncates and regrows it (growing
 * the file makes each commit's fsync dearer); it cuts back a WAL that grew while a reader
 * in another process (`wf backup`) held an old snapshot, which kept SQLite from reusing it.
 */
export const WAL_SIZE_LIMIT_BYTES = 6 * 1024 * 1024;

/** Default of `checkpointIdleMs`. */
export const DEFAULT_CHECKPOINT_IDLE_MS = 30_000;

/** Sets the WAL bounds above on a connection. */
export function boundWal(db: Database): void {
  db.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
  db.pragma(`journal_size_limit = ${WAL_SIZE_LIMIT_BYTES}`);
}

/**
 * Once the World has written nothing for `idleMs`, checkpoints the whole WAL into the
 * database file and truncates the WAL to 0 bytes, so a World at rest is one file. Only
 * after a long quiet: the next burst of writes regrows the file, which made the first
 * ~25 seq10 runs after a truncation 1-2 ms slower each (measured). Durability is SQLite's: the checkpoint syncs the database file before
 * it truncates the WAL.
 */
export class IdleCheckpointer {
  /** Checkpoints tried, for tests. */
  attempts = 0;
  private writes = 0;
  private writesWhenArmed = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly db: Database,
    private readonly idleMs: number,
    private readonly busyTimeoutMs: number,
  ) {}

  /** A commit happened. Called on every commit: a counter, and a timer only when none is set. */
  wrote(): void {
    this.writes += 1;
    if (this.timer === undefined && this.idleMs > 0) this.arm();
  }

  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private arm(): void {
    this.writesWhenArmed = this.writes;
    this.timer = setTimeout(() => this.check(), this.idleMs);
    // A pending checkpoint does not keep the process alive: closing the World checkpoints anyway.
    this.timer.unref?.();
  }

  private check(): void {
    this.timer = undefined;
    // Written to since armed: not idle yet, look again a full period later.
    if (this.writes !== this.writesWhenArmed) {
      this.arm();
      return;
    }
    this.attempts += 1;
    // No waiting: a reader in another process that holds the WAL makes the checkpoint
    // report busy at once, rather than block this thread for the busy timeout.
    this.db.pragma("busy_timeout = 0");
    let done = false;
    try {
      const [result] = this.db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
      done = result?.busy === 0;
    } catch {
      // SQLITE_BUSY and the like: nothing is lost, the WAL stays as it is; try again later.
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
    if (!done) this.arm();
  }
}
