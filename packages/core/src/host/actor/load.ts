import type { HookConflict, RunId } from "@wfkit/world";
import type { RuntimeCore } from "../types.js";
import { divergenceOf, recordParked } from "./diverged.js";
import { CorruptEventLogError, failCorruptRun } from "./log-check.js";
import { type Replayed, type ReplayStopped, replayRun } from "./replay.js";

// A cold actor's load: the run's whole log replayed into a new instance, and
// what to do when that cannot give a live instance (the run is gone or its log
// is damaged, its file did not build, its code diverged from its log).

/**
 * What loading came to: the instance rebuilt (`Replayed`); the replay stopped, so the
 * run fails with the cause (`ReplayStopped`); `"parked"` (told through `park` already);
 * or `"gone"`: the run ended, was never there, or was failed for a damaged log.
 */
export type LoadOutcome = Replayed | ReplayStopped | "parked" | "gone";

/**
 * Replays the run's log (mailbox.ts `load`). `conflicts` are the hook conflicts to hand
 * the new instance; a run that parks gets them back through `park(why)`, called before
 * anything else is awaited, so inputs posted meanwhile wait with the run.
 */
export async function loadRun(
  core: RuntimeCore,
  runId: RunId,
  conflicts: HookConflict[],
  park: (why: string, conflicts: HookConflict[]) => void,
): Promise<LoadOutcome> {
  let replayed: Awaited<ReturnType<typeof replayRun>>;
  try {
    replayed = await replayRun(
      core.world,
      (bundle) => core.sandboxFor(bundle),
      runId,
      conflicts,
      (id) => core.unbuiltFile(id),
      core.instanceSlots,
    );
  } catch (error) {
    if (!(error instanceof CorruptEventLogError)) throw error;
    await failCorruptRun(core, runId, error);
    return "gone";
  }
  if (replayed && "parkedOn" in replayed) {
    park(`its workflow's file ${replayed.parkedOn.file} did not build`, conflicts);
    core.log("warn", [
      `wfkit: run ${runId} waits: its workflow's file ${replayed.parkedOn.file} did not build. It continues once the file builds again.`,
    ]);
    return "parked";
  }
  if (!replayed) return "gone";
  // Quarantine: a run whose replay is stopped fails with the cause instead of being tried again and again.
  if ("failure" in replayed) return replayed;
  const diverged = divergenceOf(replayed.instance.state);
  if (diverged) {
    // Parked, not failed: the run stays running and loads again with the next build.
    replayed.instance.dispose();
    park(diverged.message, conflicts);
    await recordParked(core, runId, replayed.last, diverged);
    core.log("warn", [
      `wfkit: run ${runId} is parked until compatible code is deployed: ${diverged.message}`,
    ]);
    return "parked";
  }
  return replayed;
}
