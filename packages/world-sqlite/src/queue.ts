import type { ClaimOptions, QueueMessage } from "@wfkit/world";
import type { BatchContext } from "./group-commit.js";
import { byAvailability, messageKey, toMessage } from "./rows.js";
import type { Statements } from "./statements.js";

/**
 * Leases up to `limit` due messages until `now + leaseMs`. Runs inside the group
 * commit like every write, so two claims are evaluated one after the other and
 * never see the same free message.
 */
export function claimMessages(s: Statements, options: ClaimOptions): QueueMessage[] {
  if (options.limit <= 0) return [];
  if (options.kinds?.length === 0) return [];
  const rows = s.claimMessages.all({
    now: options.now,
    until: options.now + options.leaseMs,
    limit: options.limit,
    kinds: options.kinds ? JSON.stringify(options.kinds) : null,
  });
  // RETURNING gives rows in no promised order; claim promises oldest first.
  return rows.sort(byAvailability).map(toMessage);
}

/** Deletes messages by id; ids this World never issued are ignored. */
export function ackMessages(s: Statements, ids: readonly string[]): void {
  for (const id of ids) {
    const key = messageKey(id);
    if (key !== null) s.deleteMessage.run(key);
  }
}

/** Ends the leases of messages so they can be claimed again at once. */
export function releaseMessages(s: Statements, ids: readonly string[], batch: BatchContext): void {
  for (const id of ids) {
    const key = messageKey(id);
    if (key !== null && s.releaseMessage.run(key).changes > 0) batch.workAdded();
  }
}

/** Leases messages still leased until `now + leaseMs`; free and unknown ones are left alone. */
export function renewLeases(s: Statements, ids: readonly string[], until: number): void {
  for (const id of ids) {
    const key = messageKey(id);
    if (key !== null) s.renewLease.run(until, key);
  }
}
