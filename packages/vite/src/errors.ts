import { WorkflowError } from "@wfkit/core";

/** Error codes of @wfkit/vite. Each one has a page at docs/errors/<code>.md. */
export const ErrorCodes = {
  /** The `api` module has no default-exported function, or it returned something that is not a Response. */
  API_ENTRY_INVALID: "WF_VITE_API_ENTRY_INVALID",
} as const;

export function viteError(code: string, message: string, hint: string, cause?: unknown): WorkflowError {
  return new WorkflowError(code, message, hint, cause === undefined ? undefined : { cause });
}

export { codeOf, errorResponse, errorResponseFor, formatErrorMessage, messageOf } from "@wfkit/core";
