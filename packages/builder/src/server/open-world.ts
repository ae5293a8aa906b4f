import type { World } from "@wfkit/world";

/** What a World factory is told: where the app lives and where its data goes. */
export interface WorldContext {
  /** The app's root directory (absolute). */
  root: string;
  /** The resolved data folder (absolute): option, else `WORKFLOW_DATA_DIR`, else `<root>/.workflow-data`. */
  dataDir: string;
}

/** A World, or (better: the server can open it again after a failed start) a function that opens one. */
export type WorldOption = World | ((context: WorldContext) => World | Promise<World>);

const LOCK_RETRY_MS = 200;

/**
 * Opens a World through its factory. While another process still holds the
 * data folder (`WF_W001_DATA_DIR_LOCKED`: typically the previous dev server,
 * exiting), tries again for up to `waitMs`, saying once that it waits.
 */
export async function openWorldWaiting(
  open: (context: WorldContext) => World | Promise<World>,
  context: WorldContext,
  waitMs: number,
  warn: (message: string) => void,
): Promise<World> {
  const deadline = Date.now() + waitMs;
  let told = false;
  for (;;) {
    try {
      return await open(context);
    } catch (error) {
      const { code, pid } = error as { code?: string; pid?: number };
      if (code !== "WF_W001_DATA_DIR_LOCKED" || pid === process.pid || Date.now() > deadline) throw error;
      if (!told) {
        told = true;
        warn(
          `wfkit: the data folder ${context.dataDir} is locked by process ${pid ?? "?"}; waiting up to ${Math.round(waitMs / 1000)} s for it to exit.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
    }
  }
}
