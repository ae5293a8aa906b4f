import { WorkflowError } from "@wfkit/core/api";

/** Error codes of @wfkit/next; each is registered in @wfkit/core and has a page there. */
export type NextErrorCode = "WF_NEXT_NO_WORLD" | "WF_NEXT_NO_APP_DIR";

/** An error of the Next.js integration: a WorkflowError (stable `code`, what happened, the fix, its page). */
export class WorkflowNextError extends WorkflowError {
  declare readonly code: NextErrorCode;
  declare readonly hint: string;

  constructor(code: NextErrorCode, message: string, hint: string) {
    super(code, message, hint);
    this.name = "WorkflowNextError";
  }
}
