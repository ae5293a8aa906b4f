import { FETCH_STEP_ID } from "../workflow/api.js";
import { registerStep } from "../workflow/registry.js";
import { SEND_WEBHOOK_STEP_ID } from "../workflow/send-webhook.js";
import { sendWebhookAttempt } from "./send-webhook-step.js";

// The steps the "workflow" package itself offers, registered in the host realm
// (user steps come from the step bundle). runtime.ts calls this at load.

/** Registers the built-in steps: `fetch` and one attempt of `sendWebhook`, both from "workflow". */
export function registerBuiltinSteps(): void {
  /** Registered in the host realm so `fetch` from "workflow" works in workflow code. */
  registerStep(
    async (input: string | URL | Request, init?: RequestInit) => globalThis.fetch(input, init),
    FETCH_STEP_ID,
  );
  /** Registered in the host realm: one attempt of `sendWebhook` from "workflow". */
  registerStep(sendWebhookAttempt, SEND_WEBHOOK_STEP_ID);
}
