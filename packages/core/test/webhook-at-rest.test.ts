// Webhook requests at rest: what the route stores (and hands to workflow code) leaves out
// signature headers once verified, credentials by default, and the headers named in `dropHeaders`.
import { createHmac, randomBytes } from "node:crypto";
import { waitFor as until } from "@wfkit/testing-kit";
import { describe, expect, it } from "vitest";
import type { RuntimeOptions } from "../src/host/runtime.js";
import {
  githubVerifier,
  hmacVerifier,
  standardWebhooksVerifier,
  stripeVerifier,
} from "../src/host/verify/index.js";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import type { WebhookRequestRecord } from "../src/sandbox/web.js";
import { deserialize } from "../src/serialization/index.js";
import { testRuntime } from "./runtime-helpers.js";

const BASE = "http://app.test";
const KEY = randomBytes(24);
const GH_SECRET = "a-github-secret-for-tests";
const STRIPE_SECRET = `whsec_${randomBytes(24).toString("hex")}`;
const now = () => Math.floor(Date.now() / 1000);

const verifiers = {
  sw: standardWebhooksVerifier({ secret: `whsec_${KEY.toString("base64")}` }),
  gh: githubVerifier({ secret: GH_SECRET }),
  stripe: stripeVerifier({ secret: STRIPE_SECRET }),
  custom: () => true,
  plain: hmacVerifier({ secret: GH_SECRET, header: "X-Signature", deliveryId: "x-id" }),
};

const CREDENTIALS = {
  authorization: "Bearer secret-token",
  cookie: "session=abc",
  "proxy-authorization": "Basic dXNlcjpwYXNz",
};

/** Starts `headersSeen(verify)`, sends it one request, returns what was stored and what the workflow saw. */
async function deliver(
  webhook: RuntimeOptions["webhook"],
  verify: string | undefined,
  body: string,
  headers: Record<string, string>,
) {
  const { runtime: rt, id } = await testRuntime(["at-rest.ts"], { webhookBaseUrl: BASE, webhook });
  try {
    const run = await rt.start(id("at-rest.ts", "headersSeen"), verify === undefined ? [] : [verify]);
    const hook = await until("the webhook", async () => (await rt.world.listHooks({ runId: run.runId }))[0]);
    const answer = await rt.handleWebhook(
      new Request(`${BASE}${WEBHOOK_PATH}${hook.token}`, { method: "POST", body, headers }),
    );
    expect(answer.status).toBe(202);
    const seen = (await run.returnValue) as { names: string[]; body: string };
    const received = (await rt.world.readEvents(run.runId)).find((e) => e.type === "hook_received");
    if (received?.type !== "hook_received") throw new Error("no hook_received event");
    const stored = deserialize<WebhookRequestRecord>(received.payload);
    return { seen, stored: Object.fromEntries(stored.headers), raw: received.payload };
  } finally {
    await rt.close();
  }
}

describe("webhook requests at rest", () => {
  it("Standard Webhooks: the signature and credentials are not stored; id, timestamp and the rest are", async () => {
    const body = '{"type":"ping"}';
    const ts = now();
    const signature = createHmac("sha256", KEY).update(`msg_1.${ts}.${body}`).digest("base64");
    const { seen, stored, raw } = await deliver({ verifiers }, "sw", body, {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(ts),
      "webhook-signature": `v1,${signature}`,
      "content-type": "application/json",
      ...CREDENTIALS,
    });
    expect(Object.keys(stored).sort()).toEqual(["content-type", "webhook-id", "webhook-timestamp"]);
    expect(seen).toEqual({ names: ["content-type", "webhook-id", "webhook-timestamp"], body });
    // Nowhere in the stored event, under any name.
    for (const secret of [signature, "secret-token", "session=abc", "dXNlcjpwYXNz"])
      expect(raw).not.toContain(secret);
  });

  it("GitHub and Stripe: their signature headers are dropped once verified", async () => {
    const push = '{"ref":"main"}';
    const gh = await deliver({ verifiers }, "gh", push, {
      "x-hub-signature-256": `sha256=${createHmac("sha256", GH_SECRET).update(push).digest("hex")}`,
      "x-hub-signature": `sha1=${createHmac("sha1", GH_SECRET).update(push).digest("hex")}`,
      "x-github-delivery": "d-1",
      "x-github-event": "push",
    });
    expect(Object.keys(gh.stored).sort()).toEqual(["content-type", "x-github-delivery", "x-github-event"]);

    const event = '{"id":"evt_1"}';
    const t = now();
    const sig = createHmac("sha256", STRIPE_SECRET).update(`${t}.${event}`).digest("hex");
    const st = await deliver({ verifiers }, "stripe", event, { "stripe-signature": `t=${t},v1=${sig}` });
    expect(Object.keys(st.stored)).toEqual(["content-type"]);
    expect(st.raw).not.toContain(sig);

    // hmacVerifier: the header it was given, in any case.
    const mac = createHmac("sha256", GH_SECRET).update("hi").digest("hex");
    const plain = await deliver({ verifiers }, "plain", "hi", { "x-signature": mac, "x-id": "1" });
    expect(Object.keys(plain.stored).sort()).toEqual(["content-type", "x-id"]);
  });

  it("dropHeaders names more headers to leave out; keepHeaders keeps a default one for workflow code", async () => {
    const dropped = await deliver({ verifiers, dropHeaders: ["X-Api-Key"] }, "custom", "a", {
      "x-api-key": "k-123",
      "x-trace": "t-1",
      ...CREDENTIALS,
    });
    expect(dropped.seen.names).toEqual(["content-type", "x-trace"]);
    expect(dropped.raw).not.toContain("k-123");

    const kept = await deliver({ keepHeaders: ["Authorization"] }, undefined, "b", CREDENTIALS);
    expect(kept.seen.names).toEqual(["authorization", "content-type"]);
    expect(kept.stored.authorization).toBe("Bearer secret-token");
  });

  it("an unverified webhook keeps headers that look like signatures: only a verifier vouches for them", async () => {
    const { stored } = await deliver({}, undefined, "c", { "stripe-signature": "t=1,v1=ab", ...CREDENTIALS });
    expect(Object.keys(stored).sort()).toEqual(["content-type", "stripe-signature"]);
  });
});
