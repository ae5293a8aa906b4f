import type { RunId, World } from "@wfkit/world";
import { auditLogs, type RunInput } from "./actor/index.js";
import type { LifecycleLog } from "./lifecycle-log.js";
import type { Scheduler } from "./scheduler.js";

// What `Runtime.recover` resumes on a single-process World, where the runs left
// unfinished were left by a process that stopped. (On a shared World, unfinished
// runs are mostly driven by live processes: a runtime only polls its queue there.)

/**
 * Says once which runs were left unfinished, then resumes them: the queue is polled
 * (their unfinished turns, steps and due timers), and their logs are checked in the
 * background (a run with a damaged log is failed, WF_CORRUPT_EVENT_LOG, even if
 * nothing wakes it). `post` hands a run an empty input, which loads its log.
 */
export async function recoverUnfinished(
  world: World,
  lifecycle: LifecycleLog,
  scheduler: Scheduler,
  post: (runId: RunId, input: RunInput) => void,
  closed: () => boolean,
): Promise<void> {
  const unfinished = await world.listRuns({ status: ["pending", "running"], limit: 1001 });
  for (const run of unfinished) lifecycle.knowWorkflow(run.runId, run.workflowId);
  if (unfinished.length > 0) lifecycle.recovered(unfinished.map((r) => r.runId));
  await scheduler.poll();
  // In the background: a run with a damaged log is failed (WF_CORRUPT_EVENT_LOG) even if nothing wakes it.
  // Only here: on a shared World those runs are driven by live processes, which meet a damaged log themselves.
  void auditLogs(
    world,
    unfinished.map((r) => r.runId),
    (runId) => post(runId, {}),
    closed,
  );
}
