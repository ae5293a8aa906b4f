import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { buildStepBundle, buildWorkflowBundle } from "@wfkit/builder";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Runtime } from "../src/host/runtime.js";
import { parseRetryAfter, signStandardWebhook } from "../src/host/send-webhook-step.js";
import { standardWebhooksVerifier } from "../src/host/verify/index.js";
import type { WebhookAttempt } from "../src/workflow/send-webhook.js";
import { testRuntime } from "./runtime-helpers.js";

/** A Standard Webhooks verifier written from the spec, independent of the signer under test. */
function verifyStandardWebhook(secret: string, headers: IncomingHttpHeaders, body: string): boolean {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signatures = headers["webhook-signature"];
  if (typeof id !== "string" || typeof timestamp !== "string" || typeof signatures !== "string") return false;
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const expected = createHmac("sha256", key).update(`${id}.${timestamp}.${body}`).digest();
  return signatures.split(" ").some((entry) => {
    const [version, value] = entry.split(",");
    const given = Buffer.from(value ?? "", "base64");
    return version === "v1" && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

interface Received {
  id: string;
  timestamp: string;
  valid: boolean;
  /** What our own Standard Webhooks preset (the ingress verifier) says of the same request. */
  validByPreset: boolean | Promise<boolean>;
  body: string;
}

/** Our ingress preset's verdict on a request the receiver got. */
async function presetAccepts(secret: string, headers: IncomingHttpHeaders, body: string): Promise<boolean> {
  const verifier = standardWebhooksVerifier({ secret });
  const request = new Request("http://127.0.0.1/hooks/reports", {
    method: "POST",
    headers: Object.entries(headers).flatMap(([k, v]) =>
      typeof v === "string" ? [[k, v] as [string, string]] : [],
    ),
    body,
  });
  // true lets a request in; false or { ok: false, reason } keeps it out.
  return (await verifier.verify(request, new TextEncoder().encode(body))) === true;
}

/** A receiver that answers each request with the next scripted answer (the last one repeats). */
async function receiver(secret: string, script: Array<{ status: number; headers?: Record<string, string> }>) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      received.push({
        id: String(req.headers["webhook-id"]),
        timestamp: String(req.headers["webhook-timestamp"]),
        valid: verifyStandardWebhook(secret, req.headers, body),
        validByPreset: presetAccepts(secret, req.headers, body),
        body,
      });
      const answer = script[Math.min(received.length, script.length) - 1]!;
      res.writeHead(answer.status, answer.headers).end(answer.status >= 400 ? "not now" : "ok");
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/reports`;
  return { url, received, close: () => new Promise((r) => server.close(r)) };
}

let rt: Runtime;
let wf: (name: string) => string;
beforeAll(async () => {
  const built = await testRuntime(["send-webhook.ts"]);
  rt = built.runtime;
  wf = (name) => built.id("send-webhook.ts", name);
});
afterAll(() => rt?.close());

const secret = `whsec_${randomBytes(32).toString("base64")}`;

describe("sendWebhook", () => {
  it("retries 500 and 429 (after its Retry-After), then delivers; signed, with one webhook-id", async () => {
    const r = await receiver(secret, [
      { status: 500 },
      { status: 429, headers: { "retry-after": "1" } },
      { status: 200 },
    ]);
    try {
      const run = await rt.start(wf("deliver"), [r.url, { secret, retryDelay: 5 }]);
      const value = (await run.returnValue) as {
        ok: boolean;
        delivery: { webhookId: string; status: number; attempts: WebhookAttempt[] };
      };
      expect(value.ok).toBe(true);
      expect(value.delivery.status).toBe(200);
      expect(value.delivery.attempts.map((a) => a.status)).toEqual([500, 429, 200]);
      expect(value.delivery.attempts[0]!.error).toBe("HTTP 500: not now");
      expect(value.delivery.attempts[1]!.retryAfterMs).toBe(1000);
      // The receiver saw three signed requests with one id, each with its own timestamp check passing.
      expect(r.received).toHaveLength(3);
      expect(r.received.every((x) => x.valid)).toBe(true);
      // A receiver built on wfkit's own ingress preset accepts every attempt too.
      expect(await Promise.all(r.received.map((x) => x.validByPreset))).toEqual(r.received.map(() => true));
      expect(new Set(r.received.map((x) => x.id))).toEqual(new Set([value.delivery.webhookId]));
      expect(value.delivery.webhookId).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(JSON.parse(r.received[0]!.body)).toEqual({ taskId: "t-1", status: "completed" });
      // Each attempt is in the run's event log as its step's output; the 429's wait was a durable sleep.
      const events = await rt.world.readEvents(run.runId);
      const scheduled = events.filter((e) => e.type === "step_scheduled");
      expect(scheduled.map((e) => (e as { stepId: string }).stepId)).toEqual(
        Array(3).fill("step//wfkit//sendWebhook"),
      );
      expect(events.filter((e) => e.type === "step_completed")).toHaveLength(3);
      const waits = events
        .filter((e) => e.type === "sleep_scheduled")
        .map((e) => (e as { wakeAt: number }).wakeAt - e.at);
      // After the 500: the backoff (retryDelay 5 ms, jittered to 50-100 %); after the 429: its Retry-After.
      expect(waits).toHaveLength(2);
      expect(waits[0]).toBeGreaterThanOrEqual(2);
      expect(waits[0]).toBeLessThanOrEqual(5);
      expect(waits[1]).toBe(1000);
    } finally {
      await r.close();
    }
  });

  it("stops at the first 400 with WF_SEND_WEBHOOK_REJECTED, catchable in the workflow", async () => {
    const r = await receiver(secret, [{ status: 400 }]);
    try {
      const run = await rt.start(wf("deliver"), [r.url, { secret, retryDelay: 5 }]);
      const value = (await run.returnValue) as {
        ok: boolean;
        code: string;
        status: number;
        attempts: unknown[];
      };
      expect(value).toMatchObject({ ok: false, code: "WF_SEND_WEBHOOK_REJECTED", status: 400 });
      expect(value.attempts).toHaveLength(1);
      expect(r.received).toHaveLength(1);
      expect(r.received[0]!.valid).toBe(true);
    } finally {
      await r.close();
    }
  });

  it("gives up after maxAttempts with WF_SEND_WEBHOOK_FAILED; network errors are recorded", async () => {
    const r = await receiver(secret, [{ status: 503 }]);
    await r.close(); // nothing listens there any more
    const run = await rt.start(wf("deliver"), [r.url, { maxAttempts: 2, retryDelay: 5 }]);
    const value = (await run.returnValue) as { ok: boolean; code: string; attempts: WebhookAttempt[] };
    expect(value.code).toBe("WF_SEND_WEBHOOK_FAILED");
    expect(value.attempts).toHaveLength(2);
    expect(value.attempts[0]!.status).toBeUndefined();
    expect(value.attempts[0]!.error).toMatch(/ECONNREFUSED|fetch failed/);
  });

  it("refuses a short secret and a relative URL before sending anything", async () => {
    const short = await rt.start(wf("deliver"), ["http://127.0.0.1:9/x", { secret: "whsec_c2hvcnQ=" }]);
    await expect(short.returnValue).rejects.toThrow(/WF_SEND_WEBHOOK_INVALID/);
    const relative = await rt.start(wf("deliver"), ["/hooks", {}]);
    await expect(relative.returnValue).rejects.toThrow(/WF_SEND_WEBHOOK_INVALID/);
  });

  it("reads a secret named by { env } on the host, and fails with a code when it is unset", async () => {
    const r = await receiver(secret, [{ status: 204 }]);
    process.env.WFKIT_TEST_WEBHOOK_SECRET = secret;
    try {
      const run = await rt.start(wf("deliver"), [r.url, { secret: { env: "WFKIT_TEST_WEBHOOK_SECRET" } }]);
      expect(((await run.returnValue) as { ok: boolean }).ok).toBe(true);
      expect(r.received[0]!.valid).toBe(true);
      // The secret itself is nowhere in the run's log.
      const log = JSON.stringify(await rt.world.readEvents(run.runId));
      expect(log).not.toContain(secret.slice(6, 30));
      const unset = await rt.start(wf("deliver"), [r.url, { secret: { env: "WFKIT_TEST_UNSET_SECRET" } }]);
      await expect(unset.returnValue).rejects.toThrow(/WF_SEND_WEBHOOK_INVALID.*WFKIT_TEST_UNSET_SECRET/s);
    } finally {
      delete process.env.WFKIT_TEST_WEBHOOK_SECRET;
      await r.close();
    }
  });
});

describe("sendWebhook across a restart", () => {
  it("keeps its retry schedule and its webhook-id when the server restarts between attempts", async () => {
    const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), "fixtures");
    const files = ["send-webhook.ts"];
    const dir = mkdtempSync(path.join(tmpdir(), "wfkit-send-webhook-restart-"));
    const [workflows, steps] = await Promise.all([
      buildWorkflowBundle({ root: fixtures, files }),
      buildStepBundle({ root: fixtures, files, outDir: path.join(dir, "steps") }),
    ]);
    await import(pathToFileURL(steps.file).href);
    const open = () =>
      new Runtime({ world: sqliteWorld({ dataDir: path.join(dir, "data") }), workflows, log: () => {} });
    const r = await receiver(secret, [{ status: 503, headers: { "retry-after": "1" } }, { status: 200 }]);
    let second: Runtime | undefined;
    try {
      const first = open();
      await first.recover();
      const run = await first.start(wf("deliver"), [r.url, { secret, retryDelay: 5 }]);
      // The first attempt is recorded and its one-second wait scheduled: stop this server now.
      await waitFor("the wait after the 503", async () =>
        (await first.world.readEvents(run.runId)).some((e) => e.type === "sleep_scheduled"),
      );
      await first.close();
      second = open();
      await second.recover();
      const value = (await second.getRun(run.runId).returnValue) as {
        delivery: { webhookId: string; attempts: WebhookAttempt[] };
      };
      expect(value.delivery.attempts.map((a) => a.status)).toEqual([503, 200]);
      expect(r.received.map((x) => x.id)).toEqual([value.delivery.webhookId, value.delivery.webhookId]);
      expect(r.received.every((x) => x.valid)).toBe(true);
      // A receiver built on wfkit's own ingress preset accepts every attempt too.
      expect(await Promise.all(r.received.map((x) => x.validByPreset))).toEqual(r.received.map(() => true));
    } finally {
      await second?.close();
      await r.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Standard Webhooks signing and Retry-After", () => {
  it("signs the spec's example", () => {
    // The example of the Standard Webhooks specification (its reference libraries' tests).
    const sig = signStandardWebhook(
      "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      "msg_p5jXN8AQM9LWM0D4loKWxJek",
      1614265330,
      '{"test": 2432232314}',
    );
    expect(sig).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("reads Retry-After as seconds or as an HTTP date", () => {
    const now = Date.parse("Mon, 30 Nov 2026 01:00:00 GMT");
    expect(parseRetryAfter("3", now)).toBe(3000);
    expect(parseRetryAfter("Mon, 30 Nov 2026 01:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Mon, 30 Nov 2026 00:59:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
