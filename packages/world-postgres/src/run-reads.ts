import type { RunRecord } from "@wfkit/world";
import { type RunRow, toRun } from "./codec.js";
import type { Sql } from "./connect.js";

/** Most run ids in one read (bounds the statement's array parameter). */
const MAX_IDS = 1_000;

/**
 * `getRun` calls made in the same turn of the event loop are read with one
 * statement (`run_id = ANY(…)`). Status polls come in bursts (a server asked for
 * the state of 200 runs answers with 200 `getRun`s at once, and every `returnValue`
 * polls), and each statement is a transaction of its own: one read for the burst
 * costs the database one transaction instead of hundreds. A lone call waits for
 * no more than the current microtasks.
 */
export class RunReads {
  private waiting = new Map<string, Array<(row: RunRow | undefined, error?: unknown) => void>>();
  private scheduled = false;

  constructor(private readonly sql: Sql) {}

  get(runId: string): Promise<RunRecord | null> {
    return new Promise((resolve, reject) => {
      const list = this.waiting.get(runId) ?? [];
      list.push((row, error) => (error === undefined ? resolve(row ? toRun(row) : null) : reject(error)));
      this.waiting.set(runId, list);
      if (this.scheduled) return;
      this.scheduled = true;
      queueMicrotask(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const waiting = this.waiting;
    this.waiting = new Map();
    const ids = [...waiting.keys()];
    for (let i = 0; i < ids.length; i += MAX_IDS) void this.read(ids.slice(i, i + MAX_IDS), waiting);
  }

  private async read(
    ids: string[],
    waiting: Map<string, Array<(row: RunRow | undefined, error?: unknown) => void>>,
  ): Promise<void> {
    let rows: RunRow[];
    try {
      rows =
        ids.length === 1
          ? await this.sql<RunRow[]>`SELECT * FROM wfkit.runs WHERE run_id = ${ids[0]}`
          : await this.sql<RunRow[]>`SELECT * FROM wfkit.runs WHERE run_id = ANY(${ids}::text[])`;
    } catch (error) {
      for (const id of ids) for (const answer of waiting.get(id) ?? []) answer(undefined, error);
      return;
    }
    const byId = new Map(rows.map((row) => [row.run_id, row]));
    for (const id of ids) for (const answer of waiting.get(id) ?? []) answer(byId.get(id));
  }
}
