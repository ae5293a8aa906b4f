import { WorkflowError } from "../errors/workflow-error.js";
import type { Duration } from "./duration.js";
import { currentHost, requireWorkflowHost } from "./realm.js";
import { stepProxy } from "./registry.js";

/** What `getWorkflowMetadata()` returns, in workflow code and in step code (the `workflow` package's fields). */
export interface WorkflowMetadata {
  /** The workflow's id, e.g. `workflow//workflows/order//processOrder`. */
  workflowName: string;
  /** The run's id (`wrun_…`), the one `start()` returned. */
  workflowRunId: string;
  /** When the run started; the same on every replay. */
  workflowStartedAt: Date;
  /** The app's base URL (where webhook URLs point), e.g. `https://shop.example.com`. */
  url: string;
}

/** What `getStepMetadata()` returns inside a step: the step attempt only (the run is in getWorkflowMetadata()). */
export interface StepMetadata {
  /** The step's id, e.g. `step//workflows/order//charge`. */
  stepId: string;
  /** 1 on the first attempt. */
  attempt: number;
  /** When the step's first attempt started (retries keep it, as in the `workflow` package): `Date.now() - stepStartedAt` spans the retries. */
  stepStartedAt: Date;
}

/**
 * Pauses the workflow durably: no process is held while it sleeps, and it
 * wakes after restarts. Takes milliseconds, a duration string ("30s", "1d") or a Date.
 */
export function sleep(duration: Duration | Date): Promise<void> {
  return requireWorkflowHost("sleep()").sleep!(duration);
}

/**
 * The run this code belongs to: its id, the workflow's id, when it started and
 * the app's base URL (`url`, the base of webhook URLs). Call it in workflow code
 * (the values are the same on every replay) or in a step (the run that called
 * it). Elsewhere it throws `WF_WORKFLOW_ONLY`.
 *
 * @example
 * ```ts
 * import { getWorkflowMetadata } from "workflow";
 *
 * export async function processOrder(orderId: string) {
 *   "use workflow";
 *   const { workflowRunId } = getWorkflowMetadata();
 *   await sendReceipt(orderId, `receipt for run ${workflowRunId}`);
 * }
 * ```
 */
export function getWorkflowMetadata(): WorkflowMetadata {
  const host = currentHost();
  const meta = host?.realm === "step" ? host.stepWorkflowMetadata?.() : undefined;
  if (meta) return meta as WorkflowMetadata;
  return requireWorkflowHost("getWorkflowMetadata()").workflowMetadata!() as WorkflowMetadata;
}

/** The step attempt this code runs in. Only inside a step. */
export function getStepMetadata(): StepMetadata {
  const host = currentHost();
  const meta = host?.stepMetadata?.();
  if (meta) return meta as StepMetadata;
  throw new WorkflowError(
    "WF_STEP_ONLY",
    "getStepMetadata() was called outside a step; it describes the step attempt that is running.",
    'Call it inside a function marked "use step". In workflow code, use getWorkflowMetadata().',
  );
}

/** The id under which the runtime registers its built-in fetch step. */
export const FETCH_STEP_ID = "step//wfkit//fetch";
const fetchStep = stepProxy(FETCH_STEP_ID, "fetch");

/**
 * `fetch` that is safe in workflow code: the request runs as a step (retried,
 * recorded once). Outside a workflow it is the global fetch.
 */
export function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const host = currentHost();
  if (host?.realm === "workflow") return fetchStep(input, init) as Promise<Response>;
  return globalThis.fetch(input, init);
}
