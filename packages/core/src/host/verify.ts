import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * Checks one webhook request before it is recorded. Gets the request (headers,
 * URL) and its raw body bytes; returns true when the request is authentic.
 */
export type WebhookVerifier = (request: Request, body: Uint8Array) => boolean | Promise<boolean>;

export interface HmacVerifierOptions {
  /** The shared secret, or a function that reads it (from the environment, a vault …). */
  secret: string | (() => string);
  /** The header that carries the signature, e.g. `x-hub-signature-256`. */
  header: string;
  /** Default "sha256". */
  algorithm?: "sha1" | "sha256" | "sha512";
  /** How the signature is written. Default "hex". */
  encoding?: "hex" | "base64" | "base64url";
  /** A prefix before the signature in the header, e.g. `sha256=`. */
  prefix?: string;
}

/** A verifier for the common scheme: an HMAC of the raw body, in a header. Compared in constant time. */
export function hmacVerifier(options: HmacVerifierOptions): WebhookVerifier {
  const algorithm = options.algorithm ?? "sha256";
  const encoding = options.encoding ?? "hex";
  return (request, body) => {
    const given = request.headers.get(options.header);
    if (!given) return false;
    if (options.prefix && !given.startsWith(options.prefix)) return false;
    const signature = Buffer.from(options.prefix ? given.slice(options.prefix.length) : given);
    const secret = typeof options.secret === "function" ? options.secret() : options.secret;
    const expected = Buffer.from(createHmac(algorithm, secret).update(body).digest(encoding));
    return signature.length === expected.length && timingSafeEqual(signature, expected);
  };
}
