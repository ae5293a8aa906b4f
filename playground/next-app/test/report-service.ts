// The report service (async request-reply) driven over HTTP: 202 + Location,
// the status route, the signed callback to the client route, the download.
// Registered by production.test.ts, so it reuses that file's one build and server.
import { expect, it } from "vitest";
import { waitFor, waitForEnd } from "./harness.js";

interface Callback {
  webhookId: string;
  taskId: string;
  deliveries: number;
  download?: { status: number; body: any };
}

export function reportServiceTests(base: () => string): void {
  it("answers POST /api/reports with 202, calls the client back signed, and serves status and result", async () => {
    const response = await fetch(`${base()}/api/reports`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        reportType: "monthly_sales",
        webhookUrl: `${base()}/api/client/reports`,
        work: "4s",
      }),
    });
    expect(response.status).toBe(202);
    expect(response.headers.get("retry-after")).toBe("1");
    const accepted = (await response.json()) as { taskId: string; status: string; statusUrl: string };
    const location = response.headers.get("location")!;
    expect(accepted).toMatchObject({ status: "pending", statusUrl: location });
    expect(location).toMatch(
      new RegExp(
        `^${base()}/\\.well-known/workflow/v1/runs/${accepted.taskId}/status\\?token=[\\w-]+&result=`,
      ),
    );

    // While the report is being made (a 4 s durable sleep), the status URL answers 202.
    const running = await fetch(location);
    expect(running.status).toBe(202);
    expect(await running.json()).toMatchObject({ taskId: accepted.taskId, status: "running" });

    // The client route verified the Standard Webhooks signature and downloaded the report.
    const callback = await waitFor("the client's callback", async () => {
      const { callbacks } = (await (await fetch(`${base()}/api/client/reports`)).json()) as {
        callbacks: Callback[];
      };
      return callbacks.find((c) => c.taskId === accepted.taskId && c.download);
    });
    expect(callback.webhookId).toMatch(/^msg_/);
    expect(callback.download).toMatchObject({
      status: 200,
      body: { taskId: accepted.taskId, reportType: "monthly_sales", format: "csv" },
    });
    const run = await waitForEnd(base(), accepted.taskId);
    expect(run.output.webhook).toEqual({ id: callback.webhookId, attempts: 1 });

    // Done: the status URL redirects to the result route, token included.
    const done = await fetch(location, { redirect: "manual" });
    expect(done.status).toBe(303);
    const result = await fetch(new URL(done.headers.get("location")!, base()));
    expect(result.status).toBe(200);
    expect((await result.json()).rows).toHaveLength(4);
  });

  it("refuses a status URL with another token, and the result route too", async () => {
    const response = await fetch(`${base()}/api/reports`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ webhookUrl: `${base()}/api/client/reports`, work: "1s" }),
    });
    const { taskId, statusUrl } = (await response.json()) as { taskId: string; statusUrl: string };
    const forged = new URL(statusUrl);
    forged.searchParams.set("token", "A".repeat(43));
    const refused = await fetch(forged);
    expect(refused.status).toBe(403);
    expect((await refused.json()).error.code).toBe("WF_STATUS_TOKEN_INVALID");
    const download = await fetch(`${base()}/api/reports/${taskId}/download?token=${"A".repeat(43)}`);
    expect(download.status).toBe(403);
    await waitForEnd(base(), taskId);
  });
}
