// createWorkflowServer with a real runtime on the SQLite World, mounted in node:http.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { start } from "@wfkit/core";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createWorkflowServer, type WorkflowServer } from "../src/server-entry.js";

const WORKFLOW = `
import { createWebhook } from "workflow";

export async function echo() {
  "use workflow";
  const webhook = createWebhook();
  await publish(webhook.url);
  const request = await webhook;
  return { method: request.method, body: await request.text() };
}

async function publish(url: string) {
  "use step";
  (globalThis as Record<symbol, string>)[Symbol.for("wfkit.vite.test.url")] = url;
}
`;
const ECHO_ID = "workflow//workflows/echo//echo";
const publishedUrl = () =>
  (globalThis as Record<symbol, string | undefined>)[Symbol.for("wfkit.vite.test.url")];

let base: string;
const servers: Server[] = [];
const workflowServers: WorkflowServer[] = [];

beforeAll(() => {
  base = mkdtempSync(path.join(tmpdir(), "wfkit-vite-server-"));
});

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
  await Promise.all(workflowServers.splice(0).map((s) => s.close()));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

/** An app folder with workflows/echo.ts (or `source`) and its own data folder. */
function makeApp(name: string, source = WORKFLOW) {
  const root = path.join(base, name);
  mkdirSync(path.join(root, "workflows"), { recursive: true });
  writeFileSync(path.join(root, "workflows", "echo.ts"), source);
  return { root, dataDir: path.join(root, ".workflow-data"), buildDir: path.join(root, ".wfkit") };
}

function workflowServer(app: ReturnType<typeof makeApp>) {
  const server = createWorkflowServer({
    root: app.root,
    buildDir: app.buildDir,
    world: () => sqliteWorld({ dataDir: app.dataDir }),
    logger: { info() {}, warn() {}, error() {} },
  });
  workflowServers.push(server);
  return server;
}

/** Mounts `workflow.nodeHandler` first, with a fallback that answers "app". */
async function mount(workflow: WorkflowServer): Promise<string> {
  const server = createServer((req, res) => workflow.nodeHandler(req, res, () => res.end("app")));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("createWorkflowServer", { timeout: 30_000 }, () => {
  it("serves the workflow routes, passes other paths on, and runs a webhook flow started with start()", async () => {
    const app = makeApp("flow");
    const workflow = workflowServer(app);
    const url = await mount(workflow);

    expect(await (await fetch(`${url}/somewhere/else`)).text()).toBe("app");
    const health = await fetch(`${url}/.well-known/workflow/v1/health`);
    expect(await health.json()).toEqual({ ok: true, world: "sqlite", workflows: 1 });

    // start() from the API waits for (and uses) this server's runtime.
    const run = await start(ECHO_ID);
    const webhookUrl = await expect
      .poll(publishedUrl)
      .toBeDefined()
      .then(() => publishedUrl()!);
    // No public URL configured: webhook URLs use the address of the socket it was reached on.
    expect(webhookUrl.startsWith(`${url}/.well-known/workflow/v1/webhook/`)).toBe(true);
    const answer = await fetch(webhookUrl, { method: "PUT", body: "hello" });
    expect(answer.status).toBe(202);
    expect(await run.returnValue).toEqual({ method: "PUT", body: "hello" });
  });

  it("answers 503 with the cause's code while the workflows do not compile, and recovers on rebuild()", async () => {
    const app = makeApp("broken", `export function notAsync() {\n  "use step";\n  return 1;\n}\n`);
    const workflow = workflowServer(app);
    const url = await mount(workflow);
    await expect(workflow.ready()).rejects.toMatchObject({ code: "WF_BUILD_FAILED" });
    const failed = await fetch(`${url}/.well-known/workflow/v1/health`);
    expect(failed.status).toBe(503);
    const { error } = (await failed.json()) as { error: Record<string, string> };
    expect(error.code).toBe("WF_BUILD_FAILED");
    expect(error.message).toContain("WF_C001_DIRECTIVE_NOT_ASYNC");

    writeFileSync(path.join(app.root, "workflows", "echo.ts"), WORKFLOW);
    await workflow.rebuild();
    expect((await fetch(`${url}/.well-known/workflow/v1/health`)).status).toBe(200);
  });

  it("runs the files that build when another workflow file does not, and says why its workflows cannot start", async () => {
    const app = makeApp("one-broken");
    writeFileSync(
      path.join(app.root, "workflows", "broken.ts"),
      `export async function broken() {\n  "use workflow";\n  return [1, 2;\n}\n`,
    );
    const workflow = workflowServer(app);
    const url = await mount(workflow);
    const { runtime } = await workflow.ready();
    const health = await fetch(`${url}/.well-known/workflow/v1/health`);
    expect(await health.json()).toEqual({ ok: true, world: "sqlite", workflows: 1 });
    await expect(runtime.start("workflow//workflows/broken//broken")).rejects.toMatchObject({
      code: "WF_WORKFLOW_BUILD_FAILED",
      message: expect.stringContaining("workflows/broken.ts:3:"),
    });
    // An earlier test's server published its URL to the same slot.
    delete (globalThis as Record<symbol, unknown>)[Symbol.for("wfkit.vite.test.url")];
    const run = await runtime.start(ECHO_ID);
    const webhookUrl = await expect
      .poll(publishedUrl)
      .toBeDefined()
      .then(() => publishedUrl()!);
    expect((await fetch(webhookUrl, { method: "POST", body: "still here" })).status).toBe(202);
    expect(await run.returnValue).toEqual({ method: "POST", body: "still here" });
  });

  it("hands the root over to a new server (a dev-server restart) and refuses requests once closed", async () => {
    const app = makeApp("restart");
    const first = workflowServer(app);
    const firstUrl = await mount(first);
    await first.ready();
    // Same root and data folder: the second one closes the first (and its SQLite lock) before opening.
    const second = workflowServer(app);
    const secondUrl = await mount(second);
    await second.ready();
    const closed = await fetch(`${firstUrl}/.well-known/workflow/v1/health`);
    expect(closed.status).toBe(503);
    expect(((await closed.json()) as { error: { code: string } }).error.code).toBe("WF_RUNTIME_UNAVAILABLE");
    expect((await fetch(`${secondUrl}/.well-known/workflow/v1/health`)).status).toBe(200);

    await second.close();
    await expect(start(ECHO_ID)).rejects.toMatchObject({ code: "WF_RUNTIME_UNAVAILABLE" });
  });

  it("answers 503 WF_RUNTIME_UNAVAILABLE when the start fails without a code, for the routes and start()", async () => {
    const app = makeApp("no-world");
    const workflow = createWorkflowServer({
      root: app.root,
      buildDir: app.buildDir,
      world: () => {
        throw new Error("the database is on holiday");
      },
      logger: { info() {}, warn() {}, error() {} },
    });
    workflowServers.push(workflow);
    const url = await mount(workflow);
    const response = await fetch(`${url}/.well-known/workflow/v1/webhook/anything`, { method: "POST" });
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: Record<string, string> };
    expect(error).toMatchObject({
      code: "WF_RUNTIME_UNAVAILABLE",
      docs: "@wfkit/core/docs/errors/WF_RUNTIME_UNAVAILABLE.md",
    });
    expect(error.message).toContain("the database is on holiday");
    await expect(start(ECHO_ID)).rejects.toMatchObject({ code: "WF_RUNTIME_UNAVAILABLE" });
  });
});
