// The writes of a run: `createRun` and the atomic `append`, with their results.

import type { TraceContext, WorkflowEvent } from "./events.js";
import type { DeliveryInput, HookRecord, ReleasedHookRecord } from "./hooks.js";
import type { MessageId, RunId } from "./ids.js";
import type { MessageInput, QueueMessage } from "./queue.js";
import type { RunRecord, RunStatus } from "./runs.js";

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
