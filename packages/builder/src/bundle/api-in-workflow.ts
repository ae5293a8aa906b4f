// What `workflow/api` resolves to inside the workflow sandbox: `start()` starts a
// child run (recorded in the run's log); the other functions belong to server
// code, and say so.
import { HOST_KEY } from "@wfkit/core/globals";
import { WorkflowError } from "@wfkit/core/workflow";

function serverOnly(name: string) {
  return (): never => {
    throw serverOnlyError(name);
  };
}

function serverOnlyError(name: string): WorkflowError {
  return new WorkflowError(
    "WF_API_IN_WORKFLOW",
    `${name}() from "workflow/api" was called from workflow code; it belongs in server code (an API route, a script, a server action).`,
    `Call ${name}() in a step (a function marked "use step") or in your server code.`,
  );
}

/**
 * Starts a child run from workflow code, durably with this turn: its own run id,
 * status and cancel, linked to this run. Resolves with a handle whose
 * `returnValue` waits for the child without holding a step. See docs/child-runs.md.
 */
export function start(workflow: unknown, args?: unknown, _options?: unknown): Promise<unknown> {
  const host = (globalThis as Record<symbol, { startChild?: (w: unknown, a: unknown) => Promise<unknown> }>)[
    HOST_KEY
  ];
  if (!host?.startChild) return Promise.reject(serverOnlyError("start"));
  return host.startChild(workflow, args ?? []);
}
export const getRun = serverOnly("getRun");
export const resumeHook = serverOnly("resumeHook");
export const resumeWebhook = serverOnly("resumeWebhook");
export const getHookByToken = serverOnly("getHookByToken");
