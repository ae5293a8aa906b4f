export { ERROR_CODES, type ErrorCode, type ErrorCodeInfo, isErrorCode, statusOf } from "./codes.js";
export { docsRef } from "./docs.js";
export { codeOf, formatErrorMessage, messageOf } from "./format.js";
export { docsUrl } from "./links.js";
export { type ErrorResponseInit, errorResponse, errorResponseFor } from "./response.js";
export {
  FatalError,
  isFatalError,
  isRetryableError,
  RetryableError,
  type RetryableErrorOptions,
} from "./step-errors.js";
export {
  HookConflictError,
  HookNotFoundError,
  HookPayloadInvalidError,
  type RunErrorCode,
  type SchemaIssue,
  WorkflowRunCancelledError,
  WorkflowRunFailedError,
  WorkflowRunNotFoundError,
} from "./subclasses.js";
export { isWorkflowError, WorkflowError } from "./workflow-error.js";
