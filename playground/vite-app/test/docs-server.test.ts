// The production server.mjs of docs/vite.md, copied verbatim from the page into
// a fresh copy of the playground: it serves the page, the API and the workflow
// routes; a busy port gets one clear line; a second server on the same data
// folder waits for it, answers 503 WF_W001 meanwhile, and starts once it frees.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Child, copyApp, paymentFlow, repoRoot, run, startChild, viteBin, waitFor } from "./helpers.js";

/** The first ```js block after the "### node:http" heading of docs/vite.md. */
function docsServer(): string {
  const page = readFileSync(path.join(repoRoot, "docs", "vite.md"), "utf8");
  const section = page.slice(page.indexOf("### node:http"));
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1];
  expect(code).toContain("createWorkflowServer");
  return code!;
}

describe("docs/vite.md's server.mjs, as pasted", { timeout: 90_000 }, () => {
  let app: ReturnType<typeof copyApp>;
  const children: Child[] = [];
  let base: string;

  const serve = async (env: Record<string, string>) => {
    const child = startChild(["server.mjs"], {
      cwd: app.dir,
      env: { HOST: "127.0.0.1", WORKFLOW_DATA_DIR: app.dataDir, WORKFLOW_PUBLIC_URL: undefined, ...env },
    });
    children.push(child);
    return child;
  };

  beforeAll(async () => {
    app = copyApp();
    writeFileSync(path.join(app.dir, "server.mjs"), docsServer());
    await run([viteBin, "build"], { cwd: app.dir });
    const first = await serve({ PORT: "0" });
    base = (await first.waitForOutput(/listening on (http:\/\/\S+)/))[1]!;
    await first.waitForOutput(/wfkit: workflow runtime ready/);
  }, 120_000);

  afterAll(async () => {
    for (const child of children) await child.stop();
    app?.cleanup();
  });

  it("serves the built page and runs a workflow through its webhook", async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toContain("text/html");
    expect(await page.text()).toContain("<script");
    const health = await fetch(`${base}/.well-known/workflow/v1/health`);
    expect(health.status).toBe(200);
    const { answer, run: ended } = await paymentFlow(base, "order-docs-1", 12);
    expect(answer.status).toBe(202);
    expect(ended.status).toBe("completed");
  });

  it("says which port is busy and how to choose another, then exits 1", async () => {
    const port = new URL(base).port;
    const second = await serve({ PORT: port });
    const code = await second.exited;
    await second.closed;
    expect(code).toBe(1);
    expect(second.output()).toContain(
      `server.mjs: port ${port} is already in use by another process. Stop that process, or choose another port: PORT=${Number(port) + 1} node server.mjs (PORT=0 picks a free one).`,
    );
    expect(second.output()).not.toMatch(/\n\s+at /);
  });

  it("waits for a data folder the first server holds, answering 503 WF_W001, and starts once it is free", async () => {
    const second = await serve({ PORT: "0" });
    const other = (await second.waitForOutput(/listening on (http:\/\/\S+)/))[1]!;
    await second.waitForOutput(
      /is locked by process \d+ \(WF_W001_DATA_DIR_LOCKED\); retrying until it is free/,
    );
    const waiting = await fetch(`${other}/.well-known/workflow/v1/health`);
    expect(waiting.status).toBe(503);
    expect((await waiting.json()).error.code).toBe("WF_W001_DATA_DIR_LOCKED");
    expect(await children[0]!.stop()).toBe(0);
    await second.waitForOutput(/the data folder .* is free now; starting the workflow runtime/);
    await second.waitForOutput(/wfkit: workflow runtime ready/);
    await waitFor("the second server's runtime", async () =>
      (await fetch(`${other}/.well-known/workflow/v1/health`)).status === 200 ? true : undefined,
    );
  });
});
