import {
  type AppendRequest,
  type AppendResult,
  type CreateRunInput,
  type CreateRunResult,
  isTerminal,
  type MessageInput,
  type QueueMessage,
  runId as toRunId,
} from "@wfkit/world";
import {
  enc,
  encOpt,
  encodeEvent,
  type MessageRow,
  messageBody,
  messageKey,
  type RunRow,
  toMessage,
  toRun,
} from "./codec.js";
import type { Conn } from "./connect.js";

/** `leased_until` of a message inserted with `leased: true`: later than any `now` a claim can pass. */
export const HELD = Number.MAX_SAFE_INTEGER;

/** One write of a batch: a `createRun` or an `append`. */
export type Write = { type: "create"; input: CreateRunInput } | { type: "append"; request: AppendRequest };

/** The result of one write: a contract result, or an error only its caller sees. */
export type WriteOutcome = { ok: true; value: AppendResult | CreateRunResult } | { ok: false; error: Error };

/** What the batch tells the World after its commit. */
export interface BatchEffects {
  /** The earliest `availableAt` of the claimable messages it inserted, if any. */
  workAt: number | null;
}

type Pending = Promise<unknown>;

/**
 * Applies a group of writes in one transaction (the group commit) on a
 * connection where `BEGIN` was sent: the rows every write needs are read in
 * one pipelined round trip (behind the BEGIN) (runs locked `FOR
 * UPDATE`, in run id order so two processes' batches cannot deadlock on them),
 * every contract check is evaluated in memory in submission order against
 * those rows plus what earlier writes of the batch did, and the effects of the
 * writes that pass are sent pipelined: events, run fields and dedupe keys as
 * one multi-row statement each for the whole batch.
 *
 * A write that fails a check writes nothing and does not affect the others.
 * A unique violation (another process took a token, a delivery or an
 * idempotency key between the read and the write) aborts the whole batch; the
 * World then runs its writes again one per transaction, where the read sees
 * the other process's row.
 */
export async function applyBatch(
  tx: Conn,
  writes: readonly Write[],
  instanceId: string,
  commit: () => Pending,
): Promise<{ outcomes: WriteOutcome[]; effects: BatchEffects }> {
  const now = Date.now();
  const state = await readState(tx, writes, now);
  const out = new Effects(tx, instanceId, now);
  // Checks and the sending of effects happen now, in order; results are read once the batch ran.
  const finishers = writes.map((write): (() => Promise<AppendResult | CreateRunResult>) => {
    try {
      return write.type === "create" ? createRun(state, out, write.input) : append(state, out, write.request);
    } catch (error) {
      return () => Promise.reject(error);
    }
  });
  await out.finish(state, commit);
  const outcomes = await Promise.all(
    finishers.map((finish) =>
      finish().then(
        (value): WriteOutcome => ({ ok: true, value }),
        (error): WriteOutcome => ({ ok: false, error: error as Error }),
      ),
    ),
  );
  return { outcomes, effects: { workAt: out.workAt } };
}

/** A run as the batch sees it: its row, and whether the batch inserts or updates it. */
interface RunState {
  row: RunRow;
  isNew: boolean;
  touched: boolean;
}

/** What the batch read, overlaid with what its earlier writes did. */
interface BatchState {
  runs: Map<string, RunState>;
  byKey: Map<string, string>;
  dedupe: Set<string>;
  deliveries: Set<string>;
  /** Token → owning run, or null when free (for tokens some write creates). */
  hooks: Map<string, string | null>;
}

const pair = (a: string, b: string) => `${a}\u0000${b}`;

async function readState(tx: Conn, writes: readonly Write[], now: number): Promise<BatchState> {
  const runIds = new Set<string>();
  const keys = new Set<string>();
  const dedupeRuns: string[] = [];
  const dedupeKeys: string[] = [];
  const deliveryTokens: string[] = [];
  const deliveryIds: string[] = [];
  const tokens = new Set<string>();
  const collect = (runId: string, request: Omit<AppendRequest, "runId">) => {
    runIds.add(runId);
    for (const key of request.dedupeKeys ?? []) {
      dedupeRuns.push(runId);
      dedupeKeys.push(enc(key));
    }
    for (const d of request.deliveries ?? []) {
      deliveryTokens.push(d.token);
      deliveryIds.push(d.id);
    }
    for (const h of request.hooks?.create ?? []) tokens.add(h.token);
  };
  for (const write of writes) {
    if (write.type === "create") {
      runIds.add(write.input.runId);
      if (write.input.idempotencyKey !== undefined) keys.add(enc(write.input.idempotencyKey));
      if (write.input.firstTurn) collect(write.input.runId, write.input.firstTurn);
    } else collect(write.request.runId, write.request);
  }
  const none = Promise.resolve([]);
  const [runRows, keyRows, dedupeRows, deliveryRows, hookRows] = await Promise.all([
    tx<
      RunRow[]
    >`SELECT * FROM wfkit.runs WHERE run_id = ANY(${[...runIds]}::text[]) ORDER BY run_id FOR UPDATE`,
    keys.size > 0
      ? tx<RunRow[]>`SELECT * FROM wfkit.runs WHERE idempotency_key = ANY(${[...keys]}::text[])`
      : none,
    dedupeKeys.length > 0
      ? tx<{ run_id: string; key: string }[]>`SELECT d.run_id, d.key FROM wfkit.dedupe_keys d
          JOIN unnest(${dedupeRuns}::text[], ${dedupeKeys}::text[]) AS q(run_id, key)
          ON d.run_id = q.run_id AND d.key = q.key`
      : none,
    deliveryTokens.length > 0
      ? tx<{ token: string; delivery_id: string }[]>`SELECT d.token, d.delivery_id FROM wfkit.deliveries d
          JOIN unnest(${deliveryTokens}::text[], ${deliveryIds}::text[]) AS q(token, id)
          ON d.token = q.token AND d.delivery_id = q.id WHERE d.expires_at > ${now}`
      : none,
    tokens.size > 0
      ? tx<
          { token: string; run_id: string }[]
        >`SELECT token, run_id FROM wfkit.hooks WHERE token = ANY(${[...tokens]}::text[])`
      : none,
  ]);
  const state: BatchState = {
    runs: new Map(),
    byKey: new Map(),
    dedupe: new Set(),
    deliveries: new Set(),
    hooks: new Map(),
  };
  for (const row of runRows as RunRow[]) state.runs.set(row.run_id, { row, isNew: false, touched: false });
  for (const row of keyRows as RunRow[])
    if (row.idempotency_key) state.byKey.set(row.idempotency_key, row.run_id);
  for (const row of keyRows as RunRow[])
    if (!state.runs.has(row.run_id)) state.runs.set(row.run_id, { row, isNew: false, touched: false });
  for (const row of dedupeRows as { run_id: string; key: string }[])
    state.dedupe.add(pair(row.run_id, row.key));
  for (const row of deliveryRows as { token: string; delivery_id: string }[])
    state.deliveries.add(pair(row.token, row.delivery_id));
  for (const token of tokens) state.hooks.set(token, null);
  for (const row of hookRows as { token: string; run_id: string }[]) state.hooks.set(row.token, row.run_id);
  return state;
}

/**
 * The statements of a batch, sent as they are made (pipelined on the
 * transaction's connection, executed in order) except the multi-row ones
 * sent by `finish`.
 */
class Effects {
  readonly pending: Pending[] = [];
  workAt: number | null = null;
  private readonly events: { run: string[]; seq: number[]; at: number[]; body: string[] } = {
    run: [],
    seq: [],
    at: [],
    body: [],
  };
  private readonly dedupe: { run: string[]; key: string[] } = { run: [], key: [] };

  constructor(
    readonly tx: Conn,
    private readonly instanceId: string,
    readonly now: number,
  ) {}

  send(query: { execute(): Pending }): Pending {
    const running = query.execute();
    this.pending.push(running);
    return running;
  }

  event(runId: string, seq: number, at: number, body: string): void {
    this.events.run.push(runId);
    this.events.seq.push(seq);
    this.events.at.push(at);
    this.events.body.push(body);
  }

  dedupeKey(runId: string, key: string): void {
    this.dedupe.run.push(runId);
    this.dedupe.key.push(key);
  }

  /** Inserts outbox messages; resolves with those actually inserted (not skipped for their dedupe key). */
  messages(inputs: readonly MessageInput[]): Promise<QueueMessage[]> {
    const rows: Array<Promise<MessageRow[]>> = [];
    for (const m of inputs) {
      const availableAt = m.availableAt ?? this.now;
      if (!m.leased) this.workAt = Math.min(this.workAt ?? availableAt, availableAt);
      rows.push(
        this.send(this
          .tx`INSERT INTO wfkit.messages (run_id, kind, body, available_at, dedupe_key, leased_until, owner)
          VALUES (${m.runId}, ${m.kind}, ${messageBody(m as unknown as Record<string, unknown>)}, ${availableAt},
            ${encOpt(m.dedupeKey)}, ${m.leased ? (m.leaseMs !== undefined ? this.now + m.leaseMs : HELD) : null},
            ${m.leased ? this.instanceId : null})
          ON CONFLICT (run_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
          RETURNING id, run_id, kind, body, available_at, dedupe_key`) as Promise<MessageRow[]>,
      );
    }
    const inserted = Promise.all(rows).then((all) => all.flat().map(toMessage));
    // If the batch fails, its caller hears it from `finish`; this copy must not be an unhandled rejection.
    inserted.catch(() => {});
    return inserted;
  }

  /**
   * Sends the multi-row statements and the COMMIT right behind them, then waits
   * for every statement. If one failed, the transaction did not commit, and
   * this rejects with that statement's error.
   */
  async finish(state: BatchState, commit: () => Pending): Promise<void> {
    const { tx } = this;
    const fresh = [...state.runs.values()].filter((r) => r.isNew).map((r) => r.row);
    const changed = [...state.runs.values()].filter((r) => r.touched && !r.isNew).map((r) => r.row);
    if (fresh.length > 0) {
      this.send(tx`INSERT INTO wfkit.runs
        (run_id, workflow_id, status, input, output, error, idempotency_key, parent_run_id, created_at, started_at, completed_at, last_seq)
        SELECT * FROM unnest(${col(fresh, "run_id")}::text[], ${col(fresh, "workflow_id")}::text[],
          ${col(fresh, "status")}::text[], ${col(fresh, "input")}::text[], ${col(fresh, "output")}::text[],
          ${col(fresh, "error")}::text[], ${col(fresh, "idempotency_key")}::text[], ${col(fresh, "parent_run_id")}::text[],
          ${col(fresh, "created_at")}::bigint[],
          ${col(fresh, "started_at")}::bigint[], ${col(fresh, "completed_at")}::bigint[], ${col(fresh, "last_seq")}::int[])`);
    }
    if (changed.length > 0) {
      this.send(tx`UPDATE wfkit.runs AS r SET status = u.status, output = u.output, error = u.error,
          started_at = u.started_at, completed_at = u.completed_at, last_seq = u.last_seq
        FROM unnest(${col(changed, "run_id")}::text[], ${col(changed, "status")}::text[],
          ${col(changed, "output")}::text[], ${col(changed, "error")}::text[], ${col(changed, "started_at")}::bigint[],
          ${col(changed, "completed_at")}::bigint[], ${col(changed, "last_seq")}::int[])
          AS u(run_id, status, output, error, started_at, completed_at, last_seq)
        WHERE r.run_id = u.run_id`);
    }
    const e = this.events;
    if (e.run.length > 0) {
      this.send(tx`INSERT INTO wfkit.events (run_id, seq, at, body)
        SELECT * FROM unnest(${e.run}::text[], ${e.seq}::int[], ${e.at}::bigint[], ${e.body}::text[])`);
    }
    if (this.dedupe.run.length > 0) {
      this.send(tx`INSERT INTO wfkit.dedupe_keys (run_id, key)
        SELECT * FROM unnest(${this.dedupe.run}::text[], ${this.dedupe.key}::text[]) ON CONFLICT DO NOTHING`);
    }
    if (this.workAt !== null) {
      // Delivered at commit to every listening process (and coalesced per transaction).
      this.send(tx`SELECT pg_notify('wfkit_work', ${`${this.instanceId} ${this.workAt}`})`);
    }
    this.pending.push(commit());
    // Every statement settles before the connection goes back to the pool; the
    // first failure in sending order is the cause (later ones only say "aborted").
    const settled = await Promise.allSettled(this.pending);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
  }
}

function col<K extends keyof RunRow>(rows: RunRow[], key: K): Array<RunRow[K]> {
  return rows.map((r) => r[key]);
}

function createRun(state: BatchState, out: Effects, input: CreateRunInput): () => Promise<CreateRunResult> {
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
  out.event(
    input.runId,
    1,
    input.at,
    encodeEvent({
      v: 1,
      type: "run_created",
      workflowId: input.workflowId,
      input: input.input,
      ...(input.traceContext && { traceContext: input.traceContext }),
      ...(input.bundle !== undefined && { bundle: input.bundle }),
      at: input.at,
    }),
  );
  const created = toRun(row);
  const messages = out.messages(input.enqueue ?? []);
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
function append(state: BatchState, out: Effects, request: AppendRequest): () => Promise<AppendResult> {
  const fail = (result: AppendResult) => async () => result;
  const { runId } = request;
  const run = state.runs.get(runId);
  if (!run) return fail({ ok: false, reason: "run_not_found" });
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
  for (const hook of request.hooks?.create ?? []) {
    out.send(tx`DELETE FROM wfkit.released_hooks WHERE token = ${hook.token}`);
    out.send(tx`INSERT INTO wfkit.hooks (token, run_id, op_id, kind, created_at, metadata, respond_with, verify)
      VALUES (${hook.token}, ${runId}, ${hook.opId}, ${hook.kind}, ${now}, ${encOpt(hook.metadata)},
        ${hook.respondWith === undefined ? null : JSON.stringify(hook.respondWith)}, ${hook.verify ?? null})`);
    state.hooks.set(hook.token, runId);
  }
  // Ack before enqueue: a request that consumes a message and enqueues its
  // successor under the same dedupe key must not find the old one still pending.
  const acked = (request.ack ?? []).map(messageKey).filter((k): k is number => k !== null);
  if (acked.length > 0) out.send(tx`DELETE FROM wfkit.messages WHERE id = ANY(${acked}::bigint[])`);
  const messages = out.messages(request.enqueue ?? []);
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
    out.send(tx`WITH gone AS (DELETE FROM wfkit.hooks WHERE run_id = ${runId} RETURNING *)
      INSERT INTO wfkit.released_hooks (token, run_id, op_id, kind, created_at, respond_with, verify, released_at, reason)
      SELECT token, run_id, op_id, kind, created_at, respond_with, verify, ${now}, 'run_ended' FROM gone
      ON CONFLICT (token) DO UPDATE SET run_id = excluded.run_id, op_id = excluded.op_id, kind = excluded.kind,
        created_at = excluded.created_at, respond_with = excluded.respond_with, verify = excluded.verify,
        released_at = excluded.released_at, reason = excluded.reason`);
    out.send(tx`DELETE FROM wfkit.messages WHERE run_id = ${runId}`);
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
