import type { AppendRequest, AppendResult, CreateRunInput, CreateRunResult } from "@wfkit/world";
import { Effects } from "./batch-effects.js";
import { type BatchState, readState } from "./batch-state.js";
import { append, createRun } from "./batch-writes.js";
import type { Sql } from "./connect.js";
import { guardRows } from "./guarded.js";

/** One write of a batch: a `createRun` or an `append`. */
export type Write = { type: "create"; input: CreateRunInput } | { type: "append"; request: AppendRequest };

/** The result of one write: a contract result, or an error only its caller sees. */
export type WriteOutcome = { ok: true; value: AppendResult | CreateRunResult } | { ok: false; error: Error };

/** What the batch tells the World after its commit. */
export interface BatchEffects {
  /** The earliest `availableAt` of the claimable messages it inserted, if any. */
  workAt: number | null;
  /** The runs it created held by this instance (see ownership.ts). */
  owned: string[];
}

/**
 * Applies a group of writes in one transaction (the group commit) on a
 * connection where `BEGIN` was sent: the rows every write needs are read in
 * one pipelined round trip (behind the BEGIN) (runs locked `FOR
 * UPDATE`, in run id order so two processes' batches cannot deadlock on them),
 * every contract check is evaluated in memory in submission order against
 * those rows plus what earlier writes of the batch did, and the effects of the
 * writes that pass are sent pipelined: events, run fields, dedupe keys, acks and
 * outbox messages as one multi-row statement each for the whole batch.
 *
 * A write that fails a check writes nothing and does not affect the others.
 * A unique violation (another process took a token, a delivery or an
 * idempotency key between the read and the write) aborts the whole batch; the
 * World then runs its writes again one per transaction, where the read sees
 * the other process's row.
 */
export async function applyBatch(
  /** The transaction's connection, BEGIN sent; for a guarded batch (`remembered`), the pool. */
  tx: Sql,
  writes: readonly Write[],
  instanceId: string,
  commit: () => Promise<unknown>,
  /** Rows remembered from this instance's last commits: sent in one round trip, guarded (see `RunCache`). */
  remembered: BatchState | undefined,
  /** Whether this instance holds the runs the batch creates (see ownership.ts). */
  owning: boolean,
): Promise<{ outcomes: WriteOutcome[]; effects: BatchEffects; state: BatchState }> {
  const now = Date.now();
  const state = remembered ?? (await readState(tx, writes, now, instanceId));
  // Guarded: the rows compared in the statement are those remembered, before the writes change them.
  const mode = remembered ? "guarded" : writes.length === 1 ? "direct" : "batch";
  const out = new Effects(
    tx,
    instanceId,
    now,
    mode,
    remembered && guardRows(remembered),
    owning ? instanceId : null,
  );
  // Checks and the sending of effects happen now, in order; results are read once the batch ran.
  const finishers = writes.map((write): (() => Promise<AppendResult | CreateRunResult>) => {
    try {
      return write.type === "create" ? createRun(state, out, write.input) : append(state, out, write.request);
    } catch (error) {
      return () => Promise.reject(error);
    }
  });
  await out.finish(state, commit);
  const outcomes = await Promise.all(
    finishers.map((finish) =>
      finish().then(
        (value): WriteOutcome => ({ ok: true, value }),
        (error): WriteOutcome => ({ ok: false, error: error as Error }),
      ),
    ),
  );
  return { outcomes, effects: { workAt: out.workAt, owned: out.owned }, state };
}
