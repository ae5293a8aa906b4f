// `wf dev` end to end: the built CLI as a child process on a free port, driven
// through its JSON API, with fixture workflows in a temp folder.
import { createHmac } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, type DevServer, startDev, waitFor, wf } from "./helpers.js";

const STEPS = `
async function add(a: number, b: number) {
  "use step";
  return a + b;
}

async function double(n: number) {
  "use step";
  return n * 2;
}

export async function addThenDouble(a: number, b: number) {
  "use workflow";
  const sum = await add(a, b);
  return { sum, doubled: await double(sum), tags: new Set(["x"]), big: 10n };
}

export async function fails(message: string) {
  "use workflow";
  await add(1, 1);
  throw new TypeError(message);
}
`;

const HOOKS = `
import { createHook } from "workflow";

export async function approval(token: string) {
  "use workflow";
  const hook = createHook<{ approved: boolean; by: string }>({ token });
  const decision = await hook;
  return { decision };
}
`;

const WEBHOOKS = `
import { createWebhook } from "workflow";

export async function callback() {
  "use workflow";
  const webhook = createWebhook();
  const request = await webhook;
  return { method: request.method, body: await request.json() };
}
`;

const format = (greeting: string) => `
export async function format(name: string) {
  "use step";
  return "${greeting}, " + name;
}
`;

const GREET = `
import { format } from "./lib/format";

export async function greet(name: string) {
  "use workflow";
  return await format(name);
}
`;

let tmp: string;
let dev: DevServer;

interface RunAnswer {
  runId: string;
  status: string;
  output?: unknown;
  error?: { name: string; message: string };
}

async function api(
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; json: any; headers: Headers }> {
  const response = await fetch(`${dev.url}${route}`, {
    method,
    ...(body !== undefined && { headers: { "content-type": "application/json" } }),
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : undefined, headers: response.headers };
}

async function startRun(workflow: string, args: unknown[] = []): Promise<string> {
  const { status, json } = await api("POST", "/api/runs", { workflow, args });
  expect(status, JSON.stringify(json)).toBe(201);
  expect(json.runId).toMatch(/^wrun_/);
  return json.runId;
}

async function ended(runId: string): Promise<RunAnswer> {
  return waitFor(`run ${runId} to end`, async () => {
    const { status, json } = await api("GET", `/api/runs/${runId}`);
    expect(status).toBe(200);
    return ["completed", "failed", "cancelled"].includes(json.status) ? (json as RunAnswer) : undefined;
  });
}

async function liveHooks(runId: string): Promise<Array<{ token: string; kind: string; url?: string }>> {
  return waitFor(`run ${runId} to create its hook`, async () => {
    const { status, json } = await api("GET", `/api/runs/${runId}/hooks`);
    expect(status).toBe(200);
    return json.length ? json : undefined;
  });
}

/** Every error answer: JSON with code, message and hint, and no stack trace. */
function expectError(answer: { status: number; json: any }, status: number, code: string): void {
  expect(answer.status, JSON.stringify(answer.json)).toBe(status);
  expect(answer.json.error).toMatchObject({ code, message: expect.any(String), hint: expect.any(String) });
  expect(answer.json.error.hint.length).toBeGreaterThan(0);
  expect(JSON.stringify(answer.json)).not.toMatch(/\n\s+at /);
  // A path-free reference to the page shipped in the package, never a path of the server's disk.
  expect(answer.json.error.docs).toBe(`@wfkit/core/docs/errors/${code}.md`);
  expect(
    existsSync(fileURLToPath(new URL(`../../core/docs/errors/${code}.md`, import.meta.url))),
    `packages/core/docs/errors/${code}.md (copied by npm run build)`,
  ).toBe(true);
}

beforeAll(async () => {
  assertBuilt();
  tmp = mkdtempSync(path.join(tmpdir(), "wf-dev-test-"));
  mkdirSync(path.join(tmp, "flows", "lib"), { recursive: true });
  writeFileSync(path.join(tmp, "flows", "steps.ts"), STEPS);
  writeFileSync(path.join(tmp, "flows", "hooks.ts"), HOOKS);
  writeFileSync(path.join(tmp, "flows", "webhooks.ts"), WEBHOOKS);
  writeFileSync(path.join(tmp, "flows", "greet.ts"), GREET);
  writeFileSync(path.join(tmp, "flows", "lib", "format.ts"), format("hello"));
  dev = await startDev(["flows", "--port", "0", "--data-dir", "data"], tmp);
});

afterAll(async () => {
  await dev?.stop("SIGKILL");
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe("wf dev", () => {
  it("prints the URL and the workflows it found as file#export", () => {
    const out = dev.stdout();
    expect(out.split("\n")[0]).toMatch(/^wf dev listening on http:\/\/127\.0\.0\.1:\d+$/);
    for (const name of [
      "steps.ts#addThenDouble",
      "steps.ts#fails",
      "hooks.ts#approval",
      "webhooks.ts#callback",
      "greet.ts#greet",
    ]) {
      expect(out).toContain(`    ${name}\n`);
    }
  });

  it("lists the workflows at GET /api/workflows", async () => {
    const { status, json } = await api("GET", "/api/workflows");
    expect(status).toBe(200);
    expect(json.map((w: { workflow: string }) => w.workflow).sort()).toEqual(
      [
        "greet.ts#greet",
        "hooks.ts#approval",
        "steps.ts#addThenDouble",
        "steps.ts#fails",
        "webhooks.ts#callback",
      ].sort(),
    );
  });

  it("serves the web UI at / and pushes run changes as server-sent events", async () => {
    const page = await fetch(`${dev.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await page.text();
    const script = /src="\/(assets\/[\w.-]+\.js)"/.exec(html)?.[1];
    expect(script, html).toBeDefined();
    const js = await fetch(`${dev.url}/${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/javascript/);

    const events = await fetch(`${dev.url}/.well-known/workflow/v1/inspect/stream`);
    expect(events.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = events.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { done, value } = await reader.read();
        if (done) throw new Error(`the event stream ended before ${pattern}: ${text}`);
        text += value;
      }
    };
    await until(/event: hello/);
    const runId = await startRun("steps.ts#addThenDouble", [1, 2]);
    // The run's creation and its completion both arrive, each with the run's summary.
    await until(new RegExp(`event: run\ndata: \\{"runId":"${runId}"[^\n]*"created":true`));
    await until(
      new RegExp(`event: run\ndata: \\{"runId":"${runId}","workflowId":"[^"]+","status":"completed"`),
    );
    await reader.cancel();
  });

  it("starts a run and reports its output once it completes", async () => {
    const runId = await startRun("steps.ts#addThenDouble", [2, 3]);
    const run = await ended(runId);
    expect(run).toEqual({
      runId,
      status: "completed",
      output: { sum: 5, doubled: 10, tags: ["x"], big: "10" },
    });
  });

  it("serves a run's status route, its token made with the secret kept in the data folder", async () => {
    const runId = await startRun("steps.ts#addThenDouble", [1, 1]);
    await ended(runId);
    const route = `/.well-known/workflow/v1/runs/${runId}/status`;
    expectError(await api("GET", `${route}?token=not-the-token`), 403, "WF_STATUS_TOKEN_INVALID");
    // The token acceptedResponse() would hand out: an HMAC of the run id under <data dir>/status-secret.
    const secret = readFileSync(path.join(tmp, "data", "status-secret"), "utf8");
    const token = createHmac("sha256", secret).update(`wfkit.status.v1:${runId}`).digest("base64url");
    const answer = await api("GET", `${route}?token=${token}`);
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      taskId: runId,
      status: "completed",
      result: { sum: 2, doubled: 4, tags: ["x"], big: "10" },
    });
  });

  it("reports a failed run's error as {name, message}", async () => {
    const runId = await startRun("steps.ts#fails", ["no luck"]);
    const run = await ended(runId);
    expect(run).toEqual({ runId, status: "failed", error: { name: "TypeError", message: "no luck" } });
    // The log line of the failure is followed by its stack, naming the line of the throw in the user's file.
    await waitFor("the failure's frames in the log", () =>
      dev
        .stderr()
        .includes(
          `run ${runId} workflow//flows/steps//fails: failed (error=TypeError: no luck) \n    at fails (flows/steps.ts:21:9)`,
        )
        ? true
        : undefined,
    );
  });

  it("lists a run's hooks and resumes one", async () => {
    const token = `approve-${Date.now()}`;
    const runId = await startRun("hooks.ts#approval", [token]);
    expect(await liveHooks(runId)).toEqual([{ token, kind: "hook" }]);
    expect((await api("GET", `/api/runs/${runId}`)).json.status).not.toBe("completed");

    const resumed = await api("POST", `/api/hooks/${encodeURIComponent(token)}`, {
      approved: true,
      by: "ana",
    });
    expect(resumed).toMatchObject({ status: 200, json: { runId } });
    expect(await ended(runId)).toEqual({
      runId,
      status: "completed",
      output: { decision: { approved: true, by: "ana" } },
    });
    expect((await api("GET", `/api/runs/${runId}/hooks`)).json).toEqual([]);
  });

  it("returns the first run for an idempotency key, and cancels a waiting run", async () => {
    const token = `idem-${Date.now()}`;
    const first = await api("POST", "/api/runs", {
      workflow: "hooks.ts#approval",
      args: [token],
      idempotencyKey: token,
    });
    const again = await api("POST", "/api/runs", {
      workflow: "hooks.ts#approval",
      args: [token],
      idempotencyKey: token,
    });
    expect(first.status).toBe(201);
    expect(again.json.runId).toBe(first.json.runId);
    expect((await liveHooks(first.json.runId)).map((h) => h.token)).toEqual([token]);
    const cancelled = await api("POST", `/api/runs/${first.json.runId}/cancel`);
    expect(cancelled).toMatchObject({ status: 200, json: { runId: first.json.runId, status: "cancelled" } });
    expect(await ended(first.json.runId)).toEqual({ runId: first.json.runId, status: "cancelled" });
    expect((await api("POST", "/api/runs/wrun_nope/cancel")).json.error.code).toBe("WF_RUN_NOT_FOUND");
    expect(
      (await api("POST", "/api/runs", { workflow: "hooks.ts#approval", idempotencyKey: 5 })).status,
    ).toBe(400);
  });

  it("gives webhook URLs on its own origin; a POST there completes the run", async () => {
    const runId = await startRun("webhooks.ts#callback");
    const [hook] = await liveHooks(runId);
    expect(hook!.kind).toBe("webhook");
    expect(hook!.url).toBe(`${dev.url}/.well-known/workflow/v1/webhook/${encodeURIComponent(hook!.token)}`);

    // Resuming a webhook through the hook route is refused: it takes HTTP requests.
    expectError(
      await api("POST", `/api/hooks/${encodeURIComponent(hook!.token)}`, { x: 1 }),
      409,
      "WF_HOOK_IS_WEBHOOK",
    );

    const response = await fetch(hook!.url!, {
      method: "POST",
      body: JSON.stringify({ images: 4 }),
      headers: { "content-type": "application/json" },
    });
    expect(response.status).toBe(202);
    expect(await ended(runId)).toEqual({
      runId,
      status: "completed",
      output: { method: "POST", body: { images: 4 } },
    });
  });

  it("answers every error with JSON {error: {code, message, hint}}", async () => {
    const unknown = await api("POST", "/api/runs", { workflow: "steps.ts#nope", args: [] });
    expectError(unknown, 404, "WF_DEV_WORKFLOW_NOT_FOUND");
    expect(unknown.json.error.hint).toContain("steps.ts#addThenDouble");
    expect(unknown.json.error.hint).toContain("webhooks.ts#callback");

    expectError(await api("POST", "/api/runs", "{not json"), 400, "WF_DEV_BAD_REQUEST");
    expectError(await api("POST", "/api/runs", ""), 400, "WF_DEV_BAD_REQUEST");
    expectError(await api("POST", "/api/runs", ["steps.ts#addThenDouble"]), 400, "WF_DEV_BAD_REQUEST");
    expectError(
      await api("POST", "/api/runs", { workflow: "steps.ts#addThenDouble", args: 1 }),
      400,
      "WF_DEV_BAD_REQUEST",
    );
    expectError(await api("POST", "/api/runs", { workflow: 7 }), 400, "WF_DEV_BAD_REQUEST");
    expectError(
      await api("POST", "/api/runs", { workflow: "steps.ts#addThenDouble", arg: [] }),
      400,
      "WF_DEV_BAD_REQUEST",
    );
    expectError(await api("POST", "/api/hooks/some-token", "{"), 400, "WF_DEV_BAD_REQUEST");

    expectError(await api("GET", "/api/runs/wrun_doesnotexist"), 404, "WF_RUN_NOT_FOUND");
    expectError(await api("GET", "/api/runs/wrun_doesnotexist/hooks"), 404, "WF_RUN_NOT_FOUND");
    expectError(await api("POST", "/api/hooks/no-such-token", { approved: true }), 404, "WF_HOOK_NOT_FOUND");

    expectError(await api("GET", "/nothing"), 404, "WF_DEV_ROUTE_NOT_FOUND");
    expectError(await api("GET", "/assets/../../package.json"), 404, "WF_DEV_ROUTE_NOT_FOUND");
    expectError(await api("GET", "/api/nothing/here"), 404, "WF_DEV_ROUTE_NOT_FOUND");
    expectError(await api("GET", "/api/runs/a/b/c"), 404, "WF_DEV_ROUTE_NOT_FOUND");
    const wrongMethod = await api("GET", "/api/runs");
    expectError(wrongMethod, 405, "WF_DEV_ROUTE_NOT_FOUND");
    expect(wrongMethod.headers.get("allow")).toBe("POST");
    expectError(await api("GET", "/.well-known/workflow/v1/nothing"), 404, "WF_ROUTE_NOT_FOUND");
    expectError(
      await api("POST", "/.well-known/workflow/v1/webhook/no-such-token", "x"),
      404,
      "WF_WEBHOOK_NOT_FOUND",
    );
  });

  it("picks up an edited step file for new runs", async () => {
    const before = await ended(await startRun("greet.ts#greet", ["ana"]));
    expect(before.output).toBe("hello, ana");

    writeFileSync(path.join(tmp, "flows", "lib", "format.ts"), format("HOWDY"));
    const after = await waitFor("the edited step to be used by a new run", async () => {
      const run = await ended(await startRun("greet.ts#greet", ["ana"]));
      return run.output === "hello, ana" ? undefined : run;
    });
    expect(after).toMatchObject({ status: "completed", output: "HOWDY, ana" });
    expect(dev.stdout()).toMatch(/wf dev: rebuilt \(\d+ workflows, \d+ steps\)/);
    // The run that completed before the edit keeps its output.
    expect((await api("GET", `/api/runs/${before.runId}`)).json.output).toBe("hello, ana");
  });

  it("keeps serving when one workflow file breaks; a run of that file waits and continues once it is fixed", async () => {
    const parked = (suffix: string) => `
import { createHook } from "workflow";

async function stamp(text: string) {
  "use step";
  return text + "${suffix}";
}

export async function review(token: string) {
  "use workflow";
  const { ok } = await createHook<{ ok: boolean }>({ token });
  return await stamp(ok ? "accepted" : "rejected");
}
`;
    const file = path.join(tmp, "flows", "review.ts");
    writeFileSync(file, parked(" (first)"));
    await waitFor("review.ts to be built", async () =>
      (await api("GET", "/api/workflows")).json.some(
        (w: { workflow: string }) => w.workflow === "review.ts#review",
      )
        ? true
        : undefined,
    );
    const token = `review-${Date.now()}`;
    const runId = await startRun("review.ts#review", [token]);
    await liveHooks(runId);

    // A syntax error: the file is left out, the server keeps running and says why.
    writeFileSync(
      file,
      `export async function review(token: string) {\n  "use workflow";\n  return token.trim(;\n}\n`,
    );
    await waitFor("the build error in the log", () =>
      dev.stderr().includes("wfkit: flows/review.ts did not build (WF_WORKFLOW_BUILD_FAILED)")
        ? true
        : undefined,
    );
    expect(dev.stderr()).toContain("at flows/review.ts:3:21");
    const refused = await api("POST", "/api/runs", { workflow: "review.ts#review", args: ["other"] });
    expect(refused.status).toBe(500);
    expect(refused.json.error.code).toBe("WF_WORKFLOW_BUILD_FAILED");
    expect(refused.json.error.message).toContain("flows/review.ts");
    expect((await ended(await startRun("greet.ts#greet", ["bo"]))).status).toBe("completed");

    // The payload for the run under way is held, not refused; the run waits.
    const resumed = api("POST", `/api/hooks/${encodeURIComponent(token)}`, { ok: true });
    await waitFor("the run to wait", () => (dev.stderr().includes(`run ${runId} waits`) ? true : undefined));
    expect((await api("GET", `/api/runs/${runId}`)).json.status).toBe("running");

    writeFileSync(file, parked(" (fixed)"));
    expect(await resumed).toMatchObject({ status: 200, json: { runId } });
    expect(await ended(runId)).toEqual({ runId, status: "completed", output: "accepted (fixed)" });
  });

  it("refuses a second server on the same data dir with the lock error, and a busy port", async () => {
    const locked = await wf(["dev", "flows", "--port", "0", "--data-dir", "data"], tmp);
    expect(locked.code).toBe(1);
    expect(locked.stderr).toContain("WF_W001_DATA_DIR_LOCKED");
    const port = new URL(dev.url).port;
    const busy = await wf(["dev", "flows", "--port", port, "--data-dir", "other-data"], tmp);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(`port ${port}`);
    expect(busy.stderr).toContain("--port 0");
  });

  it("closes cleanly on SIGTERM: exit code 0 and the data dir unlocked", async () => {
    dev.child.kill("SIGTERM");
    expect(await dev.exited).toBe(0);
    expect(existsSync(path.join(tmp, "data", "LOCK"))).toBe(false);
  });
});

describe("wf dev with WORKFLOW_PUBLIC_URL", () => {
  let server: DevServer;

  afterAll(async () => {
    await server?.stop("SIGKILL");
  });

  it("gives webhook URLs on the public origin", async () => {
    server = await startDev(["flows", "--port", "0", "--data-dir", "data-public"], tmp, {
      WORKFLOW_PUBLIC_URL: "https://tunnel.example.test/",
    });
    const started = await fetch(`${server.url}/api/runs`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ workflow: "webhooks.ts#callback" }),
    });
    const { runId } = (await started.json()) as { runId: string };
    const hooks = await waitFor("the webhook", async () => {
      const list = (await (await fetch(`${server.url}/api/runs/${runId}/hooks`)).json()) as Array<{
        token: string;
        url: string;
      }>;
      return list.length ? list : undefined;
    });
    expect(hooks[0]!.url).toBe(
      `https://tunnel.example.test/.well-known/workflow/v1/webhook/${encodeURIComponent(hooks[0]!.token)}`,
    );
    server.child.kill("SIGINT");
    expect(await server.exited).toBe(0);
  });
});
