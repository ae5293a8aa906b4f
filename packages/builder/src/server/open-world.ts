import type { World } from "@wfkit/world";

/** What a World factory is told: where the app lives and where its data goes. */
export interface WorldContext {
  /** The app's root directory (absolute). */
  root: string;
  /** The resolved data folder (absolute): option, else `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`. */
  dataDir: string;
  /** The PostgreSQL URL when one is configured: option, else `WORKFLOW_POSTGRES_URL`. */
  postgresUrl?: string;
}

/** A World, or (better: the server can open it again after a failed start) a function that opens one. */
export type WorldOption = World | ((context: WorldContext) => World | Promise<World>);

const LOCK_RETRY_MS = 200;
/** How often a long wait says that it still waits. */
const LOCK_REMINDER_MS = 10_000;

/** What the wait for a locked data folder tells its host. */
export interface LockWaitEvents {
  warn(message: string): void;
  info(message: string): void;
  /** Called with the lock error while waiting, and with `undefined` once the wait is over. */
  waiting?(error: Error | undefined): void;
  /** Whether the host was closed meanwhile: the wait then ends with the lock error. */
  closed?(): boolean;
}

/**
 * Opens a World through its factory. While another process holds the data
 * folder (`WF_W001_DATA_DIR_LOCKED`: typically the previous dev server,
 * exiting, or a second server started on the same folder), tries again every
 * 200 ms for up to `waitMs` (default: until it frees), saying that it waits,
 * reminding every 10 s, and saying when the folder is free.
 */
export async function openWorldWaiting(
  open: (context: WorldContext) => World | Promise<World>,
  context: WorldContext,
  waitMs: number,
  events: LockWaitEvents,
): Promise<World> {
  const started = Date.now();
  let remindAt = 0;
  try {
    for (;;) {
      try {
        const world = await open(context);
        if (remindAt)
          events.info(
            `wfkit: the data folder ${context.dataDir} is free now; starting the workflow runtime.`,
          );
        return world;
      } catch (error) {
        const { code, pid } = error as { code?: string; pid?: number };
        const waited = Date.now() - started;
        if (
          code !== "WF_W001_DATA_DIR_LOCKED" ||
          pid === process.pid ||
          waited >= waitMs ||
          events.closed?.()
        )
          throw error;
        events.waiting?.(error as Error);
        if (!remindAt) {
          const until = Number.isFinite(waitMs)
            ? `for up to ${Math.round(waitMs / 1000)} s`
            : "until it is free";
          events.warn(
            `wfkit: the data folder ${context.dataDir} is locked by process ${pid ?? "?"} (WF_W001_DATA_DIR_LOCKED); retrying ${until}. Stop that process, or give this server its own folder with WORKFLOW_DATA_DIR.`,
          );
          remindAt = Date.now() + LOCK_REMINDER_MS;
        } else if (Date.now() >= remindAt) {
          events.warn(
            `wfkit: still waiting for the data folder ${context.dataDir}, locked by process ${pid ?? "?"} (${Math.round(waited / 1000)} s).`,
          );
          remindAt = Date.now() + LOCK_REMINDER_MS;
        }
        await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
      }
    }
  } finally {
    events.waiting?.(undefined);
  }
}
