import type { HookKind, StoredEvent, TraceContext, WorkflowEvent } from "./events.js";
import type { MessageId, OpId, RunId } from "./ids.js";
import type { WorldStreams } from "./streams.js";

export type RunStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export const TERMINAL_STATUSES: readonly RunStatus[] = ["completed", "failed", "cancelled"];

export function isTerminal(status: RunStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

/**
 * A run as the World keeps it. Payload fields are serialized strings, stored
 * and returned byte-exact. Optional fields are absent until an append sets them.
 */
export interface RunRecord {
  runId: RunId;
  workflowId: string;
  status: RunStatus;
  input: string;
  output?: string;
  error?: string;
  idempotencyKey?: string;
  /** The run that started this one from workflow code (`start()` in a workflow), if any. */
  parentRunId?: RunId;
  /** The `at` given to `createRun`. */
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  /** Position of the last event in the run's log. */
  lastSeq: number;
}

/**
 * A live hook: a token some outside party may resume. A token is held by at
 * most one live hook across all runs; it is freed by `hooks.release` or when
 * its run ends, and may then be created again.
 */
export interface HookRecord {
  token: string;
  runId: RunId;
  opId: OpId;
  kind: HookKind;
  /** The World's clock (epoch ms) when the append that created the hook was committed. */
  createdAt: number;
  metadata?: string;
  respondWith?: "default" | "manual" | { static: string };
  /** Webhooks: the name of the verifier (configured on the runtime) that checks each request's signature. */
  verify?: string;
}

/**
 * A hook that is no longer live, remembered for a while after it was released
 * so that a caller of its token can be told it is gone rather than unknown
 * (the webhook route answers 410 instead of 404). Metadata is not kept.
 */
export interface ReleasedHookRecord extends Omit<HookRecord, "metadata"> {
  /** The World's clock (epoch ms) when the hook was released. */
  releasedAt: number;
  /** `"disposed"`: freed by `hooks.release`; `"run_ended"`: its run reached a terminal status. */
  reason: "disposed" | "run_ended";
}

/**
 * How long a World remembers released hooks unless configured otherwise: a
 * provider that retries for days is still told the webhook is gone.
 */
export const DEFAULT_RELEASED_HOOK_RETENTION_MS = 7 * 24 * 60 * 60_000;

/**
 * A webhook delivery to record with an append: a provider's id for one
 * delivery (kept across its retries), for the webhook with this token.
 */
export interface DeliveryInput {
  /** The webhook's token. */
  token: string;
  /** The provider's delivery id (`webhook-id`, `X-GitHub-Delivery`, …). */
  id: string;
  /** Manual-response webhooks: the id the response to the first delivery is handed over under. */
  requestId?: string;
  /** Epoch ms after which the record no longer counts (and may be deleted): the dedupe window. */
  expiresAt: number;
}

/** A recorded delivery, as `getDelivery` returns it. */
export interface DeliveryRecord extends DeliveryInput {
  runId: RunId;
  /** The World's clock (epoch ms) when the append that recorded it was committed. */
  recordedAt: number;
  /** The response given to the first delivery (manual webhooks), once `putResponse` gave it. */
  response?: string;
}

/**
 * What a queue message asks for, by kind, with exactly the fields that kind needs.
 * A step attempt to run: `payload` is opaque data for the consumer (a step's serialized input, say).
 */
export interface StepWork {
  kind: "step";
  opId: OpId;
  /** 1 for the first attempt; a retry enqueues the next attempt. */
  attempt: number;
  payload: string;
}

/** A sleep that is due at the message's `availableAt`. */
export interface TimerWork {
  kind: "timer";
  opId: OpId;
}

/**
 * A run that needs a turn no process is known to be driving: whoever claims it
 * replays the run's log and appends what the log lacks (the commands of an
 * activation that ran before a crash), acking the message with that append.
 * The runtime enqueues one, leased to itself, when a run's first turn cannot
 * commit with the run; if the process dies before that turn, the lease ends and
 * another process finishes it.
 */
export interface TurnWork {
  kind: "turn";
}

/**
 * Work about a child run, for whichever process claims it: creating a child a parent's
 * turn started, handing a child's end to its parent, or cancelling a child whose parent
 * ended. `payload` is opaque data for the consumer, like a step's.
 */
export interface ChildWork {
  kind: "child";
  payload: string;
}

/** The kinds of queue work: step attempts, timers, runs that need a turn, and child-run work. */
export type MessageKind = QueueMessage["kind"];

/** The fields a World adds to every queued message. */
export interface QueuedFields {
  /** Assigned by the World; never reused for another message of the same data. */
  id: MessageId;
  runId: RunId;
  availableAt: number;
  dedupeKey?: string;
}

export interface StepMessage extends StepWork, QueuedFields {}
export interface TimerMessage extends TimerWork, QueuedFields {}
export interface TurnMessage extends TurnWork, QueuedFields {}
export interface ChildMessage extends ChildWork, QueuedFields {}

/** Work to do: a step attempt, a timer due at `availableAt`, or a run that needs a turn. Narrow on `kind`. */
export type QueueMessage = StepMessage | TimerMessage | TurnMessage | ChildMessage;

/** The options of a message to enqueue, whatever its kind. */
export interface EnqueueFields {
  runId: RunId;
  /** Not before this time; default now. Timers and retries use it. */
  availableAt?: number;
  /**
   * At most one pending message per key and run: a second insert is ignored.
   * "Pending" means still in the queue, leased or not; once the message is acked
   * (or its run ends) the key may be used again. An ignored insert is not part of
   * the `messages` the request returns.
   */
  dedupeKey?: string;
  /**
   * Inserted already leased by this World instance, for in-process dispatch:
   * `claim` does not return it until it is released, or until the World is
   * closed and opened again (the lease dies with the instance that held it),
   * or, with `leaseMs`, until that lease ends.
   */
  leased?: boolean;
  /**
   * With `leased`: the lease ends this many ms after the commit, like a lease from
   * `claim` (renew it with `renewLeases`). A runtime sharing its World with other
   * processes always gives one, so a process that dies leaves nothing held for good.
   * A World that is not `singleProcess` never holds a message `leased` without it
   * forever either: it ends such a lease after a default length, or once it learns
   * the instance that inserted it died (PostgreSQL: its liveness heartbeat stopped).
   */
  leaseMs?: number;
}

export interface StepMessageInput extends StepWork, EnqueueFields {}
export interface TimerMessageInput extends TimerWork, EnqueueFields {}
export interface TurnMessageInput extends TurnWork, EnqueueFields {}
export interface ChildMessageInput extends ChildWork, EnqueueFields {}

/** A message to enqueue; the World returns it as a `QueueMessage` of the same kind. */
export type MessageInput = StepMessageInput | TimerMessageInput | TurnMessageInput | ChildMessageInput;

/**
 * A new run. Its log starts with `run_created` (seq 1, `at`, `v: 1`, `workflowId`,
 * `input`); the run starts as `"pending"` with `lastSeq` 1 and `createdAt` = `at`.
 */
export interface CreateRunInput {
  /** Must be new: a `runId` that already exists (without a matching idempotency key) is rejected. */
  runId: RunId;
  workflowId: string;
  input: string;
  /**
   * If any run (of any status) already has this key, nothing is written and that
   * run is returned with `created: false`. Concurrent calls with the same key
   * create exactly one run.
   */
  idempotencyKey?: string;
  /** Stored on the run record as is: the run that started this one from workflow code. */
  parentRunId?: RunId;
  at: number;
  /** Stored as it is in the `run_created` event (the run's trace, continued by later processes). */
  traceContext?: TraceContext;
  /** The content hash of the workflow bundle the run starts on, recorded in its `run_created` event. */
  bundle?: string;
  /** Messages committed with the run (its first turn), in the same transaction. */
  enqueue?: MessageInput[];
  /**
   * The run's first turn, applied in the same transaction as an `append` with
   * `expectedSeq: 1` right after `run_created`. It must not create hooks or use
   * dedupe keys or deliveries (it cannot fail); skipped when the idempotency key is taken.
   */
  firstTurn?: Omit<AppendRequest, "runId" | "expectedSeq">;
}

export type CreateRunResult =
  | {
      created: true;
      /** The run after the whole transaction (with `firstTurn` applied). */
      run: RunRecord;
      messages: QueueMessage[];
      /** The result of `firstTurn`, when one was given. */
      turn?: Extract<AppendResult, { ok: true }>;
    }
  | { created: false; run: RunRecord; messages: [] };

/**
 * An event to append, stamped by the caller's clock (the replay engine saw this time).
 * The World stores `at` as given; it does not restamp it.
 */
export type EventInput = WorkflowEvent & { at: number };

/**
 * One atomic change to a run: events, run fields, queue work (the outbox),
 * hooks. Either all of it is committed or none.
 *
 * Checks, in this order (the first that fails is the result, nothing is written):
 * 1. the run exists (`run_not_found`);
 * 2. the run is not terminal (`run_ended` with its status): a run ends exactly
 *    once, and nothing (not even an empty request) is appended after;
 * 3. `expectedSeq`, if given, equals `lastSeq` (`conflict` with the current `lastSeq`);
 * 4. no key in `dedupeKeys` was recorded by an earlier successful append of this run (`duplicate`);
 * 5. no entry of `deliveries` has the token and id of a delivery recorded earlier
 *    (by any run) that has not expired (`expiresAt` after now), nor is given twice
 *    in the request (`duplicate_delivery`);
 * 6. no token in `hooks.create` is held by a hook live before this request, of any
 *    run including this one, nor given twice in the request (`hook_conflict`).
 *
 * Then, in one transaction: events get seq `lastSeq+1`, ... in the order given;
 * the run fields given are set (others are left alone); hooks are created;
 * `hooks.release` frees tokens of this run; `ack` deletes messages (unknown ids
 * are ignored) before `enqueue` inserts, so a request can consume a message and
 * enqueue its successor under the same `dedupeKey`; the `dedupeKeys` and
 * `deliveries` are recorded (a delivery replaces an expired one with its token and id).
 * When the new status is terminal, every hook of the run is released and every
 * queue message of the run is deleted, including those enqueued by this request.
 *
 * A released hook (by `hooks.release`: reason `"disposed"`; by the run ending:
 * `"run_ended"`) is kept as a {@link ReleasedHookRecord} for the World's retention
 * window; creating its token again drops that record.
 */
export interface AppendRequest {
  runId: RunId;
  /** Optimistic concurrency: the run's `lastSeq` must equal this, or the append is a `conflict`. */
  expectedSeq?: number;
  events: EventInput[];
  /** Run fields to set. The World learns that a run ended only from `status` here, never from events. */
  run?: {
    status?: RunStatus;
    output?: string;
    error?: string;
    startedAt?: number;
    completedAt?: number;
  };
  enqueue?: MessageInput[];
  /** Messages consumed by this change; deleted with it. */
  ack?: MessageId[];
  hooks?: {
    create?: Array<Omit<HookRecord, "runId" | "createdAt">>;
    /** Tokens to free. Tokens that are unknown or held by another run are left alone. */
    release?: string[];
  };
  /** If any key was already used by an earlier append of this run, nothing is written (`duplicate`). */
  dedupeKeys?: string[];
  /**
   * Webhook deliveries recorded with this change (the `hook_received` event of each),
   * so a provider's retry of one is never recorded twice. Unlike `dedupeKeys` they are
   * found by token (`getDelivery`), outlive the run, and expire at their `expiresAt`.
   */
  deliveries?: DeliveryInput[];
}

export type AppendFailure =
  | { ok: false; reason: "run_not_found" }
  | { ok: false; reason: "run_ended"; status: RunStatus }
  | { ok: false; reason: "conflict"; lastSeq: number }
  | { ok: false; reason: "duplicate"; key: string }
  | { ok: false; reason: "duplicate_delivery"; token: string; id: string }
  | { ok: false; reason: "hook_conflict"; token: string; ownerRunId: RunId };

/**
 * On success: the seqs of the first and last appended event (both the run's
 * current `lastSeq` when `events` is empty) and the messages actually inserted: not
 * those skipped for their dedupe key, nor those of the run when this request ended it
 * (they were deleted with it).
 */
export type AppendResult =
  | { ok: true; firstSeq: number; lastSeq: number; messages: QueueMessage[] }
  | AppendFailure;

/**
 * `claim` returns messages with `availableAt <= now` that are not leased or whose
 * lease ended (`leasedUntil <= now`), oldest `availableAt` first, and leases them
 * until `now + leaseMs`. Concurrent claims never return the same message.
 */
export interface ClaimOptions {
  /** Most messages to return. */
  limit: number;
  /** Messages due at or before this time. */
  now: number;
  /** The lease: a claimed message is not handed out again for this long. */
  leaseMs: number;
  kinds?: MessageKind[];
}

/** A stored workflow bundle, as `listBundles` returns it. */
export interface BundleInfo {
  hash: string;
  /** When it was last stored (`putBundle`), epoch ms of the World's clock. */
  storedAt: number;
}

/** What `listRuns` returns: every filter given must hold. */
export interface ListRunsFilter {
  /** Only runs with one of these statuses. */
  status?: RunStatus[];
  /** Only runs of this workflow (its `workflowId`). */
  workflowId?: string;
  /** Only runs created at or after this time (epoch ms). */
  createdFrom?: number;
  /** Only runs created before this time (epoch ms, exclusive). */
  createdUntil?: number;
  /**
   * Keyset pagination: only runs after this one in listing order (older, or as old
   * with a smaller `runId`). The run itself need not exist any more.
   */
  before?: { createdAt: number; runId: string };
  /** Most runs to return. */
  limit?: number;
}

/** True when `run` passes `filter` (except `limit`): the reference semantics of `listRuns`. */
export function matchesRunFilter(run: RunRecord, filter: ListRunsFilter): boolean {
  if (filter.status && !filter.status.includes(run.status)) return false;
  if (filter.workflowId !== undefined && run.workflowId !== filter.workflowId) return false;
  if (filter.createdFrom !== undefined && run.createdAt < filter.createdFrom) return false;
  if (filter.createdUntil !== undefined && run.createdAt >= filter.createdUntil) return false;
  const b = filter.before;
  if (b && !(run.createdAt < b.createdAt || (run.createdAt === b.createdAt && run.runId < b.runId)))
    return false;
  return true;
}

/** Listing order of `listRuns`: newest `createdAt` first, then the larger `runId`. */
export function compareRunsNewestFirst(a: RunRecord, b: RunRecord): number {
  if (a.createdAt !== b.createdAt) return b.createdAt - a.createdAt;
  return a.runId < b.runId ? 1 : a.runId > b.runId ? -1 : 0;
}

/**
 * What `pruneRuns` deletes: ended runs (status `completed`, `failed` or
 * `cancelled`) whose end is older than `endedBefore`. A run's end is its
 * `completedAt`, or its `createdAt` when it has none. Runs that are `pending`
 * or `running` are never touched, however old.
 */
export interface PruneRunsOptions {
  /** Epoch ms, exclusive: runs that ended at or after this time are kept. */
  endedBefore: number;
  /** Most runs to delete in this call (the oldest ended first). Default: all that match. */
  limit?: number;
  /** Find the runs but delete nothing (what `wf prune --dry-run` shows). */
  dryRun?: boolean;
}

/** Whether `run` is one `pruneRuns({ endedBefore })` deletes: the reference semantics. */
export function isPrunable(run: RunRecord, endedBefore: number): boolean {
  return isTerminal(run.status) && (run.completedAt ?? run.createdAt) < endedBefore;
}

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
