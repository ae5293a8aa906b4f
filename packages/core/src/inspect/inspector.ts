import type { RunStatus, World } from "@wfkit/world";
import { WorkflowRunNotFoundError } from "../errors/subclasses.js";
import { WorkflowError } from "../errors/workflow-error.js";
import { decodeChunk } from "../host/streams.js";
import { buildRunView, summarizeRun } from "./build.js";
import type {
  EventPage,
  JsonValue,
  ListRunsOptions,
  RunPage,
  RunView,
  StreamSummary,
  StreamView,
} from "./types.js";
import { decodePayload, toJsonValue } from "./values.js";

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const STATUSES: readonly RunStatus[] = ["pending", "running", "completed", "failed", "cancelled"];

/**
 * Reads runs from any World through its contract: the functions behind
 * `listRuns`, `inspectRun` and `listEvents` of `workflow/api`, the inspect
 * route and `wf inspect`.
 */
export interface Inspector {
  /** Runs newest first, one page at a time. */
  listRuns(options?: ListRunsOptions): Promise<RunPage>;
  /** A run with its steps, attempts, sleeps, hooks and webhook requests. Throws WF_RUN_NOT_FOUND. */
  inspectRun(runId: string): Promise<RunView>;
  /** A run's raw events in log order, one page at a time. Throws WF_RUN_NOT_FOUND. */
  listEvents(runId: string, options?: { cursor?: string; limit?: number }): Promise<EventPage>;
  /**
   * A run's streams by namespace. On a World without `streams.list`, only the
   * default stream (when it has chunks or was closed). Throws WF_RUN_NOT_FOUND.
   */
  listStreams(runId: string): Promise<StreamSummary[]>;
  /** Chunks of a run's stream `namespace` (default `""`) from `fromIndex` on, at most `limit` (default 1000). Throws WF_RUN_NOT_FOUND. */
  readStream(
    runId: string,
    namespace?: string,
    options?: { fromIndex?: number; limit?: number },
  ): Promise<StreamView>;
}

/** An {@link Inspector} over `world`. */
export function createInspector(world: World): Inspector {
  return {
    async listRuns(options = {}) {
      const limit = pageSize(options.limit);
      const status = options.status === undefined ? undefined : [options.status].flat();
      for (const s of status ?? []) {
        if (!STATUSES.includes(s)) throw invalid(`status "${s}"`, `one of ${STATUSES.join(", ")}`);
      }
      // One more than asked tells whether there is a next page.
      const runs = await world.listRuns({
        workflowId: options.workflow,
        status,
        createdFrom: time(options.since, "since"),
        createdUntil: time(options.until, "until"),
        before: options.cursor === undefined ? undefined : decodeRunCursor(options.cursor),
        limit: limit + 1,
      });
      const page: RunPage = { runs: runs.slice(0, limit).map(summarizeRun) };
      if (runs.length > limit) {
        const last = runs[limit - 1];
        page.nextCursor = encodeRunCursor(last.createdAt, last.runId);
      }
      return page;
    },

    async inspectRun(runId) {
      const run = await world.getRun(runId);
      if (!run) throw new WorkflowRunNotFoundError(runId);
      const [events, streams] = await Promise.all([world.readEvents(runId), streamsOf(world, runId)]);
      return buildRunView(run, events, streams);
    },

    async listEvents(runId, options = {}) {
      const run = await world.getRun(runId);
      if (!run) throw new WorkflowRunNotFoundError(runId);
      const limit = pageSize(options.limit, MAX_LIMIT);
      const after = options.cursor === undefined ? 0 : Number(options.cursor);
      if (!Number.isSafeInteger(after) || after < 0)
        throw invalid(`cursor "${options.cursor}"`, "a cursor from a page");
      const events = (await world.readEvents(runId, after)).slice(0, limit);
      const page: EventPage = { events };
      const last = events.at(-1);
      if (last && last.seq < run.lastSeq) page.nextCursor = String(last.seq);
      return page;
    },

    async listStreams(runId) {
      if (!(await world.getRun(runId))) throw new WorkflowRunNotFoundError(runId);
      return streamsOf(world, runId);
    },

    async readStream(runId, namespace = "", options = {}) {
      if (!(await world.getRun(runId))) throw new WorkflowRunNotFoundError(runId);
      const fromIndex = options.fromIndex ?? 0;
      if (!Number.isSafeInteger(fromIndex) || fromIndex < 0)
        throw invalid(`stream index ${fromIndex}`, "a whole number from 0");
      const read = await world.streams.read(runId, namespace, {
        fromIndex,
        limit: pageSize(options.limit, MAX_LIMIT),
      });
      const chunks = [];
      for (const chunk of read.chunks) {
        let value: JsonValue;
        try {
          value = await toJsonValue(decodeChunk(chunk.data));
        } catch {
          value = await decodePayload(chunk.data);
        }
        chunks.push({ index: chunk.index, value });
      }
      return { namespace, chunks, tailIndex: read.tailIndex, closed: read.closed };
    },
  };
}

async function streamsOf(world: World, runId: string): Promise<StreamSummary[]> {
  if (world.streams.list) return world.streams.list(runId);
  const info = await world.streams.info(runId, "");
  return info.tailIndex >= 0 || info.closed ? [{ namespace: "", ...info }] : [];
}

function pageSize(limit: number | undefined, fallback = DEFAULT_LIMIT): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalid(`limit ${limit}`, `a whole number from 1 to ${MAX_LIMIT}`);
  }
  return limit;
}

function time(value: number | Date | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = value instanceof Date ? value.getTime() : value;
  if (!Number.isFinite(ms)) throw invalid(`${name} ${String(value)}`, "a Date or epoch milliseconds");
  return ms;
}

/** Cursors are opaque to callers: base64url of the last run's listing key. */
function encodeRunCursor(createdAt: number, runId: string): string {
  return Buffer.from(JSON.stringify([createdAt, runId])).toString("base64url");
}

function decodeRunCursor(cursor: string): { createdAt: number; runId: string } {
  try {
    const [createdAt, runId] = JSON.parse(Buffer.from(cursor, "base64url").toString()) as unknown[];
    if (typeof createdAt === "number" && typeof runId === "string") return { createdAt, runId };
  } catch {}
  throw invalid(`cursor "${cursor}"`, "the nextCursor of a page");
}

function invalid(what: string, expected: string): WorkflowError {
  return new WorkflowError(
    "WF_INSPECT_INVALID_QUERY",
    `The inspect query has an invalid ${what}.`,
    `Pass ${expected}.`,
  );
}
