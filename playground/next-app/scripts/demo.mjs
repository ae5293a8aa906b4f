#!/usr/bin/env node
// `npm run demo`: builds the playground when its sources are newer than the
// last build, starts `next start`, and prints what to open and what to curl.
// With --check (or CI=true) it then drives each scenario once over HTTP,
// prints what came back, stops the server and exits 0 (1 if anything failed).
import { spawn, spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const app = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const next = createRequire(path.join(app, "package.json")).resolve("next/dist/bin/next");
const check = process.argv.includes("--check") || process.env.CI === "true";
// The self-check takes any free port unless PORT is set, so a busy 3000 cannot fail CI.
const port = Number(process.env.PORT) || (check ? await freePort() : 3000);
const base = `http://localhost:${port}`;
const env = { ...process.env, NEXT_TELEMETRY_DISABLED: process.env.NEXT_TELEMETRY_DISABLED ?? "1" };

/** Newest modification time of the files the build depends on. */
function newestSource(dir = app) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if ([".next", "node_modules", ".workflow-data", ".test-apps", "test", "scripts"].includes(entry.name))
      continue;
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

const built = statSync(path.join(app, ".next", "BUILD_ID"), { throwIfNoEntry: false });
if (!built || built.mtimeMs < newestSource()) {
  console.log("Building the playground (next build)…");
  const build = spawnSync(process.execPath, [next, "build"], { cwd: app, env, stdio: "inherit" });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = spawn(process.execPath, [next, "start", "-p", String(port)], {
  cwd: app,
  env,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

// Once the workflow runtime answers, say what to do.
for (let i = 0; i < 120; i++) {
  const ok = await fetch(`${base}/.well-known/workflow/v1/health`).then(
    (r) => r.ok,
    () => false,
  );
  if (ok) break;
  await new Promise((resolve) => setTimeout(resolve, 250));
}
const post = (route, body) =>
  `curl -s -X POST ${base}${route} -H 'content-type: application/json' -d '${JSON.stringify(body)}'`;
console.log(`
  wfkit × Next.js playground
  Open ${base} and start runs with the buttons; the list refreshes every second.

  Or from a terminal:
    ${post("/api/runs", { scenario: "render" })}      # webhook with progress callbacks
    ${post("/api/runs", { scenario: "approval", expense: { id: "e1" } })}
    ${post("/api/approvals/e1", { approved: true, by: "you" })}      # resumeHook("approval:e1")
    ${post("/api/runs", { scenario: "quote" })}       # manual-response webhook
    ${post("/api/reports", { reportType: "monthly_sales", webhookUrl: `${base}/api/client/reports` })}
                                                      # 202 + Location; later a signed callback to the client route
    curl -s '<Location from that answer>'              # 202 while running, 303 to the result when done
    curl -s ${base}/api/client/reports                # what the client got: verified callbacks and downloads
    curl -s ${base}/api/runs                          # runs, steps and webhook URLs
    curl -i -X POST <webhook url> -d '{"item":"gear","qty":3}'   # answered by a step
    curl -s ${base}/.well-known/workflow/v1/health

  Runs are kept in ${process.env.WORKFLOW_DATA_DIR || path.join(app, ".workflow-data")}. Ctrl+C stops the server.
`);

if (check) {
  const failures = await selfCheck().catch((error) => [String(error?.stack ?? error)]);
  console.log(
    failures.length ? `\n  Self-check FAILED:\n  - ${failures.join("\n  - ")}` : "\n  Self-check passed.",
  );
  server.removeAllListeners("exit");
  server.once("exit", () => process.exit(failures.length ? 1 : 0));
  server.kill("SIGTERM");
}

/** Each seed scenario once, over HTTP, as the curl lines above would. */
async function selfCheck() {
  const failures = [];
  const postJson = async (url, body) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  };
  const run = async (runId) => (await fetch(`${base}/api/runs/${runId}`)).json();
  const until = async (what, probe, ms = 60_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  const ended = (runId) =>
    until(`run ${runId} to end`, async () => {
      const r = await run(runId);
      return ["completed", "failed", "cancelled"].includes(r.status) && r;
    });
  const expect = (what, ok, got) => {
    console.log(`  ${ok ? "ok  " : "FAIL"} ${what}: ${JSON.stringify(got)}`);
    if (!ok) failures.push(what);
  };

  const render = await postJson(`${base}/api/runs`, {
    scenario: "render",
    render: { updates: 3, intervalMs: 100, timeout: "5m" },
  });
  const rendered = await ended(render.body.runId);
  expect(
    "webhook with progress callbacks until x-task-finished",
    rendered.status === "completed",
    rendered.output,
  );

  const id = `check-${Date.now()}`;
  const approval = await postJson(`${base}/api/runs`, {
    scenario: "approval",
    expense: { id, amount: 12, description: "Demo" },
  });
  await until("the approval hook", async () => (await run(approval.body.runId)).hooks.some((h) => h.live));
  const resumed = await postJson(`${base}/api/approvals/${id}`, { approved: true, by: "demo" });
  const approved = await ended(approval.body.runId);
  expect(
    "approval hook resumed from a route handler",
    resumed.status === 200 && approved.status === "completed",
    approved.output,
  );

  const quote = await postJson(`${base}/api/runs`, { scenario: "quote", quotes: 1 });
  const url = await until(
    "the quote webhook",
    async () => (await run(quote.body.runId)).hooks.find((h) => h.kind === "webhook" && h.live)?.url,
  );
  const answer = await postJson(url, { item: "gear", qty: 3 });
  const quoted = await ended(quote.body.runId);
  expect(
    "manual-response webhook answered by a step",
    answer.status === 200 && quoted.status === "completed",
    answer.body,
  );

  const report = await fetch(`${base}/api/reports`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      reportType: "monthly_sales",
      webhookUrl: `${base}/api/client/reports`,
      work: "1s",
    }),
  });
  const task = await report.json();
  const location = report.headers.get("location");
  expect("POST /api/reports answers 202 with a task id and Location", report.status === 202 && !!location, {
    status: report.status,
    taskId: task.taskId,
  });
  const callback = await until("the signed callback to the client route", async () => {
    const { callbacks } = await (await fetch(`${base}/api/client/reports`)).json();
    return callbacks.find((c) => c.taskId === task.taskId && c.download);
  });
  expect(
    "signed callback verified by the client, which downloaded the report",
    callback.download.status === 200,
    { webhookId: callback.webhookId, rows: callback.download.body?.rows?.length },
  );
  await ended(task.taskId);
  const status = await fetch(location, { redirect: "manual" });
  expect(
    "the status URL redirects to the result once done",
    status.status === 303,
    status.headers.get("location"),
  );
  return failures;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}
