import { isTerminal } from "@wfkit/world";
import type { Write } from "./batch.js";
import { type BatchState, emptyBatchState } from "./batch-state.js";
import type { RunRow } from "./codec.js";
import type { Conn } from "./connect.js";

/** Most run rows remembered (the runs this instance wrote last). */
const MAX_RUNS = 10_000;

/**
 * The run rows as this instance's last commits left them. A batch whose writes
 * are all plain appends to remembered runs is sent in one round trip, checked
 * against these rows instead of rows read first; a guard statement in the same
 * transaction compares them with the locked rows, and any difference (another
 * process wrote the run since) aborts it, before anything of it counts: the
 * batch then runs the usual way, reading first (see {@link GroupCommitter}).
 */
export class RunCache {
  private readonly rows = new Map<string, RunRow>();

  /**
   * The state a batch of `writes` starts from, if every write can be checked with
   * remembered rows alone: new runs, and appends to remembered runs, that create or
   * release no hook and record no delivery (those checks need rows of other tables).
   */
  stateFor(writes: readonly Write[]): BatchState | null {
    const state = emptyBatchState([], true);
    // The runtime always sends the hook lists, mostly empty: only hooks made or released count.
    const plain = (
      request:
        | {
            hooks?: { create?: readonly unknown[]; release?: readonly unknown[] };
            deliveries?: readonly unknown[];
          }
        | undefined,
    ) =>
      !request ||
      ((request.hooks?.create?.length ?? 0) === 0 &&
        (request.hooks?.release?.length ?? 0) === 0 &&
        (request.deliveries?.length ?? 0) === 0);
    for (const write of writes) {
      // A new run needs no row: its id and idempotency key are unique indexes, so a
      // run that exists already fails the insert (and the batch goes again, reading).
      if (write.type === "create") {
        if (!plain(write.input.firstTurn)) return null;
        continue;
      }
      const { request } = write;
      if (!plain(request)) return null;
      if (state.runs.has(request.runId)) continue;
      const row = this.rows.get(request.runId);
      if (!row) return null;
      state.runs.set(request.runId, { row: { ...row }, isNew: false, touched: false });
    }
    return state;
  }

  /**
   * Remembers the rows a batch committed (as its writes left them), without their
   * input (appends never read or write it). An ended run is forgotten: nothing
   * more may be appended to it, and its output may be large.
   */
  committed(state: BatchState): void {
    for (const { row } of state.runs.values()) {
      this.rows.delete(row.run_id);
      if (!isTerminal(row.status)) this.rows.set(row.run_id, { ...row, input: "" });
    }
    for (const runId of this.rows.keys()) {
      if (this.rows.size <= MAX_RUNS) break;
      this.rows.delete(runId);
    }
  }

  /** Forgets the runs of a batch that did not commit. */
  forget(writes: readonly Write[]): void {
    for (const write of writes)
      this.rows.delete(write.type === "append" ? write.request.runId : write.input.runId);
  }
}

/**
 * Locks the runs of a guarded batch (in run id order, as every batch does) and
 * fails with a division by zero unless each still holds the row the batch was
 * checked against. Sent right behind BEGIN, without waiting for it: every later
 * statement of the transaction then fails too, and nothing commits.
 */
export function sendGuard(tx: Conn, state: BatchState): Promise<unknown> {
  const rows = [...state.runs.values()].map((r) => r.row);
  // New runs only: nothing to lock or compare (their inserts meet the unique indexes).
  if (rows.length === 0) return Promise.resolve();
  const ids = rows.map((r) => r.run_id);
  const c = <K extends keyof RunRow>(key: K) => rows.map((r) => r[key]);
  const lock =
    tx`SELECT run_id FROM wfkit.runs WHERE run_id = ANY(${ids}::text[]) ORDER BY run_id FOR UPDATE`.execute();
  const guard = tx`SELECT 1 / (count(*) = ${rows.length})::int AS ok FROM wfkit.runs r
    JOIN unnest(${ids}::text[], ${c("status")}::text[], ${c("output")}::text[], ${c("error")}::text[],
      ${c("started_at")}::bigint[], ${c("completed_at")}::bigint[], ${c("last_seq")}::int[])
      AS q(run_id, status, output, error, started_at, completed_at, last_seq)
    ON r.run_id = q.run_id AND r.status = q.status AND r.last_seq = q.last_seq
      AND r.output IS NOT DISTINCT FROM q.output AND r.error IS NOT DISTINCT FROM q.error
      AND r.started_at IS NOT DISTINCT FROM q.started_at AND r.completed_at IS NOT DISTINCT FROM q.completed_at`.execute();
  return Promise.all([lock, guard]);
}
