import type { MessageInput, QueueMessage } from "@wfkit/world";
import type { BatchState } from "./batch-state.js";
import { encOpt, type MessageRow, messageBody, type NewMessageRow, type RunRow, toMessage } from "./codec.js";
import type { Sql } from "./connect.js";
import { type GuardRows, type QueueOp, sendGuarded } from "./guarded.js";

/** `leased_until` of a message inserted with `leased: true`: later than any `now` a claim can pass. */
export const HELD = Number.MAX_SAFE_INTEGER;

type Pending = Promise<unknown>;

/** An outbox message as the batch inserts it. */
interface OutboxRow extends NewMessageRow {
  id: number;
  /** Its run ended later in the batch: not inserted. */
  dropped: boolean;
}

/**
 * How a batch's statements go: `batch`, pipelined in a transaction, messages with ids
 * taken first and inserted by one multi-row statement; `direct` (a write alone), the same
 * but messages inserted one by one (no ids to take first); `guarded` (checked against
 * remembered rows), everything gathered and sent by `finish` as one `wfkit.apply_guarded`
 * call, which is its own transaction (see guarded-sql.ts).
 */
export type EffectsMode = "batch" | "direct" | "guarded";

/**
 * The statements of a batch, sent as they are made (pipelined on the
 * transaction's connection, executed in order) except the multi-row ones
 * sent by `finish`: run rows, events, dedupe keys, and (see `ack`) acks and
 * outbox messages. A guarded batch sends nothing before `finish` (see {@link EffectsMode}).
 */
export class Effects {
  readonly pending: Pending[] = [];
  workAt: number | null = null;
  /** The runs the batch creates held by this instance (see ownership.ts): known once it is sent. */
  owned: string[] = [];
  private readonly events: { run: string[]; seq: number[]; at: number[]; body: string[] } = {
    run: [],
    seq: [],
    at: [],
    body: [],
  };
  private readonly dedupe: { run: string[]; key: string[] } = { run: [], key: [] };
  /** Messages queued for the next multi-row insert, in the order they were made. */
  private readonly rows: OutboxRow[] = [];
  private keyedRows = false;
  private readonly acks: number[] = [];
  /** Runs ended in the batch whose messages and hooks are still to delete. */
  private readonly endedMessages: string[] = [];
  private readonly endedHooks: string[] = [];
  private readonly insertedIds = new Set<number>();
  /** Guarded: the queue operations in order, and the ids of the messages inserted, by index. */
  private readonly ops: QueueOp[] = [];
  private opIds = new Map<number, number>();
  /** Settles once every statement of the batch did (rejected if the batch failed). */
  private readonly settled: Promise<void>;
  private settle!: (error: unknown) => void;

  /** Acks and messages are sent as they come (see `messages`), not gathered. */
  private readonly direct: boolean;

  constructor(
    /** The transaction's connection; for a guarded batch, the pool (its one statement is its transaction). */
    readonly tx: Sql,
    private readonly instanceId: string,
    readonly now: number,
    private readonly mode: EffectsMode,
    /** Guarded: the rows the batch was checked against, as remembered before its writes. */
    private readonly guard: GuardRows | undefined,
    /** Who holds the runs the batch creates: this instance (see ownership.ts), or nobody. */
    private readonly owner: string | null,
  ) {
    this.direct = mode === "direct";
    this.settled = new Promise<void>((resolve, reject) => {
      this.settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.settled.catch(() => {});
  }

  send(query: { execute(): Pending }): Pending {
    // Only hooks and deliveries send their own statements, and a guarded batch has none.
    if (this.mode === "guarded") throw new Error("wfkit: a guarded batch sends one statement");
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

  /**
   * Queues outbox messages, with the ids the batch took for them, for the one
   * multi-row insert; resolves (once the batch committed) with those actually
   * inserted: not skipped for their dedupe key, nor dropped by their run ending.
   */
  messages(inputs: readonly MessageInput[], ids: number[]): Promise<QueueMessage[]> {
    if (this.direct) return this.insertNow(inputs);
    if (this.mode === "guarded") return this.gatherOps(inputs);
    const mine: OutboxRow[] = [];
    for (const m of inputs) {
      const id = ids.shift();
      if (id === undefined) throw new Error("wfkit: a batch enqueued more messages than it took ids for");
      const row = this.outboxRow(m, id);
      if (row.dedupe_key !== null) this.keyedRows = true;
      mine.push(row);
      this.rows.push(row);
    }
    const inserted = this.settled.then(() =>
      mine.filter((r) => !r.dropped && this.insertedIds.has(r.id)).map(toMessage),
    );
    // If the batch fails, its caller hears it from `finish`; this copy must not be an unhandled rejection.
    inserted.catch(() => {});
    return inserted;
  }

  /** Guarded: the messages as operations of the one statement, in order with the acks and ended runs. */
  private gatherOps(inputs: readonly MessageInput[]): Promise<QueueMessage[]> {
    const mine: Array<{ index: number; row: OutboxRow }> = [];
    for (const m of inputs) {
      const row = this.outboxRow(m, 0);
      mine.push({ index: this.ops.length, row });
      this.ops.push({ op: "m", ...row });
    }
    const inserted = this.settled.then(() =>
      mine.flatMap(({ index, row }) => {
        const id = this.opIds.get(index);
        return id === undefined ? [] : [toMessage({ ...row, id })];
      }),
    );
    inserted.catch(() => {});
    return inserted;
  }

  /** Direct: the messages inserted now, each with its own statement (no ids to take first). */
  private insertNow(inputs: readonly MessageInput[]): Promise<QueueMessage[]> {
    const rows: Array<Promise<MessageRow[]>> = [];
    for (const m of inputs) {
      const row = this.outboxRow(m, 0);
      rows.push(
        this.send(this
          .tx`INSERT INTO wfkit.messages (run_id, kind, body, available_at, dedupe_key, leased_until, owner)
          VALUES (${row.run_id}, ${row.kind}, ${row.body}, ${row.available_at}, ${row.dedupe_key}, ${row.leased_until},
            ${row.owner})
          ON CONFLICT (run_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
          RETURNING id, run_id, kind, body, available_at, dedupe_key`) as Promise<MessageRow[]>,
      );
    }
    const inserted = Promise.all(rows).then((all) => all.flat().map(toMessage));
    inserted.catch(() => {});
    return inserted;
  }

  private outboxRow(m: MessageInput, id: number): OutboxRow {
    const availableAt = m.availableAt ?? this.now;
    if (!m.leased) this.workAt = Math.min(this.workAt ?? availableAt, availableAt);
    return {
      id,
      run_id: m.runId,
      kind: m.kind,
      body: messageBody(m as unknown as Record<string, unknown>),
      available_at: availableAt,
      dedupe_key: encOpt(m.dedupeKey),
      leased_until: m.leased ? (m.leaseMs !== undefined ? this.now + m.leaseMs : HELD) : null,
      owner: m.leased ? this.instanceId : null,
      dropped: false,
    };
  }

  /**
   * Deletes acked messages. Their ids were committed before this batch, so the
   * delete may go before messages queued earlier in the batch, except one with a
   * dedupe key (which the acked message may still hold): those are sent first.
   */
  ack(ids: readonly number[]): void {
    if (ids.length === 0) return;
    if (this.mode === "guarded") {
      for (const id of ids) this.ops.push({ op: "a", id });
      return;
    }
    if (this.keyedRows) this.flushMessages();
    this.acks.push(...ids);
    // Direct: before the write's own messages (inserted at once), whose successor may reuse a key.
    if (this.direct) this.flushMessages();
  }

  /**
   * A run ended: none of its messages may run, including those queued so far in
   * this batch (they are not inserted) and those committed before (deleted with
   * the next flush of messages, before the messages queued after this point); its
   * hooks are released (before the batch writes any other hook, see
   * `releaseEndedHooks`).
   */
  runEnded(runId: string): void {
    this.endedHooks.push(runId);
    if (this.mode === "guarded") {
      this.ops.push({ op: "e", runId });
      return;
    }
    for (const row of this.rows) if (row.run_id === runId) row.dropped = true;
    this.endedMessages.push(runId);
    // Direct: in order with the messages later writes send for this run (kept, as alone).
    if (this.direct) this.flushMessages();
  }

  /** Releases the hooks of the runs that ended so far in the batch, as one statement. */
  releaseEndedHooks(): void {
    // Guarded: the one statement releases them (no write of a guarded batch takes a hook).
    if (this.endedHooks.length === 0 || this.mode === "guarded") return;
    this.send(this
      .tx`WITH gone AS (DELETE FROM wfkit.hooks WHERE run_id = ANY(${this.endedHooks.splice(0)}::text[])
        RETURNING *)
      INSERT INTO wfkit.released_hooks (token, run_id, op_id, kind, created_at, respond_with, verify, released_at, reason)
      SELECT token, run_id, op_id, kind, created_at, respond_with, verify, ${this.now}, 'run_ended' FROM gone
      ON CONFLICT (token) DO UPDATE SET run_id = excluded.run_id, op_id = excluded.op_id, kind = excluded.kind,
        created_at = excluded.created_at, respond_with = excluded.respond_with, verify = excluded.verify,
        released_at = excluded.released_at, reason = excluded.reason`);
  }

  /** Sends the acks, the ended runs' deletes, then the queued messages: one statement each. */
  private flushMessages(): void {
    const { tx } = this;
    if (this.acks.length > 0) {
      this.send(tx`DELETE FROM wfkit.messages WHERE id = ANY(${this.acks.splice(0)}::bigint[])`);
    }
    if (this.endedMessages.length > 0) {
      this.send(tx`DELETE FROM wfkit.messages WHERE run_id = ANY(${this.endedMessages.splice(0)}::text[])`);
    }
    const rows = this.rows.splice(0).filter((r) => !r.dropped);
    this.keyedRows = false;
    if (rows.length === 0) return;
    const c = <K extends keyof OutboxRow>(key: K) => rows.map((r) => r[key]);
    const returned = this.send(tx`INSERT INTO wfkit.messages
        (id, run_id, kind, body, available_at, dedupe_key, leased_until, owner) OVERRIDING SYSTEM VALUE
      SELECT * FROM unnest(${c("id")}::bigint[], ${c("run_id")}::text[], ${c("kind")}::text[], ${c("body")}::text[],
        ${c("available_at")}::bigint[], ${c("dedupe_key")}::text[], ${c("leased_until")}::bigint[], ${c("owner")}::text[])
      ORDER BY 1
      ON CONFLICT (run_id, dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
      RETURNING id`) as Promise<{ id: number }[]>;
    returned.then(
      (ids) => {
        for (const { id } of ids) this.insertedIds.add(Number(id));
      },
      () => {},
    );
  }

  /**
   * Sends the multi-row statements and the COMMIT right behind them, then waits
   * for every statement. If one failed, the transaction did not commit, and
   * this rejects with that statement's error.
   */
  async finish(state: BatchState, commit: () => Pending): Promise<void> {
    try {
      if (this.mode === "guarded") await this.finishGuarded(state);
      else await this.finishStatements(state, commit);
      this.settle(undefined);
    } catch (error) {
      this.settle(error);
      throw error;
    }
  }

  /** The batch's new and changed run rows; the new ones are this instance's to hold when it owns what it creates. */
  private runRows(state: BatchState): { fresh: RunRow[]; changed: RunRow[] } {
    const runs = [...state.runs.values()];
    const fresh = runs.filter((r) => r.isNew).map((r) => r.row);
    if (this.owner !== null) this.owned = fresh.map((r) => r.run_id);
    return { fresh, changed: runs.filter((r) => r.touched && !r.isNew).map((r) => r.row) };
  }

  private async finishGuarded(state: BatchState): Promise<void> {
    if (!this.guard) throw new Error("wfkit: a guarded batch needs the rows it was checked against");
    const { fresh, changed } = this.runRows(state);
    this.opIds = await sendGuarded(this.tx, {
      guard: this.guard,
      ops: this.ops,
      ended: this.endedHooks,
      now: this.now,
      fresh,
      changed,
      events: this.events,
      dedupe: this.dedupe,
      notify: this.workAt === null ? null : `${this.instanceId} ${this.workAt}`,
      owner: this.owner,
    });
  }

  private async finishStatements(state: BatchState, commit: () => Pending): Promise<void> {
    const { tx } = this;
    this.flushMessages();
    this.releaseEndedHooks();
    const { fresh, changed } = this.runRows(state);
    if (fresh.length > 0) {
      this.send(tx`INSERT INTO wfkit.runs
        (run_id, workflow_id, status, input, output, error, idempotency_key, parent_run_id, created_at, started_at,
          completed_at, last_seq, owner)
        SELECT * FROM unnest(${col(fresh, "run_id")}::text[], ${col(fresh, "workflow_id")}::text[],
          ${col(fresh, "status")}::text[], ${col(fresh, "input")}::text[], ${col(fresh, "output")}::text[],
          ${col(fresh, "error")}::text[], ${col(fresh, "idempotency_key")}::text[], ${col(fresh, "parent_run_id")}::text[],
          ${col(fresh, "created_at")}::bigint[],
          ${col(fresh, "started_at")}::bigint[], ${col(fresh, "completed_at")}::bigint[], ${col(fresh, "last_seq")}::int[],
          ${fresh.map(() => this.owner)}::text[])`);
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
      // Guarded, no key was read: one already recorded fails the insert, and the batch with it.
      if (state.guarded) {
        this.send(tx`INSERT INTO wfkit.dedupe_keys (run_id, key)
          SELECT * FROM unnest(${this.dedupe.run}::text[], ${this.dedupe.key}::text[])`);
      } else {
        this.send(tx`INSERT INTO wfkit.dedupe_keys (run_id, key)
          SELECT * FROM unnest(${this.dedupe.run}::text[], ${this.dedupe.key}::text[]) ON CONFLICT DO NOTHING`);
      }
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
