// The built playground served by server.mjs on the PostgreSQL World: one setting
// (WORKFLOW_POSTGRES_URL) moves its runs into the database, so a server started
// with another data folder, or none of the first one's memory, carries on.
import path from "node:path";
import { createTestDatabase, type TestDatabase } from "@wfkit/testing-kit";
import { openPostgresWorld, type PostgresWorld } from "@wfkit/world-postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Child,
  copyApp,
  paymentFlow,
  run,
  startChild,
  startRun,
  viteBin,
  waitForEnd,
} from "./helpers.js";

describe("vite-app built and served by server.mjs on PostgreSQL", { timeout: 60_000 }, () => {
  let app: ReturnType<typeof copyApp>;
  let db: TestDatabase;
  let world: PostgresWorld | undefined;
  let server: Child | undefined;
  const servers: Child[] = [];

  const startServer = async (dataDir: string) => {
    server = startChild(["server.mjs"], {
      cwd: app.dir,
      env: {
        PORT: "0",
        HOST: "127.0.0.1",
        WORKFLOW_DATA_DIR: dataDir,
        WORKFLOW_POSTGRES_URL: db.url,
        WORKFLOW_SECRET: "shared-by-every-instance",
        WORKFLOW_PUBLIC_URL: undefined,
      },
    });
    servers.push(server);
    const [, url] = await server.waitForOutput(/listening on (http:\/\/\S+)/);
    await server.waitForOutput(/wfkit: workflow runtime ready/);
    return url!;
  };

  beforeAll(async () => {
    db = await createTestDatabase("vite_app");
    app = copyApp();
    await run([viteBin, "build"], { cwd: app.dir });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await world?.close();
    await db?.drop();
    app?.cleanup();
  });

  it("runs the webhook flow with the run stored in PostgreSQL", async () => {
    const base = await startServer(path.join(app.dataDir, "a"));
    const { runId, answer, run: info } = await paymentFlow(base, "order-pg-1", 42);
    expect(answer.status).toBe(202);
    expect(info).toMatchObject({ runId, status: "completed", output: { orderId: "order-pg-1", amount: 42 } });
    world = await openPostgresWorld(db.url);
    expect(await world.getRun(runId)).toMatchObject({ status: "completed" });
  });

  it("a waiting run is finished by a new server process with another data folder", async () => {
    const base = await startServer(path.join(app.dataDir, "b"));
    const { runId, webhookUrl } = await startRun(base, "order-pg-2");
    expect(await server!.stop()).toBe(0);
    const next = await startServer(path.join(app.dataDir, "c"));
    const answer = await fetch(webhookUrl.replace(/^http:\/\/[^/]+/, next), {
      method: "POST",
      body: JSON.stringify({ type: "payment.succeeded", amount: 7 }),
    });
    expect(answer.status).toBe(202);
    expect((await waitForEnd(next, runId)).output).toMatchObject({ orderId: "order-pg-2", amount: 7 });
  });
});
