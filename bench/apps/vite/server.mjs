// The bench app's production server: `vite build`, then `node server.mjs`
// (PORT, HOST, WORKFLOW_DATA_DIR): the workflow routes, then the bench routes.
import { createServer } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createWorkflowServer, serverTimeouts, toNodeHandler } from "workflow/vite/server";
import api from "./dist/server/api.js";

const workflow = createWorkflowServer({ root: path.dirname(fileURLToPath(import.meta.url)) });
const apiRoutes = toNodeHandler(api);
const server = createServer(serverTimeouts(workflow.config.bodyTimeoutMs), (req, res) =>
  workflow.nodeHandler(req, res, () => apiRoutes(req, res, () => res.writeHead(404).end())),
);
server.listen(Number(process.env.PORT ?? 3000), process.env.HOST, () => {
  workflow.setOrigin(`http://${process.env.HOST || "localhost"}:${server.address().port}`);
});
const stop = async () => {
  server.close();
  server.closeAllConnections();
  await workflow.close();
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
