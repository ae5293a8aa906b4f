import { createHmac } from "node:crypto";
import { MIN_SECRET_BYTES, sameBytes, secretError } from "./checks.js";
import type { WebhookVerifierDefinition } from "./types.js";

export interface HmacVerifierOptions {
  /**
   * The shared secret (at least 16 bytes), or a function that reads it (from
   * the environment, a vault …). A string is checked when the verifier is made;
   * a function's value on every request (a bad one answers 500 WF_WEBHOOK_SECRET_INVALID).
   */
  secret: string | (() => string);
  /** The header that carries the signature, e.g. `x-hub-signature-256`. */
  header: string;
  /** Default "sha256". */
  algorithm?: "sha1" | "sha256" | "sha512";
  /** How the signature is written. Default "hex". */
  encoding?: "hex" | "base64" | "base64url";
  /** A prefix before the signature in the header, e.g. `sha256=`. */
  prefix?: string;
  /** A header with the sender's delivery id, kept across retries: retries are answered as the first and recorded once. */
  deliveryId?: string;
}

function checked(secret: unknown): string {
  if (typeof secret !== "string" || secret.length === 0) throw secretError("hmac", "an empty secret");
  const bytes = Buffer.byteLength(secret);
  if (bytes < MIN_SECRET_BYTES) throw secretError("hmac", `a secret of ${bytes} bytes`);
  return secret;
}

/**
 * A verifier for the plain scheme: an HMAC of the raw body, in a header,
 * compared in constant time. For the providers' own schemes (timestamps, key
 * rotation) use the presets: `standardWebhooksVerifier`, `stripeVerifier`, …
 */
export function hmacVerifier(options: HmacVerifierOptions): WebhookVerifierDefinition {
  const algorithm = options.algorithm ?? "sha256";
  const encoding = options.encoding ?? "hex";
  const fixed = typeof options.secret === "string" ? checked(options.secret) : undefined;
  const header = options.header.toLowerCase();
  return {
    scheme: "hmac",
    signatureHeaders: [header],
    ...(options.deliveryId && { deliveryId: options.deliveryId }),
    verify(request, body) {
      const secret = fixed ?? checked((options.secret as () => string)());
      const given = request.headers.get(header);
      if (!given) return { ok: false, reason: `the ${header} header is missing` };
      if (options.prefix && !given.startsWith(options.prefix)) {
        return { ok: false, reason: `the ${header} header does not start with ${options.prefix}` };
      }
      const signature = Buffer.from(options.prefix ? given.slice(options.prefix.length) : given);
      const expected = Buffer.from(createHmac(algorithm, secret).update(body).digest(encoding));
      return sameBytes(signature, expected);
    },
  };
}
