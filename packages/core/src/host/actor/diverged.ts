import type { EngineState } from "../../sandbox/protocol.js";
import { deserialize } from "../../serialization/index.js";

/**
 * The message of a replay that ended in WF_REPLAY_DIVERGED (the code no longer matches
 * the run's log), or undefined. Such a run is parked instead of failed: its log is
 * intact, and code that matches it (a deploy with `patched()`, or the old code back)
 * continues it.
 */
export function divergenceOf(state: EngineState): string | undefined {
  if (state.status !== "failed") return undefined;
  try {
    const error = deserialize<{ code?: unknown; message?: unknown }>(state.error);
    return error?.code === "WF_REPLAY_DIVERGED" ? String(error.message).split("\n")[0] : undefined;
  } catch {
    return undefined;
  }
}
