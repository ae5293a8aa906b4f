import {
  type AppendRequest,
  type AppendResult,
  type CreateRunInput,
  type CreateRunResult,
  isTerminal,
  type MessageInput,
  type QueueMessage,
  type RunRecord,
  runCreatedEvent,
  runId as toRunId,
} from "@wfkit/world";
import { encodeEvent } from "./event-codec.js";
import type { BatchContext } from "./group-commit.js";
import { ackMessages } from "./queue.js";
import { type MessageRow, toMessage, toRun } from "./rows.js";
import type { Statements } from "./statements.js";

/**
 * `leased_until` of a message inserted with `leased: true`: held by this
 * instance until it acks or releases it. Later than any `now` a claim can pass;
 * cleared when the data dir is opened again (see `SqliteWorld`).
 */
export const HELD_BY_INSTANCE = Number.MAX_SAFE_INTEGER;

/**
 * The body of `createRun`, run inside the group commit's transaction.
 * Throws (rolling back its savepoint) when the run id is taken.
 */
export function applyCreateRun(s: Statements, input: CreateRunInput, batch: BatchContext): CreateRunResult {
  if (input.idempotencyKey !== undefined) {
    const existing = s.getRunByKey.get(input.idempotencyKey);
    if (existing) return { created: false, run: toRun(existing), messages: [] };
  }
  if (s.getRunHead.get(input.runId)) throw new Error(`A run with id "${input.runId}" already exists`);
  const runKey = Number(
    s.insertRun.run(
      input.runId,
      input.workflowId,
      input.input,
      input.idempotencyKey ?? null,
      input.parentRunId ?? null,
      input.at,
    ).lastInsertRowid,
  );
  const created = encodeEvent(runCreatedEvent(input));
  s.insertEvent.run(runKey, 1, input.at, created.type, created.body);
  const run: RunRecord = {
    runId: input.runId,
    workflowId: input.workflowId,
    status: "pending",
    input: input.input,
    createdAt: input.at,
    lastSeq: 1,
  };
  if (input.idempotencyKey !== undefined) run.idempotencyKey = input.idempotencyKey;
  if (input.parentRunId !== undefined) run.parentRunId = input.parentRunId;
  const messages = insertMessages(s, input.enqueue ?? [], batch);
  if (!input.firstTurn) return { created: true, run, messages };
  const turn = applyAppend(s, { ...input.firstTurn, runId: input.runId, expectedSeq: 1 }, batch);
  // The first turn of a new run has nothing to conflict with; a failure here is a caller bug.
  if (!turn.ok) throw new Error(`createRun: the first turn was refused (${turn.reason})`);
  // The run as the first turn left it (what updateRun wrote), without reading it back.
  const { status, output, error, startedAt, completedAt } = input.firstTurn.run ?? {};
  const updated: RunRecord = { ...run, lastSeq: turn.lastSeq };
  if (status !== undefined) updated.status = status;
  if (output !== undefined) updated.output = output;
  if (error !== undefined) updated.error = error;
  if (startedAt !== undefined) updated.startedAt = startedAt;
  if (completedAt !== undefined) updated.completedAt = completedAt;
  return { created: true, run: updated, messages, turn };
}

/**
 * The body of `append`, run inside the group commit's transaction: every check
 * first (a failed check leaves nothing written), then every effect.
 */
export function applyAppend(s: Statements, request: AppendRequest, batch: BatchContext): AppendResult {
  const { runId } = request;
  const run = s.getRunHead.get(runId);
  if (!run) return { ok: false, reason: "run_not_found" };
  if (isTerminal(run.status)) return { ok: false, reason: "run_ended", status: run.status };
  if (request.expectedSeq !== undefined && request.expectedSeq !== run.last_seq) {
    return { ok: false, reason: "conflict", lastSeq: run.last_seq };
  }
  const fields = request.run ?? {};
  const ends = fields.status !== undefined && isTerminal(fields.status);
  // Dedupe keys are checked by inserting them (one statement a key, not a lookup and an insert):
  // a later refusal deletes those inserted, so a refused append still writes nothing. An
  // append that ends the run keeps none (the run's are deleted below): it only looks them up.
  const keys = ends
    ? findDedupeKey(s, run.run_key, request.dedupeKeys)
    : insertDedupeKeys(s, run.run_key, request.dedupeKeys);
  if (typeof keys === "string") return { ok: false, reason: "duplicate", key: keys };
  const refuse = (failure: AppendResult): AppendResult => {
    for (const key of keys) s.deleteDedupeKey.run(run.run_key, key);
    return failure;
  };
  const now = Date.now();
  const given = new Set<string>();
  for (const { token, id } of request.deliveries ?? []) {
    const key = `${token}\u0000${id}`;
    if (given.has(key) || s.getDelivery.get(token, id, now)) {
      return refuse({ ok: false, reason: "duplicate_delivery", token, id });
    }
    given.add(key);
  }
  const creating = new Set<string>();
  for (const { token } of request.hooks?.create ?? []) {
    // A token given twice in one request would be held twice: this run is the owner of the first.
    if (creating.has(token)) return refuse({ ok: false, reason: "hook_conflict", token, ownerRunId: runId });
    creating.add(token);
    const owner = s.getHook.get(token);
    if (owner)
      return refuse({ ok: false, reason: "hook_conflict", token, ownerRunId: toRunId(owner.run_id) });
  }

  let seq = run.last_seq;
  for (const event of request.events) {
    seq += 1;
    const { type, body } = encodeEvent(event);
    s.insertEvent.run(run.run_key, seq, event.at, type, body);
  }
  s.updateRun.run(
    seq,
    fields.status ?? null,
    fields.output ?? null,
    fields.error ?? null,
    fields.startedAt ?? null,
    fields.completedAt ?? null,
    runId,
  );

  for (const hook of request.hooks?.create ?? []) {
    s.forgetReleasedHook.run(hook.token);
    s.insertHook.run(
      hook.token,
      runId,
      hook.opId,
      hook.kind,
      now,
      hook.metadata ?? null,
      hook.respondWith === undefined ? null : JSON.stringify(hook.respondWith),
      hook.verify ?? null,
    );
  }
  for (const token of request.hooks?.release ?? []) {
    s.rememberHook.run(now, "disposed", token, runId);
    s.releaseHook.run(token, runId);
  }
  // Ack before enqueue: a request that consumes a message and enqueues its
  // successor under the same dedupe key must not find the old one still pending.
  ackMessages(s, request.ack ?? []);
  let messages = insertMessages(s, request.enqueue ?? [], batch);
  for (const d of request.deliveries ?? []) {
    s.insertDelivery.run(d.token, d.id, runId, d.requestId ?? null, now, d.expiresAt);
  }

  if (ends) {
    // The run is over: nothing may resume it and none of its work may start,
    // including what this very request enqueued.
    s.rememberRunHooks.run(now, "run_ended", runId);
    s.releaseRunHooks.run(runId);
    s.deleteRunMessages.run(runId);
    // Dedupe keys only guard appends, which an ended run takes no more of.
    s.deleteRunDedupeKeys.run(run.run_key);
    messages = messages.filter((m) => m.runId !== runId);
  }
  const firstSeq = request.events.length > 0 ? run.last_seq + 1 : run.last_seq;
  return { ok: true, firstSeq, lastSeq: seq, messages };
}

/** The first of `keys` the run already has; none: an empty list (nothing was inserted). */
function findDedupeKey(s: Statements, runKey: number, keys: string[] | undefined): string[] | string {
  for (const key of keys ?? []) if (s.hasDedupeKey.get(runKey, key)) return key;
  return [];
}

/**
 * Inserts the append's dedupe keys (a key given twice counts once). Returns the keys
 * inserted, or the first one the run already had, with none of this call's left behind.
 */
function insertDedupeKeys(s: Statements, runKey: number, keys: string[] | undefined): string[] | string {
  const inserted: string[] = [];
  for (const key of keys ?? []) {
    if (inserted.includes(key)) continue;
    if (s.insertDedupeKey.run(runKey, key).changes === 0) {
      for (const done of inserted) s.deleteDedupeKey.run(runKey, done);
      return key;
    }
    inserted.push(key);
  }
  return inserted;
}

/** Inserts outbox messages, skipping those whose dedupe key is still pending; returns the inserted ones. */
export function insertMessages(s: Statements, inputs: MessageInput[], batch: BatchContext): QueueMessage[] {
  const inserted: QueueMessage[] = [];
  const now = Date.now();
  for (const m of inputs) {
    const row: Omit<MessageRow, "id"> = {
      run_id: m.runId,
      kind: m.kind,
      op_id: m.kind === "step" || m.kind === "timer" ? m.opId : null,
      attempt: m.kind === "step" ? m.attempt : null,
      payload: m.kind === "step" || m.kind === "child" ? m.payload : null,
      available_at: m.availableAt ?? now,
      dedupe_key: m.dedupeKey ?? null,
    };
    const leasedUntil = m.leased ? (m.leaseMs !== undefined ? now + m.leaseMs : HELD_BY_INSTANCE) : null;
    const { changes, lastInsertRowid } = s.insertMessage.run(
      row.run_id,
      row.kind,
      row.op_id,
      row.attempt,
      row.payload,
      row.available_at,
      row.dedupe_key,
      leasedUntil,
    );
    if (changes === 0) continue;
    inserted.push(toMessage({ id: Number(lastInsertRowid), ...row }));
    if (!m.leased) batch.workAdded();
  }
  return inserted;
}
