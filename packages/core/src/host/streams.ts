import type { RunId, StreamChunkInput, WorldStreams } from "@wfkit/world";
import { WorkflowError } from "../errors/workflow-error.js";
import { STREAM_HANDLE_KEY, STREAM_RUN_KEY } from "../globals.js";
import { deserialize, serialize } from "../serialization/index.js";

/** Chunks buffered past this make `write()` wait for the store (backpressure). */
const HIGH_WATER = 2_048;
/** Most chunks a reader fetches per read. */
const READ_BATCH = 512;
/** A reader with nothing to read checks whether its run ended at least this often. */
const RUN_END_CHECK_MS = 1_000;

/**
 * The streams one step attempt writes. Chunks are keyed `(writer, seq)`: the
 * writer is the step's op id and `seq` counts the attempt's chunks per namespace
 * from 0, so a retry that writes the same chunks again stores none twice.
 */
export class StepStreams {
  // Made on first use: most attempts write no stream, and one of these is made for every attempt.
  private writers: Map<string, NamespaceWriter> | undefined;
  private pipes: Promise<void>[] | undefined;
  private piped = 0;

  constructor(
    private readonly streams: WorldStreams,
    private readonly runId: RunId,
    private readonly writer: string,
  ) {}

  /**
   * A new WritableStream on `namespace` of this run, or of run `runId` (a parent's
   * stream passed to a child run); several share the attempt's order and numbering.
   */
  writable(namespace: string, runId: string = this.runId): WritableStream<unknown> {
    const key = `${runId}\u0000${namespace}`;
    this.writers ??= new Map();
    let writer = this.writers.get(key);
    if (!writer) {
      // Another run's stream has writers of its own: this run's id keeps the keys apart.
      const who = runId === this.runId ? this.writer : `${this.runId}/${this.writer}`;
      writer = new NamespaceWriter(this.streams, runId as RunId, namespace, who);
      this.writers.set(key, writer);
    }
    const target = writer;
    const stream = new WritableStream<unknown>({
      write: (chunk) => target.write(chunk),
      close: () => target.close(),
    });
    Object.defineProperty(stream, STREAM_HANDLE_KEY, { value: namespace });
    // The run always goes along: passed on through start(), it is another run's stream.
    Object.defineProperty(stream, STREAM_RUN_KEY, { value: runId });
    return stream;
  }

  /** How many streams {@link pipeFrom} was given: a counter for their namespaces. */
  get pipeCount(): number {
    return this.piped;
  }

  /**
   * Stores `source` (a ReadableStream passed as a value) as stream `namespace` of this
   * run, in the background; {@link settle} waits for all of it and for its close.
   */
  pipeFrom(source: ReadableStream<unknown>, namespace: string): void {
    this.piped++;
    const piping = source.pipeTo(this.writable(namespace));
    // Seen by settle(); a failure there fails the step (or is reported by start()).
    piping.catch(() => {});
    (this.pipes ??= []).push(piping);
  }

  /** Whether the attempt made no stream (then there is nothing to settle). */
  get unused(): boolean {
    return this.piped === 0 && (this.writers?.size ?? 0) === 0;
  }

  /** Waits until every chunk written so far is stored; throws the first store error. */
  async settle(): Promise<void> {
    while (this.pipes && this.pipes.length > 0) await this.pipes.shift();
    for (const writer of this.writers?.values() ?? []) await writer.settle();
  }
}

class NamespaceWriter {
  private seq = 0;
  private buffer: StreamChunkInput[] = [];
  private flushing: Promise<void> | undefined;
  private error: unknown;

  constructor(
    private readonly streams: WorldStreams,
    private readonly runId: RunId,
    private readonly namespace: string,
    private readonly writer: string,
  ) {}

  write(chunk: unknown): Promise<void> | undefined {
    if (this.error) throw this.error;
    this.buffer.push({ writer: this.writer, seq: this.seq++, data: encodeChunk(chunk) });
    this.kick();
    // Accepted at once (stored in batches behind it) until too much waits.
    return this.buffer.length >= HIGH_WATER ? this.flushing : undefined;
  }

  async close(): Promise<void> {
    await this.settle();
    await this.append([], true);
  }

  async settle(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.error) throw this.error;
  }

  /** One append in flight at a time; chunks written meanwhile go in the next. */
  private kick(): void {
    if (this.flushing) return;
    this.flushing = (async () => {
      try {
        while (this.buffer.length > 0) await this.append(this.buffer.splice(0), false);
      } catch (error) {
        this.error ??= error;
      } finally {
        this.flushing = undefined;
      }
    })();
  }

  private async append(chunks: StreamChunkInput[], close: boolean): Promise<void> {
    const result = await this.streams.append({ runId: this.runId, namespace: this.namespace, chunks, close });
    if (!result.ok) {
      throw new WorkflowError(
        "WF_STREAM_CLOSED",
        `The stream ${JSON.stringify(this.namespace)} of run ${this.runId} was closed; it takes no more chunks.`,
        "Close a stream once, after its last chunk (in the last step that writes to it), or write to another namespace.",
      );
    }
  }
}

// Byte chunks (the common case for text and AI output) skip the general
// serializer: "\u0000b" + base64. Anything else is the event log's format,
// which never starts with a NUL.
const BYTES_PREFIX = "\u0000b";

function encodeChunk(chunk: unknown): string {
  if (chunk instanceof Uint8Array) {
    return BYTES_PREFIX + Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString("base64");
  }
  return serialize(chunk, "stream chunk");
}

/** A stored chunk as its writer wrote it: bytes, or the deserialized value. */
export function decodeChunk(data: string): unknown {
  if (data.startsWith(BYTES_PREFIX))
    return new Uint8Array(Buffer.from(data.slice(BYTES_PREFIX.length), "base64"));
  return deserialize(data);
}

/** What a reader needs besides the World's streams: whether the run has ended. */
export interface StreamReadSource {
  streams: WorldStreams;
  /** True once the run is completed, failed or cancelled (or does not exist). */
  hasEnded(runId: string): Promise<boolean>;
}

/**
 * The chunks of a run's stream from `startIndex` (negative: from the end):
 * those stored, then new ones as they are appended. It ends when the stream is
 * closed, or when the run has ended and every chunk was read (a run that
 * never closed its stream does not leave readers hanging).
 */
export function readRunStream<T>(
  source: StreamReadSource,
  runId: string,
  namespace: string,
  startIndex = 0,
): ReadableStream<T> {
  let next: number | undefined;
  let dirty = false;
  let wake: (() => void) | undefined;
  const unsubscribe = source.streams.onAppend((event) => {
    if (event.runId !== runId || event.namespace !== namespace) return;
    dirty = true;
    wake?.();
  });
  return new ReadableStream<T>(
    {
      pull: async (controller) => {
        if (next === undefined) {
          next =
            startIndex >= 0
              ? startIndex
              : Math.max(0, (await source.streams.info(runId, namespace)).tailIndex + 1 + startIndex);
        }
        for (;;) {
          dirty = false;
          const read = await source.streams.read(runId, namespace, { fromIndex: next, limit: READ_BATCH });
          if (read.chunks.length > 0) {
            for (const chunk of read.chunks) controller.enqueue(decodeChunk(chunk.data) as T);
            next = read.chunks[read.chunks.length - 1]!.index + 1;
            return;
          }
          if (read.closed || (await endedWithNothingNew())) {
            unsubscribe();
            controller.close();
            return;
          }
          if (!dirty) await waitForAppend();
        }
      },
      cancel: () => unsubscribe(),
    },
    { highWaterMark: 0 },
  );

  /** The run ended: a last read (chunks may have landed just before the end) decides. */
  async function endedWithNothingNew(): Promise<boolean> {
    if (!(await source.hasEnded(runId))) return false;
    const info = await source.streams.info(runId, namespace);
    return info.closed || info.tailIndex < next!;
  }

  function waitForAppend(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, RUN_END_CHECK_MS);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }
}
