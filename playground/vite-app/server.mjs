// server.mjs: the production server. `vite build`, then `node server.mjs`.
// Serves the workflow routes (/.well-known/workflow/v1/*), the app's API
// (dist/server/api.js, built from the plugin's `api` module) and the built page
// (dist/client).
//
// Environment: PORT (default 3000, 0 = any free port), HOST (default: all
// interfaces), WORKFLOW_DATA_DIR (default ./.workflow-data), WORKFLOW_PUBLIC_URL
// (base of webhook URLs; default: the address this server listens on).
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createWorkflowServer, serverTimeouts, toNodeHandler } from "workflow/vite/server";
import api from "./dist/server/api.js";

const root = path.dirname(fileURLToPath(import.meta.url));
const clientDir = path.join(root, "dist", "client");

// Compiles the workflow files, opens the World and resumes unfinished runs.
const workflow = createWorkflowServer({ root });
const apiRoutes = toNodeHandler(api);

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
  ".ico": "image/x-icon",
  ".png": "image/png",
};

/** The built page and its assets; other paths get index.html (a single-page app). */
function serveStatic(req, res) {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { allow: "GET, HEAD" }).end();
    return;
  }
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
  } catch {
    res.writeHead(400).end();
    return;
  }
  let file = path.join(clientDir, pathname);
  let stat = file.startsWith(clientDir + path.sep) ? statSync(file, { throwIfNoEntry: false }) : undefined;
  if (!stat?.isFile()) {
    file = path.join(clientDir, "index.html");
    stat = statSync(file, { throwIfNoEntry: false });
    if (!stat) {
      res.writeHead(404, { "content-type": "text/plain" }).end("Not found. Run `vite build` first.");
      return;
    }
  }
  res.writeHead(200, {
    "content-type": TYPES[path.extname(file)] ?? "application/octet-stream",
    "content-length": stat.size,
    "cache-control": file.includes(`${path.sep}assets${path.sep}`)
      ? "public, max-age=31536000, immutable"
      : "no-cache",
  });
  if (req.method === "HEAD") res.end();
  else createReadStream(file).pipe(res);
}

// Node's own limits for requests whose headers or body never arrive (its default waits 300 s).
const server = createServer(serverTimeouts(workflow.config.bodyTimeoutMs), (req, res) => {
  // Workflow routes first, then the app's API, then the page and its assets.
  workflow.nodeHandler(req, res, () => apiRoutes(req, res, () => serveStatic(req, res)));
});

const port = Number(process.env.PORT ?? 3000);
server.listen(port, process.env.HOST, () => {
  const origin = `http://${process.env.HOST || "localhost"}:${server.address().port}`;
  // Webhook URLs use this address unless WORKFLOW_PUBLIC_URL is set.
  workflow.setOrigin(origin);
  console.log(`server.mjs listening on ${origin}`);
});

server.on("error", async (error) => {
  if (error.code === "EADDRINUSE") {
    console.error(
      `server.mjs: port ${port} is already in use by another process. Stop that process, or choose another port: PORT=${port + 1} node server.mjs (PORT=0 picks a free one).`,
    );
  } else {
    console.error("server.mjs: the server could not start:", error);
  }
  await workflow.close();
  process.exit(1);
});

let stopping = false;
async function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.log(`server.mjs: ${signal}, stopping`);
  server.close();
  server.closeAllConnections();
  await workflow.close(); // frees the data folder for the next server
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
