// The World interface, composed from the contract's pieces (runs, append, queue,
// hooks, streams, bundles) declared in their own files.

import type { AppendRequest, AppendResult, CreateRunInput, CreateRunResult } from "./append.js";
import type { BundleInfo } from "./bundles.js";
import type { StoredEvent } from "./events.js";
import type { DeliveryRecord, HookRecord, ReleasedHookRecord } from "./hooks.js";
import type { MessageId, RunId } from "./ids.js";
import type { RunOwnership } from "./ownership.js";
import type { ClaimOptions, QueueMessage } from "./queue.js";
import type { ListRunsFilter, PruneRunsOptions, RunRecord } from "./runs.js";
import type { WorldStreams } from "./streams.js";

/**
 * The storage and queue a runtime runs on. Every method may be called
 * concurrently; each `append` is atomic. Implementations import nothing but
 * this package, and pass `@wfkit/world/conformance`.
 *
 * Writes take branded ids (`RunId`, `MessageId`); lookups (`getRun`, `readEvents`,
 * `listHooks`) take any string, since an id typed by a user or read from a URL
 * simply finds nothing when it is not one.
 */
export interface World {
  /** A short name for logs and `/info` (`"sqlite"`, `"postgres"`). */
  readonly name: string;
  /** Where data lives, if on disk (for tooling). */
  readonly dataDir?: string;
  /**
   * True when this instance is the only writer of its data (the embedded SQLite
   * world holds a lock on its directory). The runtime may then pipeline a run's
   * appends: submit the next before the previous one committed, relying on
   * appends being applied in the order they were made.
   */
  readonly singleProcess?: boolean;
  /**
   * A shared World's runs held by one process alone (see {@link RunOwnership}): the
   * runtime pipelines a run it holds as on a `singleProcess` World.
   */
  readonly ownership?: RunOwnership;

  /** Creates a run with its `run_created` event (seq 1); with an idempotency key already used, returns the existing run. */
  createRun(input: CreateRunInput): Promise<CreateRunResult>;
  getRun(runId: string): Promise<RunRecord | null>;
  /**
   * Runs newest first: by `createdAt` descending, then `runId` descending (run ids
   * sort by creation). Every filter given must hold; all matching runs without `limit`.
   * Page with `before`: pass the last run of the previous page.
   */
  listRuns(filter?: ListRunsFilter): Promise<RunRecord[]>;

  /** Rejects only on a storage error; contract failures are results (`ok: false`). */
  append(request: AppendRequest): Promise<AppendResult>;
  /**
   * Events after `afterSeq` (default 0: all), in order, each the appended event
   * with its `seq` and caller-given `at`. An unknown run has no events (`[]`).
   */
  readEvents(runId: string, afterSeq?: number): Promise<StoredEvent[]>;

  /** Leases due messages. Leases of a crashed holder expire after `leaseMs`. */
  claim(options: ClaimOptions): Promise<QueueMessage[]>;
  /** Deletes messages that need no further work. Unknown ids are ignored. */
  ack(ids: MessageId[]): Promise<void>;
  /** Gives leased messages back (for a clean shutdown): claimable again at once. */
  release(ids: MessageId[]): Promise<void>;
  /**
   * Extends the leases of messages still held: each of `ids` that exists and is
   * leased is leased until `now + leaseMs` (the World's clock). Unknown ids and
   * messages not leased are left alone. A process holding work longer than its
   * lease (a long step) renews it, so no other process takes the work over.
   */
  renewLeases(ids: MessageId[], leaseMs: number): Promise<void>;
  /** The earliest `availableAt` among messages not leased, or null. */
  nextAvailableAt(): Promise<number | null>;
  /**
   * Called when new work may be available (another process committed, or a timer was added).
   * At least after every commit that inserted claimable (not `leased`) messages;
   * asynchronously, never inside the call that committed, and possibly coalesced.
   * Returns an unsubscribe function.
   */
  onWork(listener: () => void): () => void;

  /** A live hook by token, or null. */
  getHook(token: string): Promise<HookRecord | null>;
  /** The live hooks of a run, in creation order. */
  listHooks(filter: { runId: string }): Promise<HookRecord[]>;
  /**
   * The record of a hook released within the World's retention window, or null
   * (never released, released longer ago, or created again since).
   */
  getReleasedHook(token: string): Promise<ReleasedHookRecord | null>;

  /** A delivery recorded by an append for this webhook token and id, or null when unknown or expired. */
  getDelivery(token: string, id: string): Promise<DeliveryRecord | null>;

  /**
   * Hands a webhook response from whichever process produced it to the one
   * holding the caller's connection. `awaitResponse` resolves null on timeout.
   * A response put before or after the wait starts is delivered, to one waiter, once.
   * `putResponse` also stores the response on the delivery recorded with this
   * `requestId`, if one is kept, where `getDelivery` returns it to answer retries.
   */
  putResponse(requestId: string, response: string): Promise<void>;
  awaitResponse(requestId: string, timeoutMs: number): Promise<string | null>;

  /**
   * Retention: deletes ended runs older than `endedBefore` (see {@link PruneRunsOptions})
   * with everything kept for them: events, dedupe keys, released hooks, webhook
   * deliveries and stream chunks. Afterwards `getRun` returns null, `readEvents` `[]`,
   * `getReleasedHook` / `getDelivery` null for their tokens, and streams read as empty.
   * Returns the ids of the runs deleted (with `dryRun`: that would be), oldest end first.
   * Each call is atomic per run: a run is either wholly deleted or left as it was.
   */
  pruneRuns(options: PruneRunsOptions): Promise<RunId[]>;

  /** Per-run chunk streams (`getWritable()` / `run.getReadable()`). */
  readonly streams: WorldStreams;

  /**
   * Stores a workflow bundle's code under its content hash, so any process can replay
   * a run on the bundle it started on. Storing a hash already stored changes nothing
   * but its `storedAt` (now). The runtime deletes bundles no unfinished run needs.
   */
  putBundle(hash: string, code: string): Promise<void>;
  /** A stored bundle's code, or null. */
  getBundle(hash: string): Promise<string | null>;
  /** The stored bundles' hashes and when each was last stored (epoch ms), oldest first. */
  listBundles(): Promise<BundleInfo[]>;
  /** Deletes stored bundles; unknown hashes are ignored. */
  deleteBundles(hashes: string[]): Promise<void>;

  /** Waits for pending writes, then releases the storage. Other calls must not follow. */
  close(): Promise<void>;
}
