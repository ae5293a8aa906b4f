// The errors of the app-server lifecycle: the runtime is not (or no longer) available.
import { codeOf, WorkflowError } from "@wfkit/core";

/** The code of every lifecycle error but a start failure that has its own. */
export const UNAVAILABLE = "WF_RUNTIME_UNAVAILABLE";

/** A lifecycle error with the `WF_RUNTIME_UNAVAILABLE` code (503). */
export function unavailable(message: string, hint: string, cause?: unknown): WorkflowError {
  return new WorkflowError(UNAVAILABLE, message, hint, cause === undefined ? undefined : { cause });
}

/** What any use of a closed server gets. */
export const closedError = () =>
  unavailable(
    "The workflow runtime of this server was closed.",
    "Create a new server, or restart the dev server.",
  );

/** A start failure as an error with a code: its own (WF_BUILD_FAILED, WF_W001_…), else WF_RUNTIME_UNAVAILABLE. */
export function startError(error: unknown): unknown {
  if (codeOf(error)) return error;
  return unavailable(
    `The workflow runtime could not start: ${error instanceof Error ? error.message : String(error)}`,
    "The server log has the cause and its stack. Fix it; the next request (or a saved file in dev) tries again.",
    error,
  );
}
