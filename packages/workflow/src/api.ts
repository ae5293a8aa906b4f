// `workflow/api`: server code that starts and steers runs. A light entry:
// no compiler or bundler, so app routes that import it stay small.

// Webhook verifiers, for the server's `webhook.verifiers` option (secrets stay on the server).
export {
  githubVerifier,
  hmacVerifier,
  slackVerifier,
  standardWebhooksVerifier,
  stripeVerifier,
  type VerifierPresetName,
  verifierPreset,
  type WebhookVerifier,
  type WebhookVerifierDefinition,
} from "@wfkit/core";
export {
  type AcceptedResponseOptions,
  acceptedResponse,
  getHookByToken,
  getRun,
  HookConflictError,
  type HookInfo,
  HookNotFoundError,
  HookPayloadInvalidError,
  isWorkflowError,
  type ReadableOptions,
  type Run,
  resumeHook,
  resumeWebhook,
  type StartOptions,
  type StatusUrlOptions,
  start,
  statusToken,
  statusUrl,
  verifyStatusToken,
  WorkflowError,
  WorkflowRunCancelledError,
  WorkflowRunFailedError,
  WorkflowRunNotFoundError,
} from "@wfkit/core/api";
