// Verified, deduplicated webhook ingress as an app uses it: verifiers configured
// in the app server's runtime options, requests over real HTTP, a restart between
// a delivery and its retry, and 410 / 404 once the webhook is gone.
import { createHmac, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stripeVerifier } from "@wfkit/core";
import { listenHttp } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { type AppServer, createAppServer } from "../src/index.js";

const WORKFLOW = `
import { createWebhook } from "workflow";

export async function payments() {
  "use workflow";
  const webhook = createWebhook({ verify: "stripe" });
  const seen: string[] = [];
  for await (const request of webhook) {
    const event = (await request.json()) as { type: string };
    seen.push(event.type);
    if (event.type === "checkout.completed") break;
  }
  return seen;
}
`;
const ID = "workflow//workflows/payments//payments";
const SECRET = `whsec_${randomBytes(24).toString("hex")}`;
const root = mkdtempSync(path.join(tmpdir(), "wfkit-ingress-app-"));
mkdirSync(path.join(root, "workflows"));
writeFileSync(path.join(root, "workflows", "payments.ts"), WORKFLOW);
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Polls until `get` gives a value (the deadline only turns a hang into a failure). */
async function waitFor<T>(what: string, get: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
    const value = await get();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The app server on a real port, as a host runs it. */
async function listen(): Promise<{ app: AppServer; origin: string; stop: () => Promise<void> }> {
  const app = createAppServer({
    root,
    buildDir: path.join(root, ".wfkit"),
    world: ({ dataDir }) => sqliteWorld({ dataDir }),
    env: {},
    logger: { info() {}, warn() {}, error() {} },
    runtime: { webhook: { verifiers: { stripe: stripeVerifier({ secret: SECRET }) } } },
  });
  const http = await listenHttp(app.nodeHandler);
  const origin = http.url;
  app.setOrigin(origin);
  await app.ready();
  const stop = async () => {
    await http.stop();
    await app.close();
  };
  return { app, origin, stop };
}

/** A Stripe delivery, signed here from Stripe's description: v1 = HMAC-SHA256(secret, `${t}.${body}`). */
function stripePost(url: string, event: { id: string; type: string }) {
  const body = JSON.stringify(event);
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac("sha256", SECRET).update(`${t}.${body}`).digest("hex");
  return fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "stripe-signature": `t=${t},v1=${v1}` },
  });
}

describe("webhook ingress over HTTP", { timeout: 60_000 }, () => {
  it("records each Stripe event once across a restart, then answers 410; unknown tokens 404", async () => {
    const first = await listen();
    const run = await (await first.app.ready()).runtime.start<string[]>(ID);
    const world = () => first.app.ready().then((a) => a.runtime.world);
    const hook = await waitFor(
      "the webhook",
      async () => (await (await world()).listHooks({ runId: run.runId }))[0],
    );
    const pathname = `/.well-known/workflow/v1/webhook/${hook.token}`;

    expect((await stripePost(first.origin + pathname, { id: "evt_1", type: "invoice.paid" })).status).toBe(
      202,
    );
    expect((await stripePost(first.origin + pathname, { id: "evt_1", type: "invoice.paid" })).status).toBe(
      202,
    );
    const forged = await fetch(first.origin + pathname, {
      method: "POST",
      body: '{"id":"evt_x","type":"x"}',
    });
    expect([forged.status, (await forged.json()).error.code]).toEqual([401, "WF_WEBHOOK_SIGNATURE_INVALID"]);
    await first.stop();

    const second = await listen();
    const runtime = (await second.app.ready()).runtime;
    // Stripe's retry of evt_1 after the restart: answered, not recorded again.
    expect((await stripePost(second.origin + pathname, { id: "evt_1", type: "invoice.paid" })).status).toBe(
      202,
    );
    expect(
      (await stripePost(second.origin + pathname, { id: "evt_2", type: "checkout.completed" })).status,
    ).toBe(202);
    expect(await runtime.getRun(run.runId).returnValue).toEqual(["invoice.paid", "checkout.completed"]);
    const received = (await runtime.world.readEvents(run.runId)).filter((e) => e.type === "hook_received");
    expect(received).toHaveLength(2);

    const late = await stripePost(second.origin + pathname, { id: "evt_3", type: "invoice.paid" });
    expect([late.status, (await late.json()).error.code]).toEqual([410, "WF_WEBHOOK_GONE"]);
    const unknown = await stripePost(`${second.origin}/.well-known/workflow/v1/webhook/no-such-token`, {
      id: "evt_4",
      type: "invoice.paid",
    });
    expect([unknown.status, (await unknown.json()).error.code]).toEqual([404, "WF_WEBHOOK_NOT_FOUND"]);
    await second.stop();
  });
});
