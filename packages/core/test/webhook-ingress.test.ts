// The webhook route's ingress guarantees, from outside (Requests to the route):
// provider retries are answered as the first delivery and recorded once (also
// across a restart on SQLite), and ended webhooks answer 410, unknown tokens 404.
import { createHmac, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor as until } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { githubVerifier, standardWebhooksVerifier, stripeVerifier } from "../src/host/verify/index.js";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { testRuntime } from "./runtime-helpers.js";

const BASE = "http://app.test";
const KEY = randomBytes(24);
const SW_SECRET = `whsec_${KEY.toString("base64")}`;
const GH_SECRET = "a-github-secret-for-tests";
const STRIPE_SECRET = `whsec_${randomBytes(24).toString("hex")}`;
const now = () => Math.floor(Date.now() / 1000);

const options = {
  webhookBaseUrl: BASE,
  webhook: {
    manualResponseTimeoutMs: 10_000,
    verifiers: {
      sw: standardWebhooksVerifier({ secret: SW_SECRET }),
      gh: githubVerifier({ secret: GH_SECRET }),
      stripe: stripeVerifier({ secret: STRIPE_SECRET }),
      custom: { verify: () => true, deliveryId: "x-delivery" },
    },
  },
};

/** Standard Webhooks headers, computed here from the spec's description (not by the code under test). */
function swHeaders(id: string, body: string, ts = now()): Record<string, string> {
  const signature = createHmac("sha256", KEY).update(`${id}.${ts}.${body}`).digest("base64");
  return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": `v1,${signature}` };
}

const urlOf = (token: string) => `${BASE}${WEBHOOK_PATH}${token}`;
const send = (rt: Runtime, token: string, body: string, headers: Record<string, string>) =>
  rt.handleWebhook(new Request(urlOf(token), { method: "POST", body, headers }));
/** Requests the run's webhook has recorded (payloads of its plain hooks not counted). */
async function received(rt: Runtime, runId: string): Promise<number> {
  const events = await rt.world.readEvents(runId);
  const webhooks = new Set(
    events.flatMap((e) => (e.type === "hook_created" && e.kind === "webhook" ? [e.opId] : [])),
  );
  return events.filter((e) => e.type === "hook_received" && webhooks.has(e.opId)).length;
}
const webhookOf = (rt: Runtime, runId: string) =>
  until(`the webhook of ${runId}`, async () =>
    (await rt.world.listHooks({ runId })).find((h) => h.kind === "webhook"),
  );

describe("delivery dedupe within a process", () => {
  let rt: Runtime;
  let wf: (name: string) => string;
  beforeAll(async () => {
    const t = await testRuntime(["ingress.ts"], options);
    rt = t.runtime;
    wf = (name) => t.id("ingress.ts", name);
  });
  afterAll(() => rt?.close());

  it("a retry with the same webhook-id gets 202 again and is recorded once; another id is recorded", async () => {
    const run = await rt.start(wf("signedCollect"), ["sw", 2]);
    const { token } = await webhookOf(rt, run.runId);
    const first = swHeaders("msg_1", "one");
    expect((await send(rt, token, "one", first)).status).toBe(202);
    // A provider's retry: same id, signed again a moment later.
    expect((await send(rt, token, "one", swHeaders("msg_1", "one", now() + 1))).status).toBe(202);
    expect((await send(rt, token, "one", first)).status).toBe(202);
    expect(await received(rt, run.runId)).toBe(1);
    expect((await send(rt, token, "two", swHeaders("msg_2", "two"))).status).toBe(202);
    expect(await run.returnValue).toEqual(["one", "two"]);
  });

  it("concurrent retries of one delivery: all answered, one recorded", async () => {
    const run = await rt.start(wf("signedCollect"), ["sw", 2]);
    const { token } = await webhookOf(rt, run.runId);
    const headers = swHeaders("msg_c", "same");
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(rt, token, "same", headers)));
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    expect(await received(rt, run.runId)).toBe(1);
    await send(rt, token, "last", swHeaders("msg_d", "last"));
    expect(await run.returnValue).toEqual(["same", "last"]);
  });

  it("a static-response webhook answers a retry with the same static response", async () => {
    const run = await rt.start(wf("signedStatic"), ["sw", 2]);
    const { token } = await webhookOf(rt, run.runId);
    for (let i = 0; i < 2; i++) {
      const answer = await send(rt, token, "s", swHeaders("msg_s", "s"));
      expect([answer.status, answer.headers.get("x-answer"), await answer.text()]).toEqual([
        200,
        "static",
        "thanks",
      ]);
    }
    expect(await received(rt, run.runId)).toBe(1);
    await send(rt, token, "t", swHeaders("msg_t", "t"));
    expect(await run.returnValue).toEqual(["s", "t"]);
  });

  it("a manual webhook answers a retry with the recorded response", async () => {
    const run = await rt.start(wf("signedManual"), ["sw", 2]);
    const { token } = await webhookOf(rt, run.runId);
    const first = await send(rt, token, "m1", swHeaders("msg_m1", "m1"));
    expect([first.status, await first.json()]).toEqual([201, { n: 1, text: "m1" }]);
    const retry = await send(rt, token, "m1", swHeaders("msg_m1", "m1"));
    expect([retry.status, await retry.json()]).toEqual([201, { n: 1, text: "m1" }]);
    const next = await send(rt, token, "m2", swHeaders("msg_m2", "m2"));
    expect(await next.json()).toEqual({ n: 2, text: "m2" });
    expect(await run.returnValue).toEqual(["m1", "m2"]);
  });

  it("a retry that arrives before the manual response waits for it like the first caller", async () => {
    const gate = `gate-${randomBytes(4).toString("hex")}`;
    const run = await rt.start(wf("manualAfterGate"), ["sw", gate]);
    const { token } = await webhookOf(rt, run.runId);
    const first = send(rt, token, "hello", swHeaders("msg_w", "hello"));
    await until("the first delivery recorded", async () => (await received(rt, run.runId)) === 1);
    const retry = send(rt, token, "hello", swHeaders("msg_w", "hello"));
    await rt.resumeHook(gate, "open");
    const answers = await Promise.all([first, retry]);
    expect(await Promise.all(answers.map((a) => a.json()))).toEqual([
      { text: "hello", word: "open" },
      { text: "hello", word: "open" },
    ]);
    expect(await received(rt, run.runId)).toBe(1);
  });

  it("dedupes GitHub by X-GitHub-Delivery, Stripe by the event id in the body, custom by its header", async () => {
    const gh = await rt.start(wf("signedCollect"), ["gh", 2]);
    const ghToken = (await webhookOf(rt, gh.runId)).token;
    const ghSign = (body: string) => `sha256=${createHmac("sha256", GH_SECRET).update(body).digest("hex")}`;
    const push = '{"ref":"main"}';
    for (let i = 0; i < 3; i++) {
      const headers = { "x-hub-signature-256": ghSign(push), "x-github-delivery": "d-1" };
      expect((await send(rt, ghToken, push, headers)).status).toBe(202);
    }
    await send(rt, ghToken, push, { "x-hub-signature-256": ghSign(push), "x-github-delivery": "d-2" });
    expect(await gh.returnValue).toEqual([push, push]);

    const st = await rt.start(wf("signedCollect"), ["stripe", 2]);
    const stToken = (await webhookOf(rt, st.runId)).token;
    const stSign = (body: string, t: number) =>
      `t=${t},v1=${createHmac("sha256", STRIPE_SECRET).update(`${t}.${body}`).digest("hex")}`;
    const event = '{"id":"evt_1","type":"invoice.paid"}';
    // Stripe signs each attempt anew; the event id stays.
    expect((await send(rt, stToken, event, { "stripe-signature": stSign(event, now()) })).status).toBe(202);
    expect((await send(rt, stToken, event, { "stripe-signature": stSign(event, now() + 2) })).status).toBe(
      202,
    );
    expect(await received(rt, st.runId)).toBe(1);
    const other = '{"id":"evt_2","type":"invoice.paid"}';
    await send(rt, stToken, other, { "stripe-signature": stSign(other, now()) });
    expect(await st.returnValue).toEqual([event, other]);

    const custom = await rt.start(wf("signedCollect"), ["custom", 2]);
    const customToken = (await webhookOf(rt, custom.runId)).token;
    await send(rt, customToken, "a", { "x-delivery": "1" });
    await send(rt, customToken, "a", { "x-delivery": "1" });
    await send(rt, customToken, "b", { "x-delivery": "2" });
    expect(await custom.returnValue).toEqual(["a", "b"]);
  });

  it("refuses an expired Standard Webhooks request with 401 and the reason, recording nothing", async () => {
    const run = await rt.start(wf("signedCollect"), ["sw", 1]);
    const { token } = await webhookOf(rt, run.runId);
    const old = await send(rt, token, "late", swHeaders("msg_old", "late", now() - 10 * 60));
    expect(old.status).toBe(401);
    expect((await old.json()).error).toMatchObject({
      code: "WF_WEBHOOK_SIGNATURE_INVALID",
      message: expect.stringMatching(/tolerance/),
    });
    expect(await received(rt, run.runId)).toBe(0);
    await send(rt, token, "fresh", swHeaders("msg_new", "fresh"));
    expect(await run.returnValue).toEqual(["fresh"]);
  });
});

describe("410 Gone and 404", () => {
  let rt: Runtime;
  let wf: (name: string) => string;
  beforeAll(async () => {
    const t = await testRuntime(["ingress.ts"], options);
    rt = t.runtime;
    wf = (name) => t.id("ingress.ts", name);
  });
  afterAll(() => rt?.close());

  it("410 with the reason for a disposed webhook of a running run; 404 for a token that never existed", async () => {
    const gate = `gate-${randomBytes(4).toString("hex")}`;
    const run = await rt.start(wf("disposeWebhook"), [gate]);
    const { metadata } = await until("the gate", () => rt.getHookByToken(gate).catch(() => undefined));
    const url = (metadata as { url: string }).url;
    await until(
      "the webhook released",
      async () => (await rt.world.listHooks({ runId: run.runId })).length === 1,
    );
    const gone = await rt.handleWebhook(new Request(url, { method: "POST", body: "x" }));
    expect(gone.status).toBe(410);
    expect((await gone.json()).error).toMatchObject({
      code: "WF_WEBHOOK_GONE",
      message: expect.stringMatching(/disposed/),
      docs: "@wfkit/core/docs/errors/WF_WEBHOOK_GONE.md",
    });
    const never = await rt.handleWebhook(
      new Request(urlOf("never-was-a-token"), { method: "POST", body: "x" }),
    );
    expect(never.status).toBe(404);
    expect((await never.json()).error.code).toBe("WF_WEBHOOK_NOT_FOUND");
    await rt.resumeHook(gate, "done");
    expect(await run.returnValue).toBe("done");
  });

  it("after the run ended: a verified retry of a recorded delivery is answered as the first; anything else is 410", async () => {
    const run = await rt.start(wf("signedCollect"), ["sw", 1]);
    const { token } = await webhookOf(rt, run.runId);
    expect((await send(rt, token, "only", swHeaders("msg_only", "only"))).status).toBe(202);
    expect(await run.returnValue).toEqual(["only"]);
    expect((await send(rt, token, "only", swHeaders("msg_only", "only"))).status).toBe(202);
    const late = await send(rt, token, "late", swHeaders("msg_late", "late"));
    expect([late.status, (await late.json()).error.code]).toEqual([410, "WF_WEBHOOK_GONE"]);
    expect((await send(rt, token, "x", { "webhook-id": "msg_only" })).status).toBe(410);
    expect(await received(rt, run.runId)).toBe(1);
  });
});

describe("the dedupe window", () => {
  it("a retry after the retention window is a new delivery", async () => {
    const t = await testRuntime(["ingress.ts"], {
      ...options,
      webhook: { ...options.webhook, deliveryRetentionMs: 0 },
    });
    try {
      const run = await t.runtime.start(t.id("ingress.ts", "signedCollect"), ["sw", 2]);
      const { token } = await webhookOf(t.runtime, run.runId);
      await send(t.runtime, token, "r", swHeaders("msg_r", "r"));
      await send(t.runtime, token, "r", swHeaders("msg_r", "r"));
      expect(await run.returnValue).toEqual(["r", "r"]);
    } finally {
      await t.runtime.close();
    }
  });
});

describe("delivery dedupe across a restart (SQLite World)", () => {
  it("retries after a close and reopen are answered as the first and not recorded again", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-ingress-"));
    const open = () => testRuntime(["ingress.ts"], options, () => sqliteWorld({ dataDir }));
    try {
      const before = await open();
      const collect = await before.runtime.start(before.id("ingress.ts", "signedCollect"), ["sw", 2]);
      const manual = await before.runtime.start(before.id("ingress.ts", "signedManual"), ["sw", 2]);
      const collectToken = (await webhookOf(before.runtime, collect.runId)).token;
      const manualToken = (await webhookOf(before.runtime, manual.runId)).token;
      expect((await send(before.runtime, collectToken, "c1", swHeaders("msg_c1", "c1"))).status).toBe(202);
      const answered = await send(before.runtime, manualToken, "m1", swHeaders("msg_m1", "m1"));
      expect(await answered.json()).toEqual({ n: 1, text: "m1" });
      await before.runtime.close();

      const after = await open();
      const rt = after.runtime;
      expect((await send(rt, collectToken, "c1", swHeaders("msg_c1", "c1"))).status).toBe(202);
      const again = await send(rt, manualToken, "m1", swHeaders("msg_m1", "m1"));
      expect([again.status, await again.json()]).toEqual([201, { n: 1, text: "m1" }]);
      expect(await received(rt, collect.runId)).toBe(1);
      expect(await received(rt, manual.runId)).toBe(1);

      await send(rt, collectToken, "c2", swHeaders("msg_c2", "c2"));
      expect(await rt.getRun(collect.runId).returnValue).toEqual(["c1", "c2"]);
      expect(await (await send(rt, manualToken, "m2", swHeaders("msg_m2", "m2"))).json()).toEqual({
        n: 2,
        text: "m2",
      });
      expect(await rt.getRun(manual.runId).returnValue).toEqual(["m1", "m2"]);
      // Ended now: late deliveries get 410 from the reopened World too.
      expect((await send(rt, collectToken, "c3", swHeaders("msg_c3", "c3"))).status).toBe(410);
      await rt.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
