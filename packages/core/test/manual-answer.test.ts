// A manual webhook request is recorded on its own append at once, and the activation that
// applies it is pipelined behind that record (record-first.ts): the step that answers the
// caller starts while the request is being recorded, without waiting for the activation's
// own commit, and its answer reaches the caller only once the request is durable.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterEach, describe, expect, it } from "vitest";
import type { Runtime } from "../src/host/runtime.js";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { testRuntime } from "./runtime-helpers.js";
import { holdingCalls } from "./world-gate.js";

const BASE = "http://app.test";
const dirs: string[] = [];
let runtime: Runtime | undefined;
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const slackPost = (text: string) => new URLSearchParams({ command: "/deploy", text }).toString();

describe("a manual webhook request answered by a step", () => {
  it("is answered once recorded, while the activation that scheduled the answering step has not committed", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "wfkit-manual-answer-"));
    dirs.push(dir);
    // Every append that schedules a step is held: the activations of the requests.
    const gate = holdingCalls(sqliteWorld({ dataDir: dir }), "append", (request) =>
      request.events.some((e) => e.type === "step_scheduled"),
    );
    const t = await testRuntime(["hooks.ts"], { webhookBaseUrl: BASE, world: gate.world });
    runtime = t.runtime;
    const run = await runtime.start(t.id("hooks.ts", "slack"));
    const hook = await waitFor("the webhook", async () => (await runtime!.world.listHooks(run))[0]);
    const post = (text: string) =>
      runtime!.handleWebhook(
        new Request(`${BASE}${WEBHOOK_PATH}${hook.token}`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: slackPost(text),
        }),
      );

    const answer = await post("hello");
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ response_type: "in_channel", text: "Got hello" });
    // Answered before the activation's append committed: the request is in the log, the step's scheduling is not.
    const types = (await runtime.world.readEvents(run.runId)).map((e) => e.type);
    expect(types).toContain("hook_received");
    expect(types).not.toContain("step_scheduled");

    await waitFor("the activation's append, held", () => gate.held() > 0 || undefined);
    gate.release();
    const stop = await post("stop");
    expect(await stop.json()).toEqual({ response_type: "in_channel", text: "Stopping" });
    expect(await run.returnValue).toEqual(["/deploy hello", "/deploy stop"]);
    // The log reads as if nothing had been pipelined: each request, then the step that answered it.
    const events = (await runtime.world.readEvents(run.runId)).map((e) => e.type);
    const received = events.filter((type) => type === "hook_received");
    expect(received).toHaveLength(2);
    expect(events.indexOf("hook_received")).toBeLessThan(events.indexOf("step_scheduled"));
  });

  it("starts the answering step while the request is recorded; the answer waits for the record and is kept for retries", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "wfkit-manual-answer-"));
    dirs.push(dir);
    // The request's record is held: it is not durable (not even written) until the test says so.
    const gate = holdingCalls(sqliteWorld({ dataDir: dir }), "append", (request) =>
      request.events.some((e) => e.type === "hook_received"),
    );
    const verifiers = { custom: { verify: () => true, deliveryId: "x-delivery" } };
    const t = await testRuntime(["hooks.ts"], {
      webhookBaseUrl: BASE,
      world: gate.world,
      webhook: { verifiers },
    });
    runtime = t.runtime;
    const steps = ((globalThis as { answeringSteps?: string[] }).answeringSteps ??= []);
    steps.length = 0;
    const run = await runtime.start(t.id("hooks.ts", "answeredByStep"), ["custom"]);
    const hook = await waitFor("the webhook", async () => (await runtime!.world.listHooks(run))[0]);
    const post = () =>
      runtime!.handleWebhook(
        new Request(`${BASE}${WEBHOOK_PATH}${hook.token}`, {
          method: "POST",
          headers: { "x-delivery": "d-1" },
          body: "hello",
        }),
      );

    const first = post();
    await waitFor(
      "the answering step, run before the request is recorded",
      () => steps.length > 0 || undefined,
    );
    expect(gate.held()).toBe(1);
    expect((await runtime.world.readEvents(run.runId)).map((e) => e.type)).not.toContain("hook_received");
    gate.release();
    const answer = await first;
    expect([answer.status, await answer.json()]).toEqual([201, { text: "hello" }]);
    expect(await run.returnValue).toBe("hello");
    // The provider's retry gets the same answer: it was kept with the delivery, which the
    // step could only do once the delivery was recorded.
    const retry = await post();
    expect([retry.status, await retry.json()]).toEqual([201, { text: "hello" }]);
    expect(steps).toEqual(["hello"]);
  });
});
