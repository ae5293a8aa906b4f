// The playground after `vite build`, served by its own server.mjs (node:http)
// in a child process: the built page, the built api module, the workflow routes.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Child,
  copyApp,
  getRunInfo,
  paymentFlow,
  run,
  startChild,
  startRun,
  viteBin,
  waitForEnd,
} from "./helpers.js";

describe("vite-app built and served by server.mjs", { timeout: 60_000 }, () => {
  let app: ReturnType<typeof copyApp>;
  let server: Child | undefined;
  let base: string;

  const startServer = async () => {
    server = startChild(["server.mjs"], {
      cwd: app.dir,
      env: { PORT: "0", HOST: "127.0.0.1", WORKFLOW_DATA_DIR: app.dataDir, WORKFLOW_PUBLIC_URL: undefined },
    });
    const [, url] = await server.waitForOutput(/listening on (http:\/\/\S+)/);
    await server.waitForOutput(/wfkit: workflow runtime ready/);
    return url!;
  };

  beforeAll(async () => {
    app = copyApp();
    await run([viteBin, "build"], { cwd: app.dir });
    base = await startServer();
  }, 90_000);

  afterAll(async () => {
    await server?.stop();
    app?.cleanup();
  });

  it("builds the client to dist/client and the api module to dist/server", () => {
    expect(existsSync(path.join(app.dir, "dist", "client", "index.html"))).toBe(true);
    expect(readdirSync(path.join(app.dir, "dist", "client", "assets")).some((f) => f.endsWith(".js"))).toBe(
      true,
    );
    expect(readdirSync(path.join(app.dir, "dist", "server"))).toEqual(["api.js"]);
  });

  it("serves the built page and its assets", async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${base}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toContain("text/javascript");
  });

  it("runs the webhook flow, answering the call with the workflow's static response", async () => {
    const { runId, answer, answerBody, run: info } = await paymentFlow(base, "order-prod-1", 99);
    // The static respondWith of the workflow: status, headers and body.
    expect(answer.status).toBe(202);
    expect(answer.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(answerBody)).toEqual({ received: true });
    expect(info).toMatchObject({
      runId,
      status: "completed",
      output: {
        orderId: "order-prod-1",
        status: "paid",
        event: "payment.succeeded",
        amount: 99,
        recordedBy: "recordPayment v1",
      },
    });
  });

  it("answers HEAD for a live webhook, 404 with a code for unknown tokens, 413 for a too-large streamed body", async () => {
    const { runId, webhookUrl } = await startRun(base, "order-prod-2");
    const head = await fetch(webhookUrl, { method: "HEAD" });
    expect(head.status).toBe(200);

    const unknown = await fetch(`${base}/.well-known/workflow/v1/webhook/no-such-token`, {
      method: "POST",
      body: "x",
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("WF_WEBHOOK_NOT_FOUND");

    // 2 MiB in chunks, without a content-length: the core handler stops reading at its 1 MiB limit.
    const chunk = new Uint8Array(64 * 1024).fill(120);
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 32) controller.close();
        else {
          sent++;
          controller.enqueue(chunk);
        }
      },
    });
    const tooLarge = await fetch(webhookUrl, { method: "POST", body, duplex: "half" } as RequestInit);
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe(
      "WF_WEBHOOK_BODY_TOO_LARGE",
    );
    // Nothing was recorded: the run still waits, and takes a proper call afterwards.
    expect((await getRunInfo(base, runId)).status).toBe("running");
    const ok = await fetch(webhookUrl, {
      method: "POST",
      body: JSON.stringify({ type: "payment.succeeded", amount: 1 }),
    });
    expect(ok.status).toBe(202);
    expect((await waitForEnd(base, runId)).output).toMatchObject({ orderId: "order-prod-2", amount: 1 });
  });

  it("keeps a waiting run across a server restart", async () => {
    const { runId, webhookUrl } = await startRun(base, "order-prod-3");
    expect(await server!.stop()).toBe(0);
    base = await startServer();
    // The token lives in the World; the webhook URL from before the restart still works.
    const answer = await fetch(webhookUrl.replace(/^http:\/\/[^/]+/, base), {
      method: "POST",
      body: JSON.stringify({ type: "payment.succeeded", amount: 3 }),
    });
    expect(answer.status).toBe(202);
    expect((await waitForEnd(base, runId)).output).toMatchObject({ orderId: "order-prod-3", amount: 3 });
  });

  it("serves the same build under `vite preview`, with the workflow routes and the built api module", async () => {
    const preview = startChild([viteBin, "preview", "--port", "0", "--host", "127.0.0.1"], {
      cwd: app.dir,
      env: {
        WORKFLOW_DATA_DIR: path.join(app.dataDir, "..", "preview-data"),
        WORKFLOW_PUBLIC_URL: undefined,
      },
    });
    try {
      const [, url] = await preview.waitForOutput(/Local:\s+(http:\/\/\S+?)\/?\s/);
      await preview.waitForOutput(/wfkit: workflow runtime ready/);
      const { answer, run: info } = await paymentFlow(url!, "order-preview", 5);
      expect(answer.status).toBe(202);
      expect(info.output).toMatchObject({
        orderId: "order-preview",
        amount: 5,
        recordedBy: "recordPayment v1",
      });
    } finally {
      await preview.stop();
    }
  });
});
