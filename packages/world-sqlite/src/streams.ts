import type {
  StreamAppendRequest,
  StreamAppendResult,
  StreamInfo,
  StreamListener,
  StreamReadResult,
  WorldStreams,
} from "@wfkit/world";
import type { Database, Statement } from "better-sqlite3";
import type { BatchContext } from "./group-commit.js";

interface StreamStatements {
  info: Statement<[string, string], { tail: number; closed: number }>;
  upsert: Statement<[string, string, number, number]>;
  hasChunk: Statement<[string, string, string, number], { n: number }>;
  insertChunk: Statement<[string, string, number, string, number, string]>;
  read: Statement<[string, string, number, number], { idx: number; data: string }>;
  list: Statement<[string], { namespace: string; tail: number; closed: number }>;
}

/**
 * The SQLite World's streams. Appends go through the World's group committer
 * (so they share its fsyncs and its order); reads are plain reads.
 */
export class SqliteStreams implements WorldStreams {
  private readonly s: StreamStatements;
  private readonly listeners = new Set<StreamListener>();

  constructor(
    db: Database,
    private readonly write: <T>(work: (batch: BatchContext) => T) => Promise<T>,
    private readonly assertOpen: () => void,
  ) {
    this.s = {
      info: db.prepare("SELECT tail, closed FROM streams WHERE run_id = ? AND namespace = ?"),
      upsert: db.prepare(
        `INSERT INTO streams (run_id, namespace, tail, closed) VALUES (?, ?, ?, ?)
         ON CONFLICT (run_id, namespace) DO UPDATE SET tail = excluded.tail, closed = excluded.closed`,
      ),
      hasChunk: db.prepare(
        "SELECT 1 AS n FROM stream_chunks WHERE run_id = ? AND namespace = ? AND writer = ? AND seq = ?",
      ),
      // OR IGNORE: the unique (writer, seq) key skips a chunk already stored.
      insertChunk: db.prepare(
        "INSERT OR IGNORE INTO stream_chunks (run_id, namespace, idx, writer, seq, data) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      read: db.prepare(
        "SELECT idx, data FROM stream_chunks WHERE run_id = ? AND namespace = ? AND idx >= ? ORDER BY idx LIMIT ?",
      ),
      // The primary key (run_id, namespace) serves this.
      list: db.prepare("SELECT namespace, tail, closed FROM streams WHERE run_id = ? ORDER BY namespace"),
    };
  }

  async append(request: StreamAppendRequest): Promise<StreamAppendResult> {
    const { runId, namespace } = request;
    const result = await this.write((): StreamAppendResult => {
      const row = this.s.info.get(runId, namespace);
      let tail = row?.tail ?? -1;
      if (row?.closed) {
        // Chunks it already holds are skipped as usual (a retry that rewrites them); new ones are refused.
        const isNew = request.chunks.some((c) => !this.s.hasChunk.get(runId, namespace, c.writer, c.seq));
        return isNew
          ? { ok: false, reason: "closed", tailIndex: tail }
          : { ok: true, appended: 0, tailIndex: tail };
      }
      let appended = 0;
      for (const chunk of request.chunks) {
        if (
          this.s.insertChunk.run(runId, namespace, tail + 1, chunk.writer, chunk.seq, chunk.data).changes > 0
        ) {
          tail++;
          appended++;
        }
      }
      if (!row || appended > 0 || request.close)
        this.s.upsert.run(runId, namespace, tail, request.close ? 1 : 0);
      return { ok: true, appended, tailIndex: tail };
    });
    if (result.ok && (result.appended > 0 || request.close)) this.notify(runId, namespace);
    return result;
  }

  async read(
    runId: string,
    namespace: string,
    options: { fromIndex?: number; limit?: number } = {},
  ): Promise<StreamReadResult> {
    this.assertOpen();
    const info = this.infoNow(runId, namespace);
    // SQLite reads a negative LIMIT as "no limit".
    const rows = this.s.read.all(runId, namespace, Math.max(0, options.fromIndex ?? 0), options.limit ?? -1);
    return { ...info, chunks: rows.map((r) => ({ index: r.idx, data: r.data })) };
  }

  async info(runId: string, namespace: string): Promise<StreamInfo> {
    this.assertOpen();
    return this.infoNow(runId, namespace);
  }

  async list(runId: string): Promise<Array<{ namespace: string } & StreamInfo>> {
    this.assertOpen();
    return this.s.list
      .all(runId)
      .map((r) => ({ namespace: r.namespace, tailIndex: r.tail, closed: r.closed === 1 }));
  }

  onAppend(listener: StreamListener): () => void {
    const entry: StreamListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** Drops the listeners (the World is closing). */
  close(): void {
    this.listeners.clear();
  }

  private infoNow(runId: string, namespace: string): StreamInfo {
    const row = this.s.info.get(runId, namespace);
    return { tailIndex: row?.tail ?? -1, closed: row?.closed === 1 };
  }

  private notify(runId: string, namespace: string): void {
    for (const listener of [...this.listeners]) {
      try {
        listener({ runId, namespace });
      } catch (error) {
        process.emitWarning(`onAppend listener threw: ${String(error)}`);
      }
    }
  }
}
