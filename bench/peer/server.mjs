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
import { toNodeHandler } from "@wfkit/core/node";
import { openPostgresWorld } from "@wfkit/world-postgres";
import { sqliteWorld } from "@wfkit/world-sqlite";
import { benchRoutes } from "./routes.mjs";

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

// The bench routes (./routes.mjs) and the workflow routes, both Web handlers.
const bench = benchRoutes({
  runtime,
  deserialize,
  start: (workflow, args) => runtime.start(ids.get(workflow), args),
  info: {
    // Under ./cluster.mjs the primary is the process tree to sample.
    pid: cluster.isWorker ? process.ppid : process.pid,
    ...(postgresUrl ? { world: "postgres" } : { world: "sqlite", dataDir }),
    versions: { node: process.version, wfkit: "0.1.0" },
  },
});
const handle = async (request) => (await bench(request)) ?? app.handler(request);

// Node's requests to Web ones and back by the same adapter apps use (@wfkit/core/node).
const server = createServer(serverTimeouts(bodyTimeoutMs), toNodeHandler(handle));
server.listen(port, host, () => console.log(`wfkit peer-bench server on http://${host}:${port}`));
const stop = () => server.close(() => app.close().then(() => process.exit(0)));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
