/** Error codes of @wfkit/next; each has a page at docs/errors/<CODE>.md. */
export type NextErrorCode = "WF_NEXT_NO_WORLD" | "WF_NEXT_NO_APP_DIR" | "WF_NEXT_RUNTIME_NOT_STARTED";

/** An error of the Next.js integration: a stable `code`, what happened, and how to fix it. */
export class WorkflowNextError extends Error {
  readonly code: NextErrorCode;
  readonly hint: string;

  constructor(code: NextErrorCode, message: string, hint: string) {
    super(`${code}: ${message}\n${hint}\nSee docs/errors/${code}.md.`);
    this.name = "WorkflowNextError";
    this.code = code;
    this.hint = hint;
  }
}
