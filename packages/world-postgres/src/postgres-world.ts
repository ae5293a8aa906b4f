import { randomUUID } from "node:crypto";
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
  MessageId,
  PruneRunsOptions,
  QueueMessage,
  ReleasedHookRecord,
  RunId,
  RunRecord,
  StoredEvent,
  World,
} from "@wfkit/world";
import { DEFAULT_RELEASED_HOOK_RETENTION_MS } from "@wfkit/world";
import type { BatchEffects } from "./batch.js";
import {
  type DeliveryRow,
  dec,
  decodeEvent,
  enc,
  type HookRow,
  type ReleasedHookRow,
  toDelivery,
  toHook,
  toReleasedHook,
} from "./codec.js";
import { connect, type Sql } from "./connect.js";
import { PostgresUnavailableError, redactUrl } from "./errors.js";
import { GroupCommitter } from "./group-commit.js";
import { listRuns } from "./list-runs.js";
import { HEARTBEAT_MS, INSTANCE_TTL_MS, Liveness } from "./liveness.js";
import { Ownership } from "./ownership.js";
import { pruneRuns } from "./prune.js";
import { ackMessages, claimMessages, nextAvailableAt, releaseMessages, renewLeases } from "./queue.js";
import { ResponseHandoff } from "./responses.js";
import { RunReads } from "./run-reads.js";
import { migrateSchema } from "./schema.js";
import { PostgresStreams } from "./streams.js";

/** Options of {@link postgresWorld}. */
export interface PostgresWorldOptions {
  /** The database, e.g. `postgres://user:pass@host:5432/app`. */
  url: string;
  /** Most pooled connections this instance opens (LISTEN takes one more). Default 10. */
  maxConnections?: number;
  /** Run the schema migrations when opening (under an advisory lock). Default true. */
  migrate?: boolean;
  /** How long a released hook is remembered (`getReleasedHook`). Default 7 days. */
  releasedHookRetentionMs?: number;
  /**
   * How long this instance counts as alive after each heartbeat; once it stops
   * renewing (its process died), other processes free the messages it held. Default 30 s.
   */
  instanceTtlMs?: number;
  /** How often the instance renews its liveness and runs the safety sweep. Default 5 s. */
  heartbeatMs?: number;
}

/** Counters of one World instance since it opened, for monitoring. */
export interface PostgresWorldStats {
  /** Transactions the group committer committed. */
  batches: number;
  /** `createRun` and `append` calls committed in them. */
  writes: number;
  /**
   * Batches sent in one round trip against remembered run rows that found a row
   * changed by another process (or a dedupe key taken), and were sent again reading first.
   */
  guardMisses: number;
  /** Batches committed in one round trip, checked against remembered run rows (not read first). */
  unread: number;
}

/**
 * The World on PostgreSQL (15+), shared by any number of processes.
 *
 * - Every `createRun`/`append` commits the events, the run's new state and the
 *   messages it enqueues in one transaction (a transactional outbox); concurrent
 *   writes are group-committed, many to one transaction (see {@link GroupCommitter}).
 * - Optimistic concurrency is race-free across processes: an append locks its
 *   run's row (`FOR UPDATE`) before it compares `expectedSeq`.
 * - Work is claimed with `FOR UPDATE SKIP LOCKED` under leases that expire; a
 *   message inserted `leased` is held by this instance until it acks or releases
 *   it, closes, or stops renewing its liveness (it died): then any process may claim it.
 * - `onWork`, stream listeners and webhook responses hear other processes through
 *   `LISTEN/NOTIFY`; a slow sweep covers missed notifications and expired leases.
 *
 * Open it with {@link openPostgresWorld} (which waits for the migrations and the
 * LISTEN connection) rather than the constructor.
 */
export class PostgresWorld implements World {
  readonly name = "postgres";
  /** Other processes may append to the same runs: appends are pipelined only on runs this instance holds. */
  readonly singleProcess = false;
  /** The runs this instance holds alone (see ownership.ts): those it created while a runtime listens. */
  readonly ownership: Ownership;
  readonly streams: PostgresStreams;
  /** This instance's id: the owner of its leases. */
  readonly instanceId = randomUUID();

  private readonly sql: Sql;
  private readonly committer: GroupCommitter;
  private readonly responses: ResponseHandoff;
  private readonly runReads: RunReads;
  private readonly liveness: Liveness;
  private readonly listeners = new Set<() => void>();
  private readonly retentionMs: number;
  private notifyScheduled = false;
  /** The local timer for the earliest future work announced (a sleep or retry due later). */
  private wakeTimer: NodeJS.Timeout | undefined;
  private wakeAt = Number.POSITIVE_INFINITY;
  private closed = false;
  private ready: Promise<void>;

  constructor(private readonly options: PostgresWorldOptions) {
    this.retentionMs = options.releasedHookRetentionMs ?? DEFAULT_RELEASED_HOOK_RETENTION_MS;
    this.sql = connect(options.url, { max: options.maxConnections ?? 10 });
    this.ownership = new Ownership(this.sql, this.instanceId, (error) => {
      if (!this.closed) process.emitWarning(`wfkit: run ownership: ${String(error)}`);
    });
    this.committer = new GroupCommitter(
      this.sql,
      this.instanceId,
      (effects) => this.committed(effects),
      this.ownership,
    );
    this.responses = new ResponseHandoff(this.sql);
    this.runReads = new RunReads(this.sql);
    this.streams = new PostgresStreams(this.sql, this.instanceId, () => this.assertOpen());
    this.liveness = new Liveness(this.sql, this.instanceId, {
      retentionMs: this.retentionMs,
      ttlMs: options.instanceTtlMs ?? INSTANCE_TTL_MS,
      heartbeatMs: options.heartbeatMs ?? HEARTBEAT_MS,
      work: () => this.notifyWork(),
      hasListeners: () => this.listeners.size > 0,
      // Others took this instance for dead and may have appended to the runs it held.
      revived: () => this.ownership.forgetAll(),
    });
    this.ready = this.open();
    // Surfaced by the first call that awaits it; not an unhandled rejection meanwhile.
    this.ready.catch(() => {});
  }

  /** Group-commit counters since this instance opened: writes per batch shows how well commits are shared. */
  stats(): PostgresWorldStats {
    return this.committer.stats();
  }

  /** Resolves once the schema is migrated, this instance registered and LISTEN running. */
  whenReady(): Promise<void> {
    return this.ready;
  }

  private async open(): Promise<void> {
    try {
      if (this.options.migrate !== false) await migrateSchema(this.sql);
      await this.liveness.start();
    } catch (error) {
      throw new PostgresUnavailableError(redactUrl(this.options.url), error);
    }
    await this.sql.listen(
      "wfkit_work",
      (payload) => {
        if (payload.startsWith(`${this.instanceId} `)) return;
        this.notifyWork();
        // Work due later (a timer, a retry) wakes this process when it is due, too.
        this.wakeWhenDue(Number(payload.slice(payload.lastIndexOf(" ") + 1)));
      },
      // Also on every reconnect: whatever was announced while the connection was down is looked for.
      () => {
        this.notifyWork();
        for (const requestId of this.responses.pending()) void this.responses.check(requestId);
      },
    );
    await this.sql.listen("wfkit_response", (requestId) => void this.responses.check(requestId));
    await this.sql.listen("wfkit_wanted", (payload) => this.ownership.wanted(payload));
    await this.sql.listen("wfkit_released", (runId) => this.ownership.released(runId));
    await this.sql.listen("wfkit_stream", (payload) => this.streams.heard(payload));
  }

  async createRun(input: CreateRunInput): Promise<CreateRunResult> {
    await this.open_();
    return this.committer.submit({ type: "create", input });
  }

  async getRun(runId: string): Promise<RunRecord | null> {
    await this.open_();
    return this.runReads.get(runId);
  }

  async listRuns(filter: ListRunsFilter = {}): Promise<RunRecord[]> {
    await this.open_();
    return listRuns(this.sql, filter);
  }

  async putBundle(hash: string, code: string): Promise<void> {
    await this.open_();
    const at = Date.now();
    await this.sql`INSERT INTO wfkit.bundles (hash, code, stored_at) VALUES (${hash}, ${enc(code)}, ${at})
      ON CONFLICT (hash) DO UPDATE SET stored_at = excluded.stored_at`;
  }

  async getBundle(hash: string): Promise<string | null> {
    await this.open_();
    const [row] = await this.sql<{ code: string }[]>`SELECT code FROM wfkit.bundles WHERE hash = ${hash}`;
    return row ? dec(row.code) : null;
  }

  async listBundles(): Promise<BundleInfo[]> {
    await this.open_();
    const rows = await this.sql<{ hash: string; stored_at: string | number }[]>`
      SELECT hash, stored_at FROM wfkit.bundles ORDER BY stored_at, hash`;
    return rows.map((r) => ({ hash: r.hash, storedAt: Number(r.stored_at) }));
  }

  async deleteBundles(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.open_();
    await this.sql`DELETE FROM wfkit.bundles WHERE hash = ANY(${hashes}::text[])`;
  }

  async pruneRuns(options: PruneRunsOptions): Promise<RunId[]> {
    await this.open_();
    return pruneRuns(this.sql, options);
  }

  async append(request: AppendRequest): Promise<AppendResult> {
    await this.open_();
    return this.committer.submit({ type: "append", request });
  }

  async readEvents(runId: string, afterSeq = 0): Promise<StoredEvent[]> {
    await this.open_();
    const rows = await this.sql<{ seq: number; at: number; body: string }[]>`
      SELECT seq, at, body FROM wfkit.events WHERE run_id = ${runId} AND seq > ${afterSeq} ORDER BY seq`;
    return rows.map((row) => decodeEvent(runId, row));
  }

  async claim(options: ClaimOptions): Promise<QueueMessage[]> {
    await this.open_();
    return claimMessages(this.sql, this.instanceId, options);
  }

  async ack(ids: MessageId[]): Promise<void> {
    await this.open_();
    await ackMessages(this.sql, ids);
  }

  async release(ids: MessageId[]): Promise<void> {
    await this.open_();
    if (await releaseMessages(this.sql, this.instanceId, ids)) this.notifyWork();
  }

  async renewLeases(ids: MessageId[], leaseMs: number): Promise<void> {
    await this.open_();
    await renewLeases(this.sql, ids, Date.now() + leaseMs);
  }

  async nextAvailableAt(): Promise<number | null> {
    await this.open_();
    return nextAvailableAt(this.sql);
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
    await this.open_();
    const [row] = await this.sql<HookRow[]>`SELECT * FROM wfkit.hooks WHERE token = ${token}`;
    return row ? toHook(row) : null;
  }

  async listHooks(filter: { runId: string }): Promise<HookRecord[]> {
    await this.open_();
    const rows = await this.sql<
      HookRow[]
    >`SELECT * FROM wfkit.hooks WHERE run_id = ${filter.runId} ORDER BY id`;
    return rows.map(toHook);
  }

  async getReleasedHook(token: string): Promise<ReleasedHookRecord | null> {
    await this.open_();
    const [row] = await this.sql<ReleasedHookRow[]>`SELECT * FROM wfkit.released_hooks
      WHERE token = ${token} AND released_at > ${Date.now() - this.retentionMs}`;
    return row ? toReleasedHook(row) : null;
  }

  async getDelivery(token: string, id: string): Promise<DeliveryRecord | null> {
    await this.open_();
    const [row] = await this.sql<DeliveryRow[]>`SELECT * FROM wfkit.deliveries
      WHERE token = ${token} AND delivery_id = ${id} AND expires_at > ${Date.now()}`;
    return row ? toDelivery(row) : null;
  }

  async putResponse(requestId: string, response: string): Promise<void> {
    await this.open_();
    // Kept with its delivery, if one carries this request id, to answer the provider's retries.
    await Promise.all([
      this.sql`UPDATE wfkit.deliveries SET response = ${enc(response)} WHERE request_id = ${requestId}`,
      this.responses.put(requestId, response),
    ]);
  }

  async awaitResponse(requestId: string, timeoutMs: number): Promise<string | null> {
    await this.open_();
    return this.responses.await(requestId, timeoutMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.ready;
    } catch {
      // Never opened: nothing of ours to hand back.
    }
    // Writes already accepted are committed, not dropped (those held back for a run another
    // instance holds go once it lets go, or is found dead).
    await this.committer.flush();
    this.ownership.close();
    clearTimeout(this.wakeTimer);
    this.responses.close();
    this.listeners.clear();
    this.streams.close();
    // Leases end with the instance that held them: other processes may claim the work now.
    await this.liveness.stop().catch(() => {});
    await this.sql.end({ timeout: 5 });
  }

  private async open_(): Promise<void> {
    this.assertOpen();
    await this.ready;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error("This PostgreSQL World is closed");
  }

  private committed(effects: BatchEffects): void {
    if (effects.owned.length > 0) this.ownership.created(effects.owned);
    if (effects.workAt === null) return;
    this.notifyWork();
    this.wakeWhenDue(effects.workAt);
  }

  /** Calls the `onWork` listeners at `at` (epoch ms) if it is in the future; keeps only the earliest. */
  private wakeWhenDue(at: number): void {
    const delay = at - Date.now();
    if (!Number.isFinite(at) || delay <= 0 || at >= this.wakeAt || this.closed) return;
    clearTimeout(this.wakeTimer);
    this.wakeAt = at;
    this.wakeTimer = setTimeout(
      () => {
        this.wakeAt = Number.POSITIVE_INFINITY;
        this.wakeTimer = undefined;
        this.notifyWork();
      },
      Math.min(delay + 1, 2_147_483_647),
    );
    // Listeners that want to keep the process alive do so themselves (the runtime's scheduler).
    this.wakeTimer.unref();
  }

  /** Tells listeners once per burst, after the committing call has returned. */
  private notifyWork(): void {
    if (this.notifyScheduled || this.closed) return;
    this.notifyScheduled = true;
    setImmediate(() => {
      this.notifyScheduled = false;
      for (const listener of [...this.listeners]) {
        try {
          listener();
        } catch (error) {
          process.emitWarning(`onWork listener threw: ${String(error)}`);
        }
      }
    });
  }
}

/**
 * Opens the PostgreSQL World on `url`: migrates the schema (unless
 * `migrate: false`), registers this instance and starts listening. Resolves
 * when it is ready to use.
 */
export async function openPostgresWorld(options: PostgresWorldOptions | string): Promise<PostgresWorld> {
  const world = new PostgresWorld(typeof options === "string" ? { url: options } : options);
  try {
    await world.whenReady();
  } catch (error) {
    await world.close().catch(() => {});
    throw error;
  }
  return world;
}

/**
 * The PostgreSQL World on `url`, usable at once: its calls wait for the
 * migrations and the LISTEN connection. Prefer {@link openPostgresWorld} where
 * you can await, so a bad URL fails at start-up.
 */
export function postgresWorld(options: PostgresWorldOptions | string): PostgresWorld {
  return new PostgresWorld(typeof options === "string" ? { url: options } : options);
}
