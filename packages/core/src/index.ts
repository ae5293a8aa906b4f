export * from "./api/index.js";
export {
  handleRunStatus,
  isRunStatusPath,
  type RunStatusSource,
  STATUS_RETRY_AFTER_SECONDS,
} from "./api/status-route.js";
export { RUN_STATUS_PREFIX, type StatusSecretOption } from "./api/status-token.js";
export * from "./errors/index.js";
export { readLimited } from "./host/body.js";
export { getDefaultRuntime, setDefaultRuntime, setDefaultRuntimeFactory } from "./host/default.js";
export { Run } from "./host/run.js";
export { Runtime, type RuntimeOptions, type WorkflowRef } from "./host/runtime.js";
export type { RetryPolicy } from "./host/steps.js";
export { type HmacVerifierOptions, hmacVerifier, type WebhookVerifier } from "./host/verify.js";
export { deserialize, serialize, serializeAsync } from "./serialization/index.js";
