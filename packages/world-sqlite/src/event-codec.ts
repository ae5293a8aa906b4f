import {
  EVENT_VERSION,
  type EventInput,
  type EventType,
  EventUnreadableError,
  type StoredEvent,
} from "@wfkit/world";
import { readEventBody } from "@wfkit/world/rows";

/**
 * The stored code of each event type (schema 9 on): a one-byte integer column instead of
 * `"v":1,"type":"step_scheduled"` repeated in every body. Codes are stored, so a code is
 * never changed or reused; a new event type takes the next number (the `Record` makes
 * the build fail until it has one).
 */
export const EVENT_TYPE_CODES: Readonly<Record<EventType, number>> = {
  run_created: 1,
  step_scheduled: 2,
  step_retrying: 3,
  step_completed: 4,
  step_failed: 5,
  sleep_scheduled: 6,
  sleep_fired: 7,
  hook_created: 8,
  hook_conflict: 9,
  hook_received: 10,
  hook_disposed: 11,
  webhook_responded: 12,
  child_started: 13,
  child_completed: 14,
  child_failed: 15,
  patch_marker: 16,
  run_parked: 17,
  run_completed: 18,
  run_failed: 19,
  run_cancelled: 20,
};

/** Code 0: the body is the whole event (`v` and `type` included), as schema 8 stored every event. */
const IN_BODY = 0;

const TYPES_BY_CODE = new Map(Object.entries(EVENT_TYPE_CODES).map(([type, code]) => [code, type]));

/** An event as an `events` row: its type code and the JSON of the other fields. */
export interface EncodedEvent {
  type: number;
  body: string;
}

/**
 * An event's row (`at` and `seq` are columns of their own): the type as its code, and
 * the fields but `v` and `type` as JSON, which keeps every string exact (NUL bytes and
 * lone surrogates included). An event this build has no code for, or of another
 * version, is stored whole under code 0.
 */
export function encodeEvent(event: EventInput | Record<string, unknown>): EncodedEvent {
  const { at: _at, seq: _seq, v, type, ...fields } = event as Record<string, unknown>;
  const code = EVENT_TYPE_CODES[type as EventType];
  if (code === undefined || v !== EVENT_VERSION) {
    const { at: _a, seq: _s, ...whole } = event as Record<string, unknown>;
    return { type: IN_BODY, body: JSON.stringify(whole) };
  }
  return { type: code, body: JSON.stringify(fields) };
}

/** An event row as stored; a body that is not a JSON object, or an unknown code, is an {@link EventUnreadableError}. */
export function decodeEvent(
  runId: string,
  row: { seq: number; at: number; type: number; body: unknown },
): StoredEvent {
  const body = readEventBody(runId, row);
  if (row.type === IN_BODY) return { ...body, seq: row.seq, at: row.at } as StoredEvent;
  const type = TYPES_BY_CODE.get(row.type);
  if (type === undefined)
    throw new EventUnreadableError(
      runId,
      row.seq,
      `its type code ${String(row.type)} is unknown to this build`,
    );
  return { v: EVENT_VERSION, type, ...body, seq: row.seq, at: row.at } as StoredEvent;
}
