import type { BatchState } from "./batch-state.js";
import type { NewMessageRow, RunRow } from "./codec.js";
import type { Sql } from "./connect.js";

/** One queue operation of a guarded batch, in submission order (see `wfkit.apply_guarded`). */
export type QueueOp = { op: "a"; id: number } | { op: "e"; runId: string } | ({ op: "m" } & NewMessageRow);

/** The remembered rows a guarded batch was checked against, taken before its writes change them. */
export interface GuardRows {
  run: string[];
  status: string[];
  output: Array<string | null>;
  error: Array<string | null>;
  started: Array<number | null>;
  completed: Array<number | null>;
  seq: number[];
}

export function guardRows(state: BatchState): GuardRows {
  const rows = [...state.runs.values()].map((r) => r.row);
  return {
    run: rows.map((r) => r.run_id),
    status: rows.map((r) => r.status),
    output: rows.map((r) => r.output),
    error: rows.map((r) => r.error),
    started: rows.map((r) => r.started_at),
    completed: rows.map((r) => r.completed_at),
    seq: rows.map((r) => r.last_seq),
  };
}

/** Everything a guarded batch writes, for its one statement. */
export interface GuardedBatch {
  guard: GuardRows;
  ops: readonly QueueOp[];
  ended: string[];
  now: number;
  fresh: RunRow[];
  changed: RunRow[];
  events: { run: string[]; seq: number[]; at: number[]; body: string[] };
  dedupe: { run: string[]; key: string[] };
  notify: string | null;
  /** The instance that holds the runs the batch creates (see ownership.ts), or null. */
  owner: string | null;
}

/**
 * Sends a guarded batch as one `wfkit.apply_guarded` call (its own transaction).
 * Resolves with the id of each message inserted, by its index in `ops`.
 */
export async function sendGuarded(sql: Sql, b: GuardedBatch): Promise<Map<number, number>> {
  const { guard: g, ops, events: e, dedupe: d } = b;
  const o = <T>(pick: (op: QueueOp) => T | null) => ops.map((op) => pick(op));
  const m = <K extends keyof Extract<QueueOp, { op: "m" }>>(key: K) =>
    o((op) => (op.op === "m" ? op[key] : null));
  const f = <K extends keyof RunRow>(key: K) => b.fresh.map((r) => r[key]);
  const u = <K extends keyof RunRow>(key: K) => b.changed.map((r) => r[key]);
  const rows = await sql<{ op_index: number; message_id: number }[]>`SELECT * FROM wfkit.apply_guarded(
    ${g.run}::text[], ${g.status}::text[], ${g.output}::text[], ${g.error}::text[], ${g.started}::bigint[],
    ${g.completed}::bigint[], ${g.seq}::int[],
    ${o((op) => op.op)}::text[], ${o((op) => (op.op === "a" ? op.id : null))}::bigint[],
    ${o((op) => (op.op === "m" ? op.run_id : op.op === "e" ? op.runId : null))}::text[],
    ${m("kind")}::text[], ${m("body")}::text[], ${m("available_at")}::bigint[], ${m("dedupe_key")}::text[],
    ${m("leased_until")}::bigint[], ${m("owner")}::text[],
    ${b.ended}::text[], ${b.now}::bigint,
    ${f("run_id")}::text[], ${f("workflow_id")}::text[], ${f("status")}::text[], ${f("input")}::text[],
    ${f("output")}::text[], ${f("error")}::text[], ${f("idempotency_key")}::text[], ${f("parent_run_id")}::text[],
    ${f("created_at")}::bigint[], ${f("started_at")}::bigint[], ${f("completed_at")}::bigint[], ${f("last_seq")}::int[],
    ${u("run_id")}::text[], ${u("status")}::text[], ${u("output")}::text[], ${u("error")}::text[],
    ${u("started_at")}::bigint[], ${u("completed_at")}::bigint[], ${u("last_seq")}::int[],
    ${e.run}::text[], ${e.seq}::int[], ${e.at}::bigint[], ${e.body}::text[],
    ${d.run}::text[], ${d.key}::text[],
    ${b.notify}::text, ${b.fresh.map(() => b.owner)}::text[])`;
  // The function numbers operations from 1.
  return new Map(rows.map((r) => [Number(r.op_index) - 1, Number(r.message_id)]));
}
