// The bench server (./server.mjs) as N app processes on one port, for the
// PostgreSQL World (a SQLite data folder belongs to one process):
//   PORT=3100 WORKFLOW_POSTGRES_URL=postgres://... node bench/peer/cluster.mjs 2
// node:cluster hands the connections to the workers in turn; the driver samples
// this process and its workers as one tree. SIGTERM stops the workers, then this.
import cluster from "node:cluster";
import path from "node:path";
import { fileURLToPath } from "node:url";

const processes = Number(process.argv[2] ?? 2);
if (!Number.isInteger(processes) || processes < 1) throw new Error(`bad process count: ${process.argv[2]}`);
if (!process.env.WORKFLOW_POSTGRES_URL) throw new Error("cluster.mjs needs WORKFLOW_POSTGRES_URL");
cluster.setupPrimary({ exec: path.join(path.dirname(fileURLToPath(import.meta.url)), "server.mjs") });
const workers = Array.from({ length: processes }, () => cluster.fork());
let stopping = false;
const stop = () => {
  stopping = true;
  for (const w of workers) w.process.kill("SIGTERM");
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
cluster.on("exit", (worker, code, signal) => {
  if (!stopping) {
    console.error(`bench worker ${worker.process.pid} exited (${signal ?? code}); stopping`);
    stop();
  }
  if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(stopping ? 0 : 1);
});
