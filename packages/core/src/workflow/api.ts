import { WorkflowError } from "../errors/workflow-error.js";
import type { Duration } from "./duration.js";
import { currentHost, requireWorkflowHost } from "./realm.js";
import { stepProxy } from "./registry.js";

/** What `getWorkflowMetadata()` returns inside a workflow. */
export interface WorkflowMetadata {
  /** The workflow's id, e.g. `workflow//workflows/order//processOrder`. */
  workflowName: string;
  /** The run's id (`wrun_…`), the one `start()` returned. */
  workflowRunId: string;
  /** When the run started; the same on every replay. */
  workflowStartedAt: Date;
}

/** What `getStepMetadata()` returns inside a step. */
export interface StepMetadata {
  /** The step's id, e.g. `step//workflows/order//charge`. */
  stepId: string;
  /** 1 on the first attempt. */
  attempt: number;
  /** When this attempt started. */
  stepStartedAt: Date;
  /** The id of the run the step belongs to. */
  workflowRunId: string;
}

/**
 * Pauses the workflow durably: no process is held while it sleeps, and it
 * wakes after restarts. Takes milliseconds, a duration string ("30s", "1d") or a Date.
 */
export function sleep(duration: Duration | Date): Promise<void> {
  return requireWorkflowHost("sleep()").sleep!(duration);
}

/**
 * The run this workflow code belongs to: its id, the workflow's id and when
 * it started. Call it in workflow code (a `"use workflow"` function or what it
 * calls); the values are the same on every replay. Outside workflow code it
 * throws `WF_WORKFLOW_ONLY`; steps use {@link getStepMetadata}.
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
