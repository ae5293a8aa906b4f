import type { ListRunsFilter } from "@wfkit/world";
import type { Database, Statement } from "better-sqlite3";
import type { RunRow } from "./rows.js";

/**
 * `listRuns` as SQL. The WHERE clause has only the filters given (an `@x IS NULL OR`
 * clause would keep SQLite from using an index), so statements are prepared per
 * shape of filter and kept: there are at most 2^5 shapes.
 */
export class RunLister {
  private readonly cache = new Map<string, Statement<[Record<string, unknown>], RunRow>>();

  constructor(private readonly db: Database) {}

  list(filter: ListRunsFilter): RunRow[] {
    const where: string[] = [];
    const params: Record<string, unknown> = { limit: filter.limit ?? -1 };
    if (filter.workflowId !== undefined) {
      where.push("workflow_id = @workflowId");
      params.workflowId = filter.workflowId;
    }
    if (filter.status) {
      // One status: an equality the (status, created_at, run_id) index serves in order.
      if (filter.status.length === 1) {
        where.push("status = @status");
        params.status = filter.status[0];
      } else {
        where.push("status IN (SELECT value FROM json_each(@statuses))");
        params.statuses = JSON.stringify(filter.status);
      }
    }
    if (filter.createdFrom !== undefined) {
      where.push("created_at >= @createdFrom");
      params.createdFrom = filter.createdFrom;
    }
    if (filter.createdUntil !== undefined) {
      where.push("created_at < @createdUntil");
      params.createdUntil = filter.createdUntil;
    }
    if (filter.before) {
      where.push("(created_at, run_id) < (@beforeAt, @beforeId)");
      params.beforeAt = filter.before.createdAt;
      params.beforeId = filter.before.runId;
    }
    const sql =
      `SELECT * FROM runs${where.length ? ` WHERE ${where.join(" AND ")}` : ""}` +
      " ORDER BY created_at DESC, run_id DESC LIMIT @limit";
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql) as Statement<[Record<string, unknown>], RunRow>;
      this.cache.set(sql, statement);
    }
    return statement.all(params);
  }
}
