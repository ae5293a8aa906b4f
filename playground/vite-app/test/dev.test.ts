// The playground under the Vite dev server: a child process that starts it
// with createServer on a free port, with its own data folder.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { getRunInfo, paymentFlow, useDevServer, waitFor } from "./helpers.js";

describe("vite-app under the dev server", { timeout: 60_000 }, () => {
  const dev = useDevServer(60_000);

  it("serves the page through Vite and the runtime's health route", async () => {
    const page = await fetch(`${dev.base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script type="module" src="/src/main.ts">');
    const health = await fetch(`${dev.base}/.well-known/workflow/v1/health`);
    expect(await health.json()).toEqual({ ok: true, world: "sqlite", workflows: 2 });
  });

  it("mounts the web UI and the inspect route in development", async () => {
    const ui = await fetch(`${dev.base}/.well-known/workflow/v1/ui/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<div id="app">');
    const runs = await fetch(`${dev.base}/.well-known/workflow/v1/inspect/runs`);
    expect(runs.status).toBe(200);
    expect(await runs.json()).toMatchObject({ runs: expect.any(Array) });
  });

  it("starts a run, takes the webhook call (202) and completes with the step's output", async () => {
    const { runId, answer, answerBody, run } = await paymentFlow(dev.base, "order-dev-1", 42);
    expect(answer.status).toBe(202);
    expect(JSON.parse(answerBody)).toEqual({ received: true });
    expect(run).toMatchObject({
      runId,
      status: "completed",
      output: {
        orderId: "order-dev-1",
        status: "paid",
        event: "payment.succeeded",
        amount: 42,
        recordedBy: "recordPayment v1",
      },
    });
  });

  it("answers an unknown webhook token with 404 and a JSON error code", async () => {
    const response = await fetch(`${dev.base}/.well-known/workflow/v1/webhook/no-such-token`, {
      method: "POST",
      body: "{}",
    });
    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toContain("application/json");
    const { error } = (await response.json()) as { error: Record<string, string> };
    expect(error).toMatchObject({
      code: "WF_WEBHOOK_NOT_FOUND",
      docs: "@wfkit/core/docs/errors/WF_WEBHOOK_NOT_FOUND.md",
    });
    expect(error.hint).toBeTruthy();

    const other = await fetch(`${dev.base}/.well-known/workflow/v1/webhooks/typo`);
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("WF_ROUTE_NOT_FOUND");
  });

  it("answers POST /api/payments with 202 + Location, and serves the run's status URL", async () => {
    const accepted = await fetch(`${dev.base}/api/payments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ orderId: "order-async-1" }),
    });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("retry-after")).toBe("1");
    const { taskId } = (await accepted.json()) as { taskId: string };
    const location = accepted.headers.get("location")!;
    expect(location).toMatch(
      new RegExp(`^${dev.base}/\\.well-known/workflow/v1/runs/${taskId}/status\\?token=`),
    );
    // Waiting for the payment webhook: 202 with the status.
    const waiting = await fetch(location);
    expect(waiting.status).toBe(202);
    expect(await waiting.json()).toMatchObject({ taskId, status: "running" });
    const wrong = new URL(location);
    wrong.searchParams.set("token", "x".repeat(43));
    const refused = await fetch(wrong);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
      "WF_STATUS_TOKEN_INVALID",
    );

    const { webhookUrl } = await waitFor("the webhook URL", async () => {
      const info = await getRunInfo(dev.base, taskId);
      return info.webhookUrl ? info : undefined;
    });
    await fetch(webhookUrl!, {
      method: "POST",
      body: JSON.stringify({ type: "payment.succeeded", amount: 5 }),
    });
    const done = await waitFor("the status URL to answer 200", async () => {
      const response = await fetch(location);
      return response.status === 200 && ((await response.json()) as { result: unknown });
    });
    expect(done).toMatchObject({
      taskId,
      status: "completed",
      result: { orderId: "order-async-1", amount: 5 },
    });
  });

  it("compiles workflow files for the browser in client mode", async () => {
    const response = await fetch(`${dev.base}/workflows/payment.ts`);
    expect(response.status).toBe(200);
    const code = await response.text();
    expect(code).toContain('__wf.markWorkflow(awaitPayment, "workflow//workflows/payment//awaitPayment")');
    expect(code).toContain("workflowCalledDirectly");
    // The workflow body is gone from the browser build.
    expect(code).not.toContain("waitForWebhook(");
  });

  it("applies a saved edit to a step without a restart", async () => {
    const file = path.join(dev.app.dir, "workflows", "payment.ts");
    const source = readFileSync(file, "utf8");
    expect(source).toContain('"recordPayment v1"');
    const before = dev.server.output().length;
    writeFileSync(file, source.replace('"recordPayment v1"', '"recordPayment v2"'));
    await waitFor(
      "the workflows to be recompiled",
      () => dev.server.output().slice(before).includes("wfkit: recompiled workflows (workflows/payment.ts)"),
      20_000,
    );
    const { answer, run } = await paymentFlow(dev.base, "order-dev-2", 7);
    expect(answer.status).toBe(202);
    expect(run.output).toMatchObject({ orderId: "order-dev-2", amount: 7, recordedBy: "recordPayment v2" });
  });

  it("closes the runtime with the server on SIGTERM, freeing the data folder", async () => {
    expect(existsSync(path.join(dev.app.dataDir, "LOCK"))).toBe(true);
    // Vite closes the server (and our runtime), then exits with 128 + 15.
    expect(await dev.server.stop()).toBe(143);
    expect(existsSync(path.join(dev.app.dataDir, "LOCK"))).toBe(false);
  });
});
