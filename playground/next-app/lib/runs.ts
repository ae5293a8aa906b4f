// Reads runs for the page: status from the World, steps and hooks from each
// run's event log.
import { deserialize, getDefaultRuntime } from "@wfkit/core";

export interface StepView {
  /** The step call's position among the run's operations. */
  opId: number;
  name: string;
  status: "running" | "retrying" | "completed" | "failed";
  attempt: number;
  output?: unknown;
}

export interface HookView {
  kind: "hook" | "webhook";
  token: string;
  /** Webhooks: the URL to call. */
  url?: string;
  respondWith?: string;
  received: number;
  live: boolean;
}

export interface RunView {
  runId: string;
  workflow: string;
  status: string;
  createdAt: number;
  completedAt?: number;
  steps: StepView[];
  hooks: HookView[];
  sleeping: boolean;
  output?: unknown;
  error?: string;
}

const WEBHOOK_PATH = "/.well-known/workflow/v1/webhook/";

/** `workflow//workflows/render-job//renderJob` → `renderJob`. */
const shortName = (id: string) => id.split("//").pop() ?? id;

function read(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return deserialize(value);
  } catch {
    return value;
  }
}

/** One run with its steps and hooks, or null when there is no such run. */
export async function readRun(runId: string): Promise<RunView | null> {
  const runtime = await getDefaultRuntime();
  const run = await runtime.world.getRun(runId);
  if (!run) return null;
  const steps = new Map<number, StepView>();
  const hooks = new Map<number, HookView>();
  const sleeps = new Set<number>();
  for (const event of await runtime.world.readEvents(runId)) {
    switch (event.type) {
      case "step_scheduled":
        steps.set(event.opId, {
          opId: event.opId,
          name: shortName(event.stepId),
          status: "running",
          attempt: 1,
        });
        break;
      case "step_retrying": {
        const step = steps.get(event.opId);
        if (step) Object.assign(step, { status: "retrying", attempt: event.attempt + 1 });
        break;
      }
      case "step_completed": {
        const step = steps.get(event.opId);
        if (step)
          Object.assign(step, { status: "completed", attempt: event.attempt, output: read(event.output) });
        break;
      }
      case "step_failed": {
        const step = steps.get(event.opId);
        if (step) Object.assign(step, { status: "failed", attempt: event.attempt });
        break;
      }
      case "hook_created":
        hooks.set(event.opId, {
          kind: event.kind,
          token: event.token,
          url:
            event.kind === "webhook"
              ? `${runtime.webhookBaseUrl}${WEBHOOK_PATH}${encodeURIComponent(event.token)}`
              : undefined,
          respondWith:
            typeof event.respondWith === "object"
              ? "static"
              : (event.respondWith ?? (event.kind === "webhook" ? "default" : undefined)),
          received: 0,
          live: true,
        });
        break;
      case "hook_received": {
        const hook = hooks.get(event.opId);
        if (hook) hook.received++;
        break;
      }
      case "hook_disposed": {
        const hook = hooks.get(event.opId);
        if (hook) hook.live = false;
        break;
      }
      case "sleep_scheduled":
        sleeps.add(event.opId);
        break;
      case "sleep_fired":
        sleeps.delete(event.opId);
        break;
    }
  }
  const ended = run.status === "completed" || run.status === "failed" || run.status === "cancelled";
  const error = read(run.error) as { message?: string } | string | undefined;
  return {
    runId: run.runId,
    workflow: shortName(run.workflowId),
    status: run.status,
    createdAt: run.createdAt,
    completedAt: run.completedAt,
    steps: [...steps.values()],
    hooks: [...hooks.values()].map((hook) => (ended ? { ...hook, live: false } : hook)),
    sleeping: !ended && sleeps.size > 0,
    output: read(run.output),
    error: typeof error === "string" ? error : error?.message,
  };
}

/** The most recent runs, newest first. */
export async function listRuns(limit = 20): Promise<RunView[]> {
  const runtime = await getDefaultRuntime();
  const runs = await runtime.world.listRuns({ limit });
  const views = await Promise.all(runs.map((run) => readRun(run.runId)));
  return views.filter((view): view is RunView => view !== null).sort((a, b) => b.createdAt - a.createdAt);
}
