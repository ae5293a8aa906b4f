import {
  type AppendRequest,
  type AppendResult,
  type CreateRunInput,
  type CreateRunResult,
  isTerminal,
  runCreatedEvent,
  runId as toRunId,
} from "@wfkit/world";
import type { Effects } from "./batch-effects.js";
import { type BatchState, pair } from "./batch-state.js";
import { enc, encOpt, encodeEvent, messageKey, type RunRow, toRun } from "./codec.js";
import { RunHeldElsewhere } from "./ownership.js";

// The contract checks of createRun and append, evaluated in memory against what the
// batch read plus what its earlier writes did; on success, their effects are queued.

export function createRun(
  state: BatchState,
  out: Effects,
  input: CreateRunInput,
): () => Promise<CreateRunResult> {
  if (input.idempotencyKey !== undefined) {
    const owner = state.byKey.get(enc(input.idempotencyKey));
    const existing = owner === undefined ? undefined : state.runs.get(owner);
    if (existing) {
      const run = toRun(existing.row);
      return async () => ({ created: false, run, messages: [] });
    }
  }
  if (state.runs.has(input.runId)) throw new Error(`A run with id "${input.runId}" already exists`);
  const row: RunRow = {
    run_id: input.runId,
    workflow_id: enc(input.workflowId),
    status: "pending",
    input: enc(input.input),
    output: null,
    error: null,
    idempotency_key: encOpt(input.idempotencyKey),
    parent_run_id: input.parentRunId ?? null,
    created_at: input.at,
    started_at: null,
    completed_at: null,
    last_seq: 1,
  };
  state.runs.set(input.runId, { row, isNew: true, touched: true });
  if (row.idempotency_key !== null) state.byKey.set(row.idempotency_key, input.runId);
  out.event(input.runId, 1, input.at, encodeEvent(runCreatedEvent(input)));
  const created = toRun(row);
  const messages = out.messages(input.enqueue ?? [], state.messageIds);
  if (!input.firstTurn) return async () => ({ created: true, run: created, messages: await messages });
  const turnResult = append(state, out, { ...input.firstTurn, runId: input.runId, expectedSeq: 1 });
  const after = toRun(row);
  return async () => {
    const turn = await turnResult();
    // The first turn of a new run has nothing to conflict with; a failure here is a caller bug.
    if (!turn.ok) throw new Error(`createRun: the first turn was refused (${turn.reason})`);
    return { created: true, run: after, messages: await messages, turn };
  };
}

/** Checks a request against the batch state; on success queues its effects and updates the state. */
export function append(state: BatchState, out: Effects, request: AppendRequest): () => Promise<AppendResult> {
  const fail = (result: AppendResult) => async () => result;
  const { runId } = request;
  const run = state.runs.get(runId);
  if (!run) return fail({ ok: false, reason: "run_not_found" });
  // Held by another process: this write waits for it (the World sends it again once released).
  if (run.heldBy !== undefined) throw new RunHeldElsewhere(runId, run.heldBy);
  const row = run.row;
  if (isTerminal(row.status)) return fail({ ok: false, reason: "run_ended", status: row.status });
  if (request.expectedSeq !== undefined && request.expectedSeq !== row.last_seq) {
    return fail({ ok: false, reason: "conflict", lastSeq: row.last_seq });
  }
  for (const key of request.dedupeKeys ?? []) {
    if (state.dedupe.has(pair(runId, enc(key)))) return fail({ ok: false, reason: "duplicate", key });
  }
  const given = new Set<string>();
  for (const { token, id } of request.deliveries ?? []) {
    const key = pair(token, id);
    if (given.has(key) || state.deliveries.has(key))
      return fail({ ok: false, reason: "duplicate_delivery", token, id });
    given.add(key);
  }
  const creating = new Set<string>();
  for (const { token } of request.hooks?.create ?? []) {
    if (creating.has(token)) return fail({ ok: false, reason: "hook_conflict", token, ownerRunId: runId });
    creating.add(token);
    const owner = state.hooks.get(token);
    if (owner) return fail({ ok: false, reason: "hook_conflict", token, ownerRunId: toRunId(owner) });
  }

  const { tx, now } = out;
  const firstSeq = request.events.length > 0 ? row.last_seq + 1 : row.last_seq;
  for (const event of request.events) {
    row.last_seq += 1;
    out.event(runId, row.last_seq, event.at, encodeEvent(event));
  }
  const fields = request.run ?? {};
  if (fields.status !== undefined) row.status = fields.status;
  if (fields.output !== undefined) row.output = enc(fields.output);
  if (fields.error !== undefined) row.error = enc(fields.error);
  if (fields.startedAt !== undefined) row.started_at = fields.startedAt;
  if (fields.completedAt !== undefined) row.completed_at = fields.completedAt;
  run.touched = true;

  const release = request.hooks?.release ?? [];
  const creates = request.hooks?.create ?? [];
  // A token freed by a run that ended earlier in the batch may be taken now: release those first.
  if (release.length > 0 || creates.length > 0) out.releaseEndedHooks();
  if (release.length > 0) {
    out.send(tx`WITH gone AS (
        DELETE FROM wfkit.hooks WHERE token = ANY(${release}::text[]) AND run_id = ${runId} RETURNING *)
      INSERT INTO wfkit.released_hooks (token, run_id, op_id, kind, created_at, respond_with, verify, released_at, reason)
      SELECT token, run_id, op_id, kind, created_at, respond_with, verify, ${now}, 'disposed' FROM gone
      ON CONFLICT (token) DO UPDATE SET run_id = excluded.run_id, op_id = excluded.op_id, kind = excluded.kind,
        created_at = excluded.created_at, respond_with = excluded.respond_with, verify = excluded.verify,
        released_at = excluded.released_at, reason = excluded.reason`);
    for (const token of release) if (state.hooks.get(token) === runId) state.hooks.set(token, null);
  }
  for (const hook of creates) {
    out.send(tx`DELETE FROM wfkit.released_hooks WHERE token = ${hook.token}`);
    out.send(tx`INSERT INTO wfkit.hooks (token, run_id, op_id, kind, created_at, metadata, respond_with, verify)
      VALUES (${hook.token}, ${runId}, ${hook.opId}, ${hook.kind}, ${now}, ${encOpt(hook.metadata)},
        ${hook.respondWith === undefined ? null : JSON.stringify(hook.respondWith)}, ${hook.verify ?? null})`);
    state.hooks.set(hook.token, runId);
  }
  // Ack before enqueue: a request that consumes a message and enqueues its
  // successor under the same dedupe key must not find the old one still pending.
  const acked = (request.ack ?? []).map(messageKey).filter((k): k is number => k !== null);
  out.ack(acked);
  const messages = out.messages(request.enqueue ?? [], state.messageIds);
  for (const key of request.dedupeKeys ?? []) {
    state.dedupe.add(pair(runId, enc(key)));
    out.dedupeKey(runId, enc(key));
  }
  for (const d of request.deliveries ?? []) {
    // An expired record of the same delivery is replaced; a live one (another
    // process's, committed since the read) makes the insert fail: the batch is retried.
    out.send(
      tx`DELETE FROM wfkit.deliveries WHERE token = ${d.token} AND delivery_id = ${d.id} AND expires_at <= ${now}`,
    );
    out.send(tx`INSERT INTO wfkit.deliveries (token, delivery_id, run_id, request_id, recorded_at, expires_at)
      VALUES (${d.token}, ${d.id}, ${runId}, ${d.requestId ?? null}, ${now}, ${d.expiresAt})`);
    state.deliveries.add(pair(d.token, d.id));
  }
  const ended = fields.status !== undefined && isTerminal(fields.status);
  if (ended) {
    // The run is over: nothing may resume it and none of its work may start,
    // including what this very request enqueued.
    out.runEnded(runId);
    for (const [token, owner] of state.hooks) if (owner === runId) state.hooks.set(token, null);
  }
  const lastSeq = row.last_seq;
  return async () => {
    const inserted = await messages;
    return {
      ok: true,
      firstSeq,
      lastSeq,
      messages: ended ? inserted.filter((m) => m.runId !== runId) : inserted,
    };
  };
}
