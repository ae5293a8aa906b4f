import {
  anyMatch,
  checkTimestamp,
  fail,
  hmac,
  MIN_SECRET_BYTES,
  type SecretOptions,
  secretError,
  type TimestampOptions,
} from "./checks.js";
import type { WebhookVerifierDefinition } from "./types.js";

/** Options of {@link standardWebhooksVerifier}. */
export interface StandardWebhooksOptions extends SecretOptions, TimestampOptions {}

const SCHEME = "standard-webhooks";

/** The key of a `whsec_<base64>` secret (the prefix is optional): its base64 decoded. */
function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) {
    throw secretError(SCHEME, "a secret that is not whsec_ followed by base64");
  }
  const key = Buffer.from(encoded, "base64");
  if (key.length < MIN_SECRET_BYTES) throw secretError(SCHEME, `a key of ${key.length} bytes`);
  return key;
}

/**
 * Verifies the Standard Webhooks scheme (standardwebhooks.com; Svix, Resend,
 * Clerk, … and our own `sendWebhook`): `webhook-signature` holds one or more
 * space-separated `v1,<base64>` signatures, each an HMAC-SHA256 with the
 * base64-decoded `whsec_` secret over `<webhook-id>.<webhook-timestamp>.<body>`.
 * The timestamp must be within the tolerance (default 5 minutes, either way).
 * Dedupes by `webhook-id`.
 *
 * @example
 * webhook: { verifiers: { billing: standardWebhooksVerifier({ secret: process.env.BILLING_WEBHOOK_SECRET! }) } }
 */
export function standardWebhooksVerifier(options: StandardWebhooksOptions): WebhookVerifierDefinition {
  const list = typeof options.secret === "string" ? [options.secret] : [...(options.secret ?? [])];
  if (list.length === 0) throw secretError(SCHEME, "no secret");
  const keys = list.map((s) => {
    if (typeof s !== "string" || s.length === 0) throw secretError(SCHEME, "an empty secret");
    return keyOf(s);
  });
  return {
    scheme: SCHEME,
    signatureHeaders: ["webhook-signature"],
    deliveryId: "webhook-id",
    verify(request, body) {
      const id = request.headers.get("webhook-id");
      if (!id) return fail("the webhook-id header is missing");
      const timestamp = request.headers.get("webhook-timestamp");
      const late = checkTimestamp(timestamp, "webhook-timestamp", options);
      if (late) return late;
      const header = request.headers.get("webhook-signature");
      if (!header) return fail("the webhook-signature header is missing");
      // Other versions (v1a: asymmetric) are not ours to check; only v1 counts.
      const given = header
        .split(" ")
        .filter((part) => part.startsWith("v1,"))
        .map((part) => Buffer.from(part.slice(3), "base64"));
      if (given.length === 0) return fail("the webhook-signature header has no v1 signature");
      const expected = keys.map((key) => hmac(key, [`${id}.${timestamp}.`, body]));
      return anyMatch(given, expected);
    },
  };
}
