// The inspect route over HTTP: the only thing the UI talks to. The types are
// the JSON the route answers (the inspect views of @wfkit/core).

export type RunStatus = "pending" | "running" | "completed" | "failed" | "cancelled";
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ErrorView {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export interface RunSummary {
  runId: string;
  workflowId: string;
  status: RunStatus;
  createdAt: number;
  startedAt?: number;
  completedAt?: number;
  /** The run that started this one with start() in workflow code. */
  parentRunId?: string;
  eventCount: number;
}

export interface AttemptView {
  attempt: number;
  startedAt: number;
  endedAt?: number;
  status: "running" | "retrying" | "completed" | "failed";
  error?: ErrorView;
  retryAt?: number;
}

export interface StepView {
  opId: number;
  stepId: string;
  status: "running" | "completed" | "failed";
  input: Json;
  output?: Json;
  error?: ErrorView;
  scheduledAt: number;
  endedAt?: number;
  attempts: AttemptView[];
}

export interface SleepView {
  opId: number;
  scheduledAt: number;
  wakeAt: number;
  firedAt?: number;
}

export interface HookRequestView {
  receivedAt: number;
  payload: Json;
  requestId?: string;
  response?: Json;
  respondedAt?: number;
}

export interface HookView {
  opId: number;
  token: string;
  kind: "hook" | "webhook";
  createdAt: number;
  metadata?: Json;
  respondWith?: "default" | "manual" | { static: Json };
  verify?: string;
  status: "waiting" | "disposed" | "conflict" | "ended";
  disposedAt?: number;
  requests: HookRequestView[];
}

export interface RunView extends RunSummary {
  input: Json;
  output?: Json;
  error?: ErrorView;
  steps: StepView[];
  sleeps: SleepView[];
  hooks: HookView[];
  /** Child runs this run started (absent from servers older than child runs). */
  children?: ChildView[];
  /** Set while the run is parked: its code diverged from its log (see docs/versioning.md). */
  parked?: { code: string; message: string; position: number; since: number };
}

export interface ChildView {
  runId: string;
  workflowId: string;
  status: "running" | "completed" | "failed";
  startedAt: number;
  endedAt?: number;
}

export interface StoredEvent {
  seq: number;
  type: string;
  at: number;
  [key: string]: unknown;
}

export interface StreamView {
  namespace: string;
  chunks: Array<{ index: number; value: Json }>;
  tailIndex: number;
  closed: boolean;
}

export interface Info {
  world: string;
  /** False when the route reads a data folder: no cancel, resume or rerun. */
  actions: boolean;
  /** Cancelling needs no runtime: true on a data folder too. */
  cancel: boolean;
  live: boolean;
  workflows: string[];
}

/** An error answer of the route: `{ error: { code, message, hint } }`. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The inspect route's base: the page may name it, else the app server's own path. */
export const BASE =
  document.querySelector<HTMLMetaElement>('meta[name="wfkit-inspect"]')?.content ??
  "/.well-known/workflow/v1/inspect/";

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(BASE + path, init);
  const body = await response.json().catch(() => null);
  if (!response.ok) {
    const e = body?.error;
    throw new ApiError(e?.code ?? `HTTP_${response.status}`, e?.message ?? response.statusText, e?.hint);
  }
  return body as T;
}

const enc = encodeURIComponent;

export const api = {
  info: () => call<Info>("info"),
  runs: (q: { workflow?: string; status?: string; cursor?: string; limit?: number }) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== "") params.set(k, String(v));
    const text = params.toString();
    return call<{ runs: RunSummary[]; nextCursor?: string }>(`runs${text ? `?${text}` : ""}`);
  },
  run: (id: string) => call<RunView>(`runs/${enc(id)}`),
  events: (id: string) =>
    call<{ events: StoredEvent[]; nextCursor?: string }>(`runs/${enc(id)}/events?limit=1000`),
  streams: (id: string) =>
    call<{ streams: Array<{ namespace: string; tailIndex: number; closed: boolean }> }>(
      `runs/${enc(id)}/streams`,
    ),
  stream: (id: string, namespace: string, from: number) =>
    call<StreamView>(`runs/${enc(id)}/stream?namespace=${enc(namespace)}&from=${from}`),
  cancel: (id: string) =>
    call<{ runId: string; status: RunStatus }>(`runs/${enc(id)}/cancel`, { method: "POST" }),
  rerun: (id: string) =>
    call<{ runId: string; rerunOf: string }>(`runs/${enc(id)}/rerun`, { method: "POST" }),
  resume: (token: string, payload: string) =>
    call<{ runId: string }>(`hooks/${enc(token)}/resume`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: payload,
    }),
};
