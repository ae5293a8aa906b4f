import { isTerminal, type RunRecord, type RunStatus, type WorldStreams } from "@wfkit/world";
import {
  WorkflowRunCancelledError,
  WorkflowRunFailedError,
  WorkflowRunNotFoundError,
} from "../errors/subclasses.js";
import { deserialize } from "../serialization/index.js";
import { readRunStream } from "./streams.js";

/** What a `Run` handle reads and does: the runtime, seen through a narrow port. */
export interface RunSource {
  /** The run's record as the World holds it, or null. */
  read(runId: string): Promise<RunRecord | null>;
  /** Resolves with the record once the run has ended. */
  waitForEnd(runId: string): Promise<RunRecord>;
  cancel(runId: string): Promise<void>;
  /** The World's streams, for `getReadable()` and `getTailIndex()`. */
  streams?: WorldStreams;
}

/** Options of {@link Run.getReadable}. */
export interface ReadableOptions {
  /** Which stream of the run (as given to `getWritable()`); default the run's default stream. */
  namespace?: string;
  /** The first chunk to read, from 0; negative counts from the end (-3: the last three). Default 0. */
  startIndex?: number;
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
      if (run.status === "completed") {
        // A ReadableStream in the value reads the stream it was stored as.
        const streams = this.source.streams;
        return deserialize<T>(
          run.output!,
          streams && { openReadable: (runId, namespace) => this.readStream(runId, namespace, 0) },
        );
      }
      if (run.status === "cancelled") throw new WorkflowRunCancelledError(this.runId);
      throw new WorkflowRunFailedError(this.runId, deserialize<Error>(run.error!));
    });
  }

  /**
   * The run's stream `namespace` as written with `getWritable()`: the chunks
   * stored from `startIndex`, then new ones as steps write them. It ends when the
   * stream is closed, or when the run has ended and every chunk was read. Works
   * from any request or process on the same World, during the run and after.
   */
  getReadable<R = unknown>(options: ReadableOptions = {}): ReadableStream<R> {
    return this.readStream<R>(this.runId, options.namespace ?? "", options.startIndex ?? 0);
  }

  private readStream<R>(runId: string, namespace: string, startIndex: number): ReadableStream<R> {
    const streams = this.streamsOrThrow();
    return readRunStream<R>(
      {
        streams,
        hasEnded: async (id) => {
          const run = await this.source.read(id);
          return !run || isTerminal(run.status);
        },
      },
      runId,
      namespace,
      startIndex,
    );
  }

  /** The index of the stream's last chunk, -1 when it has none. */
  async getTailIndex(options: { namespace?: string } = {}): Promise<number> {
    return (await this.streamsOrThrow().info(this.runId, options.namespace ?? "")).tailIndex;
  }

  private streamsOrThrow(): WorldStreams {
    if (!this.source.streams) throw new Error("This Run handle was made without a World's streams");
    return this.source.streams;
  }

  /** Ends the run as cancelled; steps not yet started never start. */
  cancel(): Promise<void> {
    return this.source.cancel(this.runId);
  }
}
