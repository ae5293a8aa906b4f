export {
  DEFAULT_TOLERANCE_MS,
  MIN_SECRET_BYTES,
  type SecretOptions,
  type TimestampOptions,
} from "./checks.js";
export { type HmacVerifierOptions, hmacVerifier } from "./hmac.js";
export {
  VERIFIER_PRESETS,
  type VerifierPresetName,
  type VerifierPresetOptions,
  verifierPreset,
} from "./presets.js";
export {
  type GithubVerifierOptions,
  githubVerifier,
  type SlackVerifierOptions,
  type StripeVerifierOptions,
  slackVerifier,
  stripeVerifier,
} from "./providers.js";
export { type StandardWebhooksOptions, standardWebhooksVerifier } from "./standard-webhooks.js";
export {
  definitionOf,
  deliveryIdOf,
  type VerifyFunction,
  type VerifyResult,
  type WebhookVerifier,
  type WebhookVerifierDefinition,
} from "./types.js";
