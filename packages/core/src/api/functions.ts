// The functions of workflow/api: start, getRun, resumeHook, and the inspect API, on the process's default runtime.
import { getDefaultRuntime } from "../host/default.js";
import type { Run } from "../host/run.js";
import type { HookInfo, StartOptions, WorkflowRef } from "../host/runtime.js";
import {
  createInspector,
  type EventPage,
  type ListRunsOptions,
  type RunPage,
  type RunView,
} from "../inspect/index.js";
import { runHandle } from "./run-handle.js";

/**
 * Starts a workflow run; resolves once the run is durably enqueued.
 *
 * Given the workflow function itself, `args` is checked against its
 * parameters and `run.returnValue` is typed by what it returns:
 * `const run = await start(processOrder, ["o-1"]); const total: number = await run.returnValue;`.
 * Given a workflow id (a string), nothing is known: pass the result type yourself.
 */
export function start<A extends unknown[], R>(
  workflow: ((...args: A) => R) & { workflowId?: string },
  args: NoInfer<A>,
  options?: StartOptions,
): Promise<Run<Awaited<R>>>;
export function start<R>(workflow: (() => R) & { workflowId?: string }): Promise<Run<Awaited<R>>>;
export function start<T = unknown>(
  workflow: string,
  args?: unknown[],
  options?: StartOptions,
): Promise<Run<T>>;
export async function start(
  workflow: WorkflowRef,
  args: unknown[] = [],
  options?: StartOptions,
): Promise<Run<unknown>> {
  return (await getDefaultRuntime()).start(workflow, args, options);
}

/**
 * A handle on an existing run; synchronous, as in the `workflow` package:
 * `const run = getRun(id); await run.status`. The id is not checked here:
 * reading a property of an unknown run rejects with `WorkflowRunNotFoundError`.
 * The handle waits for the default runtime if it is still starting.
 */
export function getRun<T = unknown>(runId: string): Run<T> {
  return runHandle<T>(runId);
}

/**
 * Sends a payload to the hook with this token; resolves once it is recorded.
 * Throws HookNotFoundError for an unknown token, and `WF_PAYLOAD_TOO_LARGE` /
 * `WF_JSON_TOO_DEEP` for a payload over 1 MiB serialized or nested more than
 * 64 levels (the runtime's `hookPayload` limits): then nothing is recorded.
 */
export async function resumeHook(token: string, payload: unknown): Promise<{ runId: string; token: string }> {
  const { runId } = await (await getDefaultRuntime()).resumeHook(token, payload);
  return { runId, token };
}

/** The live hook with this token (its run id and metadata). Throws HookNotFoundError. */
export async function getHookByToken(token: string): Promise<HookInfo> {
  return (await getDefaultRuntime()).getHookByToken(token);
}

/**
 * Delivers `request` to the webhook with this token as if it had come over
 * HTTP; returns the webhook's response. The route's limits apply: a body over
 * 1 MiB answers 413, a JSON body nested too deep 400, a body that does not
 * arrive in time 408, and nothing is recorded.
 */
export async function resumeWebhook(token: string, request: Request): Promise<Response> {
  return (await getDefaultRuntime()).resumeWebhook(token, request);
}

/** Runs newest first, one page at a time (filters: workflow, status, since, until; `cursor` from the previous page). */
export async function listRuns(options?: ListRunsOptions): Promise<RunPage> {
  return createInspector((await getDefaultRuntime()).world).listRuns(options);
}

/** A run with its steps (each attempt with start, end and error), sleeps, hooks and webhook requests. Throws WorkflowRunNotFoundError. */
export async function inspectRun(runId: string): Promise<RunView> {
  return createInspector((await getDefaultRuntime()).world).inspectRun(runId);
}

/** A run's raw events in log order, one page at a time. Throws WorkflowRunNotFoundError. */
export async function listEvents(
  runId: string,
  options?: { cursor?: string; limit?: number },
): Promise<EventPage> {
  return createInspector((await getDefaultRuntime()).world).listEvents(runId, options);
}
