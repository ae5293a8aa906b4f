/**
 * The WorkflowErrors users catch by class. Each declares its `code`, so
 * `instanceof` matches by brand and code across realms (see WorkflowError).
 * Sandbox-safe: HookConflictError is made inside the workflow sandbox.
 */
import { WorkflowError } from "./workflow-error.js";

/**
 * Why a run failed: `"USER_ERROR"` when the workflow's or a step's code threw,
 * `"RUNTIME_ERROR"` when wfkit refused or failed the run (a `WF_…` code on the cause).
 */
export type RunErrorCode = "USER_ERROR" | "RUNTIME_ERROR";

/** `run.returnValue` of a run that failed; the workflow's own error is `cause`. */
export class WorkflowRunFailedError extends WorkflowError {
  static readonly code = "WF_RUN_FAILED";
  readonly runId: string;
  /** Whether user code threw (`cause` is its error, with its class name, message and stack) or wfkit failed the run. */
  readonly errorCode: RunErrorCode;
  constructor(runId: string, cause: unknown) {
    const what = cause as { name?: unknown; message?: unknown } | null | undefined;
    super(
      WorkflowRunFailedError.code,
      `The run ${runId} failed: ${what?.name ?? "Error"}: ${what?.message ?? cause}`,
      "See error.cause for the workflow's error and its stack.",
      { cause },
    );
    this.name = "WorkflowRunFailedError";
    this.runId = runId;
    const code = (cause as { code?: unknown } | null | undefined)?.code;
    this.errorCode = typeof code === "string" && code.startsWith("WF_") ? "RUNTIME_ERROR" : "USER_ERROR";
  }
}

/** `run.returnValue` of a run that was cancelled. */
export class WorkflowRunCancelledError extends WorkflowError {
  static readonly code = "WF_RUN_CANCELLED";
  readonly runId: string;
  constructor(runId: string) {
    super(
      WorkflowRunCancelledError.code,
      `The run ${runId} was cancelled.`,
      "A cancelled run has no return value.",
    );
    this.name = "WorkflowRunCancelledError";
    this.runId = runId;
  }
}

/** No run has this id (getRun(), cancel(), the dev API). */
export class WorkflowRunNotFoundError extends WorkflowError {
  static readonly code = "WF_RUN_NOT_FOUND";
  readonly runId: string;
  constructor(runId: string) {
    super(
      WorkflowRunNotFoundError.code,
      `There is no run with id ${runId}.`,
      "Check the id; runs are kept in the World the runtime was started with.",
    );
    this.name = "WorkflowRunNotFoundError";
    this.runId = runId;
  }
}

/** No live hook has this token (resumeHook(), getHookByToken()). */
export class HookNotFoundError extends WorkflowError {
  static readonly code = "WF_HOOK_NOT_FOUND";
  readonly token: string;
  constructor(token: string) {
    super(
      HookNotFoundError.code,
      `No live hook has the token ${token}.`,
      "The run may not have created the hook yet, may have disposed it, or may have ended. Check the token, or wait until the run reaches createHook().",
    );
    this.name = "HookNotFoundError";
    this.token = token;
  }
}

/** createHook({ token }) in workflow code while another run has a live hook with that token. */
export class HookConflictError extends WorkflowError {
  static readonly code = "WF_HOOK_CONFLICT";
  readonly token: string;
  /** The run that has the token. */
  readonly ownerRunId: string;
  constructor(token: string, ownerRunId: string) {
    super(
      HookConflictError.code,
      `Another run (${ownerRunId}) already has a live hook with the token ${token}.`,
      "Tokens must be unique among live hooks. Include something run-specific in the token, or let the other run finish or dispose its hook first.",
    );
    this.name = "HookConflictError";
    this.token = token;
    this.ownerRunId = ownerRunId;
  }
}

/** One problem a Standard Schema found in a payload. */
export interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<unknown>;
}

/** resumeHook() with a payload that fails the hook's schema; nothing was recorded. */
export class HookPayloadInvalidError extends WorkflowError {
  static readonly code = "WF_HOOK_PAYLOAD_INVALID";
  /** The schema's issues, as it reported them. */
  readonly issues: ReadonlyArray<SchemaIssue>;
  constructor(issues: ReadonlyArray<SchemaIssue>) {
    const list = issues.map(
      (i) => `${i.path?.length ? `${i.path.map(pathKey).join(".")}: ` : ""}${i.message}`,
    );
    super(
      HookPayloadInvalidError.code,
      `The payload does not match the hook's schema, so nothing was recorded:\n  - ${list.join("\n  - ")}`,
      "Send a payload that satisfies the schema given to defineHook({ schema }).",
    );
    this.name = "HookPayloadInvalidError";
    this.issues = issues;
  }
}

function pathKey(p: unknown): unknown {
  return typeof p === "object" && p !== null && "key" in p ? (p as { key: unknown }).key : p;
}
