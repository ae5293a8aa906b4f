import { createHmac } from "node:crypto";
import { waitFor as until } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HookConflictError, HookNotFoundError, WorkflowError } from "../src/errors/index.js";
import type { Runtime } from "../src/host/runtime.js";
import { hmacVerifier } from "../src/host/verify/index.js";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { testRuntime } from "./runtime-helpers.js";

let rt: Runtime;
let wf: (name: string) => string;
const BASE = "http://app.test";

beforeAll(async () => {
  const t = await testRuntime(["hooks.ts"], {
    webhookBaseUrl: BASE,
    webhook: {
      maxBodyBytes: 64 * 1024,
      manualResponseTimeoutMs: 200,
      verifiers: {
        github: hmacVerifier({
          secret: "s3cret-of-the-tests",
          header: "x-hub-signature-256",
          prefix: "sha256=",
        }),
      },
    },
  });
  rt = t.runtime;
  wf = (name) => t.id("hooks.ts", name);
  // The "third party" of the tests calls webhook URLs through the handler, as HTTP would.
  (globalThis as Record<string, unknown>).__thirdParty = (url: string, init: RequestInit) =>
    rt.handleWebhook(new Request(url, init));
  (globalThis as Record<string, unknown>).__resumeHook = (token: string, payload: unknown) =>
    rt.resumeHook(token, payload);
});
afterAll(() => rt?.close());

async function hookOf(runId: string, kind?: "hook" | "webhook") {
  return until(`a hook of ${runId}`, async () =>
    (await rt.world.listHooks({ runId })).find((h) => !kind || h.kind === kind),
  );
}
const urlOf = (token: string) => `${BASE}${WEBHOOK_PATH}${token}`;
const post = (token: string, body?: BodyInit, headers?: HeadersInit) =>
  rt.handleWebhook(new Request(urlOf(token), { method: "POST", body, headers }));
async function eventTypes(runId: string) {
  return (await rt.world.readEvents(runId)).map((e) => e.type);
}

describe("hooks", () => {
  it("resumes a hook with a custom token; getHookByToken finds the run and metadata", async () => {
    const run = await rt.start(wf("hookWait"), ["order:1"]);
    await hookOf(run.runId);
    const found = await rt.getHookByToken("order:1");
    expect(found.runId).toBe(run.runId);
    expect(found.metadata).toEqual({ purpose: "test" });
    expect(found.kind).toBe("hook");
    const resumed = await rt.resumeHook("order:1", { value: 42 });
    expect(resumed.runId).toBe(run.runId);
    expect(await run.returnValue).toEqual({ value: 42 });
  });

  it("delivers every payload in arrival order to for await, including ones sent before the wait (lookback)", async () => {
    const run = await rt.start(wf("hookMany"), ["many:1", 5]);
    await hookOf(run.runId);
    await Promise.all([1, 2, 3].map((n) => rt.resumeHook("many:1", n)));
    await rt.resumeHook("many:1", 4);
    await rt.resumeHook("many:1", 5);
    const got = (await run.returnValue) as number[];
    expect(got.slice(3)).toEqual([4, 5]);
    expect([...got].sort()).toEqual([1, 2, 3, 4, 5]);
    const order = (await rt.world.readEvents(run.runId))
      .filter((e) => e.type === "hook_received")
      .map((e) => e.seq);
    expect(order).toEqual([...order].sort((a, b) => a - b));
  });

  it("throws HookNotFoundError for an unknown token", async () => {
    const error = await rt.resumeHook("nobody:here", 1).catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: "HookNotFoundError",
      code: "WF_HOOK_NOT_FOUND",
      token: "nobody:here",
    });
    expect(error).toBeInstanceOf(HookNotFoundError);
    expect(error).toBeInstanceOf(WorkflowError);
    expect(error).not.toBeInstanceOf(HookConflictError);
  });

  it("commits a hook before a step of the same turn runs: the step can resume it", async () => {
    const run = await rt.start(wf("hookBeforeStep"), ["self:1"]);
    expect(await run.returnValue).toBe("from inside the step");
  });

  it("validates defineHook payloads against the schema; a bad payload records nothing", async () => {
    const { approval } = await import("./fixtures/hooks.js");
    const run = await rt.start(wf("approvalFlow"), ["doc-9"]);
    await hookOf(run.runId);
    const before = await eventTypes(run.runId);
    await expect(approval.resume("approval:doc-9", { approved: "yes" } as never)).rejects.toMatchObject({
      code: "WF_HOOK_PAYLOAD_INVALID",
      message: expect.stringContaining("approved: approved must be a boolean"),
    });
    expect(await eventTypes(run.runId)).toEqual(before);
    await approval.resume("approval:doc-9", { approved: true, by: "ana" });
    expect(await run.returnValue).toEqual({ approved: true, by: "ana" });
  });

  it("fails a second live hook with the same token with HookConflictError naming the owner; the token frees when the owner ends", async () => {
    const owner = await rt.start(wf("conflicting"), ["shared:1"]);
    await hookOf(owner.runId);
    const second = await rt.start(wf("conflicting"), ["shared:1"]);
    const result = (await second.returnValue) as {
      name: string;
      message: string;
      isConflict: boolean;
      error: unknown;
    };
    expect(result.name).toBe("HookConflictError");
    expect(result.message).toContain(owner.runId);
    expect(result.isConflict).toBe(true); // instanceof in the sandbox realm
    expect(result.error).toBeInstanceOf(HookConflictError); // made in the sandbox, rebuilt on the host
    expect(result.error).not.toBeInstanceOf(HookNotFoundError);
    expect(result.error).toMatchObject({ token: "shared:1", ownerRunId: owner.runId });
    await rt.resumeHook("shared:1", "first");
    expect(await owner.returnValue).toEqual({ ok: "first" });
    const third = await rt.start(wf("conflicting"), ["shared:1"]);
    await hookOf(third.runId);
    await rt.resumeHook("shared:1", "third");
    expect(await third.returnValue).toEqual({ ok: "third" });
  });

  it("frees the token on dispose()", async () => {
    const run = await rt.start(wf("disposer"), ["disp:1"]);
    await hookOf(run.runId);
    await rt.resumeHook("disp:1", "one");
    await until("the dispose", async () => (await eventTypes(run.runId)).includes("hook_disposed"));
    await expect(rt.resumeHook("disp:1", "two")).rejects.toMatchObject({ name: "HookNotFoundError" });
    await run.cancel();
  });

  it("disposes a hook declared with `using` at the end of its block", async () => {
    const run = await rt.start(wf("usingHook"), ["using:1"]);
    await hookOf(run.runId);
    await rt.resumeHook("using:1", "one");
    await until("the dispose", async () => (await eventTypes(run.runId)).includes("hook_disposed"));
    await expect(rt.resumeHook("using:1", "two")).rejects.toMatchObject({ name: "HookNotFoundError" });
    await run.cancel();
  });

  it("keeps a payload that arrives after a lost race for the next wait", async () => {
    const run = await rt.start(wf("raceThenWait"), ["race:1"]);
    await hookOf(run.runId);
    await until("the deadline", async () => (await eventTypes(run.runId)).includes("sleep_fired"));
    await rt.resumeHook("race:1", "late payload");
    expect(await run.returnValue).toEqual(["deadline", "late payload"]);
  });

  it("waitForHook returns { timeout: true }, and a later payload goes to the next wait", async () => {
    const run = await rt.start(wf("waitTimeout"), ["wait:1"]);
    await hookOf(run.runId);
    await until("the timeout", async () => (await eventTypes(run.runId)).includes("sleep_fired"));
    await rt.resumeHook("wait:1", "after");
    expect(await run.returnValue).toEqual([{ timeout: true }, { timeout: false, payload: "after" }]);
  });
});

describe("webhooks", () => {
  it("fal-style: the URL handed to a step is live, and a call before the wait is kept", async () => {
    const run = await rt.start(wf("falStyle"));
    expect(await run.returnValue).toEqual({ job: "job-1", data: { status: "done", images: 4 } });
  });

  it("loops over progress updates until x-task-finished: true", async () => {
    const run = await rt.start(wf("progress"));
    const { token } = await hookOf(run.runId, "webhook");
    for (const pct of [10, 50]) expect((await post(token, JSON.stringify({ pct }))).status).toBe(202);
    expect((await post(token, JSON.stringify({ pct: 100 }), { "x-task-finished": "true" })).status).toBe(202);
    expect(await run.returnValue).toEqual({
      updates: [{ pct: 10 }, { pct: 50 }, { pct: 100 }],
      timedOut: false,
    });
  });

  it("answers a Slack-style for await loop from a step, and stops on break", async () => {
    const run = await rt.start(wf("slack"));
    const { token } = await hookOf(run.runId, "webhook");
    const form = (text: string) => new URLSearchParams({ command: "/deploy", text });
    const first = await post(token, form("status"));
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ response_type: "in_channel", text: "Got status" });
    const second = await post(token, form("stop"));
    expect(await second.json()).toEqual({ response_type: "in_channel", text: "Stopping" });
    expect(await run.returnValue).toEqual(["/deploy status", "/deploy stop"]);
  });

  it("answers every call with a static response", async () => {
    const run = await rt.start(wf("staticResponse"));
    const { token, url } = { ...(await hookOf(run.runId, "webhook")), url: "" };
    const response = await post(token, "payload");
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ ok: true });
    expect(await run.returnValue).toEqual({ method: "POST", body: "payload" });
    expect(url).toBe("");
  });

  it("answers a manual webhook from workflow code, without a step", async () => {
    const run = await rt.start(wf("manualInWorkflow"));
    const { token } = await hookOf(run.runId, "webhook");
    const response = await post(token, JSON.stringify({ n: 21 }));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ doubled: 42 });
    expect(await run.returnValue).toBe(21);
  });

  it("answers 504 with a clear body when a manual response does not come in time; the request stays recorded", async () => {
    const run = await rt.start(wf("manualNever"));
    const { token } = await hookOf(run.runId, "webhook");
    const response = await post(token, "hello");
    expect(response.status).toBe(504);
    expect((await response.json()).error.code).toBe("WF_WEBHOOK_RESPONSE_TIMEOUT");
    expect(await eventTypes(run.runId)).toContain("hook_received");
    await run.cancel();
  });

  it("answers 500 with a clear body when the run ends without responding", async () => {
    const run = await rt.start(wf("manualEnds"));
    const { token } = await hookOf(run.runId, "webhook");
    const response = await post(token, "hello");
    expect(response.status).toBe(500);
    expect((await response.json()).error.code).toBe("WF_WEBHOOK_NO_RESPONSE");
  });

  it("keeps binary bodies byte for byte", async () => {
    const run = await rt.start(wf("binary"));
    const { token } = await hookOf(run.runId, "webhook");
    const bytes = new Uint8Array(256 * 4).map((_, i) => i % 256);
    expect((await post(token, bytes, { "content-type": "application/octet-stream" })).status).toBe(202);
    expect(await run.returnValue).toEqual({
      length: 1024,
      sum: 4 * 255 * 128,
      first: 0,
      last: 255,
      type: "application/octet-stream",
    });
  });

  it("webhook URLs carry an unguessable token under the configured base", async () => {
    const run = await rt.start(wf("collect"), [1]);
    const { token } = await hookOf(run.runId, "webhook");
    expect(token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(token).not.toContain(run.runId.slice(5));
    await post(token, "x");
    await run.returnValue;
  });

  it("resumeWebhook delivers a request as if it came over HTTP and returns the response", async () => {
    const run = await rt.start(wf("manualInWorkflow"));
    const { token } = await hookOf(run.runId, "webhook");
    const response = await rt.resumeWebhook(
      token,
      new Request("http://elsewhere/x", { method: "POST", body: JSON.stringify({ n: 5 }) }),
    );
    expect(await response.json()).toEqual({ doubled: 10 });
  });

  it("records 1,000 concurrent calls to waiting webhooks: none lost, none answered 2xx unrecorded", async () => {
    const runs = await Promise.all(Array.from({ length: 20 }, () => rt.start(wf("collect"), [50])));
    const tokens = await Promise.all(runs.map(async (r) => (await hookOf(r.runId, "webhook")).token));
    const calls = tokens.flatMap((token, r) =>
      Array.from({ length: 50 }, (_, i) => ({ token, body: `r${r}-${i}` })),
    );
    const responses = await Promise.all(calls.map((c) => post(c.token, c.body)));
    expect(responses.every((r) => r.status === 202)).toBe(true);
    for (const [r, run] of runs.entries()) {
      const bodies = (await run.returnValue) as string[];
      expect([...bodies].sort()).toEqual(Array.from({ length: 50 }, (_, i) => `r${r}-${i}`).sort());
    }
  });
});

describe("verified webhooks", () => {
  const sign = (body: string, secret = "s3cret-of-the-tests") =>
    `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;

  it("records only requests whose signature verifies; others get 401 and nothing is recorded", async () => {
    const run = await rt.start(wf("verified"), ["github"]);
    const { token } = await hookOf(run.runId, "webhook");
    const body = JSON.stringify({ action: "opened" });
    const unsigned = await post(token, body);
    expect(unsigned.status, await unsigned.clone().text()).toBe(401);
    expect((await unsigned.json()).error.code).toBe("WF_WEBHOOK_SIGNATURE_INVALID");
    const forged = await post(token, body, { "x-hub-signature-256": sign(body, "wrong") });
    expect(forged.status).toBe(401);
    const tampered = await post(token, `${body} `, { "x-hub-signature-256": sign(body) });
    expect(tampered.status).toBe(401);
    expect(await eventTypes(run.runId)).not.toContain("hook_received");
    expect((await post(token, body, { "x-hub-signature-256": sign(body) })).status).toBe(202);
    expect(await run.returnValue).toEqual({ action: "opened" });
  });

  it("refuses with 500 and a code when the named verifier is not configured, recording nothing", async () => {
    const run = await rt.start(wf("verified"), ["nobody"]);
    const { token } = await hookOf(run.runId, "webhook");
    const response = await post(token, "{}");
    expect(response.status).toBe(500);
    expect((await response.json()).error.code).toBe("WF_WEBHOOK_VERIFIER_MISSING");
    expect(await eventTypes(run.runId)).not.toContain("hook_received");
    await run.cancel();
  });
});

describe("the webhook route's error answers", () => {
  it("404 with a code for an unknown token, and for a createHook token (hooks are not public)", async () => {
    const unknown = await post("no-such-token", "x");
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error).toMatchObject({
      code: "WF_WEBHOOK_NOT_FOUND",
      hint: expect.any(String),
    });
    const run = await rt.start(wf("hookWait"), ["private:1"]);
    await hookOf(run.runId);
    expect((await post("private:1", "x")).status).toBe(404);
    expect(await eventTypes(run.runId)).not.toContain("hook_received");
    await rt.resumeHook("private:1", { value: 1 });
    await run.returnValue;
  });

  it("410 for the token of an ended run, distinct from 404 for a token that never existed", async () => {
    const run = await rt.start(wf("collect"), [1]);
    const { token } = await hookOf(run.runId, "webhook");
    await post(token, "only");
    await run.returnValue;
    const gone = await post(token, "again");
    expect(gone.status).toBe(410);
    expect((await gone.json()).error).toMatchObject({
      code: "WF_WEBHOOK_GONE",
      message: expect.stringMatching(/ended/),
    });
    expect((await rt.handleWebhook(new Request(urlOf(token), { method: "HEAD" }))).status).toBe(410);
    expect((await post(`${token}x`, "again")).status).toBe(404);
    expect((await eventTypes(run.runId)).filter((t) => t === "hook_received")).toHaveLength(1);
  });

  it("413 for a body over the limit, with nothing recorded", async () => {
    const run = await rt.start(wf("collect"), [1]);
    const { token } = await hookOf(run.runId, "webhook");
    const before = await eventTypes(run.runId);
    const big = await post(token, new Uint8Array(64 * 1024 + 1));
    expect(big.status).toBe(413);
    expect((await big.json()).error.code).toBe("WF_WEBHOOK_BODY_TOO_LARGE");
    // A streamed body without content-length is cut off the same way.
    const stream = new ReadableStream({
      start(c) {
        for (let i = 0; i < 20; i++) c.enqueue(new Uint8Array(4096));
        c.close();
      },
    });
    const streamed = await rt.handleWebhook(
      new Request(urlOf(token), { method: "POST", body: stream, duplex: "half" } as RequestInit),
    );
    expect(streamed.status).toBe(413);
    expect(await eventTypes(run.runId)).toEqual(before);
    await post(token, "small");
    expect(await run.returnValue).toEqual(["small"]);
  });

  it("answers HEAD and OPTIONS itself and never delivers them", async () => {
    const run = await rt.start(wf("collect"), [1]);
    const { token } = await hookOf(run.runId, "webhook");
    const head = await rt.handleWebhook(new Request(urlOf(token), { method: "HEAD" }));
    expect(head.status).toBe(200);
    const options = await rt.handleWebhook(new Request(urlOf(token), { method: "OPTIONS" }));
    expect(options.status).toBe(204);
    expect(await eventTypes(run.runId)).not.toContain("hook_received");
    await post(token, "real");
    expect(await run.returnValue).toEqual(["real"]);
  });
});

describe("durability before answers", () => {
  it("a step answers a manual webhook only after the request it answers is committed", async () => {
    const order: string[] = [];
    const t = await testRuntime(["hooks.ts"], { webhookBaseUrl: BASE }, (world) => {
      const append = world.append.bind(world);
      const put = world.putResponse.bind(world);
      world.append = async (request) => {
        const result = await append(request);
        if (request.events.some((e) => e.type === "hook_received")) order.push("request committed");
        return result;
      };
      world.putResponse = async (id, response) => {
        order.push("response given");
        return put(id, response);
      };
      return world;
    });
    try {
      const run = await t.runtime.start(t.id("hooks.ts", "slack"));
      const hook = await until(
        "the webhook",
        async () => (await t.runtime.world.listHooks({ runId: run.runId }))[0],
      );
      const form = new URLSearchParams({ command: "/deploy", text: "stop" });
      const response = await t.runtime.handleWebhook(
        new Request(urlOf(hook.token), { method: "POST", body: form }),
      );
      expect(response.status).toBe(200);
      await run.returnValue;
      expect(order.slice(0, 2)).toEqual(["request committed", "response given"]);
    } finally {
      await t.runtime.close();
    }
  });
});
