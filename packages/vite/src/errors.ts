import { WorkflowError } from "@wfkit/core";

/** Error codes of @wfkit/vite. Each one has a page at docs/errors/<code>.md. */
export const ErrorCodes = {
  /** The `api` module has no default-exported function, or it returned something that is not a Response. */
  API_ENTRY_INVALID: "WF_VITE_API_ENTRY_INVALID",
  /** A handler mounted through the Node adapter threw. */
  HANDLER_FAILED: "WF_VITE_HANDLER_FAILED",
  /** The workflow runtime could not start (or is closed), so the workflow routes cannot answer. */
  RUNTIME_UNAVAILABLE: "WF_VITE_RUNTIME_UNAVAILABLE",
} as const;

export function viteError(code: string, message: string, hint: string, cause?: unknown): WorkflowError {
  return new WorkflowError(code, message, hint, cause === undefined ? undefined : { cause });
}

export { codeOf, errorResponse, errorResponseFor, formatErrorMessage, messageOf } from "@wfkit/core";
