import type { RunRecord, RunStatus } from "@wfkit/world";
import {
  WorkflowRunCancelledError,
  WorkflowRunFailedError,
  WorkflowRunNotFoundError,
} from "../errors/subclasses.js";
import { deserialize } from "../serialization/index.js";

/** What a `Run` handle reads and does: the runtime, seen through a narrow port. */
export interface RunSource {
  /** The run's record as the World holds it, or null. */
  read(runId: string): Promise<RunRecord | null>;
  /** Resolves with the record once the run has ended. */
  waitForEnd(runId: string): Promise<RunRecord>;
  cancel(runId: string): Promise<void>;
}

/** A handle on one run. Reading a property asks the World; nothing is cached. */
export class Run<T = unknown> {
  constructor(
    private readonly source: RunSource,
    /** The run's id (`wrun_…`): pass it to `getRun()` later, from any process on the same World. */
    readonly runId: string,
  ) {}

  private async record(): Promise<RunRecord> {
    const run = await this.source.read(this.runId);
    if (!run) throw new WorkflowRunNotFoundError(this.runId);
    return run;
  }

  /** `pending`, `running`, `completed`, `failed` or `cancelled`. */
  get status(): Promise<RunStatus> {
    return this.record().then((r) => r.status);
  }
  /** The workflow's id, e.g. `workflow//workflows/order//processOrder`. */
  get workflowName(): Promise<string> {
    return this.record().then((r) => r.workflowId);
  }
  /** When `start()` created the run. */
  get createdAt(): Promise<Date> {
    return this.record().then((r) => new Date(r.createdAt));
  }
  /** When the workflow first ran; undefined while the run is pending. */
  get startedAt(): Promise<Date | undefined> {
    return this.record().then((r) => (r.startedAt === undefined ? undefined : new Date(r.startedAt)));
  }
  /** When the run ended (completed, failed or cancelled); undefined before. */
  get completedAt(): Promise<Date | undefined> {
    return this.record().then((r) => (r.completedAt === undefined ? undefined : new Date(r.completedAt)));
  }

  /**
   * The workflow's return value, once the run ends. Rejects with
   * `WorkflowRunFailedError` (the workflow's error as `cause`) or
   * `WorkflowRunCancelledError`.
   */
  get returnValue(): Promise<T> {
    return this.source.waitForEnd(this.runId).then((run) => {
      if (run.status === "completed") return deserialize<T>(run.output!);
      if (run.status === "cancelled") throw new WorkflowRunCancelledError(this.runId);
      throw new WorkflowRunFailedError(this.runId, deserialize<Error>(run.error!));
    });
  }

  /** Ends the run as cancelled; steps not yet started never start. */
  cancel(): Promise<void> {
    return this.source.cancel(this.runId);
  }
}
