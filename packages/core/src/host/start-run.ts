import { RunActor } from "./actor/index.js";
import { startRun } from "./actor/replay.js";
import type { RunBundles } from "./bundles.js";
import { newRunId } from "./ids.js";
import type { RunMetadata } from "./run-metadata.js";
import type { StartOptions } from "./runtime-options.js";
import type { SandboxHost } from "./sandbox-host.js";
import { serializeStartArgs } from "./start-args.js";
import type { RuntimeCore } from "./types.js";

// What `Runtime.start` does once the call is valid (start-args.ts): the run's first
// activation, then the run created with its first turn by a new actor.

/** What starting a run uses of the runtime. */
export interface RunStarting {
  /** The runtime as its actors see it: the new run's actor works on it. */
  readonly core: RuntimeCore;
  readonly bundles: RunBundles;
  readonly sandboxes: SandboxHost;
  readonly metadata: RunMetadata;
  /** The run was created here: its actor joins the runtime's. */
  adopt(actor: RunActor): void;
}

/**
 * Starts a run of `workflowId` with `args` and returns its id: the new run's, or that of
 * the run an idempotency key found. Resolves once the run is durable, with its first
 * turn committed (its hooks are live).
 */
export async function startNewRun(
  parts: RunStarting,
  workflowId: string,
  args: unknown[],
  options: StartOptions,
): Promise<string> {
  const { core, bundles } = parts;
  const at = core.clock.now();
  const runId = newRunId(at);
  const input = await serializeStartArgs(core.world.streams, runId, args, (level, a) => core.log(level, a));
  // The first activation runs now, so the run and its first turn commit together.
  const bundle = bundles.currentHash;
  const [first] = await Promise.all([
    startRun(
      () => parts.sandboxes.take(bundle),
      { runId, workflowId, input, startedAt: at },
      core.instanceSlots,
    ),
    bundles.ensureStored(),
  ]);
  const actor = new RunActor(core, runId);
  // Its first step may start inside create() and needs the run's record (getWorkflowMetadata):
  // known here, so it is not read back. Forgotten if an idempotency key found another run.
  parts.metadata.remember({ runId, workflowId, createdAt: at });
  const result = await actor.create(
    { runId, workflowId, input, at, idempotencyKey: options.idempotencyKey, bundle },
    first,
  );
  if (!result.created) {
    parts.metadata.forget(runId);
    return result.run.runId;
  }
  parts.adopt(actor);
  // A first turn that creates hooks commits after the run: its hooks are live once start() resolves.
  await actor.firstTurnCommitted();
  return result.run.runId;
}
