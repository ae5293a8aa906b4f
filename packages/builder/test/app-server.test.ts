// The app-server lifecycle on a real runtime and the SQLite World, driven the
// way every host drives it: handler(Request) => Promise<Response>.
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { World } from "@wfkit/world";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type AppServer, type AppServerOptions, createAppServer } from "../src/index.js";

const WORKFLOW = `
import { createWebhook } from "workflow";

export async function webhookUrl() {
  "use workflow";
  return createWebhook().url;
}
`;
const WEBHOOK_URL_ID = "workflow//workflows/urls//webhookUrl";
const packageDir = fileURLToPath(new URL("..", import.meta.url));
const base = mkdtempSync(path.join(tmpdir(), "wfkit-app-server-"));
const servers: AppServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(base, { recursive: true, force: true }));

/** A log that keeps every line, so tests can wait on and count them. */
function recordingLogger() {
  const lines: Array<{ level: string; message: string }> = [];
  const push = (level: string) => (message: string) => void lines.push({ level, message });
  return { lines, logger: { info: push("info"), warn: push("warn"), error: push("error") } };
}

let apps = 0;
function server(options: Partial<AppServerOptions> = {}) {
  const root = path.join(base, `app-${++apps}`);
  mkdirSync(path.join(root, "workflows"), { recursive: true });
  writeFileSync(path.join(root, "workflows", "urls.ts"), WORKFLOW);
  const log = recordingLogger();
  const created = createAppServer({
    root,
    buildDir: path.join(root, ".wfkit"),
    world: ({ dataDir }) => sqliteWorld({ dataDir }),
    logger: log.logger,
    env: {},
    autoStart: false,
    ...options,
  });
  servers.push(created);
  return { server: created, root, log };
}

const request = (pathname: string, init?: RequestInit) => new Request(`http://127.0.0.1${pathname}`, init);

async function newWebhookUrl(app: AppServer): Promise<URL> {
  const run = await (await app.ready()).runtime.start<string>(WEBHOOK_URL_ID);
  return new URL(await run.returnValue);
}

describe("createAppServer", { timeout: 30_000 }, () => {
  it("starts on first use, answers through handler(Request), and logs readiness once", async () => {
    const { server: app, log } = server();
    expect(app.state).toBe("idle");
    const health = await app.handler(request("/.well-known/workflow/v1/health"));
    expect(app.state).toBe("ready");
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true, world: "sqlite", workflows: 1 });

    const unknown = await app.handler(request("/.well-known/workflow/v1/nowhere"));
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe("WF_ROUTE_NOT_FOUND");
    await app.handler(request("/.well-known/workflow/v1/health"));
    expect(log.lines.filter((l) => l.message.includes("workflow runtime ready"))).toHaveLength(1);
  });

  it("bases webhook URLs on the configured URL, over the listening address", async () => {
    const { server: app } = server({ publicUrl: "https://public.example/" });
    app.setOrigin("http://127.0.0.1:4000");
    expect((await newWebhookUrl(app)).origin).toBe("https://public.example");
  });

  it("bases webhook URLs on the listening address; request headers never change them", async () => {
    const { server: app } = server({ trustProxy: true });
    app.setOrigin("http://127.0.0.1:4321/");
    const forged = {
      host: "attacker.example",
      "x-forwarded-host": "attacker.example",
      "x-forwarded-proto": "https",
    };
    await app.handler(
      new Request("https://attacker.example/.well-known/workflow/v1/health", { headers: forged }),
    );
    await app.handler(request("/.well-known/workflow/v1/webhook/nope", { method: "POST", headers: forged }));
    const url = await newWebhookUrl(app);
    expect(url.origin).toBe("http://127.0.0.1:4321");
    expect(app.webhookBaseUrl).toBe("http://127.0.0.1:4321");
  });

  it("answers 503 WF_RUNTIME_UNAVAILABLE while the World cannot open, and reopens it on the next use", async () => {
    let opened = 0;
    const { server: app, log } = server({
      world: ({ dataDir }) => {
        if (++opened === 1) throw new Error("the database is on holiday");
        return sqliteWorld({ dataDir });
      },
    });
    const failed = await app.handler(request("/.well-known/workflow/v1/health"));
    expect(failed.status).toBe(503);
    const { error } = await failed.json();
    expect(error.code).toBe("WF_RUNTIME_UNAVAILABLE");
    expect(error.message).toContain("the database is on holiday");
    expect(app.state).toBe("failed");
    expect(log.lines.some((l) => l.level === "error" && l.message.includes("could not start"))).toBe(true);

    expect((await app.handler(request("/.well-known/workflow/v1/health"))).status).toBe(200);
    expect(opened).toBe(2);
  });

  it("answers 500 WF_HANDLER_FAILED when a route throws", async () => {
    const broken = (world: World): World =>
      new Proxy(world, {
        get(target, key) {
          if (key === "getHook") return () => Promise.reject(new Error("disk on fire"));
          const value = Reflect.get(target, key);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    const { server: app, log } = server({ world: ({ dataDir }) => broken(sqliteWorld({ dataDir })) });
    const response = await app.handler(request("/.well-known/workflow/v1/webhook/t", { method: "POST" }));
    expect(response.status).toBe(500);
    expect((await response.json()).error).toMatchObject({
      code: "WF_HANDLER_FAILED",
      message: "disk on fire",
    });
    expect(log.lines.some((l) => l.level === "error" && l.message.includes("route failed"))).toBe(true);
  });

  it("serves extra routes outside the prefix with the running runtime, and 500 when they throw", async () => {
    const { server: app } = server({
      routes: async (request, running) => {
        if (new URL(request.url).pathname === "/boom") throw new Error("the route broke");
        return Response.json({ world: running.runtime.world.name });
      },
    });
    expect(await (await app.handler(request("/api/world"))).json()).toEqual({ world: "sqlite" });
    const broken = await app.handler(request("/boom"));
    expect(broken.status).toBe(500);
    expect((await broken.json()).error.code).toBe("WF_HANDLER_FAILED");
    expect((await app.handler(request("/.well-known/workflow/v1/health"))).status).toBe(200);
  });

  it("answers 503 WF_RUNTIME_UNAVAILABLE once closed", async () => {
    const { server: app } = server();
    await app.ready();
    await app.close();
    expect(app.state).toBe("closed");
    const response = await app.handler(request("/.well-known/workflow/v1/health"));
    expect(response.status).toBe(503);
    expect((await response.json()).error.code).toBe("WF_RUNTIME_UNAVAILABLE");
    await expect(app.rebuild()).rejects.toMatchObject({ code: "WF_RUNTIME_UNAVAILABLE" });
  });

  it("retries a data folder another process holds until it frees, answering 503 WF_W001 meanwhile, and starts", async () => {
    const { server: app, log } = server();
    const dataDir = app.config.dataDir;
    // Another process opens the World first and keeps it open until killed.
    const holder = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { sqliteWorld } = await import("@wfkit/world-sqlite");
         sqliteWorld({ dataDir: ${JSON.stringify(dataDir)} });
         console.log("held");
         setInterval(() => {}, 1000);`,
      ],
      { cwd: packageDir, stdio: ["ignore", "pipe", "inherit"] },
    );
    const exited = new Promise((resolve) => holder.once("exit", resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on("data", (d) => String(d).includes("held") && resolve());
        holder.once("exit", (code) => reject(new Error(`the holder process exited (${code})`)));
      });
      const ready = app.ready();
      await expect
        .poll(() => log.lines.find((l) => l.level === "warn")?.message, { timeout: 10_000 })
        .toContain(
          `is locked by process ${holder.pid} (WF_W001_DATA_DIR_LOCKED); retrying until it is free.`,
        );
      expect(app.state).toBe("starting");
      // Requests do not hang on the wait: they are told why, at once.
      const waiting = await app.handler(request("/.well-known/workflow/v1/health"));
      expect(waiting.status).toBe(503);
      expect((await waiting.json()).error).toMatchObject({ code: "WF_W001_DATA_DIR_LOCKED" });
      holder.kill("SIGKILL");
      await exited;
      await ready;
      expect(app.state).toBe("ready");
      expect(log.lines).toContainEqual({
        level: "info",
        message: `wfkit: the data folder ${dataDir} is free now; starting the workflow runtime.`,
      });
      expect((await app.handler(request("/.well-known/workflow/v1/health"))).status).toBe(200);
    } finally {
      holder.kill("SIGKILL");
    }
  });
});
