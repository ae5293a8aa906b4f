import type { ClaimOptions, MessageId, QueueMessage } from "@wfkit/world";
import { byAvailability, type MessageRow, messageKey, toMessage } from "./codec.js";
import type { Sql } from "./connect.js";

/**
 * Leases up to `limit` due messages until `now + leaseMs` for this instance.
 * `FOR UPDATE SKIP LOCKED`: concurrent claims (any process) skip rows another
 * claim is taking instead of waiting for it, and never return the same message.
 */
export async function claimMessages(sql: Sql, owner: string, options: ClaimOptions): Promise<QueueMessage[]> {
  if (options.limit <= 0 || options.kinds?.length === 0) return [];
  const kinds = options.kinds ?? null;
  const rows = await sql<MessageRow[]>`
    WITH picked AS (
      SELECT id FROM wfkit.messages
      WHERE available_at <= ${options.now} AND (leased_until IS NULL OR leased_until <= ${options.now})
        AND (${kinds}::text[] IS NULL OR kind = ANY(${kinds}::text[]))
      ORDER BY available_at, id
      LIMIT ${options.limit}
      FOR UPDATE SKIP LOCKED)
    UPDATE wfkit.messages m SET leased_until = ${options.now + options.leaseMs}, owner = ${owner}
    FROM picked WHERE m.id = picked.id
    RETURNING m.id, m.run_id, m.kind, m.body, m.available_at, m.dedupe_key`;
  // RETURNING gives rows in no promised order; claim promises oldest first.
  return [...rows].sort(byAvailability).map(toMessage);
}

/** Numeric row keys of message ids; ids this World never issued are dropped. */
export function messageKeys(ids: readonly MessageId[] | readonly string[]): number[] {
  return ids.map(messageKey).filter((k): k is number => k !== null);
}

export async function ackMessages(sql: Sql, ids: readonly string[]): Promise<void> {
  const keys = messageKeys(ids);
  if (keys.length > 0) await sql`DELETE FROM wfkit.messages WHERE id = ANY(${keys}::bigint[])`;
}

/** Ends leases so the messages can be claimed again at once; true when any was leased. */
export async function releaseMessages(
  sql: Sql,
  instanceId: string,
  ids: readonly string[],
): Promise<boolean> {
  const keys = messageKeys(ids);
  if (keys.length === 0) return false;
  const rows = await sql`
    WITH freed AS (
      UPDATE wfkit.messages SET leased_until = NULL, owner = NULL
      WHERE id = ANY(${keys}::bigint[]) AND leased_until IS NOT NULL RETURNING available_at)
    SELECT pg_notify('wfkit_work', ${instanceId} || ' ' || min(available_at)::text) AS n
    FROM freed HAVING count(*) > 0`;
  return rows.length > 0;
}

/** Extends the leases of messages still leased to `until`; free and unknown ones are left alone. */
export async function renewLeases(sql: Sql, ids: readonly string[], until: number): Promise<void> {
  const keys = messageKeys(ids);
  if (keys.length === 0) return;
  await sql`UPDATE wfkit.messages SET leased_until = ${until}
    WHERE id = ANY(${keys}::bigint[]) AND leased_until IS NOT NULL`;
}

export async function nextAvailableAt(sql: Sql): Promise<number | null> {
  const [row] = await sql<{ next: number | null }[]>`
    SELECT min(available_at) AS next FROM wfkit.messages WHERE leased_until IS NULL`;
  return row?.next ?? null;
}
