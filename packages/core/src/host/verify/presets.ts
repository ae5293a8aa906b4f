import { WorkflowError } from "../../errors/workflow-error.js";
import type { SecretOptions, TimestampOptions } from "./checks.js";
import { githubVerifier, slackVerifier, stripeVerifier } from "./providers.js";
import { type StandardWebhooksOptions, standardWebhooksVerifier } from "./standard-webhooks.js";
import type { WebhookVerifierDefinition } from "./types.js";

/** The built-in signature schemes, by name. */
export const VERIFIER_PRESETS = {
  "standard-webhooks": standardWebhooksVerifier,
  stripe: stripeVerifier,
  github: githubVerifier,
  slack: slackVerifier,
} as const;

/** The name of a built-in scheme: `"standard-webhooks"`, `"stripe"`, `"github"` or `"slack"`. */
export type VerifierPresetName = keyof typeof VERIFIER_PRESETS;

/** Options of {@link verifierPreset}: the secret(s), and the tolerance where the scheme signs a timestamp. */
export type VerifierPresetOptions = SecretOptions & TimestampOptions;

/**
 * A built-in verifier chosen by its scheme's name, for configuration held as
 * data (`{ scheme: "stripe", secret }` from a settings file). Same as calling
 * `stripeVerifier(options)` etc.; an unknown name throws WF_WEBHOOK_PRESET_UNKNOWN.
 *
 * @example
 * webhook: { verifiers: { payments: verifierPreset("stripe", { secret: process.env.STRIPE_WEBHOOK_SECRET! }) } }
 */
export function verifierPreset(
  name: VerifierPresetName,
  options: VerifierPresetOptions | StandardWebhooksOptions,
): WebhookVerifierDefinition {
  if (!Object.hasOwn(VERIFIER_PRESETS, name)) {
    throw new WorkflowError(
      "WF_WEBHOOK_PRESET_UNKNOWN",
      `There is no built-in webhook verifier named "${String(name)}".`,
      `Use one of ${Object.keys(VERIFIER_PRESETS).join(", ")}, or write a custom verifier: (request, body) => boolean.`,
    );
  }
  return VERIFIER_PRESETS[name](options);
}
