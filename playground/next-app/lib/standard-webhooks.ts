// Verifies a Standard Webhooks request (https://www.standardwebhooks.com):
// `webhook-signature` holds one or more `v1,<base64>` HMAC-SHA256 signatures of
// `id.timestamp.body`, keyed with the base64 bytes after `whsec_`.
import { createHmac, timingSafeEqual } from "node:crypto";

const TOLERANCE_SECONDS = 5 * 60;

export type Verified = { ok: true; id: string } | { ok: false; reason: string };

export function verifyStandardWebhook(secret: string, headers: Headers, body: string): Verified {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signatures = headers.get("webhook-signature");
  if (!id || !timestamp || !signatures) return { ok: false, reason: "missing webhook-* headers" };
  if (!/^\d+$/.test(timestamp) || Math.abs(Date.now() / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) {
    return { ok: false, reason: "timestamp outside the tolerance" };
  }
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  const match = signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",", 2);
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
  return match ? { ok: true, id } : { ok: false, reason: "no signature matches" };
}
