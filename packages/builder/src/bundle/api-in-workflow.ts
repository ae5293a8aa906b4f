// What `workflow/api` resolves to inside the workflow sandbox: these
// functions belong to server code, and say so.
import { WorkflowError } from "@wfkit/core/workflow";

function serverOnly(name: string) {
  return (): never => {
    throw new WorkflowError(
      "WF_API_IN_WORKFLOW",
      `${name}() from "workflow/api" was called from workflow code; it belongs in server code (an API route, a script, a server action).`,
      name === "start"
        ? "To run another workflow from this one, call a step that calls start(), or await the other workflow's logic in steps."
        : `Call ${name}() in a step (a function marked "use step") or in your server code.`,
    );
  };
}

export const start = serverOnly("start");
export const getRun = serverOnly("getRun");
export const resumeHook = serverOnly("resumeHook");
export const resumeWebhook = serverOnly("resumeWebhook");
export const getHookByToken = serverOnly("getHookByToken");
