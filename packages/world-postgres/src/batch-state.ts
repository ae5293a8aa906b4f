import type { AppendRequest } from "@wfkit/world";
import type { Write } from "./batch.js";
import { enc, type RunRow } from "./codec.js";
import type { Sql } from "./connect.js";

/** The sequence of `wfkit.messages.id` (an identity column: PostgreSQL names it so). */
const MESSAGE_IDS = "wfkit.messages_id_seq";

/** A run as the batch sees it: its row, and whether the batch inserts or updates it. */
export interface RunState {
  row: RunRow;
  isNew: boolean;
  touched: boolean;
  /** Another live instance holds the run (see ownership.ts): nothing may be appended to it now. */
  heldBy?: string;
}

/** What the batch read, overlaid with what its earlier writes did. */
export interface BatchState {
  runs: Map<string, RunState>;
  byKey: Map<string, string>;
  dedupe: Set<string>;
  deliveries: Set<string>;
  /** Token → owning run, or null when free (for tokens some write creates). */
  hooks: Map<string, string | null>;
  /**
   * Ids taken from the messages' sequence for the messages the writes enqueue, in
   * submission order; none for a write alone, whose messages are inserted one by one.
   */
  messageIds: number[];
  /**
   * Checked against remembered rows, not rows read (see `RunCache`): a key another
   * append recorded is then found by the insert's unique index, which aborts the batch.
   */
  guarded?: boolean;
}

/** A batch's state before any row is known: what the reads (or remembered rows) then fill in. */
export function emptyBatchState(messageIds: number[], guarded?: true): BatchState {
  return {
    runs: new Map(),
    byKey: new Map(),
    dedupe: new Set(),
    deliveries: new Set(),
    hooks: new Map(),
    messageIds,
    ...(guarded && { guarded }),
  };
}

export const pair = (a: string, b: string) => `${a}\u0000${b}`;

/** A run row as `readState` reads it: with its holder, when a live instance other than the reader holds it. */
type ReadRunRow = RunRow & { owner?: string | null; held_by?: string | null };

export async function readState(
  tx: Sql,
  writes: readonly Write[],
  now: number,
  instanceId: string,
): Promise<BatchState> {
  const runIds = new Set<string>();
  const keys = new Set<string>();
  const dedupeRuns: string[] = [];
  const dedupeKeys: string[] = [];
  const deliveryTokens: string[] = [];
  const deliveryIds: string[] = [];
  const tokens = new Set<string>();
  let messages = 0;
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
    messages += request.enqueue?.length ?? 0;
  };
  for (const write of writes) {
    if (write.type === "create") {
      runIds.add(write.input.runId);
      if (write.input.idempotencyKey !== undefined) keys.add(enc(write.input.idempotencyKey));
      messages += write.input.enqueue?.length ?? 0;
      if (write.input.firstTurn) collect(write.input.runId, write.input.firstTurn);
    } else collect(write.request.runId, write.request);
  }
  const none = Promise.resolve([]);
  const [runRows, keyRows, dedupeRows, deliveryRows, hookRows, idRows] = await Promise.all([
    // A run held by another instance counts only while that instance is alive and the run is not over.
    tx<ReadRunRow[]>`SELECT r.*, CASE WHEN r.owner <> ${instanceId} AND r.status IN ('pending', 'running')
          AND EXISTS (SELECT 1 FROM wfkit.instances i WHERE i.id = r.owner AND i.alive_until > ${now})
        THEN r.owner END AS held_by
      FROM wfkit.runs r WHERE r.run_id = ANY(${[...runIds]}::text[]) ORDER BY r.run_id FOR UPDATE OF r`,
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
    // Ids known before the insert: the batch inserts its messages with one statement, and
    // still tells each write which of its own went in (and in which order they were made).
    // A write alone inserts its few messages directly (one statement less to wait for).
    messages > 0 && writes.length > 1
      ? tx<
          { id: number }[]
        >`SELECT nextval(${MESSAGE_IDS}::regclass)::int8 AS id FROM generate_series(1, ${messages})`
      : none,
  ]);
  const state = emptyBatchState((idRows as { id: number }[]).map((r) => r.id).sort((a, b) => a - b));
  for (const { owner: _, held_by, ...row } of runRows as ReadRunRow[]) {
    state.runs.set(row.run_id, { row, isNew: false, touched: false, ...(held_by && { heldBy: held_by }) });
  }
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
