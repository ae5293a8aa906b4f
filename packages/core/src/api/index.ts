// Host side: thrown messages link to the pages inside this installed package.
import "../errors/links.js";

export {
  FatalError,
  HookConflictError,
  HookNotFoundError,
  HookPayloadInvalidError,
  isWorkflowError,
  RetryableError,
  type RunErrorCode,
  WorkflowError,
  WorkflowRunCancelledError,
  WorkflowRunFailedError,
  WorkflowRunNotFoundError,
} from "../errors/index.js";
export { errorResponse } from "../errors/response.js";
export type { ReadableOptions, Run } from "../host/run.js";
export type { HookInfo, StartOptions } from "../host/runtime.js";
export type {
  AttemptView,
  ChildView,
  ErrorView,
  EventPage,
  HookRequestView,
  HookView,
  JsonValue,
  ListRunsOptions,
  ParkedView,
  RunPage,
  RunSummary,
  RunView,
  SleepView,
  StepView,
  StreamSummary,
} from "../inspect/index.js";
export {
  getHookByToken,
  getRun,
  inspectRun,
  listEvents,
  listRuns,
  resumeHook,
  resumeWebhook,
  start,
} from "./functions.js";
export {
  type AcceptedResponseOptions,
  acceptedResponse,
  type StatusUrlOptions,
  statusToken,
  statusUrl,
  verifyStatusToken,
} from "./status.js";
