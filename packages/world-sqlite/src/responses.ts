import type { GroupCommitter } from "./group-commit.js";
import type { Statements } from "./statements.js";

/** How often a waiter looks in the table for a response another process wrote. */
const POLL_MS = 100;

/** Responses nobody collected within this time are dropped when a World opens. */
export const RESPONSE_TTL_MS = 60 * 60_000;

interface Waiter {
  resolve: (response: string | null) => void;
}

/**
 * The webhook-response handoff. Within the process a response goes straight to
 * its waiter, or waits in memory for one. It is also written to the
 * `responses` table so a process other than this one (reading the same file)
 * can pick it up; waiters poll that table for the same reason.
 */
export class ResponseHandoff {
  private readonly waiters = new Map<string, Waiter[]>();
  private readonly unclaimed = new Map<string, string>();
  private readonly cleanups = new Set<() => void>();

  constructor(
    private readonly s: Statements,
    private readonly committer: GroupCommitter,
  ) {}

  async put(requestId: string, response: string): Promise<void> {
    const waiter = this.waiters.get(requestId)?.shift();
    if (waiter) {
      waiter.resolve(response);
      return;
    }
    this.unclaimed.set(requestId, response);
    await this.committer.submit(() => {
      // Taken by a local waiter before this write came up: nothing left to share.
      if (this.unclaimed.get(requestId) === response) this.s.putResponse.run(requestId, response, Date.now());
    });
  }

  async await(requestId: string, timeoutMs: number): Promise<string | null> {
    const local = this.take(requestId);
    if (local !== null) return local;
    return new Promise<string | null>((resolve) => {
      const waiter: Waiter = {
        resolve: (response) => {
          cleanup();
          resolve(response);
        },
      };
      const poll = setInterval(() => {
        const found = this.take(requestId);
        if (found !== null) waiter.resolve(found);
      }, POLL_MS);
      const timeout = setTimeout(() => waiter.resolve(null), timeoutMs);
      // The timeout alone decides how long a waiter keeps the process alive.
      poll.unref();
      const cleanup = () => {
        clearInterval(poll);
        clearTimeout(timeout);
        const list = this.waiters.get(requestId);
        const at = list?.indexOf(waiter) ?? -1;
        if (list && at >= 0) list.splice(at, 1);
        if (list?.length === 0) this.waiters.delete(requestId);
        this.cleanups.delete(end);
      };
      const end = () => waiter.resolve(null);
      this.cleanups.add(end);
      const list = this.waiters.get(requestId);
      if (list) list.push(waiter);
      else this.waiters.set(requestId, [waiter]);
    });
  }

  /** Ends every wait with null: the World is closing. */
  close(): void {
    for (const end of [...this.cleanups]) end();
  }

  /** A response this process holds, else one in the table; removed from both either way. */
  private take(requestId: string): string | null {
    const local = this.unclaimed.get(requestId);
    if (local !== undefined) {
      this.unclaimed.delete(requestId);
      // Its row, if already written; a write still queued sees it is gone and skips.
      this.s.takeResponse.run(requestId);
      return local;
    }
    return this.s.takeResponse.get(requestId)?.response ?? null;
  }
}
