import { isTerminal } from "@wfkit/world";
import type { Write } from "./batch.js";
import { type BatchState, emptyBatchState } from "./batch-state.js";
import type { RunRow } from "./codec.js";

/** Most run rows remembered (the runs this instance wrote last). */
const MAX_RUNS = 10_000;

/**
 * The run rows as this instance's last commits left them. A batch whose writes
 * are all plain appends to remembered runs is sent in one round trip, checked
 * against these rows instead of rows read first; `wfkit.apply_guarded` (the batch's one
 * statement, see guarded-sql.ts) compares them with the locked rows, and any difference (another
 * process wrote the run since) aborts it, before anything of it counts: the
 * batch then runs the usual way, reading first (see {@link GroupCommitter}).
 *
 * No owner check is needed here (ownership.ts): a run is held only by the instance that
 * created it, from its creation, so a run another instance wrote last was given up (or its
 * holder died) before that write, and nobody holds it again.
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
