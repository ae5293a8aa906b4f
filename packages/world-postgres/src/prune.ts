import { type PruneRunsOptions, type RunId, runId } from "@wfkit/world";
import { RUN_OWNED_TABLES } from "@wfkit/world/rows";
import type { Sql } from "./connect.js";

/**
 * `pruneRuns` on PostgreSQL: selects the oldest ended runs through the partial
 * index `runs_by_end` (schema 2), then deletes them with their rows in one
 * transaction. An ended run takes no appends, so nothing races the delete.
 */
export async function pruneRuns(sql: Sql, options: PruneRunsOptions): Promise<RunId[]> {
  const limit = options.limit === undefined ? null : Math.max(0, Math.floor(options.limit));
  if (limit === 0) return [];
  const rows = await sql<{ run_id: string }[]>`
    SELECT run_id FROM wfkit.runs
    WHERE status IN ('completed', 'failed', 'cancelled')
      AND coalesce(completed_at, created_at) < ${options.endedBefore}
    ORDER BY coalesce(completed_at, created_at), run_id
    ${limit === null ? sql`` : sql`LIMIT ${limit}`}`;
  const ids = rows.map((row) => runId(row.run_id));
  if (options.dryRun || ids.length === 0) return ids;
  await sql.begin(async (tx) => {
    for (const table of RUN_OWNED_TABLES) {
      await tx.unsafe(`DELETE FROM wfkit.${table} WHERE run_id = ANY($1::text[])`, [ids]);
    }
  });
  return ids;
}
