import {
  anyMatch,
  checkTimestamp,
  fail,
  hmac,
  jsonField,
  type SecretOptions,
  secretsOf,
  type TimestampOptions,
} from "./checks.js";
import type { WebhookVerifierDefinition } from "./types.js";

/** Options of {@link stripeVerifier}. */
export interface StripeVerifierOptions extends SecretOptions, TimestampOptions {}
/** Options of {@link githubVerifier}. */
export interface GithubVerifierOptions extends SecretOptions {}
/** Options of {@link slackVerifier}. */
export interface SlackVerifierOptions extends SecretOptions, TimestampOptions {}

/** Hex signatures from `name=<hex>` items; a malformed one decodes to bytes that match nothing. */
const hexes = (values: string[]) => values.map((v) => Buffer.from(v, "hex"));

/**
 * Verifies Stripe's scheme: `Stripe-Signature: t=<seconds>,v1=<hex>[,v1=<hex>…]`,
 * each `v1` an HMAC-SHA256 over `<t>.<body>` keyed with the endpoint's `whsec_…`
 * secret as written (Stripe does not decode it). Several `v1` are allowed (Stripe
 * sends one per active secret while you roll it); `t` must be within the tolerance
 * (default 5 minutes). Stripe sends no delivery header: retries are deduped by
 * the event's `id` in the signed JSON body (`evt_…`), which stays the same across retries.
 */
export function stripeVerifier(options: StripeVerifierOptions): WebhookVerifierDefinition {
  const secrets = secretsOf("stripe", options.secret);
  return {
    scheme: "stripe",
    signatureHeaders: ["stripe-signature"],
    deliveryId: (_request, body) => jsonField(body, "id"),
    verify(request, body) {
      const header = request.headers.get("stripe-signature");
      if (!header) return fail("the Stripe-Signature header is missing");
      const items = header.split(",").map((item) => {
        const at = item.indexOf("=");
        return [item.slice(0, at).trim(), item.slice(at + 1).trim()] as const;
      });
      const t = items.find(([k]) => k === "t")?.[1] ?? null;
      const late = checkTimestamp(t, "Stripe-Signature t=", options);
      if (late) return late;
      const given = hexes(items.filter(([k]) => k === "v1").map(([, v]) => v));
      if (given.length === 0) return fail("the Stripe-Signature header has no v1 signature");
      return anyMatch(
        given,
        secrets.map((s) => hmac(s, [`${t}.`, body])),
      );
    },
  };
}

/**
 * Verifies GitHub's scheme: `X-Hub-Signature-256: sha256=<hex>`, an HMAC-SHA256
 * of the body with the webhook's secret. GitHub signs no timestamp, so there is
 * no tolerance; retries (redeliveries) are deduped by `X-GitHub-Delivery`.
 */
export function githubVerifier(options: GithubVerifierOptions): WebhookVerifierDefinition {
  const secrets = secretsOf("github", options.secret);
  return {
    scheme: "github",
    // The SHA-1 signature GitHub still sends alongside is as sensitive, though not checked.
    signatureHeaders: ["x-hub-signature-256", "x-hub-signature"],
    deliveryId: "x-github-delivery",
    verify(request, body) {
      const header = request.headers.get("x-hub-signature-256");
      if (!header) return fail("the X-Hub-Signature-256 header is missing");
      if (!header.startsWith("sha256="))
        return fail("the X-Hub-Signature-256 header does not start with sha256=");
      return anyMatch(
        hexes([header.slice("sha256=".length)]),
        secrets.map((s) => hmac(s, [body])),
      );
    },
  };
}

/**
 * Verifies Slack's scheme: `X-Slack-Signature: v0=<hex>`, an HMAC-SHA256 with the
 * app's signing secret over `v0:<X-Slack-Request-Timestamp>:<body>`; the timestamp
 * must be within the tolerance (default 5 minutes). Events API retries are deduped
 * by the body's `event_id`; slash commands and interactions carry no id (no dedupe).
 */
export function slackVerifier(options: SlackVerifierOptions): WebhookVerifierDefinition {
  const secrets = secretsOf("slack", options.secret);
  return {
    scheme: "slack",
    signatureHeaders: ["x-slack-signature"],
    deliveryId: (_request, body) => jsonField(body, "event_id"),
    verify(request, body) {
      const timestamp = request.headers.get("x-slack-request-timestamp");
      const late = checkTimestamp(timestamp, "X-Slack-Request-Timestamp", options);
      if (late) return late;
      const header = request.headers.get("x-slack-signature");
      if (!header) return fail("the X-Slack-Signature header is missing");
      if (!header.startsWith("v0=")) return fail("the X-Slack-Signature header does not start with v0=");
      return anyMatch(
        hexes([header.slice(3)]),
        secrets.map((s) => hmac(s, [`v0:${timestamp}:`, body])),
      );
    },
  };
}
