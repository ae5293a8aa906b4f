import type { Sql } from "./connect.js";
import { RESPONSE_TTL_MS } from "./responses.js";

/** How long an instance counts as alive after its last heartbeat. */
export const INSTANCE_TTL_MS = 30_000;
/** How often an instance renews its liveness and sweeps. */
export const HEARTBEAT_MS = 5_000;

/**
 * This instance's registration in `wfkit.instances`, renewed every heartbeat
 * (default {@link HEARTBEAT_MS}). The same timer is the slow safety sweep: it frees the
 * leases of instances that stopped renewing (their process died), deletes
 * expired deliveries, old released hooks and uncollected responses, and tells
 * `onWork` listeners when work is due that nobody holds (a notification missed,
 * or a lease that ran out).
 */
export class Liveness {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | null = null;
  private beating = false;
  private stopped = false;

  constructor(
    private readonly sql: Sql,
    private readonly instanceId: string,
    private readonly options: {
      retentionMs: number;
      ttlMs: number;
      heartbeatMs: number;
      work: () => void;
      hasListeners: () => boolean;
      /** This instance was found dead by another (it stalled past its TTL) and registers again. */
      revived: () => void;
    },
  ) {}

  async start(): Promise<void> {
    await this.register();
    // The heartbeat has its own timer: a sweep slowed by a lock or an unreachable
    // database must not delay it, or other processes would count this live one as
    // dead and free the work it is doing (which would then run twice).
    this.timer = setInterval(() => {
      void this.heartbeat();
      if (!this.sweeping) this.sweeping = this.sweep().finally(() => (this.sweeping = null));
    }, this.options.heartbeatMs);
    this.timer.unref();
  }

  private async register(): Promise<void> {
    const now = Date.now();
    await this.sql`INSERT INTO wfkit.instances (id, started_at, alive_until)
      VALUES (${this.instanceId}, ${now}, ${now + this.options.ttlMs})
      ON CONFLICT (id) DO UPDATE SET alive_until = excluded.alive_until`;
  }

  /**
   * Renews this instance's liveness. If another process found it expired (this one
   * was stalled past the TTL) and removed it, it registers again: the messages it
   * inserts leased from now on must belong to a registered instance, or nobody
   * would free them should it die.
   */
  private async heartbeat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      const renewed = await this
        .sql`UPDATE wfkit.instances SET alive_until = ${Date.now() + this.options.ttlMs}
        WHERE id = ${this.instanceId}`;
      if (renewed.count === 0 && !this.stopped) {
        this.options.revived();
        await this.register();
      }
    } catch {
      // The database is unreachable for now: the next heartbeat tries again.
    } finally {
      this.beating = false;
    }
  }

  /** Hands back every message this instance holds or has claimed, and unregisters it. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.sweeping;
    await this.sql.begin(async (tx) => {
      await tx`WITH freed AS (
          UPDATE wfkit.messages SET leased_until = NULL, owner = NULL WHERE owner = ${this.instanceId}
          RETURNING available_at)
        SELECT pg_notify('wfkit_work', 'closed ' || min(available_at)::text) FROM freed HAVING count(*) > 0`;
      await tx`DELETE FROM wfkit.instances WHERE id = ${this.instanceId}`;
    });
  }

  private async sweep(): Promise<void> {
    const now = Date.now();
    try {
      // Freed work is announced to every process, not only to this one.
      const [freed] = await this.sql<{ n: number }[]>`
        WITH dead AS (DELETE FROM wfkit.instances WHERE alive_until < ${now} RETURNING id),
        freed AS (UPDATE wfkit.messages SET leased_until = NULL, owner = NULL
          WHERE owner IN (SELECT id FROM dead) RETURNING available_at)
        SELECT count(*)::int AS n, pg_notify('wfkit_work', 'sweep ' || min(available_at)::text)
        FROM freed HAVING count(*) > 0`;
      await this.sql`DELETE FROM wfkit.deliveries WHERE expires_at <= ${now}`;
      await this.sql`DELETE FROM wfkit.released_hooks WHERE released_at <= ${now - this.options.retentionMs}`;
      await this.sql`DELETE FROM wfkit.responses WHERE created_at < ${now - RESPONSE_TTL_MS}`;
      if (!this.options.hasListeners()) return;
      const [due] = await this.sql<{ due: boolean }[]>`SELECT EXISTS (SELECT 1 FROM wfkit.messages
        WHERE available_at <= ${now} AND (leased_until IS NULL OR leased_until <= ${now})) AS due`;
      if ((freed?.n ?? 0) > 0 || due?.due) this.options.work();
    } catch {
      // The database is unreachable for now: the next heartbeat tries again.
    }
  }
}
