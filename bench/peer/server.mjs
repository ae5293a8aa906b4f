// The peer-benchmark route contract (../../../shared/peer-bench/README.md) over
// wfkit: one Node process, the embedded SQLite world (PostgreSQL when
// WORKFLOW_POSTGRES_URL is set; several processes: ./cluster.mjs), no HTTP loopback.
//   PORT=3100 WORKFLOW_DATA_DIR=/tmp/wf node bench/peer/server.mjs
import cluster from "node:cluster";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createAppRuntime, resolveConfig, serverTimeouts } from "@wfkit/builder";
import { deserialize } from "@wfkit/core";
import { openPostgresWorld } from "@wfkit/world-postgres";
import { sqliteWorld } from "@wfkit/world-sqlite";

const here = path.dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3100);
const host = process.env.HOST ?? "127.0.0.1";
const { dataDir, postgresUrl, bodyTimeoutMs } = resolveConfig({ root: here });
// The same workflows as the in-process bench (packages/core/bench/workflows.ts).
const app = await createAppRuntime({
  root: path.join(here, "../../packages/core/bench"),
  files: ["workflows.ts"],
  world: postgresUrl ? await openPostgresWorld({ url: postgresUrl }) : sqliteWorld({ dataDir }),
  runtime: { webhookBaseUrl: `http://${host}:${port}`, log: () => {} },
});
const { runtime } = app;
const ids = new Map(app.manifest().workflows.map((w) => [w.exportName, w.id]));

const json = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
};
const readBody = (req) =>
  new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
// ISO-8601: the driver reads times with Date.parse, which gives NaN for epoch numbers and
// then falls back to when its 10 ms poll saw the run (that cost 10-14 ms per figure).
const iso = (ms) => (ms === undefined ? undefined : new Date(ms).toISOString());
const runView = (r, withOutput) => ({
  runId: r.runId,
  status: r.status,
  createdAt: iso(r.createdAt),
  startedAt: iso(r.startedAt),
  completedAt: iso(r.completedAt),
  ...(withOutput && r.output !== undefined && { output: deserialize(r.output) }),
  ...(r.error !== undefined && { error: String(deserialize(r.error)?.message) }),
});

/** Views of ended runs (they do not change), the latest 10,000. */
const ended = new Map();
async function viewOf(runId) {
  const r = await runtime.world.getRun(runId);
  if (!r) return undefined;
  const view = runView(r, false);
  if (r.status === "completed" || r.status === "failed" || r.status === "cancelled") {
    if (ended.size >= 10_000) ended.delete(ended.keys().next().value);
    ended.set(runId, view);
  }
  return view;
}

const server = createServer(serverTimeouts(bodyTimeoutMs), async (req, res) => {
  try {
    const url = new URL(req.url, `http://${host}:${port}`);
    // The driver calls /bench/*; its README says /peer-bench/*: serve both.
    const p = url.pathname.replace(/^\/bench\//, "/peer-bench/");
    if (p.startsWith("/.well-known/workflow/v1/")) {
      const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req);
      // The href, not the URL object: Request parses its input again either way.
      const response = await app.handler(
        new Request(url.href, { method: req.method, headers: req.headers, body }),
      );
      res.writeHead(response.status, Object.fromEntries(response.headers));
      // A 202 has no body: nothing to buffer.
      res.end(response.body === null ? undefined : Buffer.from(await response.arrayBuffer()));
      return;
    }
    if (p === "/peer-bench/info") {
      return json(res, 200, {
        impl: "wfkit",
        // Under ./cluster.mjs the primary is the process tree to sample.
        pid: cluster.isWorker ? process.ppid : process.pid,
        ...(postgresUrl ? { world: "postgres" } : { world: "sqlite", dataDir }),
        versions: { node: process.version, wfkit: "0.1.0" },
      });
    }
    if (p === "/peer-bench/start" && req.method === "POST") {
      const { workflow, args } = JSON.parse(await readBody(req));
      const run = await runtime.start(ids.get(workflow), args ?? []);
      return json(res, 200, { runId: run.runId });
    }
    if (p === "/peer-bench/run") {
      const r = await runtime.world.getRun(url.searchParams.get("runId"));
      return r
        ? json(res, 200, runView(r, url.searchParams.get("output") !== "0"))
        : json(res, 404, { error: "no run" });
    }
    if (p === "/peer-bench/runs" && req.method === "POST") {
      // The throughput scenario polls all its runs every 200 ms: an ended run's view never
      // changes, so it is read once.
      const { runIds } = JSON.parse(await readBody(req));
      const runs = [];
      for (const id of runIds) {
        const view = ended.get(id) ?? (await viewOf(id));
        if (view) runs.push(view);
      }
      return json(res, 200, { runs });
    }
    if (p === "/peer-bench/hooks") {
      const hooks = await runtime.world.listHooks({ runId: url.searchParams.get("runId") });
      const base = runtime.webhookBaseUrl;
      return json(res, 200, {
        hooks: hooks.map((h) => ({
          token: h.token,
          url: `${base}/.well-known/workflow/v1/webhook/${h.token}`,
        })),
      });
    }
    if (p === "/peer-bench/resume" && req.method === "POST") {
      const { token, payload } = JSON.parse(await readBody(req));
      const { runId } = await runtime.resumeHook(token, payload);
      return json(res, 200, { runId });
    }
    json(res, 404, { error: "not found" });
  } catch (error) {
    json(res, 500, { error: String(error?.message ?? error) });
  }
});
server.listen(port, host, () => console.log(`wfkit peer-bench server on http://${host}:${port}`));
const stop = () => server.close(() => app.close().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
