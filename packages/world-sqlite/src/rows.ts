import { messageId, opId, type QueueMessage, runId } from "@wfkit/world";
import { rowMappers } from "@wfkit/world/rows";

export type { DeliveryRow, HookRow, ReleasedHookRow, RunRow } from "@wfkit/world/rows";
export { messageKey } from "@wfkit/world/rows";

export interface MessageRow {
  id: number;
  run_id: string;
  /** A `MessageKind`; read as any string, since storage is not the type system. */
  kind: string;
  op_id: number | null;
  attempt: number | null;
  payload: string | null;
  available_at: number;
  dedupe_key: string | null;
}

const { toRun, toHook, toReleasedHook, toDelivery } = rowMappers();

export { toDelivery, toHook, toReleasedHook, toRun };

/**
 * Message ids are the row's integer key, as a string (the contract's id type).
 * The table has nullable columns for every kind; each kind reads back exactly
 * the fields it was written with (a row missing one is corrupt, not a message).
 */
export function toMessage(row: MessageRow): QueueMessage {
  const fields = { id: messageId(String(row.id)), runId: runId(row.run_id), availableAt: row.available_at };
  let message: QueueMessage;
  if (row.kind === "step" && row.op_id !== null && row.attempt !== null && row.payload !== null) {
    message = { ...fields, kind: "step", opId: opId(row.op_id), attempt: row.attempt, payload: row.payload };
  } else if (row.kind === "timer" && row.op_id !== null) {
    message = { ...fields, kind: "timer", opId: opId(row.op_id) };
  } else if (row.kind === "turn") {
    message = { ...fields, kind: "turn" };
  } else if (row.kind === "child" && row.payload !== null) {
    message = { ...fields, kind: "child", payload: row.payload };
  } else {
    throw new Error(`wfkit: the queue row ${row.id} (kind "${row.kind}") lacks the fields its kind needs`);
  }
  if (row.dedupe_key !== null) message.dedupeKey = row.dedupe_key;
  return message;
}

/** Orders claimed messages as `claim` promises: oldest `availableAt` first, then insertion order. */
export function byAvailability(a: MessageRow, b: MessageRow): number {
  return a.available_at - b.available_at || a.id - b.id;
}
