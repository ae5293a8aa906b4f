export * from "./api/index.js";
export {
  handleRunStatus,
  isRunStatusPath,
  type RunStatusSource,
  STATUS_RETRY_AFTER_SECONDS,
} from "./api/status-route.js";
export { RUN_STATUS_PREFIX, type StatusSecretOption } from "./api/status-token.js";
export * from "./errors/index.js";
export {
  CLOSE_CONNECTION,
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_MAX_JSON_BYTES,
  DEFAULT_MAX_JSON_DEPTH,
  isJsonContentType,
  type JsonBodyLimits,
  jsonTooDeep,
  jsonTooDeepError,
  type PayloadLimits,
  payloadTooLarge,
  type ReadLimitedOptions,
  readJsonBody,
  readLimited,
  requestTimeout,
  valueTooDeep,
} from "./host/body.js";
export { type Clock, type ClockTimer, systemClock } from "./host/clock.js";
export { getDefaultRuntime, setDefaultRuntime, setDefaultRuntimeFactory } from "./host/default.js";
export { LOG_LEVELS, type LogFormat, type LogLevel } from "./host/lifecycle-log.js";
export {
  exportRunHistory,
  HISTORY_FORMAT,
  isRunHistory,
  type ReplayBundle,
  type ReplayDivergence,
  type ReplayReport,
  type RunHistory,
  replayHistories,
} from "./host/replay-check.js";
export {
  type PruneEndedRunsOptions,
  pruneEndedRuns,
  type RetentionOptions,
} from "./host/retention.js";
export { Run } from "./host/run.js";
export type { RunChange, RunChangeListener } from "./host/run-changes.js";
export { Runtime, type RuntimeOptions, type WorkflowRef, type WorkflowsInput } from "./host/runtime.js";
export { mapStack, registerModuleSourceMap } from "./host/source-maps.js";
export type { RetryPolicy } from "./host/steps.js";
export { type UnbuiltFile, workflowBuildFailed } from "./host/unbuilt.js";
export {
  DEFAULT_TOLERANCE_MS,
  type GithubVerifierOptions,
  githubVerifier,
  type HmacVerifierOptions,
  hmacVerifier,
  MIN_SECRET_BYTES,
  type SlackVerifierOptions,
  type StandardWebhooksOptions,
  type StripeVerifierOptions,
  slackVerifier,
  standardWebhooksVerifier,
  stripeVerifier,
  type VerifierPresetName,
  type VerifierPresetOptions,
  type VerifyFunction,
  type VerifyResult,
  verifierPreset,
  type WebhookVerifier,
  type WebhookVerifierDefinition,
} from "./host/verify/index.js";
export {
  buildRunView,
  cancelStoredRun,
  createInspector,
  type Inspector,
  rerunStoredRun,
  resumeStoredHook,
  type StreamSummary,
  type StreamView,
  summarizeRun,
} from "./inspect/index.js";
export { deserialize, type StreamPorts, serialize, serializeAsync } from "./serialization/index.js";
export { type Duration, parseDuration } from "./workflow/duration.js";
