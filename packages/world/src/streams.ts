import type { RunId } from "./ids.js";

/**
 * One chunk to append. `writer` and `seq` make its key: a chunk whose key the
 * stream already holds is skipped, so a writer that repeats itself (a step
 * retried after a crash, a request sent twice) never stores a chunk twice.
 */
export interface StreamChunkInput {
  /** Who wrote it, stable across retries (the runtime uses the step's op id). */
  writer: string;
  /** The chunk's position among its writer's chunks, from 0. */
  seq: number;
  /** The serialized chunk, stored and returned byte-exact. */
  data: string;
}

/** A stored chunk: its place in the stream (from 0) and its data. */
export interface StreamChunk {
  index: number;
  data: string;
}

/** Chunks to append to one stream of one run, and/or the stream's end. */
export interface StreamAppendRequest {
  runId: RunId;
  /** Streams of a run are told apart by name; the default stream is `""`. */
  namespace: string;
  chunks: StreamChunkInput[];
  /** Ends the stream after these chunks: readers finish once they have read them. */
  close?: boolean;
}

/**
 * `appended`: how many chunks were stored (those with a key already held are not).
 * `closed`: a closed stream takes no new chunks; nothing was written. Chunks whose
 * key it already holds are skipped as on an open stream, and closing it again is
 * fine: both are `ok` with `appended: 0`, so a retried writer can repeat itself.
 */
export type StreamAppendResult =
  | { ok: true; appended: number; tailIndex: number }
  | { ok: false; reason: "closed"; tailIndex: number };

/** Where a stream stands. `tailIndex` is the index of its last chunk, -1 when it has none. */
export interface StreamInfo {
  tailIndex: number;
  closed: boolean;
}

/** What `read` returns: chunks from the index asked for, and the stream's state when read. */
export interface StreamReadResult extends StreamInfo {
  chunks: StreamChunk[];
}

/** Told that a stream of a run has new chunks or was closed. */
export type StreamListener = (event: { runId: string; namespace: string }) => void;

/**
 * Streams: ordered, durable chunks per run and namespace, written by steps and
 * read by anyone holding the run id. A stream exists once something was appended
 * to it; reading one that does not exist gives no chunks and `closed: false`.
 *
 * Each `append` is atomic: its chunks get consecutive indexes after the tail, in
 * the order given, skipping those whose `(writer, seq)` key the stream holds.
 */
export interface WorldStreams {
  append(request: StreamAppendRequest): Promise<StreamAppendResult>;
  /** Chunks with `index >= fromIndex`, in order, at most `limit` (default all). */
  read(
    runId: string,
    namespace: string,
    options?: { fromIndex?: number; limit?: number },
  ): Promise<StreamReadResult>;
  info(runId: string, namespace: string): Promise<StreamInfo>;
  /**
   * The streams of a run (those something was appended to or closed), sorted
   * by namespace, each with where it stands. Optional: tools (the web UI,
   * the inspect API) show only the default stream of a World without it.
   */
  list?(runId: string): Promise<Array<{ namespace: string } & StreamInfo>>;
  /**
   * Called after every commit that appended to or closed a stream, asynchronously
   * (never inside the committing call), possibly coalesced per stream. A World
   * shared between processes tells them all (PostgreSQL: LISTEN/NOTIFY on commit).
   * Returns an unsubscribe function.
   */
  onAppend(listener: StreamListener): () => void;
}
