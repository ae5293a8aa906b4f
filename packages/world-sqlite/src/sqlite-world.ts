import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import type {
  AppendRequest,
  AppendResult,
  BundleInfo,
  ClaimOptions,
  CreateRunInput,
  CreateRunResult,
  DeliveryRecord,
  HookRecord,
  ListRunsFilter,
  PruneRunsOptions,
  QueueMessage,
  ReleasedHookRecord,
  RunId,
  RunRecord,
  StoredEvent,
  World,
} from "@wfkit/world";
import { DEFAULT_RELEASED_HOOK_RETENTION_MS } from "@wfkit/world";
import Database from "better-sqlite3";
import { applyAppend, applyCreateRun } from "./append.js";
import { boundWal, DEFAULT_CHECKPOINT_IDLE_MS, IdleCheckpointer } from "./checkpoint.js";
import { assertWorldSchema, createDataFile, existingDataFile, wrapCorruption } from "./data-file.js";
import { decodeEvent } from "./event-codec.js";
import { type BatchContext, type FlushOn, GroupCommitter } from "./group-commit.js";
import { RunLister } from "./list-runs.js";
import { acquireLock } from "./lock.js";
import { RunPruner } from "./prune.js";
import { ackMessages, claimMessages, releaseMessages, renewLeases } from "./queue.js";
import { RESPONSE_TTL_MS, ResponseHandoff } from "./responses.js";
import { toDelivery, toHook, toReleasedHook, toRun } from "./rows.js";
import { migrate } from "./schema.js";
import { prepareStatements, type Statements } from "./statements.js";
import { SqliteStreams } from "./streams.js";
import { WalSync } from "./wal-sync.js";

/** Options of {@link sqliteWorld}. */
export interface SqliteWorldOptions {
  /** Directory of the database and its LOCK file, resolved from the cwd. Default `.workflow-data`. */
  dataDir?: string;
  /** Database file, relative to `dataDir` (or absolute). Default `world.sqlite`. */
  filename?: string;
  /**
   * When a group of concurrent writes is committed. `"adaptive"` (default)
   * commits as soon as the current microtask queue drains while no fsync is
   * under way, so a lone write is durable soonest, and otherwise waits for the
   * current event-loop turn to end, so writes issued during an fsync (which
   * they must wait for anyway) share one transaction and the next fsync.
   * `"immediate"` always waits for the turn to end; `"microtask"` never does.
   * With `fsync: "commit"`, `"adaptive"` is `"immediate"`.
   */
  flushOn?: FlushOn;
  /**
   * Where commits are fsynced. `"thread"` (default): SQLite runs `synchronous=NORMAL` and
   * the WAL is fdatasynced on libuv's thread pool before writers hear back, so the event
   * loop serves requests during the fsync. `"commit"`: `synchronous=FULL`, the fsync inside
   * COMMIT, on the event loop. Either way an acknowledged write survives power loss.
   */
  fsync?: "thread" | "commit";
  /** How long to wait for SQLite's own file locks before failing. Default 5000 ms. */
  busyTimeoutMs?: number;
  /** How long a released hook is remembered (`getReleasedHook`; the webhook route's 410). Default 7 days. */
  releasedHookRetentionMs?: number;
  /**
   * After this long without a write, the World checkpoints its write-ahead log into the
   * database file and truncates it to 0 bytes. Default 30 000 ms; 0 never (the WAL then
   * stays at about 4 MiB, reused). See docs/operations.md.
   */
  checkpointIdleMs?: number;
}

/** Expired deliveries and old released hooks are deleted when the World opens, then at most this often. */
const PRUNE_EVERY_MS = 60_000;

/**
 * The embedded World: one SQLite file in WAL mode whose writes are acknowledged
 * only once fsynced (off the event loop by default: `fsync` option), so an
 * acknowledged write survives a crash or power loss. Writes from concurrent
 * callers are group-committed (see {@link GroupCommitter}).
 *
 * One process per data directory: the World takes `<dataDir>/LOCK` and
 * refuses to open (`WF_W001_DATA_DIR_LOCKED`) while another live process holds
 * it. Because no other process can be using the file, every lease found on open
 * belonged to a process that is gone, and is cleared.
 */
export class SqliteWorld implements World {
  readonly name = "sqlite";
  /** The data dir is locked to this process, and the group committer applies appends in call order. */
  readonly singleProcess = true;
  readonly dataDir: string;
  /** Absolute path of the database file. */
  readonly filename: string;
  readonly streams: SqliteStreams;

  private readonly db: Database.Database;
  private readonly s: Statements;
  private readonly lister: RunLister;
  private readonly pruner: RunPruner;
  private readonly committer: GroupCommitter;
  private readonly walSync: WalSync | undefined;
  private readonly responses: ResponseHandoff;
  private readonly checkpointer: IdleCheckpointer;
  private readonly listeners = new Set<() => void>();
  private readonly unlock: () => void;
  private readonly retentionMs: number;
  private nextPrune = 0;
  private notifyScheduled = false;
  private closed = false;

  constructor(options: SqliteWorldOptions = {}) {
    this.dataDir = resolve(options.dataDir ?? ".workflow-data");
    this.filename = resolve(this.dataDir, options.filename ?? "world.sqlite");
    this.retentionMs = options.releasedHookRetentionMs ?? DEFAULT_RELEASED_HOOK_RETENTION_MS;
    mkdirSync(this.dataDir, { recursive: true });
    this.unlock = acquireLock(this.dataDir);
    let db: Database.Database | undefined;
    try {
      // An empty or foreign file is refused, never written to; a new file is created whole.
      const existing = existingDataFile(this.filename);
      if (!existing) {
        createDataFile(this.filename, (fresh) => {
          fresh.pragma("journal_mode = WAL");
          migrate(fresh);
        });
      }
      db = new Database(this.filename, { fileMustExist: true });
      // This process is the only writer, but a tool inspecting the file can hold SQLite's
      // locks for a moment: wait for it rather than fail.
      const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? 5_000));
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      if (existing) assertWorldSchema(db, this.filename);
      db.pragma("journal_mode = WAL");
      // FULL: the WAL is fsynced at every commit, so a commit that returned is durable.
      // NORMAL + WalSync: the same, with the fsync off the event loop (wal-sync.ts).
      this.walSync = options.fsync === "commit" ? undefined : new WalSync(`${this.filename}-wal`);
      db.pragma(this.walSync ? "synchronous = NORMAL" : "synchronous = FULL");
      boundWal(db);
      migrate(db);
      this.s = prepareStatements(db);
      this.lister = new RunLister(db);
      this.pruner = new RunPruner(db);
      // Leases belong to World instances, and no earlier one can still be running.
      this.s.clearLeases.run();
      this.s.purgeResponses.run(Date.now() - RESPONSE_TTL_MS);
      this.prune(Date.now());
      const checkpointer = new IdleCheckpointer(
        db,
        Math.max(0, options.checkpointIdleMs ?? DEFAULT_CHECKPOINT_IDLE_MS),
        busyTimeoutMs,
      );
      this.checkpointer = checkpointer;
      this.committer = new GroupCommitter(
        db,
        options.flushOn ?? "adaptive",
        ({ workAdded }) => {
          checkpointer.wrote();
          if (workAdded) this.notifyWork();
        },
        this.walSync,
      );
      this.responses = new ResponseHandoff(this.s, this.committer);
      this.streams = new SqliteStreams(
        db,
        (work) => this.write(work),
        () => this.assertOpen(),
      );
      this.db = db;
    } catch (error) {
      db?.close();
      this.unlock();
      throw wrapCorruption(error, this.filename);
    }
  }

  async createRun(input: CreateRunInput): Promise<CreateRunResult> {
    return this.write((batch) => applyCreateRun(this.s, input, batch));
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    const row = this.read(() => this.s.getRun.get(runId));
    return row ? toRun(row) : null;
  }

  async listRuns(filter: ListRunsFilter = {}): Promise<RunRecord[]> {
    return this.read(() => this.lister.list(filter).map(toRun));
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    const now = Date.now();
    if (now >= this.nextPrune) void this.write(() => this.prune(now)).catch(() => {});
    return this.write((batch) => applyAppend(this.s, request, batch));
  }

  async readEvents(runId: string, afterSeq = 0): Promise<StoredEvent[]> {
    return this.read(() => this.s.readEvents.all(runId, afterSeq).map((row) => decodeEvent(runId, row)));
  }

  async claim(options: ClaimOptions): Promise<QueueMessage[]> {
    return this.write(() => claimMessages(this.s, options));
  }

  async ack(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    return this.write(() => ackMessages(this.s, ids));
  }

  async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    return this.write((batch) => releaseMessages(this.s, ids, batch));
  }

  async renewLeases(ids: string[], leaseMs: number): Promise<void> {
    if (ids.length === 0) return;
    return this.write(() => renewLeases(this.s, ids, Date.now() + leaseMs));
  }

  async nextAvailableAt(): Promise<number | null> {
    return this.read(() => this.s.nextAvailableAt.get()?.next ?? null);
  }

  onWork(listener: () => void): () => void {
    // Wrapped so the same function can be subscribed twice and unsubscribed once.
    const entry = () => listener();
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  async getHook(token: string): Promise<HookRecord | null> {
    const row = this.read(() => this.s.getHook.get(token));
    return row ? toHook(row) : null;
  }

  async listHooks(filter: { runId: string }): Promise<HookRecord[]> {
    return this.read(() => this.s.listHooks.all(filter.runId).map(toHook));
  }

  async getReleasedHook(token: string): Promise<ReleasedHookRecord | null> {
    const row = this.read(() => this.s.getReleasedHook.get(token, Date.now() - this.retentionMs));
    return row ? toReleasedHook(row) : null;
  }

  async getDelivery(token: string, id: string): Promise<DeliveryRecord | null> {
    const row = this.read(() => this.s.getDelivery.get(token, id, Date.now()));
    return row ? toDelivery(row) : null;
  }

  async putResponse(requestId: string, response: string): Promise<void> {
    this.assertOpen();
    // Kept with its delivery, if one carries this request id (a read, so other
    // responses cost no write), for retries; besides the one-time handoff.
    const kept = this.s.hasDeliveryRequest.get(requestId)
      ? this.write(() => this.s.setDeliveryResponse.run(response, requestId))
      : undefined;
    await Promise.all([this.responses.put(requestId, response), kept]);
  }

  async awaitResponse(requestId: string, timeoutMs: number): Promise<string | null> {
    this.assertOpen();
    return this.responses.await(requestId, timeoutMs);
  }

  async putBundle(hash: string, code: string): Promise<void> {
    const at = Date.now();
    await this.write(() =>
      this.db
        .prepare(
          "INSERT INTO bundles (hash, code, stored_at) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET stored_at = excluded.stored_at",
        )
        .run(hash, code, at),
    );
  }

  async getBundle(hash: string): Promise<string | null> {
    const row = this.read(
      () =>
        this.db.prepare("SELECT code FROM bundles WHERE hash = ?").get(hash) as { code: string } | undefined,
    );
    return row?.code ?? null;
  }

  async listBundles(): Promise<BundleInfo[]> {
    return this.read(
      () =>
        this.db
          .prepare("SELECT hash, stored_at AS storedAt FROM bundles ORDER BY stored_at, hash")
          .all() as BundleInfo[],
    );
  }

  async deleteBundles(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.write(() => {
      const del = this.db.prepare("DELETE FROM bundles WHERE hash = ?");
      for (const hash of hashes) del.run(hash);
    });
  }

  async pruneRuns(options: PruneRunsOptions): Promise<RunId[]> {
    if (options.dryRun) {
      return this.read(() => this.pruner.select(options));
    }
    // Selected and deleted in one transaction: a run cannot change status in between.
    return this.write(() => {
      const ids = this.pruner.select(options);
      this.pruner.delete(ids);
      return ids;
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes already accepted are committed, not dropped, and made durable.
    this.committer.flush();
    this.closed = true;
    this.responses.close();
    this.listeners.clear();
    this.streams.close();
    this.checkpointer.close();
    // The last connection to close checkpoints the WAL into the database file and syncs it, so
    // writes still waiting for their WAL fsync are durable once this returns; the folder is free
    // at once (a host that exits right after a synchronous close still leaves no LOCK).
    this.db.close();
    this.unlock();
    await this.walSync?.close();
  }

  private write<T>(work: (batch: BatchContext) => T): Promise<T> {
    this.assertOpen();
    return this.committer.submit(work).catch((error: unknown) => {
      throw wrapCorruption(error, this.filename);
    });
  }

  /** A read on the connection; SQLite's corruption errors become WF_W003_DATA_FILE_CORRUPT. */
  private read<T>(work: () => T): T {
    this.assertOpen();
    try {
      return work();
    } catch (error) {
      throw wrapCorruption(error, this.filename);
    }
  }

  /** Deletes expired deliveries and released hooks past retention, so both tables stay bounded. */
  private prune(now: number): void {
    this.nextPrune = now + PRUNE_EVERY_MS;
    this.s.pruneDeliveries.run(now);
    this.s.pruneReleasedHooks.run(now - this.retentionMs);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`This SQLite World (${this.filename}) is closed`);
  }

  /** Tells listeners once per burst of commits, after the committing call has returned. */
  private notifyWork(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const listener of [...this.listeners]) {
        try {
          listener();
        } catch (error) {
          // A broken listener must not break the commit path or the other listeners.
          process.emitWarning(`onWork listener threw: ${String(error)}`);
        }
      }
    });
  }
}

/** Opens the embedded SQLite World on `options.dataDir` (default `.workflow-data` in the cwd). */
export function sqliteWorld(options?: SqliteWorldOptions): SqliteWorld {
  return new SqliteWorld(options);
}
