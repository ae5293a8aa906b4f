// The async request-reply helpers end to end on an app server: acceptedResponse()
// from workflow/api, and the run status route the server mounts.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { acceptedResponse, statusUrl } from "@wfkit/core/api";
import { tempDir, waitFor } from "@wfkit/testing-kit";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { type AppServer, createAppServer } from "../src/index.js";

const WORKFLOW = `
import { createHook } from "workflow";

export async function report(kind: string) {
  "use workflow";
  const { rows } = await createHook<{ rows: number }>({ token: "report:" + kind });
  if (rows < 0) throw new Error("a report cannot have " + rows + " rows");
  return { kind, rows };
}
`;
const REPORT = "workflow//workflows/report//report";
const root = tempDir("wfkit-run-status-");
mkdirSync(path.join(root, "workflows"), { recursive: true });
writeFileSync(path.join(root, "workflows", "report.ts"), WORKFLOW);
const servers: AppServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function server(env: Record<string, string> = {}) {
  const created = createAppServer({
    root,
    buildDir: path.join(root, ".wfkit"),
    world: ({ dataDir }) => sqliteWorld({ dataDir }),
    logger: { info() {}, warn() {}, error() {} },
    publicUrl: "http://app.test",
    env,
  });
  servers.push(created);
  return created;
}

/** Resumes the run's hook once the run has created it. */
async function resume(app: AppServer, kind: string, rows: number) {
  const { runtime } = await app.ready();
  const token = `report:${kind}`;
  await waitFor(`the hook ${token}`, () => runtime.world.getHook(token));
  await runtime.resumeHook(token, { rows });
}

/** Hands a status URL of http://app.test to the server, as a host would. */
const get = (app: AppServer, url: string, init?: RequestInit) => app.handler(new Request(url, init));

async function json(response: Response) {
  return (await response.json()) as Record<string, any>;
}

describe("acceptedResponse() and the run status route", () => {
  it("answers 202 with Location and Retry-After, then 202 while running, 200 with the result when done", async () => {
    const app = server();
    const { runtime } = await app.ready();
    const run = await runtime.start(REPORT, ["monthly"]);
    const accepted = await acceptedResponse(run, { retryAfter: "2s", body: { kind: "monthly" } });
    expect(accepted.status).toBe(202);
    expect(accepted.headers.get("retry-after")).toBe("2");
    const location = accepted.headers.get("location")!;
    expect(location).toMatch(
      new RegExp(`^http://app\\.test/\\.well-known/workflow/v1/runs/${run.runId}/status\\?token=[\\w-]{43}$`),
    );
    expect(await json(accepted)).toEqual({
      kind: "monthly",
      taskId: run.runId,
      status: "pending",
      statusUrl: location,
    });

    const running = await get(app, location);
    expect(running.status).toBe(202);
    expect(running.headers.get("retry-after")).toBe("5");
    expect(await json(running)).toMatchObject({ taskId: run.runId });

    await resume(app, "monthly", 12);
    await run.returnValue;
    const done = await get(app, location);
    expect(done.status).toBe(200);
    expect(await json(done)).toEqual({
      taskId: run.runId,
      status: "completed",
      result: { kind: "monthly", rows: 12 },
    });
    // The token may also come as a bearer token.
    const bare = location.slice(0, location.indexOf("?"));
    const token = new URL(location).searchParams.get("token")!;
    expect((await get(app, bare, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  it("redirects (303) a done run to the app's result path, carrying the token", async () => {
    const app = server();
    const { runtime } = await app.ready();
    const run = await runtime.start(REPORT, ["weekly"]);
    const url = await statusUrl(run.runId, { resultUrl: `/api/reports/${run.runId}/download?format=csv` });
    await resume(app, "weekly", 3);
    await run.returnValue;
    const answer = await get(app, url, { redirect: "manual" });
    expect(answer.status).toBe(303);
    const token = new URL(url).searchParams.get("token");
    expect(answer.headers.get("location")).toBe(
      `/api/reports/${run.runId}/download?format=csv&token=${token}`,
    );
    await expect(statusUrl(run.runId, { resultUrl: "https://evil.test/x" })).rejects.toThrow(
      /WF_STATUS_RESULT_URL_INVALID/,
    );
    await expect(statusUrl(run.runId, { resultUrl: "//evil.test/x" })).rejects.toThrow(
      /WF_STATUS_RESULT_URL_INVALID/,
    );
  });

  it("refuses a wrong or missing token with 403 WF_STATUS_TOKEN_INVALID, even for a real run id", async () => {
    const app = server();
    const { runtime } = await app.ready();
    const run = await runtime.start(REPORT, ["wrong-token"]);
    const other = await runtime.start(REPORT, ["other"]);
    const mine = new URL(await statusUrl(run.runId));
    const theirs = new URL(await statusUrl(other.runId));
    // Another run's valid token does not open this run.
    mine.searchParams.set("token", theirs.searchParams.get("token")!);
    const malformed = `http://app.test/.well-known/workflow/v1/runs/%E0%A4%A/status?token=x`;
    for (const url of [mine.href, mine.href.replace(/\?.*$/, ""), malformed]) {
      const answer = await get(app, url);
      expect(answer.status).toBe(403);
      expect((await json(answer)).error.code).toBe("WF_STATUS_TOKEN_INVALID");
    }
  });

  it("answers 404 for a run that does not exist and 410 for a run that failed or was cancelled", async () => {
    const app = server();
    const { runtime } = await app.ready();
    const missing = await get(app, await statusUrl("wrun_01NOSUCHRUN"));
    expect(missing.status).toBe(404);
    expect((await json(missing)).error.code).toBe("WF_RUN_NOT_FOUND");

    const failing = await runtime.start(REPORT, ["failing"]);
    await resume(app, "failing", -1);
    await failing.returnValue.catch(() => {});
    const failed = await get(app, await statusUrl(failing.runId));
    expect(failed.status).toBe(410);
    expect(await json(failed)).toMatchObject({
      taskId: failing.runId,
      status: "failed",
      error: { code: "WF_RUN_FAILED", message: expect.stringContaining("-1 rows") },
    });

    const cancelling = await runtime.start(REPORT, ["cancelled"]);
    await cancelling.cancel();
    const cancelled = await get(app, await statusUrl(cancelling.runId));
    expect(cancelled.status).toBe(410);
    expect(await json(cancelled)).toMatchObject({ status: "cancelled", error: { code: "WF_RUN_CANCELLED" } });
  });

  it("keeps its secret in the data folder across restarts, unless WORKFLOW_SECRET sets one", async () => {
    const first = server();
    const run = await (await first.ready()).runtime.start(REPORT, ["restart"]);
    const url = await statusUrl(run.runId);
    const secretFile = path.join(root, ".workflow-data", "status-secret");
    expect(readFileSync(secretFile, "utf8")).toMatch(/^[\w-]{43}$/);
    await first.close();
    const second = server();
    expect((await get(second, url)).status).toBe(202);
    await second.close();
    const configured = server({ WORKFLOW_SECRET: "a secret the operator chose" });
    expect((await get(configured, url)).status).toBe(403);
    const reissued = await statusUrl(run.runId);
    expect(reissued).not.toBe(url);
    expect((await get(configured, reissued)).status).toBe(202);
  });
});
