import { WorkflowError } from "../errors/workflow-error.js";
import { STREAM_HANDLE_KEY } from "../globals.js";
import { currentHost } from "./realm.js";

/** Options of {@link getWritable}. */
export interface WritableOptions {
  /** Which stream of the run: a run may have several, told apart by name. Default: the run's default stream. */
  namespace?: string;
}

/** The key a stream writable carries its namespace under, in every realm (see globals.ts). */
export const STREAM_HANDLE = STREAM_HANDLE_KEY;

/**
 * The run's stream `namespace`, to write chunks to: bytes or any serializable
 * value, stored durably and in order, read with `run.getReadable()` from
 * `workflow/api` while the run works and after.
 *
 * - In a step: a `WritableStream` that writes. Chunks are stored once each, even
 *   when the step is retried (see docs/streams.md); the step completes only after
 *   its chunks are stored. `close()` ends the stream for every reader.
 * - In workflow code: a handle to pass to a step, which writes to it. Workflow
 *   code cannot write itself (a write would run again on every replay):
 *   `getWriter()` there throws `WF_STREAM_WRITE_IN_WORKFLOW`.
 *
 * @example
 * ```ts
 * async function report(progress: number) {
 *   "use step";
 *   const writer = getWritable<{ progress: number }>().getWriter();
 *   await writer.write({ progress });
 *   writer.releaseLock();
 * }
 * ```
 */
export function getWritable<T = unknown>(options: WritableOptions = {}): WritableStream<T> {
  const namespace = options.namespace ?? "";
  const host = currentHost();
  if (host?.getWritable) {
    const writable = host.getWritable(namespace);
    if (writable) return writable as WritableStream<T>;
  }
  if (host?.realm === "workflow") return new WorkflowStreamHandle(namespace) as unknown as WritableStream<T>;
  throw new WorkflowError(
    "WF_STREAM_OUTSIDE_RUN",
    "getWritable() was called outside a workflow or step, so there is no run whose stream it could be.",
    'Call getWritable() in a "use workflow" or "use step" function. To read a run\'s stream from server code, use (await getRun(runId)).getReadable().',
  );
}

/**
 * A run's stream as workflow code holds it: passed to a step (which gets a
 * writable for the same namespace), never written to here.
 */
class WorkflowStreamHandle {
  readonly locked = false;

  constructor(readonly namespace: string) {
    Object.defineProperty(this, STREAM_HANDLE_KEY, { value: namespace });
  }

  getWriter(): never {
    throw writeInWorkflow();
  }
  close(): Promise<never> {
    return Promise.reject(writeInWorkflow());
  }
  abort(): Promise<never> {
    return Promise.reject(writeInWorkflow());
  }
}

function writeInWorkflow(): WorkflowError {
  return new WorkflowError(
    "WF_STREAM_WRITE_IN_WORKFLOW",
    "Workflow code wrote to a stream directly; a write there would be repeated each time the workflow replays.",
    'Pass the stream to a step and write there: `await writeProgress(getWritable())` with `async function writeProgress(w) { "use step"; ... }`.',
  );
}

/**
 * The writable for `namespace` in this realm, as a reviver finds it when a
 * stream is passed: a step's writer in a step, the handle in workflow code.
 */
export function reviveWritable(namespace: string): unknown {
  return getWritable({ namespace });
}
