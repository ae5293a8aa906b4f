import type { ListRunsFilter, RunRecord } from "@wfkit/world";
import { enc, type RunRow, toRun } from "./codec.js";
import type { Sql } from "./connect.js";

/**
 * `listRuns` as SQL with only the filters given in the WHERE clause, so the
 * planner can walk one of the (…, created_at, run_id) indexes backwards and stop
 * at `limit`: the newest page of millions of runs is an index range scan.
 */
export async function listRuns(sql: Sql, filter: ListRunsFilter): Promise<RunRecord[]> {
  const where: string[] = [];
  const params: Array<string | number | string[]> = [];
  const param = (value: string | number | string[]) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (filter.workflowId !== undefined) where.push(`workflow_id = ${param(enc(filter.workflowId))}`);
  if (filter.status) {
    if (filter.status.length === 1) where.push(`status = ${param(filter.status[0])}`);
    else where.push(`status = ANY(${param(filter.status)}::text[])`);
  }
  if (filter.createdFrom !== undefined) where.push(`created_at >= ${param(filter.createdFrom)}::bigint`);
  if (filter.createdUntil !== undefined) where.push(`created_at < ${param(filter.createdUntil)}::bigint`);
  if (filter.before) {
    where.push(
      `(created_at, run_id) < (${param(filter.before.createdAt)}::bigint, ${param(filter.before.runId)})`,
    );
  }
  const limit = filter.limit === undefined ? "" : ` LIMIT ${param(Math.max(0, Math.floor(filter.limit)))}`;
  const text =
    `SELECT * FROM wfkit.runs${where.length ? ` WHERE ${where.join(" AND ")}` : ""}` +
    ` ORDER BY created_at DESC, run_id DESC${limit}`;
  const rows = await sql.unsafe<RunRow[]>(text, params, { prepare: true });
  return rows.map(toRun);
}
