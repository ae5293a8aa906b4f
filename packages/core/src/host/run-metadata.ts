import type { RunId, RunRecord, World } from "@wfkit/world";
import { WorkflowRunNotFoundError } from "../errors/subclasses.js";
import type { WorkflowMetadata } from "../workflow/api.js";

/** Runs whose metadata is kept: a step of a run outside them reads its record again. */
const KEPT = 1000;

/**
 * getWorkflowMetadata() in a step: each run's workflow id and start, read from its
 * record once and kept for the most recent runs (oldest dropped), so the cache stays
 * bounded however many runs wait.
 */
export class RunMetadata {
  private readonly known = new Map<string, { workflowName: string; startedAt: number }>();

  constructor(
    private readonly world: World,
    private readonly url: () => string,
  ) {}

  /** The run's metadata: at once when it is kept here (no promise, no await per step), else read first. */
  of(runId: RunId): WorkflowMetadata | Promise<WorkflowMetadata> {
    const known = this.known.get(runId);
    if (known) return this.metadata(runId, known);
    return this.world.getRun(runId).then((run) => {
      if (!run) throw new WorkflowRunNotFoundError(runId);
      return this.metadata(runId, this.remember(run));
    });
  }

  private metadata(runId: RunId, known: { workflowName: string; startedAt: number }): WorkflowMetadata {
    return {
      workflowName: known.workflowName,
      workflowRunId: runId,
      workflowStartedAt: new Date(known.startedAt),
      url: this.url(),
    };
  }

  /**
   * Keeps what a run's steps need, from its record or from start() (which knows it: the
   * run's first step then reads nothing back). createdAt, as the workflow sees it
   * (sandbox init), so both realms agree.
   */
  remember(run: Pick<RunRecord, "runId" | "workflowId" | "createdAt">): {
    workflowName: string;
    startedAt: number;
  } {
    const known = { workflowName: run.workflowId, startedAt: run.createdAt };
    if (this.known.size >= KEPT) this.known.delete(this.known.keys().next().value!);
    this.known.set(run.runId, known);
    return known;
  }

  /** Drops what start() remembered of a run that was not created (an idempotency key found another). */
  forget(runId: string): void {
    this.known.delete(runId);
  }
}
