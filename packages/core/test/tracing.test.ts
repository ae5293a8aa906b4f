// Runs and step attempts as OpenTelemetry spans, read back from an in-memory
// exporter: names, parent/child links, attributes, error status, span events,
// and one trace across a restart of the runtime on a SQLite World.
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtempSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Context, type ContextManager, context, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { WEBHOOK_PATH } from "../src/host/webhook.js";
import { testRuntime } from "./runtime-helpers.js";

/** What an app's SDK sets up (NodeSDK does the same with its AsyncLocalStorage context manager). */
class StorageContextManager implements ContextManager {
  private readonly storage = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.storage.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.storage.run(ctx, () => fn.apply(thisArg, args));
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.storage.disable();
    return this;
  }
}

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const dirs: string[] = [];

beforeAll(() => {
  context.setGlobalContextManager(new StorageContextManager());
  trace.setGlobalTracerProvider(provider);
});
beforeEach(() => exporter.reset());
afterAll(async () => {
  await provider.shutdown();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

const spans = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const eventNames = (span: ReadableSpan) => span.events.map((e) => e.name);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("OpenTelemetry spans", () => {
  it("continues the request's trace across a restart: the run span, its continuation, step attempts and events", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "wfkit-trace-"));
    dirs.push(dataDir);
    const first = await testRuntime(["inspect.ts"], {}, () => sqliteWorld({ dataDir }));
    const wf = first.id("inspect.ts", "order");

    // The run is started while an incoming request's span is active.
    const request = trace.getTracer("app").startSpan("POST /orders");
    const run = await context.with(trace.setSpan(context.active(), request), () =>
      first.runtime.start(wf, ["trace-k", 7]),
    );
    request.end();
    const webhook = await waitFor("the webhook", async () =>
      (await first.runtime.world.listHooks({ runId: run.runId })).find((h) => h.kind === "webhook"),
    );
    await first.runtime.close();

    // A new process (runtime) on the same data folder takes the run over.
    const second = await testRuntime(["inspect.ts"], {}, () => sqliteWorld({ dataDir }));
    const answer = await second.runtime.handleWebhook(
      new Request(`http://app.test${WEBHOOK_PATH}${webhook.token}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ ok: true }),
      }),
    );
    expect(await answer.json()).toEqual({ received: true });
    await waitFor(
      "the approval hook",
      async () => (await second.runtime.world.getHook("approve:trace-k")) ?? undefined,
    );
    await second.runtime.resumeHook("approve:trace-k", { by: "ada" });
    expect(await second.runtime.getRun(run.runId).returnValue).toMatchObject({ approvedBy: "ada" });
    const [, continued] = await waitFor("both run spans", () => {
      const found = spans("workflow order");
      return found.length === 2 ? found : undefined;
    });
    await second.runtime.close();

    const [original] = spans("workflow order");
    const traceId = request.spanContext().traceId;
    for (const span of exporter.getFinishedSpans()) expect(span.spanContext().traceId).toBe(traceId);

    // The first process's run span: a child of the request, ended (suspended) when that process closed.
    expect(parentOf(original!)).toBe(request.spanContext().spanId);
    expect(original!.attributes).toMatchObject({
      "wfkit.run.id": run.runId,
      "wfkit.workflow.id": wf,
      "wfkit.run.suspended": true,
    });
    expect(original!.startTime).toEqual(expect.any(Array));
    expect(eventNames(original!)).toEqual(["sleep", "sleep fired", "webhook created"]);
    expect(original!.events[0]!.attributes).toMatchObject({ "wfkit.sleep.duration_ms": expect.any(Number) });

    // The second process's span continues it: same trace, the stored run span as parent.
    expect(parentOf(continued!)).toBe(original!.spanContext().spanId);
    expect(continued!.attributes).toMatchObject({
      "wfkit.run.id": run.runId,
      "wfkit.run.continued": true,
      "wfkit.run.status": "completed",
    });
    expect(continued!.status.code).toBe(1);
    expect(eventNames(continued!)).toEqual([
      "webhook request",
      "webhook responded",
      "hook created",
      "hook received",
    ]);
    expect(continued!.events[2]!.attributes).toMatchObject({ "wfkit.hook.token": "approve:trace-k" });

    // Two attempts of the step, children of the run span: the first failed and was retried.
    const attempts = spans("step charge").sort(
      (a, b) => Number(a.attributes["wfkit.step.attempt"]) - Number(b.attributes["wfkit.step.attempt"]),
    );
    expect(attempts.map((s) => s.attributes["wfkit.step.attempt"])).toEqual([1, 2]);
    for (const span of attempts) {
      expect(parentOf(span)).toBe(original!.spanContext().spanId);
      expect(span.attributes).toMatchObject({
        "wfkit.run.id": run.runId,
        "wfkit.step.id": "step//inspect//charge",
      });
    }
    expect(attempts[0]!.status).toEqual({ code: 2, message: "Error: card network timeout" });
    expect(attempts[0]!.attributes["wfkit.step.retry_delay_ms"]).toEqual(expect.any(Number));
    expect(attempts[0]!.events.find((e) => e.name === "exception")?.attributes).toMatchObject({
      "exception.type": "Error",
      "exception.message": "card network timeout",
    });
    expect(attempts[1]!.status.code).toBe(1);
  });

  it("marks a failed run and its failed step with error status and the exception; a run with no active span is a root", async () => {
    const { runtime, id } = await testRuntime(["inspect.ts"]);
    const run = await runtime.start(id("inspect.ts", "declined"), []);
    await expect(run.returnValue).rejects.toThrow("card declined");
    const [span] = await waitFor("the run span", () => {
      const found = spans("workflow declined");
      return found.length ? found : undefined;
    });
    await runtime.close();

    expect(span!.parentSpanContext).toBeUndefined();
    expect(span!.attributes).toMatchObject({ "wfkit.run.id": run.runId, "wfkit.run.status": "failed" });
    expect(span!.status).toEqual({ code: 2, message: "FatalError: card declined" });
    expect(span!.events.find((e) => e.name === "exception")?.attributes).toMatchObject({
      "exception.type": "FatalError",
      "exception.message": "card declined",
    });
    const [step] = spans("step refuse");
    expect(parentOf(step!)).toBe(span!.spanContext().spanId);
    expect(step!.spanContext().traceId).toBe(span!.spanContext().traceId);
    expect(step!.status.code).toBe(2);
    expect(step!.attributes).toMatchObject({ "wfkit.step.attempt": 1, "wfkit.step.retries_exhausted": true });
  });

  it("makes a step attempt's span active while its code runs, so the step's own spans nest under it", async () => {
    (globalThis as { activeSpanProbe?: () => string | null }).activeSpanProbe = () =>
      trace.getActiveSpan()?.spanContext().spanId ?? null;
    const { runtime, id } = await testRuntime(["traced.ts"]);
    const seen = await (await runtime.start(id("traced.ts", "traced"), [])).returnValue;
    const [step] = await waitFor("the step span", () => {
      const found = spans("step look");
      return found.length ? found : undefined;
    });
    await runtime.close();
    expect(seen).toBe(step!.spanContext().spanId);
  });
});
