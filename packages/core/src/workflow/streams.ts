import { WorkflowError } from "../errors/workflow-error.js";
import { STREAM_HANDLE_KEY, STREAM_RUN_KEY } from "../globals.js";
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
  return writableOf(options.namespace ?? "") as WritableStream<T>;
}

/** The writable of `namespace` of this run, or of run `runId` (a parent's stream passed to a child). */
function writableOf(namespace: string, runId?: string): unknown {
  const host = currentHost();
  if (host?.getWritable) {
    const writable = host.getWritable(namespace, runId);
    if (writable) return writable;
  }
  if (host?.realm === "workflow") {
    inheritWritableStream();
    return new WorkflowStreamHandle(namespace, runId);
  }
  throw new WorkflowError(
    "WF_STREAM_OUTSIDE_RUN",
    "getWritable() was called outside a workflow or step, so there is no run whose stream it could be.",
    'Call getWritable() in a "use workflow" or "use step" function. To read a run\'s stream from server code, use (await getRun(runId)).getReadable().',
  );
}

let inherited = false;
/**
 * Like the peer's, the handle is `instanceof WritableStream` in workflow code
 * (the sandbox's own class), so libraries that check for a stream accept it.
 * Linked on first use: this module also loads in the host realm, whose
 * WritableStream the handle must never touch.
 */
function inheritWritableStream(): void {
  if (inherited) return;
  inherited = true;
  const ctor = (globalThis as { WritableStream?: unknown }).WritableStream;
  if (typeof ctor === "function")
    Object.setPrototypeOf(WorkflowStreamHandle.prototype, (ctor as { prototype: object }).prototype);
}

/**
 * A run's stream as workflow code holds it: passed to a step (which gets a
 * writable for the same namespace), never written to here.
 */
class WorkflowStreamHandle {
  readonly locked = false;

  constructor(
    readonly namespace: string,
    runId?: string,
  ) {
    Object.defineProperty(this, STREAM_HANDLE_KEY, { value: namespace });
    if (runId !== undefined) Object.defineProperty(this, STREAM_RUN_KEY, { value: runId });
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
export function reviveWritable(namespace: string, runId?: string): unknown {
  return writableOf(namespace, runId);
}

/**
 * A ReadableStream passed as a value, as workflow code holds it: something to
 * pass on (to a step, to `start()`, as the return value), not to read. Reading
 * would be I/O that replays could not repeat.
 */
class WorkflowReadableHandle {
  readonly locked = false;

  getReader(): never {
    throw readInWorkflow();
  }
  pipeTo(): Promise<never> {
    return Promise.reject(readInWorkflow());
  }
  pipeThrough(): never {
    throw readInWorkflow();
  }
  tee(): never {
    throw readInWorkflow();
  }
  cancel(): Promise<never> {
    return Promise.reject(readInWorkflow());
  }
  values(): never {
    throw readInWorkflow();
  }
  [Symbol.asyncIterator](): never {
    throw readInWorkflow();
  }
}

function readInWorkflow(): WorkflowError {
  return new WorkflowError(
    "WF_STREAM_READ_IN_WORKFLOW",
    "Workflow code read a ReadableStream directly; the read would be I/O that a replay could not repeat.",
    'Pass the stream to a step and read it there: `await consume(stream)` with `async function consume(s) { "use step"; for await (const chunk of s) ... }`.',
  );
}

/**
 * The ReadableStream of run `runId`'s stream `namespace`, as a reviver finds it:
 * a handle in workflow code, the chunks (through `open`) elsewhere.
 */
export function reviveReadable(
  runId: string,
  namespace: string,
  open: ((runId: string, namespace: string) => ReadableStream<unknown> | undefined) | undefined,
): object {
  if (currentHost()?.realm === "workflow") return new WorkflowReadableHandle();
  const stream = open?.(runId, namespace);
  if (stream) return stream;
  throw new WorkflowError(
    "WF_STREAM_OUTSIDE_RUN",
    "A ReadableStream was read back outside a step and without a run handle, so there is no World to read its chunks from.",
    "Read stream values in a step, or through run.returnValue of a run handle from workflow/api.",
  );
}

/**
 * The handle classes, linked to this realm's WritableStream: the shared workflow
 * realm freezes them once (sandbox/lockdown.ts), as every run's handles share them.
 */
export function streamHandleClasses(): Function[] {
  inheritWritableStream();
  return [WorkflowStreamHandle, WorkflowReadableHandle];
}
