import { dec, enc } from "./codec.js";
import type { Sql } from "./connect.js";

/** A waiter also looks in the table this often, in case a notification was missed (a reconnect). */
const POLL_MS = 1_000;

/** Responses nobody collected within this time are deleted by the sweep. */
export const RESPONSE_TTL_MS = 60 * 60_000;

interface Waiter {
  resolve: (response: string | null) => void;
}

/**
 * The webhook-response handoff across processes. A response for a request this
 * process is waiting on goes straight to the waiter. Otherwise it is written to
 * `wfkit.responses` and announced with `NOTIFY wfkit_response` in the same
 * statement; the process whose waiter holds the HTTP request takes it with a
 * `DELETE … RETURNING`, so exactly one waiter gets it, once.
 */
export class ResponseHandoff {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly ends = new Set<() => void>();

  constructor(private readonly sql: Sql) {}

  async put(requestId: string, response: string): Promise<void> {
    const waiter = this.waiters.get(requestId)?.shift();
    if (waiter) {
      waiter.resolve(response);
      return;
    }
    await this.sql`
      WITH put AS (
        INSERT INTO wfkit.responses (request_id, response, created_at) VALUES (${requestId}, ${enc(response)}, ${Date.now()})
        ON CONFLICT (request_id) DO UPDATE SET response = excluded.response, created_at = excluded.created_at
        RETURNING request_id)
      SELECT pg_notify('wfkit_response', request_id) FROM put`;
  }

  async await(requestId: string, timeoutMs: number): Promise<string | null> {
    return new Promise<string | null>((resolve) => {
      let done = false;
      const waiter: Waiter = {
        resolve: (response) => {
          if (done) return;
          done = true;
          clearInterval(poll);
          clearTimeout(timeout);
          const list = this.waiters.get(requestId);
          const at = list?.indexOf(waiter) ?? -1;
          if (list && at >= 0) list.splice(at, 1);
          if (list?.length === 0) this.waiters.delete(requestId);
          this.ends.delete(end);
          resolve(response);
        },
      };
      const end = () => waiter.resolve(null);
      // Registered before the first look in the table, so a notification that
      // arrives during that look is not missed.
      const list = this.waiters.get(requestId);
      if (list) list.push(waiter);
      else this.waiters.set(requestId, [waiter]);
      this.ends.add(end);
      const poll = setInterval(() => void this.check(requestId), POLL_MS);
      poll.unref();
      const timeout = setTimeout(end, timeoutMs);
      void this.check(requestId);
    });
  }

  /** A response for `requestId` was announced (by any process): hand it to a waiter here, if any. */
  async check(requestId: string): Promise<void> {
    if (!this.waiters.has(requestId)) return;
    let rows: { response: string }[];
    try {
      rows = await this.sql<{ response: string }[]>`
        DELETE FROM wfkit.responses WHERE request_id = ${requestId} RETURNING response`;
    } catch {
      return; // The next poll or notification tries again.
    }
    if (rows.length === 0) return;
    const waiter = this.waiters.get(requestId)?.[0];
    const response = dec(rows[0].response);
    if (waiter) waiter.resolve(response);
    else await this.put(requestId, response); // Its waiter timed out meanwhile: put it back.
  }

  /** Announced responses to look for again after the LISTEN connection was re-established. */
  pending(): string[] {
    return [...this.waiters.keys()];
  }

  /** Ends every wait with null: the World is closing. */
  close(): void {
    for (const end of [...this.ends]) end();
  }
}
