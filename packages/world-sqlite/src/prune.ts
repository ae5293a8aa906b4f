import { type PruneRunsOptions, type RunId, runId } from "@wfkit/world";
import { RUN_OWNED_TABLES } from "@wfkit/world/rows";
import type { Database, Statement } from "better-sqlite3";

/**
 * The predicate of the partial index runs_by_end (schema 10), which a query must repeat to use
 * it. Equalities, not `IN (...)`: SQLite makes an IN list's ephemeral table at each test.
 * (The migration spells it out: released migrations never change.)
 */
const ENDED_STATUS = "(status = 'completed' OR status = 'failed' OR status = 'cancelled')";

// The expression and predicate of the partial index runs_by_end. INDEXED BY: without
// statistics the planner prefers the status index, which reads every ended run to sort them.
export const FIND_PRUNABLE = `
  SELECT run_id FROM runs INDEXED BY runs_by_end
  WHERE ${ENDED_STATUS} AND coalesce(completed_at, created_at) < ?
  ORDER BY coalesce(completed_at, created_at), run_id
  LIMIT ?`;

/** `pruneRuns` on the SQLite World: finds the runs, then deletes each with its rows, in the caller's transaction. */
export class RunPruner {
  private readonly find: Statement<[number, number], { run_id: string }>;
  private readonly deletes: Statement<[string]>[];

  constructor(db: Database) {
    this.find = db.prepare(FIND_PRUNABLE);
    // Events and dedupe keys name their run by its integer key (schema 9), deleted before the run.
    this.deletes = RUN_OWNED_TABLES.map((table) =>
      db.prepare(
        table === "events" || table === "dedupe_keys"
          ? `DELETE FROM ${table} WHERE run_key = (SELECT run_key FROM runs WHERE run_id = ?)`
          : `DELETE FROM ${table} WHERE run_id = ?`,
      ),
    );
  }

  /** The runs `options` selects, oldest end first (SQLite's LIMIT -1 is "no limit"). */
  select(options: PruneRunsOptions): RunId[] {
    const limit = options.limit === undefined ? -1 : Math.max(0, Math.floor(options.limit));
    return this.find.all(options.endedBefore, limit).map((row) => runId(row.run_id));
  }

  /** Deletes the runs with everything kept for them. Run inside a write transaction. */
  delete(ids: readonly RunId[]): void {
    for (const id of ids) for (const statement of this.deletes) statement.run(id);
  }
}
