import type { RunId, World } from "@wfkit/world";
import type { ActorHandle } from "./types.js";

/**
 * On a World whose runs a process may hold alone (`World.ownership`), runs created here
 * are held by this process, so their actors pipeline turns and start steps before the
 * commit (actor/mailbox.ts). Asked for a run by another process, this one lets go once
 * the run's actor has nothing uncommitted (at once when no actor drives it here).
 * Returns the unsubscribe function.
 */
export function holdRuns(
  world: World,
  actorOf: (runId: RunId) => ActorHandle | undefined,
  warn: (args: unknown[]) => void,
): () => void {
  const ownership = world.ownership;
  if (!ownership) return () => {};
  return ownership.onWanted((runId) => {
    const release = () =>
      void ownership.release(runId).catch((error: unknown) => warn([`wfkit: releasing run ${runId}`, error]));
    const actor = actorOf(runId);
    if (actor) actor.whenSettled(release);
    else release();
  });
}
