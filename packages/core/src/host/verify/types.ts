/**
 * What a verifier says of one request: `true` lets it in; `false`, or a
 * failure with a reason (shown in the 401 answer, never a secret), keeps it out.
 */
export type VerifyResult = boolean | { ok: false; reason: string };

/** Checks one webhook request (headers, URL) and its raw body bytes before it is recorded. */
export type VerifyFunction = (request: Request, body: Uint8Array) => VerifyResult | Promise<VerifyResult>;

/**
 * A verifier with more than a check: the presets (`stripeVerifier()`, …)
 * return one, and a custom verifier can be written as one to get delivery dedupe.
 */
export interface WebhookVerifierDefinition {
  /** The scheme's name, for messages (`"stripe"`, `"github"`, …). */
  readonly scheme?: string;
  /** The check; runs before anything is recorded. */
  verify: VerifyFunction;
  /**
   * The id a sender keeps across retries of one delivery: a header name, or a
   * function of the verified request. Requests with an id already recorded for
   * the same webhook (within the dedupe window) are answered as the first one
   * was and never recorded twice. Undefined or empty: no dedupe for that request.
   */
  deliveryId?: string | ((request: Request, body: Uint8Array) => string | undefined);
  /**
   * The headers that carry the signature (lower case). Once a request is verified
   * they have done their job, and the webhook route leaves them out of the request
   * it stores (and hands to workflow code). A custom verifier can list its own here,
   * or name them in the route's `dropHeaders` option.
   */
  signatureHeaders?: readonly string[];
}

/**
 * A webhook verifier as configured in `webhook.verifiers`: a plain function
 * (the check only), or a {@link WebhookVerifierDefinition}.
 */
export type WebhookVerifier = VerifyFunction | WebhookVerifierDefinition;

/** The definition form of any verifier. */
export function definitionOf(verifier: WebhookVerifier): WebhookVerifierDefinition {
  return typeof verifier === "function" ? { verify: verifier } : verifier;
}

/** The delivery id of a verified request, if its verifier names one. */
export function deliveryIdOf(
  verifier: WebhookVerifierDefinition,
  request: Request,
  body: Uint8Array,
): string | undefined {
  const from = verifier.deliveryId;
  const id = typeof from === "string" ? request.headers.get(from) : from?.(request, body);
  return id ? id : undefined;
}
