// The verification presets against signatures computed here, with node:crypto,
// from each provider's published description (never by the code under test),
// plus the examples the providers publish in their docs.
import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  deliveryIdOf,
  githubVerifier,
  hmacVerifier,
  slackVerifier,
  standardWebhooksVerifier,
  stripeVerifier,
  verifierPreset,
  type WebhookVerifierDefinition,
} from "../src/host/verify/index.js";

const enc = new TextEncoder();
const NOW = 1_800_000_000; // seconds; every verifier below is given this clock
const clock = { now: () => NOW * 1000 };

async function check(verifier: WebhookVerifierDefinition, headers: Record<string, string>, body: string) {
  const request = new Request("http://x.test/hook", { method: "POST", headers, body });
  const result = await verifier.verify(request, enc.encode(body));
  return result === true ? "ok" : result === false ? "bad" : result.reason;
}

const hmacHex = (key: string | Buffer, data: string) => createHmac("sha256", key).update(data).digest("hex");
const hmacB64 = (key: string | Buffer, data: string) =>
  createHmac("sha256", key).update(data).digest("base64");

describe("Standard Webhooks", () => {
  const key = randomBytes(32);
  const oldKey = randomBytes(32);
  const secret = `whsec_${key.toString("base64")}`;
  const oldSecret = `whsec_${oldKey.toString("base64")}`;
  const sign = (k: Buffer, id: string, ts: number, body: string) => `v1,${hmacB64(k, `${id}.${ts}.${body}`)}`;
  const headers = (id: string, ts: number, signature: string) => ({
    "webhook-id": id,
    "webhook-timestamp": String(ts),
    "webhook-signature": signature,
  });
  const v = standardWebhooksVerifier({ secret, ...clock });
  const body = '{"type":"invoice.paid"}';

  it("accepts the spec's published example", async () => {
    const example = standardWebhooksVerifier({
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      now: () => 1614265330 * 1000,
    });
    const signed = headers(
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
    );
    expect(await check(example, signed, '{"test": 2432232314}')).toBe("ok");
    expect(await check(example, signed, '{"test": 2432232315}')).toBe("bad");
  });

  it("good, bad secret, tampered body, tampered id", async () => {
    expect(await check(v, headers("msg_1", NOW, sign(key, "msg_1", NOW, body)), body)).toBe("ok");
    expect(await check(v, headers("msg_1", NOW, sign(randomBytes(32), "msg_1", NOW, body)), body)).toBe(
      "bad",
    );
    expect(await check(v, headers("msg_1", NOW, sign(key, "msg_1", NOW, body)), `${body} `)).toBe("bad");
    expect(await check(v, headers("msg_2", NOW, sign(key, "msg_1", NOW, body)), body)).toBe("bad");
  });

  it("expired and future timestamps fail with a reason; the tolerance is 5 minutes by default", async () => {
    const at = (ts: number) => check(v, headers("m", ts, sign(key, "m", ts, body)), body);
    expect(await at(NOW - 300)).toBe("ok");
    expect(await at(NOW - 301)).toMatch(/301 s from now, over the 300 s tolerance/);
    expect(await at(NOW + 301)).toMatch(/tolerance/);
    const wide = standardWebhooksVerifier({ secret, toleranceMs: 3_600_000, ...clock });
    expect(await check(wide, headers("m", NOW - 3000, sign(key, "m", NOW - 3000, body)), body)).toBe("ok");
  });

  it("key rotation: several signatures in the header, several secrets on the verifier", async () => {
    const both = `${sign(oldKey, "m", NOW, body)} ${sign(key, "m", NOW, body)}`;
    expect(await check(v, headers("m", NOW, both), body)).toBe("ok");
    expect(await check(v, headers("m", NOW, `v1a,xyz ${sign(key, "m", NOW, body)}`), body)).toBe("ok");
    const rotating = standardWebhooksVerifier({ secret: [secret, oldSecret], ...clock });
    expect(await check(rotating, headers("m", NOW, sign(oldKey, "m", NOW, body)), body)).toBe("ok");
    expect(await check(v, headers("m", NOW, sign(oldKey, "m", NOW, body)), body)).toBe("bad");
  });

  it("missing headers fail with a reason; the delivery id is webhook-id", async () => {
    expect(await check(v, { "webhook-timestamp": String(NOW), "webhook-signature": "v1,x" }, body)).toMatch(
      /webhook-id/,
    );
    expect(await check(v, { "webhook-id": "m", "webhook-signature": "v1,x" }, body)).toMatch(
      /webhook-timestamp/,
    );
    expect(await check(v, { "webhook-id": "m", "webhook-timestamp": String(NOW) }, body)).toMatch(
      /signature/,
    );
    const request = new Request("http://x.test", { headers: { "webhook-id": "msg_9" } });
    expect(deliveryIdOf(v, request, enc.encode(""))).toBe("msg_9");
  });
});

describe("Stripe", () => {
  const secret = `whsec_${randomBytes(24).toString("hex")}`;
  const v = stripeVerifier({ secret, ...clock });
  const body = '{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","type":"payment_intent.succeeded"}';
  // Stripe keys the HMAC with the whole secret string, whsec_ prefix included.
  const v1 = (s: string, t: number, b = body) => hmacHex(s, `${t}.${b}`);

  it("good, bad secret, tampered body", async () => {
    expect(await check(v, { "stripe-signature": `t=${NOW},v1=${v1(secret, NOW)}` }, body)).toBe("ok");
    expect(
      await check(v, { "stripe-signature": `t=${NOW},v1=${v1("whsec_other-secret-xx", NOW)}` }, body),
    ).toBe("bad");
    expect(await check(v, { "stripe-signature": `t=${NOW},v1=${v1(secret, NOW)}` }, `${body}\n`)).toBe("bad");
    // The timestamp is signed: changing t breaks the signature.
    expect(await check(v, { "stripe-signature": `t=${NOW + 1},v1=${v1(secret, NOW)}` }, body)).toBe("bad");
  });

  it("expired timestamps fail", async () => {
    const old = NOW - 301;
    expect(await check(v, { "stripe-signature": `t=${old},v1=${v1(secret, old)}` }, body)).toMatch(
      /tolerance/,
    );
  });

  it("several v1 signatures (a secret being rolled), and several secrets on the verifier", async () => {
    const header = `t=${NOW},v1=${v1("whsec_the-old-one-rolled-out", NOW)},v1=${v1(secret, NOW)},v0=abc`;
    expect(await check(v, { "stripe-signature": header }, body)).toBe("ok");
    const rolling = stripeVerifier({ secret: [secret, "whsec_the-old-one-rolled-out"], ...clock });
    const old = `t=${NOW},v1=${v1("whsec_the-old-one-rolled-out", NOW)}`;
    expect(await check(rolling, { "stripe-signature": old }, body)).toBe("ok");
    expect(await check(v, { "stripe-signature": old }, body)).toBe("bad");
    expect(await check(v, { "stripe-signature": `t=${NOW},v0=${v1(secret, NOW)}` }, body)).toMatch(/no v1/);
  });

  it("the delivery id is the event id in the body", () => {
    expect(deliveryIdOf(v, new Request("http://x.test"), enc.encode(body))).toBe(
      "evt_1NG8Du2eZvKYlo2CUI79vXWy",
    );
    expect(deliveryIdOf(v, new Request("http://x.test"), enc.encode("not json"))).toBeUndefined();
  });
});

describe("GitHub", () => {
  it("accepts GitHub's published example", async () => {
    const v = githubVerifier({ secret: "It's a Secret to Everybody" });
    const signature = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(await check(v, { "x-hub-signature-256": signature }, "Hello, World!")).toBe("ok");
  });

  it("good, bad, rotated secret; no timestamp, so no expiry; delivery id is X-GitHub-Delivery", async () => {
    const secret = "gh-secret-0123456789";
    const v = githubVerifier({ secret });
    const body = '{"action":"opened"}';
    const sig = (s: string) => `sha256=${hmacHex(s, body)}`;
    expect(await check(v, { "x-hub-signature-256": sig(secret) }, body)).toBe("ok");
    expect(await check(v, { "x-hub-signature-256": sig("another-secret-0123") }, body)).toBe("bad");
    expect(await check(v, { "x-hub-signature-256": hmacHex(secret, body) }, body)).toMatch(/sha256=/);
    expect(await check(v, {}, body)).toMatch(/missing/);
    const rotated = githubVerifier({ secret: ["new-secret-0123456789", secret] });
    expect(await check(rotated, { "x-hub-signature-256": sig(secret) }, body)).toBe("ok");
    const request = new Request("http://x.test", { headers: { "x-github-delivery": "72d3162e" } });
    expect(deliveryIdOf(v, request, enc.encode(body))).toBe("72d3162e");
  });
});

describe("Slack", () => {
  it("accepts Slack's published example", async () => {
    const v = slackVerifier({ secret: "8f742231b10e8888abcd99yyyzzz85a5", now: () => 1531420618 * 1000 });
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const headers = {
      "x-slack-request-timestamp": "1531420618",
      "x-slack-signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
    };
    expect(await check(v, headers, body)).toBe("ok");
  });

  it("good, bad, expired, rotated; the delivery id is the event_id of Events API bodies", async () => {
    const secret = randomBytes(16).toString("hex");
    const v = slackVerifier({ secret, ...clock });
    const body = '{"type":"event_callback","event_id":"Ev08MFMKH6"}';
    const headers = (s: string, ts: number) => ({
      "x-slack-request-timestamp": String(ts),
      "x-slack-signature": `v0=${hmacHex(s, `v0:${ts}:${body}`)}`,
    });
    expect(await check(v, headers(secret, NOW), body)).toBe("ok");
    expect(await check(v, headers("some-other-secret-123", NOW), body)).toBe("bad");
    expect(await check(v, headers(secret, NOW - 600), body)).toMatch(/tolerance/);
    const rotated = slackVerifier({ secret: ["the-new-signing-secret", secret], ...clock });
    expect(await check(rotated, headers(secret, NOW), body)).toBe("ok");
    expect(deliveryIdOf(v, new Request("http://x.test"), enc.encode(body))).toBe("Ev08MFMKH6");
    expect(deliveryIdOf(v, new Request("http://x.test"), enc.encode("command=%2Fdeploy"))).toBeUndefined();
  });
});

describe("secrets and names, checked when configured", () => {
  it.each([
    ["standard-webhooks", () => standardWebhooksVerifier({ secret: "" })],
    ["standard-webhooks short", () => standardWebhooksVerifier({ secret: "whsec_c2hvcnQ=" })],
    ["standard-webhooks not base64", () => standardWebhooksVerifier({ secret: "whsec_not base64!" })],
    ["stripe", () => stripeVerifier({ secret: "" })],
    ["stripe short", () => stripeVerifier({ secret: "whsec_short" })],
    ["github", () => githubVerifier({ secret: "" })],
    ["github none", () => githubVerifier({ secret: [] })],
    ["slack", () => slackVerifier({ secret: "abc" })],
    ["hmac", () => hmacVerifier({ secret: "", header: "x-sig" })],
    ["undefined from the environment", () => githubVerifier({ secret: undefined as unknown as string })],
  ])("%s: an empty or short secret throws WF_WEBHOOK_SECRET_INVALID", (_name, make) => {
    expect(make).toThrow(expect.objectContaining({ code: "WF_WEBHOOK_SECRET_INVALID" }));
  });

  it("an hmacVerifier secret read per request is checked then", () => {
    const v = hmacVerifier({ secret: () => "", header: "x-sig" });
    expect(() => v.verify(new Request("http://x.test"), new Uint8Array())).toThrow(
      expect.objectContaining({ code: "WF_WEBHOOK_SECRET_INVALID" }),
    );
  });

  it("verifierPreset selects a preset by name and refuses unknown names", async () => {
    const v = verifierPreset("github", { secret: "gh-secret-0123456789" });
    expect(v.scheme).toBe("github");
    const body = "x";
    expect(
      await check(v, { "x-hub-signature-256": `sha256=${hmacHex("gh-secret-0123456789", body)}` }, body),
    ).toBe("ok");
    expect(() => verifierPreset("Stripe" as "stripe", { secret: "whsec_0123456789abcdef" })).toThrow(
      expect.objectContaining({ code: "WF_WEBHOOK_PRESET_UNKNOWN" }),
    );
  });
});
