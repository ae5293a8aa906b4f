// One app process of the multi-process test: a runtime on the shared PostgreSQL
// World behind a small HTTP server. Started (and SIGKILLed) by multi-process.test.ts.
import { appendFileSync, readFileSync } from "node:fs";
import http from "node:http";
import { pathToFileURL } from "node:url";
import { Runtime } from "@wfkit/core";
import { openPostgresWorld } from "@wfkit/world-postgres";

const env = (name) =>
  process.env[name] ??
  (() => {
    throw new Error(`${name} is not set`);
  })();
const ledger = env("WF_LEDGER");
const workflows = JSON.parse(readFileSync(env("WF_BUNDLE"), "utf8"));
// Leases far shorter than the defaults, so a killed process's work is taken over within
// seconds, yet long enough that a live process starved of CPU keeps what it holds.
const LEASE_MS = 10_000;
const world = await openPostgresWorld({ url: env("WF_DB_URL"), heartbeatMs: 1_000, instanceTtlMs: LEASE_MS });
await import(pathToFileURL(env("WF_STEPS")).href);

// Every step attempt notes whether the step's completion was already committed when it started.
globalThis.__multiLedger = {
  begin: async (runId, key, attempt, by) => {
    const events = await world.readEvents(runId);
    const op = events.find((e) => e.type === "step_scheduled" && e.input.includes(key));
    const completed = !!op && events.some((e) => e.type === "step_completed" && e.opId === op.opId);
    appendFileSync(ledger, `${JSON.stringify({ runId, key, attempt, by, pid: process.pid, completed })}\n`);
  },
};

const json = (res, status, value) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
};
const body = async (req) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks);
};

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, "http://app");
    const [, first, second] = url.pathname.split("/");
    if (req.method === "POST" && first === "start") {
      const { workflow, args, key } = JSON.parse(await body(req));
      const run = await runtime.start(workflow, args, { idempotencyKey: key });
      return json(res, 200, { runId: run.runId });
    }
    if (req.method === "POST" && first === "resume") {
      const { token, payload } = JSON.parse(await body(req));
      try {
        await runtime.resumeHook(token, payload);
        return json(res, 200, { ok: true });
      } catch (error) {
        return json(res, 404, { error: String(error) });
      }
    }
    if (req.method === "GET" && first === "result") {
      const run = await world.getRun(second);
      if (run?.status !== "completed") return json(res, 200, { status: run?.status ?? null });
      return json(res, 200, { status: run.status, value: await runtime.getRun(second).returnValue });
    }
    if (req.method === "GET" && first === "stream") {
      res.writeHead(200, { "content-type": "application/x-ndjson" });
      for await (const chunk of runtime.getRun(second).getReadable()) res.write(`${JSON.stringify(chunk)}\n`);
      return res.end();
    }
    if (url.pathname.startsWith("/.well-known/workflow/v1/webhook/")) {
      const request = new Request(url, {
        method: req.method,
        headers: req.headers,
        body: req.method === "POST" ? await body(req) : undefined,
      });
      const response = await runtime.handleWebhook(request);
      res.writeHead(response.status, Object.fromEntries(response.headers));
      return res.end(Buffer.from(await response.arrayBuffer()));
    }
    json(res, 404, { error: "no such route" });
  } catch (error) {
    json(res, 500, { error: String(error?.stack ?? error) });
  }
});
// The address first: it is the webhook base, which steps report as where they ran.
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const base = `http://127.0.0.1:${server.address().port}`;
const runtime = new Runtime({
  world,
  workflows,
  retry: { initialDelayMs: 5, maxDelayMs: 20 },
  leaseMs: LEASE_MS,
  webhookBaseUrl: base,
  webhook: { manualResponseTimeoutMs: 60_000 },
  // Errors only: a failing test quotes the processes' output.
  log: (level, args) => level === "error" && console.error(...args),
});
await runtime.recover();
console.log(`ready ${base}`);
