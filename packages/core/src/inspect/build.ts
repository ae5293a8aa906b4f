import { assertNever, type RunRecord, type StoredEvent } from "@wfkit/world";
import type {
  ChildView,
  HookRequestView,
  HookView,
  JsonValue,
  RunSummary,
  RunView,
  SleepView,
  StepView,
  StreamSummary,
} from "./types.js";
import { decodeError, decodePayload } from "./values.js";

/** A run's list entry: its record without payloads. */
export function summarizeRun(run: RunRecord): RunSummary {
  const summary: RunSummary = {
    runId: run.runId,
    workflowId: run.workflowId,
    status: run.status,
    createdAt: run.createdAt,
    eventCount: run.lastSeq,
  };
  if (run.parentRunId !== undefined) summary.parentRunId = run.parentRunId;
  if (run.startedAt !== undefined) summary.startedAt = run.startedAt;
  if (run.completedAt !== undefined) summary.completedAt = run.completedAt;
  return summary;
}

/**
 * Folds a run's log into its view. The log is the only source: steps and their
 * attempts, sleeps, hooks and the requests they received are all events, so any
 * World shows the same view. `streams` (which namespaces the run wrote to) is
 * the World's, not the log's: the caller reads it.
 */
export async function buildRunView(
  run: RunRecord,
  events: StoredEvent[],
  streams: StreamSummary[] = [],
): Promise<RunView> {
  const steps = new Map<number, StepView>();
  const sleeps = new Map<number, SleepView>();
  const hooks = new Map<number, HookView>();
  const requests = new Map<string, HookRequestView>();
  const children = new Map<number, ChildView>();

  for (const event of events) {
    switch (event.type) {
      case "step_scheduled":
        steps.set(event.opId, {
          opId: event.opId,
          stepId: event.stepId,
          status: "running",
          input: stepArgs(await decodePayload(event.input)),
          scheduledAt: event.at,
          attempts: [{ attempt: 1, startedAt: event.at, status: "running" }],
        });
        break;
      case "step_retrying": {
        const step = steps.get(event.opId);
        if (!step) break;
        const attempt = attemptOf(step, event.attempt, event.at);
        Object.assign(attempt, {
          status: "retrying",
          endedAt: event.at,
          error: await decodeError(event.error),
          retryAt: event.retryAt,
        });
        step.attempts.push({ attempt: event.attempt + 1, startedAt: event.retryAt, status: "running" });
        break;
      }
      case "step_completed":
      case "step_failed": {
        const step = steps.get(event.opId);
        if (!step) break;
        const attempt = attemptOf(step, event.attempt, event.at);
        attempt.endedAt = event.at;
        step.endedAt = event.at;
        if (event.type === "step_completed") {
          attempt.status = step.status = "completed";
          step.output = await decodePayload(event.output);
        } else {
          attempt.status = step.status = "failed";
          attempt.error = step.error = await decodeError(event.error);
        }
        break;
      }
      case "sleep_scheduled":
        sleeps.set(event.opId, { opId: event.opId, scheduledAt: event.at, wakeAt: event.wakeAt });
        break;
      case "sleep_fired": {
        const sleep = sleeps.get(event.opId);
        if (sleep) sleep.firedAt = event.at;
        break;
      }
      case "hook_created": {
        const hook: HookView = {
          opId: event.opId,
          token: event.token,
          kind: event.kind,
          createdAt: event.at,
          status: "waiting",
          requests: [],
        };
        if (event.metadata !== undefined) hook.metadata = await decodePayload(event.metadata);
        if (event.respondWith !== undefined) {
          hook.respondWith =
            typeof event.respondWith === "string"
              ? event.respondWith
              : { static: await decodePayload(event.respondWith.static) };
        }
        if (event.verify !== undefined) hook.verify = event.verify;
        hooks.set(event.opId, hook);
        break;
      }
      case "hook_conflict":
        hooks.set(event.opId, {
          opId: event.opId,
          token: event.token,
          kind: "hook",
          createdAt: event.at,
          status: "conflict",
          requests: [],
        });
        break;
      case "hook_received": {
        const hook = hooks.get(event.opId);
        let payload = await decodePayload(event.payload);
        if (hook?.kind === "webhook") payload = webhookRequest(payload);
        const request: HookRequestView = { receivedAt: event.at, payload };
        if (event.requestId !== undefined) {
          request.requestId = event.requestId;
          requests.set(event.requestId, request);
        }
        hook?.requests.push(request);
        break;
      }
      case "hook_disposed": {
        const hook = hooks.get(event.opId);
        if (hook) Object.assign(hook, { status: "disposed", disposedAt: event.at });
        break;
      }
      case "webhook_responded": {
        const request = requests.get(event.requestId);
        if (request)
          Object.assign(request, { response: await decodePayload(event.response), respondedAt: event.at });
        break;
      }
      case "child_started":
        children.set(event.opId, {
          runId: event.childRunId,
          workflowId: event.workflowId,
          status: "running",
          startedAt: event.at,
        });
        break;
      case "child_completed":
      case "child_failed": {
        const child = children.get(event.opId);
        if (child) {
          child.status = event.type === "child_completed" ? "completed" : "failed";
          child.endedAt = event.at;
        }
        break;
      }
      case "run_created":
      case "patch_marker":
      case "run_parked":
      case "run_completed":
      case "run_failed":
      case "run_cancelled":
        break;
      default:
        assertNever(event, "event");
    }
  }

  if (run.status === "completed" || run.status === "failed" || run.status === "cancelled") {
    for (const hook of hooks.values()) if (hook.status === "waiting") hook.status = "ended";
  }
  const view: RunView = {
    ...summarizeRun(run),
    input: await decodePayload(run.input),
    steps: [...steps.values()],
    sleeps: [...sleeps.values()],
    hooks: [...hooks.values()],
    children: [...children.values()],
    streams,
  };
  if (run.output !== undefined) view.output = await decodePayload(run.output);
  if (run.error !== undefined) view.error = await decodeError(run.error);
  // Parked while the marker is the log's last event: events appended after it mean the run continued.
  const last = events.at(-1);
  if (run.status === "running" && last?.type === "run_parked") {
    view.parked = { code: last.code, message: last.message, position: last.position, since: last.at };
  }
  return view;
}

/** The attempt with this number, added when the log skipped it (an attempt's start is not logged). */
function attemptOf(step: StepView, n: number, at: number) {
  let attempt = step.attempts.find((a) => a.attempt === n);
  if (!attempt) {
    attempt = { attempt: n, startedAt: at, status: "running" };
    step.attempts.push(attempt);
  }
  return attempt;
}

/** A step's input is logged as `[args, closure]`: the view shows the arguments. */
function stepArgs(input: JsonValue): JsonValue {
  return Array.isArray(input) && Array.isArray(input[0]) ? input[0] : input;
}

/** A webhook request is logged with its headers as pairs: the view shows them as an object. */
function webhookRequest(payload: JsonValue): JsonValue {
  if (payload && typeof payload === "object" && !Array.isArray(payload) && Array.isArray(payload.headers)) {
    const pairs = payload.headers.filter((p): p is [string, string] => Array.isArray(p) && p.length === 2);
    return { ...payload, headers: Object.fromEntries(pairs) };
  }
  return payload;
}
