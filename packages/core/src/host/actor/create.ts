import type { AppendResult, CreateRunInput, CreateRunResult, RunId, World } from "@wfkit/world";
import type { RuntimeCore } from "../types.js";
import { createsHooks, type Turn } from "./turn.js";

// A run created here: the World creates it with its first turn in one commit when it
// can, or else with a leased `turn` message that stands for the first turn until the
// actor appends it (mailbox.ts, `RunActor.create`).

/**
 * Asks the World to create the run whose first turn is `turn`. `committed` is the first
 * turn's commit when it committed with the run; otherwise (a run created) the actor
 * appends it, acking the `turn` message the World enqueued with the run.
 */
export async function createWithFirstTurn(
  core: Pick<RuntimeCore, "world" | "sharedLeaseMs">,
  runId: RunId,
  input: CreateRunInput,
  turn: Turn,
): Promise<{ result: CreateRunResult; committed?: Extract<AppendResult, { ok: true }> }> {
  // A turn that creates hooks goes through append (a token clash is resolved there); and steps must
  // not start before we know this is a new run.
  const merge = !createsHooks(turn);
  const { runId: _r, expectedSeq: _e, ...firstTurn } = turn.request;
  // Apart, the run needs its first turn until it commits: a leased `turn` message says so, and
  // whoever claims it after a crash (this process restarted, or another) appends that turn.
  const leaseMs = core.sharedLeaseMs;
  const needsTurn = { runId, kind: "turn" as const, leased: true, ...(leaseMs && { leaseMs }) };
  const result = await core.world.createRun(
    merge ? { ...input, firstTurn } : { ...input, enqueue: [needsTurn] },
  );
  if (!result.created || !merge) return { result };
  if (!result.turn) throw new Error(`the World created run ${runId} without its first turn`);
  return { result, committed: result.turn };
}

/**
 * Starts the first turn's steps (`start`) while the run is being created when they may, and
 * says whether it did. They may, as any later turn's may before it commits (eager.ts), only
 * where no other process appends (`World.singleProcess`), for a run no idempotency key may
 * turn out to be another's, and for a first turn that neither creates hooks (a step could hand
 * out a token not yet live) nor ends the run. Their results are applied meanwhile; the appends
 * of the turns they make wait for the creation (mailbox.ts).
 */
export function startWhileCreating(
  world: World,
  input: CreateRunInput,
  turn: Turn,
  start: () => void,
): boolean {
  const may =
    world.singleProcess === true &&
    input.idempotencyKey === undefined &&
    !createsHooks(turn) &&
    (turn.request.run?.status ?? "running") === "running";
  // After the World's flush of the creation (queued before this), so the commit starts first.
  if (may) setImmediate(start);
  return may;
}
