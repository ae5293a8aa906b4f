// Bounded input: hook payloads and request bodies over the size or nesting
// limits are refused with a code and nothing is recorded; a body that never
// arrives is dropped at the deadline. The depth checks do not recurse.
import { waitFor as until } from "@wfkit/testing-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resumeHook as apiResumeHook, resumeWebhook as apiResumeWebhook } from "../src/api/index.js";
import { DRAIN_MAX_BYTES, jsonTooDeep, readLimited, valueTooDeep } from "../src/host/body.js";
import { setDefaultRuntime } from "../src/host/default.js";
import type { Runtime } from "../src/host/runtime.js";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { testRuntime } from "./runtime-helpers.js";

let rt: Runtime;
let wf: (name: string) => string;
const BASE = "http://app.test";

beforeAll(async () => {
  const t = await testRuntime(["hooks.ts"], { webhookBaseUrl: BASE, webhook: { bodyTimeoutMs: 200 } });
  rt = t.runtime;
  wf = (name) => t.id("hooks.ts", name);
  setDefaultRuntime(rt);
});
afterAll(async () => {
  setDefaultRuntime(undefined);
  await rt?.close();
});

/** `depth` arrays inside each other, built without recursion. */
const nestedArrays = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
function nestedObjects(depth: number): unknown {
  let value: unknown = "leaf";
  for (let i = 0; i < depth; i++) value = { next: value };
  return value;
}
const received = async (runId: string) =>
  (await rt.world.readEvents(runId)).filter((e) => e.type === "hook_received").length;
const hookOf = (runId: string, kind: "hook" | "webhook") =>
  until(`the ${kind} of ${runId}`, async () =>
    (await rt.world.listHooks({ runId })).find((h) => h.kind === kind),
  );

describe("the depth checks", () => {
  it("count nesting in JSON text and bytes, skipping strings, without recursion", () => {
    expect(jsonTooDeep(nestedArrays(64))).toBe(false);
    expect(jsonTooDeep(nestedArrays(65))).toBe(true);
    expect(jsonTooDeep(nestedArrays(1_000_000))).toBe(true);
    expect(jsonTooDeep(new TextEncoder().encode(nestedArrays(1_000_000)))).toBe(true);
    // Brackets inside strings (and after escaped quotes) are text, not nesting.
    expect(jsonTooDeep(JSON.stringify({ s: `\\"${"[".repeat(100)}`, t: "{{{{" }))).toBe(false);
    expect(jsonTooDeep(new TextEncoder().encode(JSON.stringify({ é: "[[[[ü" })), 1)).toBe(false);
  });

  it("count nesting in values, shared and cyclic references once", () => {
    expect(valueTooDeep(nestedObjects(64))).toBe(false);
    expect(valueTooDeep(nestedObjects(65))).toBe(true);
    expect(valueTooDeep(nestedObjects(1_000_000))).toBe(true);
    expect(valueTooDeep(new Map([["k", new Set([nestedObjects(70)])]]))).toBe(true);
    const cyclic: Record<string, unknown> = { list: [1, 2] };
    cyclic.self = cyclic;
    expect(valueTooDeep(cyclic)).toBe(false);
    expect(valueTooDeep(new Uint8Array(10), 1)).toBe(false);
  });
});

describe("resumeHook payload limits", () => {
  it("refuses a 20 MB payload with WF_PAYLOAD_TOO_LARGE and records nothing", async () => {
    const run = await rt.start(wf("hookWait"), ["big-payload"]);
    await hookOf(run.runId, "hook");
    const big = { value: 1, blob: "x".repeat(20 * 1024 * 1024) };
    await expect(rt.resumeHook("big-payload", big)).rejects.toMatchObject({ code: "WF_PAYLOAD_TOO_LARGE" });
    // workflow/api's resumeHook is the same door.
    await expect(apiResumeHook("big-payload", big)).rejects.toMatchObject({ code: "WF_PAYLOAD_TOO_LARGE" });
    expect(await received(run.runId)).toBe(0);
    expect(await rt.world.getHook("big-payload")).not.toBeNull();
    // The hook still takes a payload within the limits.
    await apiResumeHook("big-payload", { value: 7 });
    expect(await run.returnValue).toEqual({ value: 7 });
  });

  it("refuses a payload nested a million levels deep with WF_JSON_TOO_DEEP, not a stack overflow", async () => {
    const run = await rt.start(wf("hookWait"), ["deep-payload"]);
    await hookOf(run.runId, "hook");
    for (const depth of [65, 1_000_000]) {
      await expect(rt.resumeHook("deep-payload", nestedObjects(depth))).rejects.toMatchObject({
        code: "WF_JSON_TOO_DEEP",
      });
    }
    expect(await received(run.runId)).toBe(0);
    await rt.resumeHook("deep-payload", nestedObjects(60));
    expect(JSON.stringify(await run.returnValue).length).toBeGreaterThan(60 * 8);
  });
});

describe("start() argument depth", () => {
  it("refuses arguments nested a million levels deep with WF_JSON_TOO_DEEP, and starts nothing", async () => {
    const before = (await rt.world.listRuns()).length;
    await expect(rt.start(wf("hookWait"), [nestedObjects(1_000_000)])).rejects.toMatchObject({
      code: "WF_JSON_TOO_DEEP",
    });
    expect((await rt.world.listRuns()).length).toBe(before);
  });
});

describe("webhook body limits", () => {
  it("answers a 20 MB resumeWebhook 413, deep JSON 400, a late body 408, and records none of them", async () => {
    const run = await rt.start(wf("collect"), [1]);
    const { token } = await hookOf(run.runId, "webhook");
    const big = await apiResumeWebhook(
      token,
      new Request(BASE, { method: "POST", body: "x".repeat(20 * 1024 * 1024) }),
    );
    expect(big.status).toBe(413);
    expect(((await big.json()) as { error: { code: string } }).error.code).toBe("WF_WEBHOOK_BODY_TOO_LARGE");

    const url = `${BASE}${WEBHOOK_PATH}${token}`;
    const deep = await rt.handleWebhook(
      new Request(url, {
        method: "POST",
        body: nestedArrays(400_000), // 800 kB: under the size limit
        headers: { "content-type": "application/json; charset=utf-8" },
      }),
    );
    expect(deep.status).toBe(400);
    expect(((await deep.json()) as { error: { code: string } }).error.code).toBe("WF_JSON_TOO_DEEP");

    // Ten bytes, then nothing: the route stops reading at its deadline (200 ms here).
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode("0123456789"));
      },
    });
    const late = await rt.handleWebhook(
      new Request(url, { method: "POST", body: stalled, duplex: "half" } as RequestInit),
    );
    expect(late.status).toBe(408);
    expect(late.headers.get("connection")).toBe("close");
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe("WF_REQUEST_TIMEOUT");
    expect(await received(run.runId)).toBe(0);

    // A body within the limits, JSON a few levels deep, is recorded.
    const ok = await rt.handleWebhook(
      new Request(url, {
        method: "POST",
        body: nestedArrays(10),
        headers: { "content-type": "application/json" },
      }),
    );
    expect(ok.status).toBe(202);
    expect(await run.returnValue).toEqual([nestedArrays(10)]);
  });

  it("readLimited reads a stream over the limit to its end, dropping it, and stops DRAIN_MAX_BYTES past the limit", async () => {
    let pulls = 0;
    const tenChunks = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulls++ < 10) controller.enqueue(new Uint8Array(1000));
        else controller.close();
      },
    });
    const request = new Request(BASE, { method: "POST", body: tenChunks, duplex: "half" } as RequestInit);
    expect(await readLimited(request, 2500)).toBe("too-large");
    // Ten chunks and the end: the sender got to send it all before the answer.
    expect(pulls).toBe(11);

    let endlessPulls = 0;
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({
      pull(controller) {
        endlessPulls++;
        controller.enqueue(new Uint8Array(1024 * 1024));
      },
      cancel() {
        cancelled = true;
      },
    });
    const flood = new Request(BASE, { method: "POST", body: endless, duplex: "half" } as RequestInit);
    expect(await readLimited(flood, 1000)).toBe("too-large");
    expect(cancelled).toBe(true);
    expect(endlessPulls).toBeLessThanOrEqual(DRAIN_MAX_BYTES / (1024 * 1024) + 2);
  });

  it("readLimited reports a body that stops arriving as a timeout", async () => {
    const stalled = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(3));
      },
    });
    const request = new Request(BASE, { method: "POST", body: stalled, duplex: "half" } as RequestInit);
    expect(await readLimited(request, 1024, { timeoutMs: 20 })).toBe("timeout");
  });
});
