import type {
  StreamAppendRequest,
  StreamAppendResult,
  StreamInfo,
  StreamListener,
  StreamReadResult,
  WorldStreams,
} from "@wfkit/world";
import { dec, enc } from "./codec.js";
import type { Sql } from "./connect.js";

/**
 * The PostgreSQL World's streams. Each append is one transaction that locks the
 * stream's row, so writers in any process append one after the other; its
 * commit is announced with `NOTIFY wfkit_stream` to every process, and to this
 * one's listeners directly.
 */
export class PostgresStreams implements WorldStreams {
  private readonly listeners = new Set<StreamListener>();

  constructor(
    private readonly sql: Sql,
    private readonly instanceId: string,
    private readonly assertOpen: () => void,
  ) {}

  async append(request: StreamAppendRequest): Promise<StreamAppendResult> {
    this.assertOpen();
    const { runId } = request;
    const namespace = enc(request.namespace);
    const writers = request.chunks.map((c) => enc(c.writer));
    const seqs = request.chunks.map((c) => c.seq);
    const result = await this.sql.begin(async (tx): Promise<StreamAppendResult> => {
      await tx`INSERT INTO wfkit.streams (run_id, namespace, tail, closed) VALUES (${runId}, ${namespace}, -1, false)
        ON CONFLICT DO NOTHING`;
      const [[stream], held] = await Promise.all([
        tx<{ tail: number; closed: boolean }[]>`SELECT tail, closed FROM wfkit.streams
          WHERE run_id = ${runId} AND namespace = ${namespace} FOR UPDATE`,
        writers.length > 0
          ? tx<{ writer: string; seq: number }[]>`SELECT c.writer, c.seq FROM wfkit.stream_chunks c
              JOIN unnest(${writers}::text[], ${seqs}::int[]) AS q(writer, seq) ON c.writer = q.writer AND c.seq = q.seq
              WHERE c.run_id = ${runId} AND c.namespace = ${namespace}`
          : Promise.resolve([]),
      ]);
      // Read after the lock: the SELECT of chunks ran after the row lock was granted (same connection, in order).
      const seen = new Set(held.map((h) => `${h.writer}\u0000${h.seq}`));
      const fresh: Array<{ writer: string; seq: number; data: string }> = [];
      request.chunks.forEach((chunk, i) => {
        const key = `${writers[i]}\u0000${chunk.seq}`;
        if (seen.has(key)) return;
        seen.add(key);
        fresh.push({ writer: writers[i], seq: chunk.seq, data: enc(chunk.data) });
      });
      if (stream.closed) {
        // Chunks it already holds are skipped as usual (a retry that rewrites them); new ones are refused.
        return fresh.length > 0
          ? { ok: false, reason: "closed", tailIndex: stream.tail }
          : { ok: true, appended: 0, tailIndex: stream.tail };
      }
      const tail = stream.tail + fresh.length;
      if (fresh.length > 0) {
        await tx`INSERT INTO wfkit.stream_chunks (run_id, namespace, idx, writer, seq, data)
          SELECT ${runId}, ${namespace}, ${stream.tail + 1} + o - 1, w, s, d
          FROM unnest(${fresh.map((f) => f.writer)}::text[], ${fresh.map((f) => f.seq)}::int[],
            ${fresh.map((f) => f.data)}::text[]) WITH ORDINALITY AS q(w, s, d, o)`;
      }
      if (fresh.length > 0 || request.close) {
        await tx`UPDATE wfkit.streams SET tail = ${tail}, closed = ${request.close === true}
          WHERE run_id = ${runId} AND namespace = ${namespace}`;
        await tx`SELECT pg_notify('wfkit_stream', ${JSON.stringify([this.instanceId, runId, request.namespace])})`;
      }
      return { ok: true, appended: fresh.length, tailIndex: tail };
    });
    if (result.ok && (result.appended > 0 || request.close)) {
      queueMicrotask(() => this.notify(runId, request.namespace));
    }
    return result;
  }

  async read(
    runId: string,
    namespace: string,
    options: { fromIndex?: number; limit?: number } = {},
  ): Promise<StreamReadResult> {
    this.assertOpen();
    const from = Math.max(0, options.fromIndex ?? 0);
    // One snapshot for the state and the chunks, so the two agree.
    return this.sql.begin("isolation level repeatable read read only", async (tx) => {
      const [[row], chunks] = await Promise.all([
        tx<{ tail: number; closed: boolean }[]>`SELECT tail, closed FROM wfkit.streams
          WHERE run_id = ${runId} AND namespace = ${enc(namespace)}`,
        tx<{ idx: number; data: string }[]>`SELECT idx, data FROM wfkit.stream_chunks
          WHERE run_id = ${runId} AND namespace = ${enc(namespace)} AND idx >= ${from}
          ORDER BY idx LIMIT ${options.limit ?? null}`,
      ]);
      return {
        tailIndex: row?.tail ?? -1,
        closed: row?.closed ?? false,
        chunks: chunks.map((c) => ({ index: c.idx, data: dec(c.data) })),
      };
    });
  }

  async info(runId: string, namespace: string): Promise<StreamInfo> {
    this.assertOpen();
    const [row] = await this.sql<{ tail: number; closed: boolean }[]>`SELECT tail, closed FROM wfkit.streams
      WHERE run_id = ${runId} AND namespace = ${enc(namespace)}`;
    return { tailIndex: row?.tail ?? -1, closed: row?.closed ?? false };
  }

  /** The run's streams by namespace (as JavaScript orders strings), each with its tail and whether it is closed. */
  async list(runId: string): Promise<Array<{ namespace: string } & StreamInfo>> {
    this.assertOpen();
    const rows = await this.sql<{ namespace: string; tail: number; closed: boolean }[]>`
      SELECT namespace, tail, closed FROM wfkit.streams WHERE run_id = ${runId}`;
    return rows
      .map((r) => ({ namespace: dec(r.namespace), tailIndex: r.tail, closed: r.closed }))
      .sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
  }

  onAppend(listener: StreamListener): () => void {
    const entry: StreamListener = (event) => listener(event);
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** A `wfkit_stream` notification: another process appended to or closed a stream. */
  heard(payload: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch {
      return;
    }
    if (!Array.isArray(parsed) || parsed[0] === this.instanceId) return;
    this.notify(String(parsed[1]), String(parsed[2]));
  }

  /** Drops the listeners (the World is closing). */
  close(): void {
    this.listeners.clear();
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
