import type { HookKind, RunStatus, StoredEvent } from "@wfkit/world";

/**
 * The inspect API's views: plain JSON (no Dates, no Maps), so they can be sent
 * over HTTP as they are. Times are epoch milliseconds; payloads are the stored
 * values decoded and made JSON-safe (see {@link JsonValue}).
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** An error as the views show it: the user's message and stack. */
export interface ErrorView {
  name: string;
  message: string;
  stack?: string;
  /** A wfkit code (`WF_…`) when the error has one. */
  code?: string;
}

/** A run in a list: its record without payloads. */
export interface RunSummary {
  runId: string;
  workflowId: string;
  status: RunStatus;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  /** Events in the run's log. */
  eventCount: number;
  /** The run that started this one with `start()` in workflow code, if any. */
  parentRunId?: string;
}

/** A child run this run started with `start()` in workflow code, as this run's log tells it. */
export interface ChildView {
  runId: string;
  workflowId: string;
  /** `running` until this run's log records the child's end (`failed` covers a cancelled child). */
  status: "running" | "completed" | "failed";
  startedAt: number;
  endedAt?: number;
}

/** Filters and paging of `listRuns()` (from `workflow/api`, or an inspector's own `listRuns`). */
export interface ListRunsOptions {
  /** Only runs of this workflow id. */
  workflow?: string;
  /** Only runs with this status (or one of these). */
  status?: RunStatus | RunStatus[];
  /** Only runs created at or after this time (epoch ms or a Date). */
  since?: number | Date;
  /** Only runs created before this time (epoch ms or a Date). */
  until?: number | Date;
  /** The `nextCursor` of the previous page. */
  cursor?: string;
  /** Page size: default 50, at most 1000. */
  limit?: number;
}

/** One page of runs, newest first. */
export interface RunPage {
  runs: RunSummary[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string;
}

/** One attempt of a step. */
export interface AttemptView {
  attempt: number;
  /** When the attempt was due: the step was scheduled, or the retry delay ended. */
  startedAt: number;
  /** When its outcome was recorded; absent while it runs. */
  endedAt?: number;
  status: "running" | "retrying" | "completed" | "failed";
  error?: ErrorView;
  /** Retrying attempts: when the next attempt is due. */
  retryAt?: number;
}

/** One step call of a run, with each of its attempts (start, end, error), built from the run's events. */
export interface StepView {
  opId: number;
  stepId: string;
  status: "running" | "completed" | "failed";
  input: JsonValue;
  output?: JsonValue;
  error?: ErrorView;
  scheduledAt: number;
  endedAt?: number;
  attempts: AttemptView[];
}

/** One `sleep()` of a run: when it was scheduled, when it is due, and whether it fired. */
export interface SleepView {
  opId: number;
  scheduledAt: number;
  wakeAt: number;
  /** When the sleep ended; absent while it waits. */
  firedAt?: number;
}

/** A request a hook or webhook received, and for webhooks the response sent to it. */
export interface HookRequestView {
  receivedAt: number;
  /** The payload (hooks) or the request: `{ method, url, headers, body }` (webhooks). */
  payload: JsonValue;
  requestId?: string;
  /** Manual webhooks: the response the workflow sent, once it did. */
  response?: JsonValue;
  respondedAt?: number;
}

/** One hook or webhook of a run, with the payloads or requests it received and the responses sent. */
export interface HookView {
  opId: number;
  token: string;
  kind: HookKind;
  createdAt: number;
  metadata?: JsonValue;
  /** Webhooks: how requests are answered (`"default"` is 202 Accepted). */
  respondWith?: "default" | "manual" | { static: JsonValue };
  verify?: string;
  status: "waiting" | "disposed" | "conflict" | "ended";
  disposedAt?: number;
  requests: HookRequestView[];
}

/** A run with what its log says happened. */
export interface RunView extends RunSummary {
  input: JsonValue;
  output?: JsonValue;
  error?: ErrorView;
  steps: StepView[];
  sleeps: SleepView[];
  hooks: HookView[];
  /** Child runs started from this run's workflow code, in the order it started them. */
  children: ChildView[];
  /**
   * The run's streams by namespace (`""` is the default stream), each with its
   * last index and whether it is closed; read their chunks with `run.getReadable()`
   * or the inspect route. On a World without `streams.list`, only the default stream.
   */
  streams: StreamSummary[];
  /** Set while the run is parked: its code diverged from its log; compatible code continues it. */
  parked?: ParkedView;
}

/** Why a running run waits: the `run_parked` marker its log ends with. */
export interface ParkedView {
  code: "WF_REPLAY_DIVERGED";
  message: string;
  /** The log position where the deployed code diverged. */
  position: number;
  /** When the run was parked (epoch ms). */
  since: number;
}

/** One page of a run's raw events, in log order. */
export interface EventPage {
  events: StoredEvent[];
  nextCursor?: string;
}

/** One chunk of a run's stream, decoded and made JSON-safe (bytes as text, or `{ base64 }`). */
export interface StreamChunkView {
  index: number;
  value: JsonValue;
}

/** One stream of a run: its name and where it stands. */
export interface StreamSummary {
  /** The stream's name; `""` is the run's default stream. */
  namespace: string;
  /** The index of its last chunk, -1 when it has none. */
  tailIndex: number;
  closed: boolean;
}

/** Chunks of one stream of a run, from an index on, with where the stream stands. */
export interface StreamView {
  /** The stream's name; `""` is the run's default stream. */
  namespace: string;
  chunks: StreamChunkView[];
  /** The index of the stream's last chunk, -1 when it has none. */
  tailIndex: number;
  /** True once a step closed the stream. */
  closed: boolean;
}
