import type {
  StreamAppendRequest,
  StreamAppendResult,
  StreamInfo,
  StreamListener,
  StreamReadResult,
  WorldStreams,
} from "../streams.js";

interface MemoryStream {
  chunks: string[];
  keys: Set<string>;
  closed: boolean;
}

/** The memory World's streams: each call is synchronous inside, so atomic. */
export class MemoryStreams implements WorldStreams {
  private readonly streams = new Map<string, MemoryStream>();
  private readonly listeners = new Set<StreamListener>();

  async append(request: StreamAppendRequest): Promise<StreamAppendResult> {
    const key = streamKey(request.runId, request.namespace);
    let stream = this.streams.get(key);
    if (stream?.closed) {
      // Chunks it already holds are skipped as usual (a retry that rewrites them); new ones are refused.
      const isNew = request.chunks.some((c) => !stream!.keys.has(`${c.writer}\u0000${c.seq}`));
      const tailIndex = stream.chunks.length - 1;
      return isNew ? { ok: false, reason: "closed", tailIndex } : { ok: true, appended: 0, tailIndex };
    }
    if (!stream) {
      stream = { chunks: [], keys: new Set(), closed: false };
      this.streams.set(key, stream);
    }
    let appended = 0;
    for (const chunk of request.chunks) {
      const chunkKey = `${chunk.writer}\u0000${chunk.seq}`;
      if (stream.keys.has(chunkKey)) continue;
      stream.keys.add(chunkKey);
      stream.chunks.push(chunk.data);
      appended++;
    }
    if (request.close) stream.closed = true;
    if (appended > 0 || request.close) this.notify(request.runId, request.namespace);
    return { ok: true, appended, tailIndex: stream.chunks.length - 1 };
  }

  async read(
    runId: string,
    namespace: string,
    options: { fromIndex?: number; limit?: number } = {},
  ): Promise<StreamReadResult> {
    const stream = this.streams.get(streamKey(runId, namespace));
    if (!stream) return { chunks: [], tailIndex: -1, closed: false };
    const from = Math.max(0, options.fromIndex ?? 0);
    const end =
      options.limit === undefined
        ? stream.chunks.length
        : Math.min(stream.chunks.length, from + options.limit);
    const chunks = [];
    for (let index = from; index < end; index++) chunks.push({ index, data: stream.chunks[index] });
    return { chunks, tailIndex: stream.chunks.length - 1, closed: stream.closed };
  }

  async info(runId: string, namespace: string): Promise<StreamInfo> {
    const stream = this.streams.get(streamKey(runId, namespace));
    return { tailIndex: stream ? stream.chunks.length - 1 : -1, closed: stream?.closed ?? false };
  }

  async list(runId: string): Promise<Array<{ namespace: string } & StreamInfo>> {
    const prefix = streamKey(runId, "");
    const found = [];
    for (const [key, stream] of this.streams) {
      if (!key.startsWith(prefix)) continue;
      found.push({
        namespace: key.slice(prefix.length),
        tailIndex: stream.chunks.length - 1,
        closed: stream.closed,
      });
    }
    return found.sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  }

  /** Drops every stream of a run (`pruneRuns`). */
  deleteRun(runId: string): void {
    const prefix = `${runId}\u0000`;
    for (const key of this.streams.keys()) if (key.startsWith(prefix)) this.streams.delete(key);
  }

  onAppend(listener: StreamListener): () => void {
    const entry: StreamListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  private notify(runId: string, namespace: string): void {
    queueMicrotask(() => {
      for (const listener of [...this.listeners]) listener({ runId, namespace });
    });
  }
}

function streamKey(runId: string, namespace: string): string {
  return `${runId}\u0000${namespace}`;
}
